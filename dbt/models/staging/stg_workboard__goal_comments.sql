-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('goal_comments') }}
    where {{ wbexport_published_filter('goal_comments') }}
)

select
    source.comment_id,
    source.snapshot_date,
    source.goal_id,
    source.comment_text,
    source.comment_owner as author_user_id,
    source.comment_owner_name as author_name,
    source.comment_added_at as added_at,
    source.comment_last_updated as last_updated_at,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
