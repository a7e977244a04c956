{#-
  Read accounting for `make dbt-measure` (DuckDB only): with --vars '{measure_io_to: FILE}',
  on-run-start turns on DuckDB's FileSystem log and on-run-end writes, per file and operation,
  the number of operations and bytes read to FILE (CSV). Nothing happens without the var.
-#}
{% macro wbexport_measure_io_start() -%}
{%- if var('measure_io_to', none) and target.type == 'duckdb' -%}
call enable_logging('FileSystem')
{%- endif -%}
{%- endmacro %}

{% macro wbexport_measure_io_end() -%}
{%- if var('measure_io_to', none) and target.type == 'duckdb' -%}
copy (
    select
        json_extract_string(message, '$.path') as path,
        json_extract_string(message, '$.op') as op,
        count(*) as operations,
        coalesce(sum(cast(json_extract_string(message, '$.bytes') as bigint)), 0) as bytes
    from duckdb_logs
    where type = 'FileSystem'
    group by all
    order by path, op
) to '{{ var("measure_io_to") }}' (header, delimiter ',')
{%- endif -%}
{%- endmacro %}
