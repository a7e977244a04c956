{#-
  Dates, quarters and time zones, the same on DuckDB and BigQuery.

  vars:
    reporting_time_zone      IANA zone in which timestamps become calendar dates (default UTC):
                             a goal starting 2026-10-01 00:00 in Berlin is a 2026-Q4 goal with
                             Europe/Berlin, a 2026-Q3 one with UTC.
    fiscal_year_start_month  1-12 (default 1). Quarters start in that month; a fiscal year is
                             named after the calendar year it ends in and labelled FY2027-Q1
                             (calendar years, start month 1, keep the label 2026-Q3).
-#}

{% macro wbexport_fiscal_start_month() -%}
{%- set m = var('fiscal_year_start_month', 1) | int -%}
{%- if m < 1 or m > 12 -%}
  {{ exceptions.raise_compiler_error("var fiscal_year_start_month must be 1-12, got " ~ m) }}
{%- endif -%}
{{ return(m) }}
{%- endmacro %}

{#- Calendar date of a timestamp in the reporting time zone. -#}
{% macro wbexport_local_date(ts) -%}
{{ return(adapter.dispatch('wbexport_local_date', 'wbexport')(ts)) }}
{%- endmacro %}
{% macro default__wbexport_local_date(ts) -%}
date({{ ts }}, '{{ var("reporting_time_zone", "UTC") }}')
{%- endmacro %}
{% macro duckdb__wbexport_local_date(ts) -%}
cast(timezone('{{ var("reporting_time_zone", "UTC") }}', {{ ts }}) as date)
{%- endmacro %}

{#- date + n days (n an integer expression) -#}
{% macro wbexport_add_days(d, n) -%}
{{ return(adapter.dispatch('wbexport_add_days', 'wbexport')(d, n)) }}
{%- endmacro %}
{% macro default__wbexport_add_days(d, n) -%}
date_add({{ d }}, interval {{ n }} day)
{%- endmacro %}
{% macro duckdb__wbexport_add_days(d, n) -%}
cast(({{ d }}) + cast({{ n }} as integer) as date)
{%- endmacro %}

{#- date + n months -#}
{% macro wbexport_add_months(d, n) -%}
{{ return(adapter.dispatch('wbexport_add_months', 'wbexport')(d, n)) }}
{%- endmacro %}
{% macro default__wbexport_add_months(d, n) -%}
date_add({{ d }}, interval {{ n }} month)
{%- endmacro %}
{% macro duckdb__wbexport_add_months(d, n) -%}
cast(({{ d }}) + to_months(cast({{ n }} as integer)) as date)
{%- endmacro %}

{#- whole days from date a to date b (b - a) -#}
{% macro wbexport_days_between(a, b) -%}
{{ return(adapter.dispatch('wbexport_days_between', 'wbexport')(a, b)) }}
{%- endmacro %}
{% macro default__wbexport_days_between(a, b) -%}
date_diff({{ b }}, {{ a }}, day)
{%- endmacro %}
{% macro duckdb__wbexport_days_between(a, b) -%}
date_diff('day', {{ a }}, {{ b }})
{%- endmacro %}

{#- exact seconds (with fractions) from timestamp a to timestamp b -#}
{% macro wbexport_seconds_between(a, b) -%}
{{ return(adapter.dispatch('wbexport_seconds_between', 'wbexport')(a, b)) }}
{%- endmacro %}
{% macro default__wbexport_seconds_between(a, b) -%}
(timestamp_diff({{ b }}, {{ a }}, microsecond) / 1000000)
{%- endmacro %}
{% macro duckdb__wbexport_seconds_between(a, b) -%}
(date_diff('microsecond', {{ a }}, {{ b }}) / 1000000)
{%- endmacro %}

{#- timestamp + n seconds (n an integer constant) -#}
{% macro wbexport_add_seconds(ts, n) -%}
{{ return(adapter.dispatch('wbexport_add_seconds', 'wbexport')(ts, n)) }}
{%- endmacro %}
{% macro default__wbexport_add_seconds(ts, n) -%}
timestamp_add({{ ts }}, interval {{ n }} second)
{%- endmacro %}
{% macro duckdb__wbexport_add_seconds(ts, n) -%}
({{ ts }} + to_seconds(cast({{ n }} as bigint)))
{%- endmacro %}

{#- first day of the calendar quarter of a date -#}
{% macro wbexport_calendar_quarter_start(d) -%}
{{ return(adapter.dispatch('wbexport_calendar_quarter_start', 'wbexport')(d)) }}
{%- endmacro %}
{% macro default__wbexport_calendar_quarter_start(d) -%}
date_trunc({{ d }}, quarter)
{%- endmacro %}
{% macro duckdb__wbexport_calendar_quarter_start(d) -%}
cast(date_trunc('quarter', {{ d }}) as date)
{%- endmacro %}

{#- first day of the fiscal quarter of a date -#}
{% macro wbexport_quarter_start(d) -%}
{%- set m = wbexport_fiscal_start_month() -%}
{%- if m == 1 -%}
{{ wbexport_calendar_quarter_start(d) }}
{%- else -%}
{{ wbexport_add_months(wbexport_calendar_quarter_start(wbexport_add_months(d, 1 - m)), m - 1) }}
{%- endif -%}
{%- endmacro %}

{#- label of the fiscal quarter starting on quarter_start (a date from wbexport_quarter_start) -#}
{% macro wbexport_quarter_label(quarter_start) -%}
{%- set m = wbexport_fiscal_start_month() -%}
{%- set shifted = quarter_start if m == 1 else wbexport_add_months(quarter_start, 1 - m) -%}
{{ dbt.concat([
    "'FY'" if m != 1 else "''",
    "cast(extract(year from " ~ shifted ~ ")" ~ (" + 1" if m != 1 else "") ~ " as " ~ dbt.type_string() ~ ")",
    "'-Q'",
    "cast(extract(quarter from " ~ shifted ~ ") as " ~ dbt.type_string() ~ ")"
]) }}
{%- endmacro %}

{#- share (0..1) of the period [start_date, end_date] elapsed on as_of (dates) -#}
{% macro wbexport_elapsed_share(start_date, end_date, as_of) -%}
case
    when {{ start_date }} is null or {{ end_date }} is null or {{ as_of }} is null then null
    when {{ as_of }} >= {{ end_date }} then 1.0
    when {{ as_of }} <= {{ start_date }} then 0.0
    else 1.0 * {{ wbexport_days_between(start_date, as_of) }} / {{ wbexport_days_between(start_date, end_date) }}
end
{%- endmacro %}

{#- `column in (date 'a', date 'b', ...)`, or false for an empty list -#}
{% macro wbexport_in_dates(column, dates) -%}
{%- if dates | length == 0 -%}
false
{%- else -%}
{{ column }} in ({% for d in dates %}date '{{ d }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endif -%}
{%- endmacro %}
