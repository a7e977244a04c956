-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('team_members') }}
    where {{ wbexport_published_filter('team_members') }}
)

select
    source.team_id,
    source.user_id,
    source.snapshot_date,
    source.first_name,
    source.last_name,
    source.email,
    source.team_role,
    source.team_role in ('manager', 'co_manager') as is_team_manager,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
