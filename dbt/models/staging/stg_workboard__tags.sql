-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('tags') }}
    where {{ wbexport_published_filter('tags') }}
)

select
    source.tag_id,
    source.snapshot_date,
    source.tag_name,
    source.tag_status as tag_status_code,
    {{ wbexport_decode('source.tag_status', {'1': 'active', '2': 'archived'}) }} as tag_status,
    source.group_id as tag_group_id,
    source.group_name as tag_group_name,
    source.group_status as tag_group_status_code,
    source.created_date as created_at,
    source.created_by as created_by_user_id,
    source.updated_date as updated_at,
    source.updated_by as updated_by_user_id,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
