-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('key_result_comments') }}
    where {{ wbexport_published_filter('key_result_comments') }}
)

select
    source.metric_id as key_result_id,
    source.modified_at as commented_at,
    source.ordinal,
    source.snapshot_date,
    source.goal_id,
    source.comment as comment_text,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
