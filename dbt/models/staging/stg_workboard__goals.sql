-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('goals') }}
    where {{ wbexport_published_filter('goals') }}
)

select
    source.goal_id,
    source.snapshot_date,
    source.goal_name,
    {{ wbexport_blank_to_null('source.goal_narrative') }} as goal_description,
    source.goal_type_id as goal_type_code,
    {{ wbexport_decode('source.goal_type_id', {'1': 'team', '2': 'personal'}) }} as goal_type,
    source.goal_owner as owner_user_id,
    source.goal_owner_full_name as owner_full_name,
    source.goal_team_id as team_id,
    source.goal_team_name as team_name,
    source.goal_create_at as created_at,
    source.goal_modified_at as modified_at,
    source.goal_created_by as created_by_user_id,
    source.goal_updated_by as updated_by_user_id,
    source.goal_start_date as period_start_at,
    source.goal_target_date as period_end_at,
    -- calendar dates in the reporting time zone (var reporting_time_zone, default UTC)
    {{ wbexport_local_date('source.goal_start_date') }} as period_start_date,
    {{ wbexport_local_date('source.goal_target_date') }} as period_end_date,
    source.goal_progress as progress_pct,
    source.goal_progress_color as progress_color,
    {{ wbexport_colour_rank('source.goal_progress_color', 'source.goal_progress') }} as progress_color_rank,
    {{ wbexport_colour_source('source.goal_progress_color', 'source.goal_progress') }} as progress_color_source,
    {{ wbexport_progress_status(wbexport_colour_rank('source.goal_progress_color', 'source.goal_progress')) }} as progress_status,
    source.goal_status as goal_status_code,
    {{ wbexport_decode('source.goal_status', {'1': 'active', '2': 'closed'}) }} as goal_status,
    source.goal_permission as permissions,
    source.goal_category_ids as category_ids,
    source.goal_category_names as category_names,
    source.goal_workstream_ids as workstream_ids,
    source.goal_workstream_names as workstream_names,
    source.goal_metrics_count as key_results_count_reported,
    source.goal_comments_count as comments_count_reported,
    source.goal_permission_team_ids as permission_team_ids,
    source.custom_attributes as custom_attributes_json,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
