-- What every goal looks like right now (latest snapshot): owner, team, period, progress, colour
-- and a summary of its key results and their check-ins.
with goals as (
    select * from {{ ref('stg_workboard__goals') }}
    where is_latest_snapshot
),

key_results as (
    select
        goal_id,
        count(*) as key_result_count,
        sum(case when key_result_status = 'active' then 1 else 0 end) as active_key_result_count,
        max(last_checkin_at) as last_checkin_at
    from {{ ref('stg_workboard__key_results') }}
    where is_latest_snapshot
    group by goal_id
),

checkins as (
    select
        goal_id,
        sum(case when checkin_status != 'not_due' then 1 else 0 end) as due_checkin_slots,
        sum(case when is_checked_in then 1 else 0 end) as checked_in_slots,
        sum(case when is_missed then 1 else 0 end) as missed_checkin_slots
    from {{ ref('fct_key_result_checkins') }}
    group by goal_id
),

trend as (
    select goal_id, previous_progress_pct, progress_change_pct, previous_progress_color, colour_trend
    from {{ ref('fct_goal_progress_daily') }}
    where is_latest_snapshot
)

select
    goals.goal_id,
    goals.goal_name,
    goals.goal_description,
    goals.goal_type,
    goals.goal_status,
    goals.owner_user_id,
    goals.owner_full_name,
    goals.team_id,
    goals.team_name,
    goals.period_start_date,
    goals.period_end_date,
    {{ wbexport_quarter_start('goals.period_start_at') }} as period_quarter_start_date,
    {{ wbexport_quarter_label('goals.period_start_at') }} as period_quarter,
    goals.progress_pct,
    goals.progress_color,
    goals.progress_color_rank,
    goals.progress_color_source,
    goals.progress_status,
    trend.previous_progress_pct,
    trend.progress_change_pct,
    trend.previous_progress_color,
    trend.colour_trend,
    coalesce(key_results.key_result_count, 0) as key_result_count,
    coalesce(key_results.active_key_result_count, 0) as active_key_result_count,
    key_results.last_checkin_at,
    coalesce(checkins.due_checkin_slots, 0) as due_checkin_slots,
    coalesce(checkins.checked_in_slots, 0) as checked_in_slots,
    coalesce(checkins.missed_checkin_slots, 0) as missed_checkin_slots,
    goals.category_names,
    goals.permissions,
    goals.created_at,
    goals.modified_at,
    goals.snapshot_date
from goals
left join key_results
    on goals.goal_id = key_results.goal_id
left join checkins
    on goals.goal_id = checkins.goal_id
left join trend
    on goals.goal_id = trend.goal_id
