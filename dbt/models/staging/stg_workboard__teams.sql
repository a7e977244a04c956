-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('teams') }}
    where {{ wbexport_published_filter('teams') }}
)

select
    source.team_id,
    source.snapshot_date,
    source.team_name,
    {{ wbexport_blank_to_null('source.external_id') }} as external_id,
    source.parent_team_id,
    source.dotted_team_ids as dotted_parent_team_ids,
    source.team_owner as owner_user_id,
    source.team_type,
    source.level as hierarchy_level,
    source.created_from,
    source.created_at,
    source.updated_at,
    source.team_state as team_state_code,
    {{ wbexport_decode('source.team_state', {'1': 'active', '0': 'archived'}) }} as team_state,
    source.team_state = '1' as is_active,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
