-- Which teams exist right now, how they nest, who owns them and how many members they have
-- (latest snapshot).
with teams as (
    select * from {{ ref('stg_workboard__teams') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
),

members as (
    select
        team_id,
        count(*) as member_count,
        count(case when is_team_manager then 1 end) as manager_count
    from {{ ref('stg_workboard__team_members') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
    group by team_id
),

owners as (
    select user_id, full_name from {{ ref('stg_workboard__users') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
)

select
    teams.team_id,
    teams.team_name,
    teams.team_type,
    teams.team_state,
    teams.is_active,
    teams.parent_team_id,
    parents.team_name as parent_team_name,
    teams.parent_team_id is null as is_root_team,
    teams.dotted_parent_team_ids,
    teams.hierarchy_level,
    teams.owner_user_id,
    owners.full_name as owner_full_name,
    coalesce(members.member_count, 0) as member_count,
    coalesce(members.manager_count, 0) as manager_count,
    teams.external_id,
    teams.created_at,
    teams.updated_at,
    teams.snapshot_date
from teams
left join teams as parents
    on teams.parent_team_id = parents.team_id
left join members
    on teams.team_id = members.team_id
left join owners
    on teams.owner_user_id = owners.user_id
