{#-
  Which snapshots the models read, and which one is "the latest".

  The raw tables hold one full copy of the organisation per snapshot_date. On DuckDB the sources
  read the local sink's layout <root>/<table>/snapshot_date=YYYY-MM-DD/; a partition is
  published (complete) only once its _SUCCESS file exists, so the staging models keep only the
  snapshot_dates whose partition has _SUCCESS. On BigQuery a partition is loaded atomically per
  table; the completeness test (tests/assert_latest_snapshot_complete.sql) catches a table whose
  load of the latest day is missing.

  The latest snapshot date is looked up once per model when the model runs and inlined as a
  constant (date 'YYYY-MM-DD'), so "latest snapshot" filters prune partitions on BigQuery and
  row groups on DuckDB instead of joining to a max() subquery.
-#}

{#- Root of the local Parquet output (DuckDB target). -#}
{% macro wbexport_root() -%}
{{ var('wbexport_root', env_var('WBEXPORT_OUT', '../wbexport-out')) }}
{%- endmacro %}

{#- The snapshot_dates of `table` whose partition has _SUCCESS (DuckDB), as ISO strings, ascending. -#}
{% macro wbexport_published_dates(table) -%}
{%- set sql -%}
select distinct cast(regexp_extract(file, 'snapshot_date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1) as date) as d
from glob('{{ wbexport_root() }}/{{ table }}/snapshot_date=*/_SUCCESS')
order by d
{%- endset -%}
{%- set dates = [] -%}
{%- for row in run_query(sql).rows -%}
  {%- do dates.append(row[0] | string) -%}
{%- endfor -%}
{{ return(dates) }}
{%- endmacro %}

{#-
  Filter for a staging model's source CTE: on DuckDB only published partitions (an IN list of
  constant dates, which DuckDB pushes into the Parquet scan); elsewhere `true`. The run ledger
  (_sync_runs) has no _SUCCESS and is never filtered.
-#}
{% macro wbexport_published_filter(table, column='snapshot_date') -%}
{%- if execute and target.type == 'duckdb' -%}
  {%- set dates = wbexport_published_dates(table) -%}
  {%- if dates | length == 0 -%}
false
  {%- else -%}
{{ column }} in ({% for d in dates %}date '{{ d }}'{% if not loop.last %}, {% endif %}{% endfor %})
  {%- endif -%}
{%- else -%}
true
{%- endif -%}
{%- endmacro %}

{#-
  The latest snapshot_date of the goals table (DuckDB: latest published partition), as an ISO
  string, or none when it cannot be looked up (parse time, no data, an offline compile).
  var('wbexport_snapshot_date') overrides it (used by the offline BigQuery check).
-#}
{% macro wbexport_latest_snapshot_date_value() -%}
{%- if var('wbexport_snapshot_date', none) -%}
  {{ return(var('wbexport_snapshot_date') | string) }}
{%- endif -%}
{%- if not execute -%}{{ return(none) }}{%- endif -%}
{%- if target.type == 'duckdb' -%}
  {%- set dates = wbexport_published_dates('goals') -%}
  {{ return(dates[-1] if dates else none) }}
{%- else -%}
  {%- set rows = run_query("select cast(max(snapshot_date) as string) from " ~ source('workboard', 'goals')).rows -%}
  {{ return(rows[0][0] if rows and rows[0][0] else none) }}
{%- endif -%}
{%- endmacro %}

{#-
  SQL expression for the latest snapshot date: a constant `date 'YYYY-MM-DD'`, or (when it
  cannot be looked up) a scalar subquery over the goals source.
-#}
{% macro wbexport_latest_snapshot_date() -%}
{%- set d = wbexport_latest_snapshot_date_value() -%}
{%- if d -%}
date '{{ d }}'
{%- else -%}
(select max(snapshot_date) from {{ source('workboard', 'goals') }})
{%- endif -%}
{%- endmacro %}

{#-
  Incremental models (daily facts, SCD2 histories, period scores) process only snapshot_dates
  they have not seen. Returns none on a first build or a full refresh (process every snapshot),
  else the ascending list of ISO dates of `table` newer than max(`built_column`) of the model
  (possibly empty: nothing to do). var('reprocess_since', 'YYYY-MM-DD') also takes the dates
  from that day on again (for days re-exported after the model was built) where `reprocess` is
  true (daily facts, scores); SCD2 histories need a full refresh for that.
-#}
{% macro wbexport_incremental_dates(table='goals', built_column='snapshot_date', reprocess=true) -%}
{%- if not execute or this is none or not is_incremental() -%}{{ return(none) }}{%- endif -%}
{%- set rows = run_query('select cast(max(' ~ built_column ~ ') as ' ~ dbt.type_string() ~ ') from ' ~ this).rows -%}
{%- set last = rows[0][0] if rows else none -%}
{%- if not last -%}{{ return(none) }}{%- endif -%}
{%- set since = var('reprocess_since', none) if reprocess else none -%}
{%- if since and (since | string) <= last -%}
  {%- set cmp, bound = '>=', since | string -%}
{%- else -%}
  {%- set cmp, bound = '>', last -%}
{%- endif -%}
{%- set dates = [] -%}
{%- if target.type == 'duckdb' -%}
  {%- for d in wbexport_published_dates(table) -%}
    {%- if (cmp == '>' and d > bound) or (cmp == '>=' and d >= bound) -%}{%- do dates.append(d) -%}{%- endif -%}
  {%- endfor -%}
{%- else -%}
  {%- set sql = 'select distinct cast(snapshot_date as string) as d from ' ~ source('workboard', table)
      ~ " where snapshot_date " ~ cmp ~ " date '" ~ bound ~ "' order by d" -%}
  {%- for row in run_query(sql).rows -%}{%- do dates.append(row[0]) -%}{%- endfor -%}
{%- endif -%}
{{ return(dates) }}
{%- endmacro %}

{#- The incremental materialisation of the daily facts: replace whole snapshot_date partitions. -#}
{% macro wbexport_daily_fact_config(cluster_by) -%}
{{ return({
    'materialized': 'incremental',
    'incremental_strategy': 'insert_overwrite' if target.type == 'bigquery' else 'delete+insert',
    'unique_key': none if target.type == 'bigquery' else ['snapshot_date'],
    'partition_by': {'field': 'snapshot_date', 'data_type': 'date', 'granularity': 'day'} if target.type == 'bigquery' else none,
    'cluster_by': cluster_by if target.type == 'bigquery' else none,
    'on_schema_change': 'append_new_columns',
    'full_refresh': var('history_full_refresh', false)
}) }}
{%- endmacro %}

{#-
  The raw table `table` to select from. BigQuery: the source. DuckDB: the local sink's Parquet
  files of the published partitions (those with _SUCCESS), with hive partitioning so that a
  filter on snapshot_date skips whole partition folders without opening their files (the
  source's own read_parquet has hive_partitioning = false and opens every file).
  When every partition's _manifest.json names the same schema fingerprint, the partitions are
  listed newest first with union_by_name = false: DuckDB takes the schema from the newest file
  and opens only the files a query needs. Otherwise (a wbexport upgrade changed the schema, or
  manifests are missing) union_by_name = true lines the columns up by name, which reads every
  file's footer. tests/assert_snapshot_date_matches_partition.sql proves that the folder and the
  file column agree. source() is still called: the lineage stays.
-#}
{% macro wbexport_source(table) -%}
{%- set src = source('workboard', table) -%}
{%- if target.type != 'duckdb' -%}
{{ src }}
{%- else -%}
  {%- set root = wbexport_root() -%}
  {%- set dates = wbexport_published_dates(table) if execute else [] -%}
  {%- if dates and wbexport_uniform_schema(table, dates | length) -%}
read_parquet([{% for d in dates | reverse %}'{{ root }}/{{ table }}/snapshot_date={{ d }}/*.parquet'{% if not loop.last %}, {% endif %}{% endfor %}], hive_partitioning = true, hive_types = {'snapshot_date': date}, union_by_name = false)
  {%- else -%}
read_parquet('{{ root }}/{{ table }}/snapshot_date=*/*.parquet', hive_partitioning = true, hive_types = {'snapshot_date': date}, union_by_name = true)
  {%- endif -%}
{%- endif -%}
{%- endmacro %}

{#- True when at least `published` manifests of `table` exist and all name one schema fingerprint (DuckDB). -#}
{% macro wbexport_uniform_schema(table, published) -%}
{%- set sql -%}
select count(distinct schema_fingerprint), count(schema_fingerprint), count(*)
from read_json('{{ wbexport_root() }}/{{ table }}/snapshot_date=*/_manifest.json', columns = {'schema_fingerprint': 'VARCHAR'})
{%- endset -%}
{%- set row = run_query(sql).rows[0] -%}
{{ return(row[0] == 1 and row[1] == row[2] and row[2] >= published) }}
{%- endmacro %}

{#-
  Data tests on snapshot tables (sources and staging models, configured in dbt_project.yml with
  where: "snapshot_date = __latest_snapshot_date__") check the latest snapshot only: every
  earlier one was checked when it was the latest, and a build then reads one partition per
  table instead of the whole history. --vars '{test_all_snapshots: true}' checks every snapshot.
-#}
{% macro get_where_subquery(relation) -%}
{%- set where = config.get('where', '') -%}
{%- if where and '__latest_snapshot_date__' in where -%}
  {%- if var('test_all_snapshots', false) -%}
    {%- do return(relation) -%}
  {%- endif -%}
  {%- set where = where | replace('__latest_snapshot_date__', wbexport_latest_snapshot_date()) -%}
  {#- DuckDB sources are read_parquet over every partition: read only the latest one's files -#}
  {%- set latest = wbexport_latest_snapshot_date_value() -%}
  {%- if target.type == 'duckdb' and latest and '/snapshot_date=*/' in (relation | string) -%}
    {%- set relation = (relation | string) | replace('/snapshot_date=*/', '/snapshot_date=' ~ latest ~ '/') -%}
  {%- endif -%}
{%- endif -%}
{%- if where -%}
  {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
{%- else -%}
  {%- do return(relation) -%}
{%- endif -%}
{%- endmacro %}
