-- How is each team doing per quarter? Per team and calendar quarter of the goal period (quarter of
-- the goal's start date), latest snapshot: number of goals, average progress, share of goals on
-- track / at risk / off track, and check-in compliance of their key results. Team goals only
-- (personal goals have no team).
with goals as (
    select
        goal_id,
        team_id,
        -- goals without a start date are rolled up under 'no_period'
        coalesce(period_quarter, 'no_period') as period_quarter,
        period_quarter_start_date,
        goal_status,
        progress_pct,
        progress_status,
        snapshot_date
    from {{ ref('dim_goals') }}
    where team_id is not null
),

checkins as (
    select
        goal_id,
        sum(case when checkin_status != 'not_due' then 1 else 0 end) as due_slots,
        sum(case when checkin_status in ('on_time', 'late', 'unknown') then 1 else 0 end) as checked_in_slots,
        sum(case when checkin_status = 'on_time' then 1 else 0 end) as on_time_slots,
        sum(case when checkin_status = 'missed' then 1 else 0 end) as missed_slots
    from {{ ref('fct_key_result_checkins') }}
    group by goal_id
),

rolled as (
    select
        goals.team_id,
        goals.period_quarter,
        goals.period_quarter_start_date,
        count(*) as goal_count,
        sum(case when goals.goal_status = 'active' then 1 else 0 end) as active_goal_count,
        sum(case when goals.goal_status = 'closed' then 1 else 0 end) as closed_goal_count,
        avg(goals.progress_pct) as avg_progress_pct,
        sum(case when goals.progress_status = 'on_track' then 1 else 0 end) as on_track_goal_count,
        sum(case when goals.progress_status = 'at_risk' then 1 else 0 end) as at_risk_goal_count,
        sum(case when goals.progress_status = 'off_track' then 1 else 0 end) as off_track_goal_count,
        sum(case when goals.progress_status is not null then 1 else 0 end) as rated_goal_count,
        sum(coalesce(checkins.due_slots, 0)) as due_checkin_slots,
        sum(coalesce(checkins.checked_in_slots, 0)) as checked_in_slots,
        sum(coalesce(checkins.on_time_slots, 0)) as on_time_checkin_slots,
        sum(coalesce(checkins.missed_slots, 0)) as missed_checkin_slots,
        max(goals.snapshot_date) as snapshot_date
    from goals
    left join checkins
        on goals.goal_id = checkins.goal_id
    group by goals.team_id, goals.period_quarter, goals.period_quarter_start_date
)

select
    {{ dbt.concat(["cast(rolled.team_id as " ~ dbt.type_string() ~ ")", "'@'", "rolled.period_quarter"]) }} as team_quarter_id,
    rolled.team_id,
    teams.team_name,
    rolled.period_quarter,
    rolled.period_quarter_start_date,
    rolled.goal_count,
    rolled.active_goal_count,
    rolled.closed_goal_count,
    round(rolled.avg_progress_pct, 2) as avg_progress_pct,
    rolled.on_track_goal_count,
    rolled.at_risk_goal_count,
    rolled.off_track_goal_count,
    round(1.0 * rolled.on_track_goal_count / nullif(rolled.rated_goal_count, 0), 4) as share_on_track,
    round(1.0 * rolled.at_risk_goal_count / nullif(rolled.rated_goal_count, 0), 4) as share_at_risk,
    round(1.0 * rolled.off_track_goal_count / nullif(rolled.rated_goal_count, 0), 4) as share_off_track,
    rolled.due_checkin_slots,
    rolled.checked_in_slots,
    rolled.on_time_checkin_slots,
    rolled.missed_checkin_slots,
    round(1.0 * rolled.checked_in_slots / nullif(rolled.due_checkin_slots, 0), 4) as checkin_compliance,
    round(1.0 * rolled.on_time_checkin_slots / nullif(rolled.due_checkin_slots, 0), 4) as on_time_checkin_share,
    rolled.snapshot_date
from rolled
left join {{ ref('dim_teams') }} as teams
    on rolled.team_id = teams.team_id
