{{ config(**wbexport_daily_fact_config(['goal_id', 'key_result_id'])) }}
-- One row per key result and snapshot_date: value, progress, colour, confidence, pace against
-- the time elapsed in its goal's period, and the change since the key result's previous
-- snapshot (at most var trend_lookback_days, default 7, before). Incremental like
-- fct_goal_progress_daily: only new snapshot_dates are read and their partitions replaced.
{%- set dates = wbexport_incremental_dates('key_results') %}
{%- set lookback = var('trend_lookback_days', 7) | int %}

with key_results as (
    select
        key_result_id,
        snapshot_date,
        goal_id,
        key_result_name,
        owner_user_id,
        key_result_status,
        checkin_interval,
        unit,
        counting_type,
        start_value,
        target_value,
        current_value,
        progress_pct,
        progress_color,
        progress_color_rank,
        progress_color_source,
        progress_status,
        run_id,
        extracted_at
    from {{ ref('stg_workboard__key_results') }}
    {%- if dates is not none %}
    where {{ wbexport_in_dates('snapshot_date', dates) }}
    {%- endif %}
),

goals as (
    select goal_id, snapshot_date, period_start_date, period_end_date
    from {{ ref('stg_workboard__goals') }}
    {%- if dates is not none %}
    where {{ wbexport_in_dates('snapshot_date', dates) }}
    {%- endif %}
),

confidence_ranked as (
    select
        key_result_id,
        snapshot_date,
        confidence,
        rated_at,
        row_number() over (
            partition by key_result_id, snapshot_date
            order by case when rated_at is null then 0 else 1 end desc, rated_at desc, ordinal desc
        ) as recency
    from {{ ref('stg_workboard__key_result_confidence') }}
    where {% if dates is not none %}{{ wbexport_in_dates('snapshot_date', dates) }} and {% endif %}confidence is not null
),

history as (
    select key_result_id, snapshot_date, current_value, progress_pct, progress_color_rank, 1 as is_new
    from key_results
    {%- if dates %}
    union all
    select key_result_id, snapshot_date, current_value, progress_pct, progress_color_rank, 0 as is_new
    from {{ this }}
    where snapshot_date >= {{ wbexport_add_days("date '" ~ dates[0] ~ "'", -lookback) }}
        and snapshot_date < date '{{ dates[0] }}'
    {%- endif %}
),

with_previous as (
    select
        key_result_id,
        snapshot_date,
        is_new,
        lag(snapshot_date) over (partition by key_result_id order by snapshot_date) as previous_snapshot_date,
        lag(current_value) over (partition by key_result_id order by snapshot_date) as previous_value,
        lag(progress_pct) over (partition by key_result_id order by snapshot_date) as previous_progress_pct,
        lag(progress_color_rank) over (partition by key_result_id order by snapshot_date) as previous_progress_color_rank
    from history
),

previous as (
    select *
    from with_previous
    where is_new = 1
        and previous_snapshot_date >= {{ wbexport_add_days('snapshot_date', -lookback) }}
),

joined as (
    select
        key_results.*,
        goals.period_start_date,
        goals.period_end_date,
        {{ wbexport_elapsed_share('goals.period_start_date', 'goals.period_end_date', 'key_results.snapshot_date') }} as period_elapsed_share,
        confidence_ranked.confidence,
        confidence_ranked.rated_at as confidence_rated_at
    from key_results
    left join goals
        on key_results.goal_id = goals.goal_id
        and key_results.snapshot_date = goals.snapshot_date
    left join confidence_ranked
        on key_results.key_result_id = confidence_ranked.key_result_id
        and key_results.snapshot_date = confidence_ranked.snapshot_date
        and confidence_ranked.recency = 1
)

select
    joined.key_result_id,
    joined.snapshot_date,
    joined.goal_id,
    joined.key_result_name,
    joined.owner_user_id,
    joined.key_result_status,
    joined.checkin_interval,
    joined.unit,
    joined.counting_type,
    joined.start_value,
    joined.target_value,
    joined.current_value,
    joined.progress_pct,
    joined.progress_color,
    joined.progress_color_rank,
    joined.progress_color_source,
    joined.progress_status,
    joined.confidence,
    {{ wbexport_confidence_level('joined.confidence') }} as confidence_level,
    joined.confidence_rated_at,
    joined.period_start_date,
    joined.period_end_date,
    round(joined.period_elapsed_share, 4) as period_elapsed_share,
    round(100 * joined.period_elapsed_share, 2) as expected_progress_pct,
    round(joined.progress_pct - 100 * joined.period_elapsed_share, 2) as pace_pct,
    previous.previous_snapshot_date,
    previous.previous_value,
    joined.current_value - previous.previous_value as value_change,
    previous.previous_progress_pct,
    joined.progress_pct - previous.previous_progress_pct as progress_change_pct,
    previous.previous_progress_color_rank,
    {{ wbexport_colour_trend('previous.previous_snapshot_date', 'joined.progress_color_rank', 'previous.previous_progress_color_rank') }} as colour_trend,
    joined.run_id,
    joined.extracted_at
from joined
left join previous
    on joined.key_result_id = previous.key_result_id
    and joined.snapshot_date = previous.snapshot_date
