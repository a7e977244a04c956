-- depends_on: {{ ref('stg_workboard__snapshot_status') }}
-- The run ledger (_sync_runs): one row per wbexport run, with its duration.
select
    run_id,
    snapshot_date,
    status as run_status,
    status = 'succeeded' as is_succeeded,
    started_at,
    finished_at,
    {{ dbt.datediff('started_at', 'finished_at', 'second') }} as duration_seconds,
    wbexport_version,
    sink,
    api_base_url,
    tables as exported_tables,
    summary as summary_json,
    error as error_message,
    requests_per_goal
from {{ source('workboard', '_sync_runs') }}
