with source as (
    select * from {{ source('workboard', 'key_result_checkins') }}
),

-- The latest snapshot is the parent table's: these rows come from the same API responses as
-- key_results, and an empty latest partition of this table must not make an older one look current.
latest as (
    select max(snapshot_date) as latest_snapshot_date from {{ source('workboard', 'key_results') }}
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
    source.snapshot_date = latest.latest_snapshot_date as is_latest_snapshot
from source
cross join latest
