-- Who is who right now: every user of the organisation as of the latest snapshot.
with users as (
    select * from {{ ref('stg_workboard__users') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
),

managers as (
    select user_id, full_name from users
)

select
    users.user_id,
    users.full_name,
    users.first_name,
    users.last_name,
    users.user_name,
    users.email,
    users.job_title,
    users.company,
    users.time_zone,
    users.external_id,
    users.account_status,
    users.is_read_only,
    users.is_org_admin,
    users.is_data_admin,
    users.org_role_ids,
    users.direct_manager_user_id,
    managers.full_name as direct_manager_full_name,
    users.dotted_manager_user_ids,
    users.created_at,
    users.last_visited_at,
    users.snapshot_date
from users
left join managers
    on users.direct_manager_user_id = managers.user_id
