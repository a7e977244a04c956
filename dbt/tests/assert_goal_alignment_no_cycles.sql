{{ config(severity='error') }}
-- A goal must never be its own ancestor: walks parent_goal_id up from every goal of the latest
-- snapshot (at most 20 steps) and returns each goal met again on its own way up. wbexport
-- breaks cycles before writing (and reports them), so a row here means the data were changed
-- or written by something else.
with recursive alignments as (
    select goal_id, parent_goal_id
    from {{ ref('stg_workboard__goal_alignments') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
),

walk as (
    select goal_id, parent_goal_id as ancestor_goal_id, cast(1 as {{ dbt.type_bigint() }}) as steps
    from alignments
    where parent_goal_id is not null

    union all

    select walk.goal_id, alignments.parent_goal_id as ancestor_goal_id, walk.steps + 1 as steps
    from walk
    inner join alignments
        on walk.ancestor_goal_id = alignments.goal_id
    where alignments.parent_goal_id is not null
        and walk.ancestor_goal_id != walk.goal_id
        and walk.steps < 20
)

select distinct goal_id
from walk
where ancestor_goal_id = goal_id
