-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('key_result_checkins') }}
    where {{ wbexport_published_filter('key_result_checkins') }}
)

select
    source.metric_data_id as checkin_id,
    source.snapshot_date,
    source.metric_id as key_result_id,
    source.goal_id,
    source.metric_data_created_at as due_at,
    source.metric_data_value as checkin_value,
    source.metric_data_updated_at as checked_in_at,
    source.metric_data_created_by as checked_in_by_user_id,
    {{ wbexport_blank_to_null('source.metric_data_comment') }} as checkin_comment,
    (source.metric_data_value is not null or source.metric_data_updated_at is not null) as is_checked_in,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
