-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
with source as (
    select * from {{ wbexport_source('users') }}
    where {{ wbexport_published_filter('users') }}
)

select
    source.user_id,
    source.snapshot_date,
    source.user_name,
    source.email,
    source.first_name,
    source.last_name,
    {{ wbexport_blank_to_null(dbt.concat(["coalesce(source.first_name, '')", "' '", "coalesce(source.last_name, '')"])) }} as full_name,
    source.wb_email,
    source.cell_num as mobile_phone,
    source.create_at as created_at,
    source.last_visited_at,
    source.picture as picture_url,
    source.time_zone,
    {{ wbexport_blank_to_null('source.external_id') }} as external_id,
    source.created_from,
    source.org_id,
    source.status as account_status,
    source.org_user_roles as org_role_ids,
    {{ wbexport_array_contains('source.org_user_roles', "'7'") }} as is_org_admin,
    {{ wbexport_array_contains('source.org_user_roles', "'10'") }} as is_data_admin,
    source.direct_manager_user_id,
    source.manager_user_ids,
    source.dotted_manager_user_ids,
    source.is_read_only,
    source.profile_title as job_title,
    source.profile_company as company,
    source.custom_attributes as custom_attributes_json,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = {{ wbexport_latest_snapshot_date() }} as is_latest_snapshot
from source
