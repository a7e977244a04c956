-- How is each team doing per fiscal quarter? Latest snapshot, team goals only (personal goals
-- have no team). Two rows per team and quarter: rollup_scope 'team' (the team's own goals) and
-- 'subtree' (the team and every team below it, following parent_team_id, see
-- dim_team_hierarchy).
--   * goal measures: goals whose period lies in the quarter (period_quarter, the fiscal quarter
--     of the middle of the goal's period): counts by status, progress, pace and period-end score;
--   * check-in measures: check-in slots of the teams' goals that were DUE in the quarter
--     (due_quarter), whatever the goal's period.
-- Every ratio comes with its numerator and denominator (e.g. progress_pct_sum / progress_goal_count,
-- checked_in_slots / due_checkin_slots), so BI tools can sum those and divide, across teams and
-- quarters, instead of averaging averages.
with goals as (
    select
        goal_id,
        team_id,
        coalesce(period_quarter, 'no_period') as period_quarter,
        period_quarter_start_date,
        goal_status,
        progress_pct,
        progress_status,
        pace_pct,
        period_end_score,
        snapshot_date
    from {{ ref('dim_goals') }}
    where team_id is not null
),

checkins as (
    select
        goals.team_id,
        coalesce(checkins.due_quarter, 'no_period') as period_quarter,
        checkins.due_quarter_start_date as period_quarter_start_date,
        checkins.is_due,
        checkins.is_checked_in,
        checkins.is_on_time,
        checkins.is_missed
    from {{ ref('fct_key_result_checkins') }} as checkins
    inner join goals
        on checkins.goal_id = goals.goal_id
),

hierarchy as (
    select ancestor_team_id, team_id, depth from {{ ref('dim_team_hierarchy') }}
),

scopes as (
    select 'team' as rollup_scope, team_id as rollup_team_id, team_id from hierarchy where depth = 0
    union all
    select 'subtree' as rollup_scope, ancestor_team_id as rollup_team_id, team_id from hierarchy
),

goal_measures as (
    select
        scopes.rollup_scope,
        scopes.rollup_team_id,
        goals.period_quarter,
        max(goals.period_quarter_start_date) as period_quarter_start_date,
        count(*) as goal_count,
        count(case when goals.goal_status = 'active' then 1 end) as active_goal_count,
        count(case when goals.goal_status = 'closed' then 1 end) as closed_goal_count,
        count(case when goals.progress_status is not null then 1 end) as rated_goal_count,
        count(case when goals.progress_status = 'on_track' then 1 end) as on_track_goal_count,
        count(case when goals.progress_status = 'at_risk' then 1 end) as at_risk_goal_count,
        count(case when goals.progress_status = 'off_track' then 1 end) as off_track_goal_count,
        count(goals.progress_pct) as progress_goal_count,
        round(sum(goals.progress_pct), 4) as progress_pct_sum,
        count(goals.pace_pct) as pace_goal_count,
        round(sum(goals.pace_pct), 4) as pace_pct_sum,
        count(goals.period_end_score) as scored_goal_count,
        round(sum(goals.period_end_score), 4) as score_sum,
        max(goals.snapshot_date) as snapshot_date
    from goals
    inner join scopes
        on goals.team_id = scopes.team_id
    group by scopes.rollup_scope, scopes.rollup_team_id, goals.period_quarter
),

checkin_measures as (
    select
        scopes.rollup_scope,
        scopes.rollup_team_id,
        checkins.period_quarter,
        max(checkins.period_quarter_start_date) as period_quarter_start_date,
        count(case when checkins.is_due then 1 end) as due_checkin_slots,
        count(case when checkins.is_checked_in then 1 end) as checked_in_slots,
        count(case when checkins.is_on_time then 1 end) as on_time_checkin_slots,
        count(case when checkins.is_missed then 1 end) as missed_checkin_slots
    from checkins
    inner join scopes
        on checkins.team_id = scopes.team_id
    group by scopes.rollup_scope, scopes.rollup_team_id, checkins.period_quarter
),

combined as (
    select
        coalesce(goal_measures.rollup_scope, checkin_measures.rollup_scope) as rollup_scope,
        coalesce(goal_measures.rollup_team_id, checkin_measures.rollup_team_id) as team_id,
        coalesce(goal_measures.period_quarter, checkin_measures.period_quarter) as period_quarter,
        coalesce(goal_measures.period_quarter_start_date, checkin_measures.period_quarter_start_date) as period_quarter_start_date,
        coalesce(goal_measures.goal_count, 0) as goal_count,
        coalesce(goal_measures.active_goal_count, 0) as active_goal_count,
        coalesce(goal_measures.closed_goal_count, 0) as closed_goal_count,
        coalesce(goal_measures.rated_goal_count, 0) as rated_goal_count,
        coalesce(goal_measures.on_track_goal_count, 0) as on_track_goal_count,
        coalesce(goal_measures.at_risk_goal_count, 0) as at_risk_goal_count,
        coalesce(goal_measures.off_track_goal_count, 0) as off_track_goal_count,
        coalesce(goal_measures.progress_goal_count, 0) as progress_goal_count,
        goal_measures.progress_pct_sum,
        coalesce(goal_measures.pace_goal_count, 0) as pace_goal_count,
        goal_measures.pace_pct_sum,
        coalesce(goal_measures.scored_goal_count, 0) as scored_goal_count,
        goal_measures.score_sum,
        coalesce(checkin_measures.due_checkin_slots, 0) as due_checkin_slots,
        coalesce(checkin_measures.checked_in_slots, 0) as checked_in_slots,
        coalesce(checkin_measures.on_time_checkin_slots, 0) as on_time_checkin_slots,
        coalesce(checkin_measures.missed_checkin_slots, 0) as missed_checkin_slots
    from goal_measures
    full outer join checkin_measures
        on goal_measures.rollup_scope = checkin_measures.rollup_scope
        and goal_measures.rollup_team_id = checkin_measures.rollup_team_id
        and goal_measures.period_quarter = checkin_measures.period_quarter
)

select
    {{ dbt.concat(["cast(combined.team_id as " ~ dbt.type_string() ~ ")", "'@'", "combined.period_quarter", "'@'", "combined.rollup_scope"]) }} as team_quarter_id,
    combined.team_id,
    teams.team_name,
    combined.rollup_scope,
    combined.period_quarter,
    combined.period_quarter_start_date,
    combined.goal_count,
    combined.active_goal_count,
    combined.closed_goal_count,
    combined.rated_goal_count,
    combined.on_track_goal_count,
    combined.at_risk_goal_count,
    combined.off_track_goal_count,
    round(1.0 * combined.on_track_goal_count / nullif(combined.rated_goal_count, 0), 4) as share_on_track,
    round(1.0 * combined.at_risk_goal_count / nullif(combined.rated_goal_count, 0), 4) as share_at_risk,
    round(1.0 * combined.off_track_goal_count / nullif(combined.rated_goal_count, 0), 4) as share_off_track,
    combined.progress_goal_count,
    combined.progress_pct_sum,
    round(combined.progress_pct_sum / nullif(combined.progress_goal_count, 0), 2) as avg_progress_pct,
    combined.pace_goal_count,
    combined.pace_pct_sum,
    round(combined.pace_pct_sum / nullif(combined.pace_goal_count, 0), 2) as avg_pace_pct,
    combined.scored_goal_count,
    combined.score_sum,
    round(combined.score_sum / nullif(combined.scored_goal_count, 0), 4) as avg_period_end_score,
    combined.due_checkin_slots,
    combined.checked_in_slots,
    combined.on_time_checkin_slots,
    combined.missed_checkin_slots,
    round(1.0 * combined.checked_in_slots / nullif(combined.due_checkin_slots, 0), 4) as checkin_compliance,
    round(1.0 * combined.on_time_checkin_slots / nullif(combined.due_checkin_slots, 0), 4) as on_time_checkin_share,
    {{ wbexport_latest_snapshot_date() }} as snapshot_date
from combined
left join {{ ref('dim_teams') }} as teams
    on combined.team_id = teams.team_id
