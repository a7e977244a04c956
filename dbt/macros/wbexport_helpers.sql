{#-
  Small cross-database helpers for the wbexport models. Everything here renders to SQL that
  runs unchanged on DuckDB and BigQuery, or dispatches per adapter. No dbt packages are used
  (CI and developer machines reach PyPI only, not the dbt hub).
-#}

{#- Lower-cased, trimmed colour name with spaces/hyphens as underscores ("Dark Green" -> dark_green). -#}
{% macro wbexport_normalise_colour(colour) -%}
replace(replace(lower(trim({{ colour }})), ' ', '_'), '-', '_')
{%- endmacro %}

{#-
  Colour rank, 4 = best: 4 dark green / green, 3 light green, 2 amber / yellow, 1 red.
  WorkBoard's literal colour values are UNKNOWN (the emulator and fixtures use names), so the
  known names are matched case-insensitively; any other value (null, empty, a hex code, ...)
  falls back to WorkBoard's end-of-period RAG bands on the progress percentage:
  > 90 -> 4, > 70 -> 3, > 50 -> 2, otherwise 1 (null progress -> null).
-#}
{% macro wbexport_colour_rank(colour, progress) -%}
cast(case {{ wbexport_normalise_colour(colour) }}
    when 'dark_green' then 4
    when 'darkgreen' then 4
    when 'green' then 4
    when 'light_green' then 3
    when 'lightgreen' then 3
    when 'amber' then 2
    when 'yellow' then 2
    when 'orange' then 2
    when 'red' then 1
    else {{ wbexport_progress_band_rank(progress) }}
end as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro wbexport_progress_band_rank(progress) -%}
case
    when {{ progress }} is null then null
    when {{ progress }} > 90 then 4
    when {{ progress }} > 70 then 3
    when {{ progress }} > 50 then 2
    else 1
end
{%- endmacro %}

{#- 'name' when the colour is a known name, 'progress_band' when the rank came from the fallback. -#}
{% macro wbexport_colour_source(colour, progress) -%}
case
    when {{ wbexport_normalise_colour(colour) }} in ('dark_green', 'darkgreen', 'green', 'light_green', 'lightgreen', 'amber', 'yellow', 'orange', 'red') then 'name'
    when {{ progress }} is not null then 'progress_band'
end
{%- endmacro %}

{#- on_track (rank 3-4), at_risk (rank 2), off_track (rank 1), null when unknown. -#}
{% macro wbexport_progress_status(rank) -%}
case
    when {{ rank }} >= 3 then 'on_track'
    when {{ rank }} = 2 then 'at_risk'
    when {{ rank }} = 1 then 'off_track'
end
{%- endmacro %}

{#-
  Colour trend against the previous snapshot: first_snapshot when there is none, unknown when
  either colour rank is null, else improved / worsened / unchanged.
-#}
{% macro wbexport_colour_trend(previous_snapshot_date, rank, previous_rank) -%}
case
    when {{ previous_snapshot_date }} is null then 'first_snapshot'
    when {{ rank }} is null or {{ previous_rank }} is null then 'unknown'
    when {{ rank }} > {{ previous_rank }} then 'improved'
    when {{ rank }} < {{ previous_rank }} then 'worsened'
    else 'unchanged'
end
{%- endmacro %}

{#- CASE expression mapping a code column to labels; unknown codes map to null. -#}
{% macro wbexport_decode(column, mapping) -%}
case {{ column }}
{%- for code, label in mapping.items() %}
    when '{{ code }}' then '{{ label }}'
{%- endfor %}
end
{%- endmacro %}

{#- Empty / blank string -> null. -#}
{% macro wbexport_blank_to_null(column) -%}
nullif(trim({{ column }}), '')
{%- endmacro %}

{#- True when the array column contains value. -#}
{% macro wbexport_array_contains(array, value) -%}
{{ return(adapter.dispatch('wbexport_array_contains', 'wbexport')(array, value)) }}
{%- endmacro %}

{% macro default__wbexport_array_contains(array, value) -%}
({{ value }} in unnest({{ array }}))
{%- endmacro %}

{% macro duckdb__wbexport_array_contains(array, value) -%}
coalesce(list_contains({{ array }}, {{ value }}), false)
{%- endmacro %}

{#- Number of elements of an array column (0 for an empty array). -#}
{% macro wbexport_array_size(array) -%}
{{ return(adapter.dispatch('wbexport_array_size', 'wbexport')(array)) }}
{%- endmacro %}

{% macro default__wbexport_array_size(array) -%}
array_length({{ array }})
{%- endmacro %}

{% macro duckdb__wbexport_array_size(array) -%}
coalesce(len({{ array }}), 0)
{%- endmacro %}

{#- Hash of the given column expressions, null-safe and separator-safe (SCD2 change detection). -#}
{% macro wbexport_row_hash(columns) -%}
{%- set parts = [] -%}
{%- for c in columns -%}
  {%- do parts.append("coalesce(cast(" ~ c ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
  {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
{%- endfor -%}
{{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- Check-in grace window in seconds (var checkin_grace_hours, default 24; fractions allowed). -#}
{% macro wbexport_grace_seconds() -%}
{{ (var('checkin_grace_hours', 24) | float * 3600) | int }}
{%- endmacro %}

{#- Confidence label (none / low / medium / high) to a level: low 1, medium 2, high 3; none and unknown labels -> null. -#}
{% macro wbexport_confidence_level(confidence) -%}
cast(case {{ confidence }}
    when 'low' then 1
    when 'medium' then 2
    when 'high' then 3
end as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- OKR score 0..1 from a progress percentage (clamped to 0..100). -#}
{% macro wbexport_score(progress_pct) -%}
round(least(greatest({{ progress_pct }}, 0), 100) / 100, 4)
{%- endmacro %}

{#-
  Grade of a 0..1 score: green at or above var score_green_min (default 0.7), yellow at or above
  var score_yellow_min (default 0.4), else red; null for a null score.
-#}
{% macro wbexport_score_grade(score) -%}
case
    when {{ score }} is null then null
    when {{ score }} >= {{ var('score_green_min', 0.7) }} then 'green'
    when {{ score }} >= {{ var('score_yellow_min', 0.4) }} then 'yellow'
    else 'red'
end
{%- endmacro %}

{#- The incremental materialisation of the period scores: merge on score_id. -#}
{% macro wbexport_scores_config() -%}
{{ return({
    'materialized': 'incremental',
    'unique_key': 'score_id',
    'incremental_strategy': 'merge' if target.type == 'bigquery' else 'delete+insert',
    'on_schema_change': 'append_new_columns',
    'full_refresh': var('history_full_refresh', false)
}) }}
{%- endmacro %}

{#-
  The select of a period-end score model: per `key` and period_end_date, the last snapshot of
  `daily_fact` on or before period_end_date (on an incremental run only the new snapshot_dates
  of raw `table`), with score_id (key@period_end_date), `key`, the `columns` carried from the
  fact, the period, the scored snapshot and progress, the score and its grade.
-#}
{% macro wbexport_period_end_scores(daily_fact, key, columns, table) -%}
{%- set dates = wbexport_incremental_dates(table, 'scored_snapshot_date') %}
with in_period as (
    select
        *,
        row_number() over (partition by {{ key }}, period_end_date order by snapshot_date desc) as recency
    from {{ daily_fact }}
    where period_end_date is not null
        and snapshot_date <= period_end_date
        {%- if dates is not none %}
        and {{ wbexport_in_dates('snapshot_date', dates) }}
        {%- endif %}
)

select
    {{ dbt.concat(["cast(" ~ key ~ " as " ~ dbt.type_string() ~ ")", "'@'", "cast(period_end_date as " ~ dbt.type_string() ~ ")"]) }} as score_id,
    {{ key }},
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    period_start_date,
    period_end_date,
    snapshot_date as scored_snapshot_date,
    progress_pct as scored_progress_pct,
    {{ wbexport_score('progress_pct') }} as score,
    {{ wbexport_score_grade(wbexport_score('progress_pct')) }} as grade
from in_period
where recency = 1
{%- endmacro %}
