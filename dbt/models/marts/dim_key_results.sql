-- What every key result looks like right now (latest snapshot): target, current value, progress,
-- colour, cadence, and how its check-ins went.
with key_results as (
    select * from {{ ref('stg_workboard__key_results') }}
    where is_latest_snapshot
),

checkins as (
    select
        key_result_id,
        sum(case when checkin_status != 'not_due' then 1 else 0 end) as due_checkin_slots,
        sum(case when checkin_status = 'on_time' then 1 else 0 end) as on_time_checkin_slots,
        sum(case when checkin_status = 'late' then 1 else 0 end) as late_checkin_slots,
        sum(case when is_missed then 1 else 0 end) as missed_checkin_slots,
        max(case when is_last_due_slot then checkin_status end) as last_due_checkin_status,
        max(case when is_last_due_slot then due_at end) as last_due_at
    from {{ ref('fct_key_result_checkins') }}
    group by key_result_id
),

goals as (
    select goal_id, goal_name, team_id from {{ ref('stg_workboard__goals') }}
    where is_latest_snapshot
)

select
    key_results.key_result_id,
    key_results.key_result_name,
    key_results.goal_id,
    goals.goal_name,
    goals.team_id,
    key_results.owner_user_id,
    key_results.key_result_status,
    key_results.checkin_interval,
    key_results.checkin_interval_day,
    key_results.unit,
    key_results.progress_type,
    key_results.counting_type,
    key_results.source_type,
    key_results.start_value,
    key_results.target_value,
    key_results.current_value,
    key_results.progress_pct,
    key_results.progress_color,
    key_results.progress_color_rank,
    key_results.progress_color_source,
    key_results.progress_status,
    key_results.last_checkin_at,
    key_results.next_checkin_due_at,
    key_results.target_at,
    coalesce(checkins.due_checkin_slots, 0) as due_checkin_slots,
    coalesce(checkins.on_time_checkin_slots, 0) as on_time_checkin_slots,
    coalesce(checkins.late_checkin_slots, 0) as late_checkin_slots,
    coalesce(checkins.missed_checkin_slots, 0) as missed_checkin_slots,
    checkins.last_due_at,
    checkins.last_due_checkin_status,
    key_results.created_at,
    key_results.modified_at,
    key_results.snapshot_date
from key_results
left join goals
    on key_results.goal_id = goals.goal_id
left join checkins
    on key_results.key_result_id = checkins.key_result_id
