-- Which active goals need attention now? One row per active goal of the latest snapshot that
--   * is currently off track or at risk (progress_status), or
--   * worsened in colour within the last var at_risk_worsened_within_days days (default 7;
--     snapshots after latest - N days), or
--   * has an active key result that missed its last due check-in,
-- with a flag per reason, every reason in risk_reasons, and the most pressing one in
-- risk_reason (off_track > at_risk > missed_checkins > colour_worsened).
{%- set latest = wbexport_latest_snapshot_date() %}
{%- set within = var('at_risk_worsened_within_days', 7) | int %}
with goals as (
    select * from {{ ref('dim_goals') }}
    where goal_status = 'active'
),

worsened as (
    select
        goal_id,
        max(snapshot_date) as last_worsened_on,
        count(*) as times_worsened
    from {{ ref('fct_goal_progress_daily') }}
    where snapshot_date > {{ wbexport_add_days(latest, -within) }}
        and colour_trend = 'worsened'
    group by goal_id
),

missed_last as (
    select
        key_results.goal_id,
        count(*) as key_results_missed_last_checkin,
        {{ dbt.listagg('key_results.key_result_name', "'; '", 'order by key_results.key_result_name') }} as key_results_missed_last_checkin_names
    from {{ ref('dim_key_results') }} as key_results
    where key_results.key_result_status = 'active'
        and key_results.last_due_checkin_status = 'missed'
    group by key_results.goal_id
),

flagged as (
    select
        goals.*,
        coalesce(goals.progress_status = 'off_track', false) as is_off_track,
        coalesce(goals.progress_status = 'at_risk', false) as is_at_risk_status,
        worsened.goal_id is not null as is_colour_worsened,
        worsened.last_worsened_on,
        coalesce(missed_last.key_results_missed_last_checkin, 0) as key_results_missed_last_checkin,
        missed_last.key_results_missed_last_checkin_names
    from goals
    left join worsened
        on goals.goal_id = worsened.goal_id
    left join missed_last
        on goals.goal_id = missed_last.goal_id
)

select
    goal_id,
    goal_name,
    owner_user_id,
    owner_full_name,
    team_id,
    team_name,
    period_quarter,
    period_end_date,
    progress_pct,
    previous_progress_pct,
    progress_change_pct,
    expected_progress_pct,
    pace_pct,
    progress_color,
    previous_progress_color,
    progress_status,
    is_off_track,
    is_at_risk_status,
    is_colour_worsened,
    last_worsened_on,
    key_results_missed_last_checkin > 0 as is_missing_checkins,
    key_results_missed_last_checkin,
    key_results_missed_last_checkin_names,
    case
        when is_off_track then 'off_track'
        when is_at_risk_status then 'at_risk'
        when key_results_missed_last_checkin > 0 then 'missed_checkins'
        else 'colour_worsened'
    end as risk_reason,
    rtrim({{ dbt.concat([
        "case when is_off_track then 'off_track; ' else '' end",
        "case when is_at_risk_status then 'at_risk; ' else '' end",
        "case when key_results_missed_last_checkin > 0 then 'missed_checkins; ' else '' end",
        "case when is_colour_worsened then 'colour_worsened; ' else '' end"
    ]) }}, '; ') as risk_reasons,
    snapshot_date
from flagged
where is_off_track or is_at_risk_status or is_colour_worsened or key_results_missed_last_checkin > 0
