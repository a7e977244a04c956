with source as (
    select * from {{ source('workboard', 'key_results') }}
),

latest as (
    select max(snapshot_date) as latest_snapshot_date from source
)

select
    source.metric_id as key_result_id,
    source.snapshot_date,
    source.goal_id,
    source.metric_name as key_result_name,
    source.metric_owner as owner_user_id,
    source.metric_real_owner as real_owner_user_id,
    source.metric_update_interval_id as checkin_interval_code,
    {{ wbexport_decode('source.metric_update_interval_id', {'1': 'daily', '2': 'weekly', '3': 'monthly', '4': 'quarterly'}) }} as checkin_interval,
    source.metric_update_interval_day as checkin_interval_day,
    source.metric_unit_id as unit_code,
    {{ wbexport_decode('source.metric_unit_id', {'1': 'number', '2': 'currency', '3': 'percentage'}) }} as unit,
    source.metric_progress_type_id as progress_type_code,
    {{ wbexport_decode('source.metric_progress_type_id', {'1': 'last_update', '2': 'total', '3': 'average'}) }} as progress_type,
    source.metric_counting_type_id as counting_type_code,
    {{ wbexport_decode('source.metric_counting_type_id', {'1': 'counting_up', '2': 'counting_down', '3': 'exact_to_target'}) }} as counting_type,
    source.metric_initial_data as start_value,
    source.metric_target as target_value,
    source.metric_achieve_target as current_value,
    source.metric_progress as progress_pct,
    source.metric_progress_color as progress_color,
    {{ wbexport_colour_rank('source.metric_progress_color', 'source.metric_progress') }} as progress_color_rank,
    {{ wbexport_colour_source('source.metric_progress_color', 'source.metric_progress') }} as progress_color_source,
    {{ wbexport_progress_status(wbexport_colour_rank('source.metric_progress_color', 'source.metric_progress')) }} as progress_status,
    source.metric_create_at as created_at,
    source.metric_modified_at as modified_at,
    source.metric_created_by as created_by_user_id,
    source.metric_updated_by as updated_by_user_id,
    source.metric_last_update as last_checkin_at,
    source.metric_next_update as next_checkin_due_at,
    source.metric_source_from as source_code,
    {{ wbexport_decode('source.metric_source_from', {
        '1': 'user', '2': 'workstream', '3': 'roll_up', '4': 'workstream_cycle_time', '5': 'survey',
        '7': 'other_goals', '8': 'external', '10': 'datastream', '11': 'mirrored',
        '12': 'mit_person', '13': 'mit_datastream', '14': 'mit_quarters'}) }} as source_type,
    source.metric_status as key_result_status_code,
    {{ wbexport_decode('source.metric_status', {'0': 'deleted', '1': 'active', '2': 'closed', '3': 'excluded'}) }} as key_result_status,
    source.metric_permission as permissions,
    source.target_date as target_at,
    source.metric_mit_start_date as mit_start_at,
    source.metric_mit_end_date as mit_end_at,
    source.metric_goal_source as source_goal_ids,
    source.metric_automation as automation_json,
    source.child_kr as child_key_results_json,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = latest.latest_snapshot_date as is_latest_snapshot
from source
cross join latest
