-- What every goal looks like right now (latest snapshot): owner, team, period and its fiscal
-- quarter, progress, colour, pace, trend, period-end score, and a summary of its key results,
-- their confidence and their check-ins. Reads only the latest snapshot (constant date).
{%- set latest = wbexport_latest_snapshot_date() %}
with goals as (
    select * from {{ ref('stg_workboard__goals') }}
    where snapshot_date = {{ latest }}
),

daily as (
    select * from {{ ref('fct_goal_progress_daily') }}
    where snapshot_date = {{ latest }}
),

key_results as (
    select
        goal_id,
        count(*) as key_result_count,
        count(case when key_result_status = 'active' then 1 end) as active_key_result_count,
        count(case when latest_confidence = 'low' then 1 end) as low_confidence_key_result_count,
        count(case when confidence_trend = 'down' then 1 end) as confidence_down_key_result_count,
        max(last_checkin_at) as last_checkin_at,
        cast(sum(due_checkin_slots) as {{ dbt.type_bigint() }}) as due_checkin_slots,
        cast(sum(checked_in_slots) as {{ dbt.type_bigint() }}) as checked_in_slots,
        cast(sum(on_time_checkin_slots) as {{ dbt.type_bigint() }}) as on_time_checkin_slots,
        cast(sum(missed_checkin_slots) as {{ dbt.type_bigint() }}) as missed_checkin_slots
    from {{ ref('dim_key_results') }}
    group by goal_id
),

scores as (
    select goal_id, period_end_date, scored_snapshot_date, score, grade
    from {{ ref('fct_goal_scores') }}
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
    daily.period_quarter,
    daily.period_quarter_start_date,
    daily.period_elapsed_share,
    goals.period_end_date < goals.snapshot_date as is_period_ended,
    goals.progress_pct,
    goals.progress_color,
    goals.progress_color_rank,
    goals.progress_color_source,
    goals.progress_status,
    daily.expected_progress_pct,
    daily.pace_pct,
    daily.previous_snapshot_date,
    daily.previous_progress_pct,
    daily.progress_change_pct,
    daily.previous_progress_color,
    daily.colour_trend,
    scores.score as period_end_score,
    scores.grade as period_end_grade,
    scores.scored_snapshot_date as period_end_scored_on,
    coalesce(goals.period_end_date < goals.snapshot_date and scores.score is not null, false) as is_score_final,
    coalesce(key_results.key_result_count, 0) as key_result_count,
    coalesce(key_results.active_key_result_count, 0) as active_key_result_count,
    coalesce(key_results.low_confidence_key_result_count, 0) as low_confidence_key_result_count,
    coalesce(key_results.confidence_down_key_result_count, 0) as confidence_down_key_result_count,
    key_results.last_checkin_at,
    coalesce(key_results.due_checkin_slots, 0) as due_checkin_slots,
    coalesce(key_results.checked_in_slots, 0) as checked_in_slots,
    coalesce(key_results.on_time_checkin_slots, 0) as on_time_checkin_slots,
    coalesce(key_results.missed_checkin_slots, 0) as missed_checkin_slots,
    goals.category_names,
    goals.permissions,
    goals.created_at,
    goals.modified_at,
    goals.snapshot_date
from goals
left join daily
    on goals.goal_id = daily.goal_id
left join key_results
    on goals.goal_id = key_results.goal_id
left join scores
    on goals.goal_id = scores.goal_id
    and goals.period_end_date = scores.period_end_date
