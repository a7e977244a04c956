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
    with ops as (
        select
            json_extract_string(message, '$.path') as path,
            json_extract_string(message, '$.op') as op,
            cast(json_extract_string(message, '$.bytes') as bigint) as bytes,
            cast(json_extract_string(message, '$.pos') as bigint) as pos
        from duckdb_logs
        where type = 'FileSystem'
    ),
    sizes as (
        -- a file's size is at least the furthest byte read; the footer read ends there
        select path, max(pos + bytes) as size from ops where op = 'READ' group by path
    )
    select
        ops.path,
        ops.op,
        count(*) as operations,
        coalesce(sum(ops.bytes), 0) as bytes,
        coalesce(sum(case when ops.pos + ops.bytes = sizes.size then ops.bytes end), 0) as footer_bytes,
        coalesce(sum(case when ops.pos + ops.bytes < sizes.size then ops.bytes end), 0) as data_bytes
    from ops
    left join sizes on ops.path = sizes.path
    group by all
    order by ops.path, ops.op
) to '{{ var("measure_io_to") }}' (header, delimiter ',')
{%- endif -%}
{%- endmacro %}
