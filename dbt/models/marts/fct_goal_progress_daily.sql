{{ config(**wbexport_daily_fact_config(['goal_id'])) }}
-- One row per goal and snapshot_date: progress, colour, pace against the time elapsed in the
-- goal's period, and the change since the goal's previous snapshot (its latest earlier snapshot
-- at most var trend_lookback_days, default 7, before; older ones do not count as "previous").
--
-- Incremental: a run reads only the snapshot_dates not yet in the table (plus the table's own
-- last trend_lookback_days for the previous values) and replaces those snapshot_date partitions
-- (BigQuery insert_overwrite, DuckDB delete+insert). Rows stay when raw partitions expire.
{%- set dates = wbexport_incremental_dates('goals') %}
{%- set lookback = var('trend_lookback_days', 7) | int %}

with goals as (
    select
        goal_id,
        snapshot_date,
        goal_name,
        goal_type,
        goal_status,
        team_id,
        owner_user_id,
        period_start_date,
        period_end_date,
        progress_pct,
        progress_color,
        progress_color_rank,
        progress_color_source,
        progress_status,
        run_id,
        extracted_at
    from {{ ref('stg_workboard__goals') }}
    {%- if dates is not none %}
    where {{ wbexport_in_dates('snapshot_date', dates) }}
    {%- endif %}
),

history as (
    select goal_id, snapshot_date, progress_pct, progress_color, progress_color_rank, progress_status, 1 as is_new
    from goals
    {%- if dates %}
    union all
    -- previous values from the table itself (the raw partitions may have expired)
    select goal_id, snapshot_date, progress_pct, progress_color, progress_color_rank, progress_status, 0 as is_new
    from {{ this }}
    where snapshot_date >= {{ wbexport_add_days("date '" ~ dates[0] ~ "'", -lookback) }}
        and snapshot_date < date '{{ dates[0] }}'
    {%- endif %}
),

with_previous as (
    select
        goal_id,
        snapshot_date,
        is_new,
        lag(snapshot_date) over (partition by goal_id order by snapshot_date) as previous_snapshot_date,
        lag(progress_pct) over (partition by goal_id order by snapshot_date) as previous_progress_pct,
        lag(progress_color) over (partition by goal_id order by snapshot_date) as previous_progress_color,
        lag(progress_color_rank) over (partition by goal_id order by snapshot_date) as previous_progress_color_rank,
        lag(progress_status) over (partition by goal_id order by snapshot_date) as previous_progress_status
    from history
),

previous as (
    -- a previous snapshot older than the lookback does not count
    select
        goal_id,
        snapshot_date,
        previous_snapshot_date,
        previous_progress_pct,
        previous_progress_color,
        previous_progress_color_rank,
        previous_progress_status
    from with_previous
    where is_new = 1
        and previous_snapshot_date >= {{ wbexport_add_days('snapshot_date', -lookback) }}
),

quartered as (
    select
        goals.*,
        {{ wbexport_quarter_start(wbexport_add_days('goals.period_start_date',
            'cast(floor(' ~ wbexport_days_between('goals.period_start_date', 'goals.period_end_date') ~ ' / 2) as ' ~ dbt.type_int() ~ ')')) }}
            as period_quarter_start_date,
        {{ wbexport_elapsed_share('goals.period_start_date', 'goals.period_end_date', 'goals.snapshot_date') }} as period_elapsed_share
    from goals
)

select
    quartered.goal_id,
    quartered.snapshot_date,
    quartered.goal_name,
    quartered.goal_type,
    quartered.goal_status,
    quartered.team_id,
    quartered.owner_user_id,
    quartered.period_start_date,
    quartered.period_end_date,
    {{ wbexport_quarter_label('quartered.period_quarter_start_date') }} as period_quarter,
    quartered.period_quarter_start_date,
    quartered.progress_pct,
    quartered.progress_color,
    quartered.progress_color_rank,
    quartered.progress_color_source,
    quartered.progress_status,
    round(quartered.period_elapsed_share, 4) as period_elapsed_share,
    round(100 * quartered.period_elapsed_share, 2) as expected_progress_pct,
    round(quartered.progress_pct - 100 * quartered.period_elapsed_share, 2) as pace_pct,
    previous.previous_snapshot_date,
    {{ wbexport_days_between('previous.previous_snapshot_date', 'quartered.snapshot_date') }} as days_since_previous_snapshot,
    previous.previous_progress_pct,
    quartered.progress_pct - previous.previous_progress_pct as progress_change_pct,
    previous.previous_progress_color,
    previous.previous_progress_color_rank,
    previous.previous_progress_status,
    {{ wbexport_colour_trend('previous.previous_snapshot_date', 'quartered.progress_color_rank', 'previous.previous_progress_color_rank') }} as colour_trend,
    quartered.run_id,
    quartered.extracted_at
from quartered
left join previous
    on quartered.goal_id = previous.goal_id
    and quartered.snapshot_date = previous.snapshot_date
