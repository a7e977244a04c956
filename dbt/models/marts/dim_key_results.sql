-- What every key result looks like right now (latest snapshot): target, current value, progress,
-- colour, pace, cadence, confidence and its trend, period-end score, how its check-ins went, and
-- its tags.
-- Reads only the latest snapshot (constant date).
{%- set latest = wbexport_latest_snapshot_date() %}
with key_results as (
    select * from {{ ref('stg_workboard__key_results') }}
    where snapshot_date = {{ latest }}
),

daily as (
    select * from {{ ref('fct_key_result_progress_daily') }}
    where snapshot_date = {{ latest }}
),

checkins as (
    select
        key_result_id,
        count(case when is_due then 1 end) as due_checkin_slots,
        count(case when is_checked_in then 1 end) as checked_in_slots,
        count(case when checkin_status = 'on_time' then 1 end) as on_time_checkin_slots,
        count(case when checkin_status = 'late' then 1 end) as late_checkin_slots,
        count(case when is_missed then 1 end) as missed_checkin_slots,
        max(case when is_last_due_slot then checkin_status end) as last_due_checkin_status,
        max(case when is_last_due_slot then due_at end) as last_due_at
    from {{ ref('fct_key_result_checkins') }}
    group by key_result_id
),

-- the confidence history as of the latest snapshot: latest rating and the one before it
confidence_ranked as (
    select
        key_result_id,
        confidence,
        rated_at,
        row_number() over (
            partition by key_result_id
            order by case when rated_at is null then 0 else 1 end desc, rated_at desc, ordinal desc
        ) as recency
    from {{ ref('stg_workboard__key_result_confidence') }}
    where snapshot_date = {{ latest }}
        and confidence is not null
),

confidence as (
    select
        key_result_id,
        max(case when recency = 1 then confidence end) as latest_confidence,
        max(case when recency = 1 then rated_at end) as latest_confidence_at,
        max(case when recency = 2 then confidence end) as previous_confidence,
        count(*) as confidence_rating_count
    from confidence_ranked
    group by key_result_id
),

goals as (
    select goal_id, goal_name, team_id from {{ ref('stg_workboard__goals') }}
    where snapshot_date = {{ latest }}
),

scores as (
    select key_result_id, period_end_date, scored_snapshot_date, score, grade
    from {{ ref('fct_key_result_scores') }}
),

tags as (
    select
        key_result_id,
        count(*) as tag_count,
        {{ dbt.listagg('tag_name', "', '", 'order by tag_name') }} as tag_names
    from {{ ref('stg_workboard__key_result_tags') }}
    where snapshot_date = {{ latest }}
    group by key_result_id
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
    daily.period_start_date,
    daily.period_end_date,
    daily.expected_progress_pct,
    daily.pace_pct,
    daily.progress_change_pct,
    daily.colour_trend,
    confidence.latest_confidence,
    {{ wbexport_confidence_level('confidence.latest_confidence') }} as latest_confidence_level,
    confidence.latest_confidence_at,
    confidence.previous_confidence,
    case
        when confidence.latest_confidence is null then null
        when confidence.previous_confidence is null then 'first_rating'
        when {{ wbexport_confidence_level('confidence.latest_confidence') }} is null
            or {{ wbexport_confidence_level('confidence.previous_confidence') }} is null then 'unknown'
        when {{ wbexport_confidence_level('confidence.latest_confidence') }} > {{ wbexport_confidence_level('confidence.previous_confidence') }} then 'up'
        when {{ wbexport_confidence_level('confidence.latest_confidence') }} < {{ wbexport_confidence_level('confidence.previous_confidence') }} then 'down'
        else 'unchanged'
    end as confidence_trend,
    coalesce(confidence.confidence_rating_count, 0) as confidence_rating_count,
    scores.score as period_end_score,
    scores.grade as period_end_grade,
    scores.scored_snapshot_date as period_end_scored_on,
    key_results.last_checkin_at,
    key_results.next_checkin_due_at,
    key_results.target_at,
    coalesce(checkins.due_checkin_slots, 0) as due_checkin_slots,
    coalesce(checkins.checked_in_slots, 0) as checked_in_slots,
    coalesce(checkins.on_time_checkin_slots, 0) as on_time_checkin_slots,
    coalesce(checkins.late_checkin_slots, 0) as late_checkin_slots,
    coalesce(checkins.missed_checkin_slots, 0) as missed_checkin_slots,
    checkins.last_due_at,
    checkins.last_due_checkin_status,
    coalesce(tags.tag_count, 0) as tag_count,
    tags.tag_names,
    key_results.created_at,
    key_results.modified_at,
    key_results.snapshot_date
from key_results
left join goals
    on key_results.goal_id = goals.goal_id
left join daily
    on key_results.key_result_id = daily.key_result_id
left join checkins
    on key_results.key_result_id = checkins.key_result_id
left join confidence
    on key_results.key_result_id = confidence.key_result_id
left join scores
    on key_results.key_result_id = scores.key_result_id
    and daily.period_end_date = scores.period_end_date
left join tags
    on key_results.key_result_id = tags.key_result_id
