{{ config(**wbexport_scd2_config('key_result_id')) }}
-- How did each key result change over time? SCD2 history of key results derived from the daily
-- snapshots: one row per key result version, valid_from / valid_to (exclusive) / is_current.
-- Incremental: see macros/wbexport_scd2.sql.
{{ wbexport_scd2(
    ref('stg_workboard__key_results'),
    key='key_result_id',
    tracked=['key_result_name', 'goal_id', 'owner_user_id', 'key_result_status', 'checkin_interval',
             'start_value', 'target_value', 'current_value', 'progress_pct', 'progress_color'],
    carried=['unit', 'counting_type', 'progress_color_rank', 'progress_status'],
    table='key_results'
) }}
