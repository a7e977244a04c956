{{ config(severity='warn') }}
-- Orphans in the alignment tree of the latest snapshot: a goal aligned to a goal the export did
-- not list (wbexport keeps such edges: the parent may be out of the token's sight or deleted),
-- and an alignment row for a goal missing from the goals table. A warning, not an error: both
-- can be true of the API's data.
with alignments as (
    select goal_id, parent_goal_id
    from {{ ref('stg_workboard__goal_alignments') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
),

goals as (
    select goal_id
    from {{ ref('stg_workboard__goals') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
)

select alignments.goal_id, 'parent not listed' as problem
from alignments
left join alignments as parents
    on alignments.parent_goal_id = parents.goal_id
where alignments.parent_goal_id is not null
    and parents.goal_id is null

union all

select alignments.goal_id, 'goal not in goals' as problem
from alignments
left join goals
    on alignments.goal_id = goals.goal_id
where goals.goal_id is null
