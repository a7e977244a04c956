-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('goal_alignments') }}
    where {{ wbexport_published_filter('goal_alignments') }}
)

select
    source.goal_id,
    source.snapshot_date,
    source.parent_goal_id,
    source.depth as alignment_depth,
    source.root_goal_id,
    source.goal_name,
    source.goal_owner as owner_user_id,
    source.goal_team_name as team_name,
    source.goal_progress as progress_pct,
    source.goal_progress_color as progress_color,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
