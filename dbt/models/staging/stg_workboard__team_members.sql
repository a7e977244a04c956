with source as (
    select * from {{ source('workboard', 'team_members') }}
),

-- The latest snapshot is the parent table's: these rows come from the same API responses as
-- teams, and an empty latest partition of this table must not make an older one look current.
latest as (
    select max(snapshot_date) as latest_snapshot_date from {{ source('workboard', 'teams') }}
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
    source.snapshot_date = latest.latest_snapshot_date as is_latest_snapshot
from source
cross join latest
