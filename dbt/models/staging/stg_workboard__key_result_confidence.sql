-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('key_result_confidence') }}
    where {{ wbexport_published_filter('key_result_confidence') }}
)

select
    source.metric_id as key_result_id,
    source.modified_at as rated_at,
    source.ordinal,
    source.snapshot_date,
    source.goal_id,
    source.confidence as confidence_code,
    coalesce(
        {{ wbexport_decode('trim(source.confidence)', {'0': 'none', '1': 'low', '2': 'medium', '3': 'high'}) }},
        lower({{ wbexport_blank_to_null('source.confidence') }})
    ) as confidence,
    {{ wbexport_blank_to_null('source.comment') }} as confidence_comment,
    source.metric_data_id as checkin_id,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
