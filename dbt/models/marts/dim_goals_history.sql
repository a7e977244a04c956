{{ config(**wbexport_scd2_config('goal_id')) }}
-- How did each goal change over time? SCD2 history of goals derived from the daily snapshots:
-- one row per goal version, valid_from / valid_to (exclusive) / is_current. Incremental: see
-- macros/wbexport_scd2.sql.
{{ wbexport_scd2(
    ref('stg_workboard__goals'),
    key='goal_id',
    tracked=['goal_name', 'goal_type', 'goal_status', 'owner_user_id', 'team_id',
             'period_start_date', 'period_end_date', 'progress_pct', 'progress_color'],
    carried=['owner_full_name', 'team_name', 'progress_color_rank', 'progress_status'],
    table='goals'
) }}
