-- Which active goals need attention now? Goals of the latest snapshot whose colour worsened
-- between their last two snapshots, or with at least one active key result that missed its last
-- due check-in. One row per such goal, with the reasons.
with goals as (
    select * from {{ ref('dim_goals') }}
    where goal_status = 'active'
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
        goals.colour_trend = 'worsened' as is_colour_worsened,
        coalesce(missed_last.key_results_missed_last_checkin, 0) as key_results_missed_last_checkin,
        missed_last.key_results_missed_last_checkin_names
    from goals
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
    progress_color,
    previous_progress_color,
    progress_status,
    is_colour_worsened,
    key_results_missed_last_checkin,
    key_results_missed_last_checkin_names,
    case
        when is_colour_worsened and key_results_missed_last_checkin > 0 then 'colour_worsened_and_missed_checkins'
        when is_colour_worsened then 'colour_worsened'
        else 'missed_checkins'
    end as risk_reason,
    snapshot_date
from flagged
where is_colour_worsened or key_results_missed_last_checkin > 0
