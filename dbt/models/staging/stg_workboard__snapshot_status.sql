-- Is the latest snapshot complete? One row per raw data table (plus one for the run ledger):
-- the table's latest snapshot_date, the expected one (the latest of any data table), the latest
-- run for that day from _sync_runs, and `problem` (null when fine). Every staging model depends
-- on this view and tests/assert_latest_snapshot_complete.sql fails on any problem, so a
-- half-loaded day stops `dbt build` before any mart is rebuilt.
--
-- DuckDB: a partition counts once its _SUCCESS exists (an empty table still has one).
-- BigQuery: from the rows of the last days (partition-pruned); a table the latest run exported
-- with 0 rows has no partition and is not reported missing.
{%- set tables = ['users', 'teams', 'team_members', 'goals', 'key_results', 'key_result_checkins',
                  'key_result_confidence', 'key_result_comments', 'goal_comments', 'goal_alignments',
                  'tags', 'key_result_tags'] %}
{%- set lookback_days = 14 %}

with latest as (
{%- for t in tables %}
    {%- if target.type == 'duckdb' %}
    select '{{ t }}' as table_name,
           max(cast(regexp_extract(file, 'snapshot_date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1) as date)) as latest_snapshot_date
    from glob('{{ wbexport_root() }}/{{ t }}/snapshot_date=*/_SUCCESS')
    {%- else %}
    select '{{ t }}' as table_name, max(snapshot_date) as latest_snapshot_date
    from {{ source('workboard', t) }}
    where snapshot_date >= {{ wbexport_add_days(wbexport_latest_snapshot_date(), -lookback_days) }}
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
),

expected as (
    select max(latest_snapshot_date) as expected_snapshot_date from latest
),

runs as (
    select
        runs.run_id,
        runs.status as run_status,
        runs.error as run_error,
        runs.summary as run_summary_json,
        row_number() over (order by runs.finished_at desc, runs.run_id desc) as recency
    from {{ source('workboard', '_sync_runs') }} as runs
    inner join expected
        on runs.snapshot_date = expected.expected_snapshot_date
),

last_run as (
    select run_id, run_status, run_error, run_summary_json from runs where recency = 1
),

tables_ as (
    select
        latest.table_name,
        latest.latest_snapshot_date,
        expected.expected_snapshot_date,
        last_run.run_id as last_run_id,
        last_run.run_status as last_run_status,
        {%- if target.type == 'duckdb' %}
        cast(null as {{ dbt.type_int() }}) as last_run_rows,
        {%- else %}
        case latest.table_name
        {%- for t in tables %}
            when '{{ t }}' then cast(json_value(last_run.run_summary_json, '$.tables.{{ t }}.rows') as int64)
        {%- endfor %}
        end as last_run_rows,
        {%- endif %}
        case
            when latest.latest_snapshot_date is not null
                and latest.latest_snapshot_date >= expected.expected_snapshot_date then false
            {%- if target.type != 'duckdb' %}
            when case latest.table_name
                {%- for t in tables %}
                    when '{{ t }}' then cast(json_value(last_run.run_summary_json, '$.tables.{{ t }}.rows') as int64)
                {%- endfor %}
                end = 0 then false
            {%- endif %}
            else true
        end as is_missing
    from latest
    cross join expected
    left join last_run on true
)

select
    table_name,
    latest_snapshot_date,
    expected_snapshot_date,
    last_run_id,
    last_run_status,
    last_run_rows,
    case when is_missing then {{ dbt.concat([
        "table_name",
        "' has no snapshot for '",
        "coalesce(cast(expected_snapshot_date as " ~ dbt.type_string() ~ "), '(none)')",
        "' (its latest: '",
        "coalesce(cast(latest_snapshot_date as " ~ dbt.type_string() ~ "), 'none')",
        "')'"]) }}
    end as problem
from tables_

union all

select
    '_sync_runs' as table_name,
    cast(null as date) as latest_snapshot_date,
    expected.expected_snapshot_date,
    last_run.run_id as last_run_id,
    last_run.run_status as last_run_status,
    cast(null as {{ dbt.type_int() }}) as last_run_rows,
    case
        when last_run.run_id is null then {{ dbt.concat([
            "'_sync_runs has no run for '",
            "coalesce(cast(expected.expected_snapshot_date as " ~ dbt.type_string() ~ "), '(none)')"]) }}
        when last_run.run_status != 'succeeded' then {{ dbt.concat([
            "'the latest run for '",
            "cast(expected.expected_snapshot_date as " ~ dbt.type_string() ~ ")",
            "' ('", "last_run.run_id", "') did not succeed: '",
            "coalesce(last_run.run_error, last_run.run_status)"]) }}
    end as problem
from expected
left join last_run on true
