{{ config(
    partition_by={'field': 'snapshot_date', 'data_type': 'date'} if target.type == 'bigquery' else none,
    cluster_by=['goal_id'] if target.type == 'bigquery' else none
) }}
-- One row per goal and snapshot_date: progress, colour and the change since the goal's previous
-- snapshot (the last earlier snapshot_date in which the goal was exported).
with goals as (
    select * from {{ ref('stg_workboard__goals') }}
),

with_previous as (
    select
        goals.*,
        lag(snapshot_date) over (partition by goal_id order by snapshot_date) as previous_snapshot_date,
        lag(progress_pct) over (partition by goal_id order by snapshot_date) as previous_progress_pct,
        lag(progress_color) over (partition by goal_id order by snapshot_date) as previous_progress_color,
        lag(progress_color_rank) over (partition by goal_id order by snapshot_date) as previous_progress_color_rank,
        lag(progress_status) over (partition by goal_id order by snapshot_date) as previous_progress_status
    from goals
)

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
    previous_snapshot_date,
    {{ dbt.datediff('previous_snapshot_date', 'snapshot_date', 'day') }} as days_since_previous_snapshot,
    previous_progress_pct,
    progress_pct - previous_progress_pct as progress_change_pct,
    previous_progress_color,
    previous_progress_color_rank,
    previous_progress_status,
    case
        when previous_snapshot_date is null then 'first_snapshot'
        when progress_color_rank is null or previous_progress_color_rank is null then 'unknown'
        when progress_color_rank > previous_progress_color_rank then 'improved'
        when progress_color_rank < previous_progress_color_rank then 'worsened'
        else 'unchanged'
    end as colour_trend,
    is_latest_snapshot,
    run_id,
    extracted_at
from with_previous
