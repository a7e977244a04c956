{#-
  Generic test wbexport_unique_combination: fails for every combination of `columns` that occurs
  more than once in the model (a composite primary key check; no dbt packages needed).

  Usage (dbt >= 1.10 `arguments:` syntax, at table / model level):
    data_tests:
      - wbexport_unique_combination:
          arguments:
            columns: [goal_id, snapshot_date]
-#}
{% test wbexport_unique_combination(model, columns) %}
{%- if columns is string -%}{%- set columns = [columns] -%}{%- endif -%}
{%- if columns | length == 0 -%}
  {{ exceptions.raise_compiler_error("wbexport_unique_combination on " ~ model ~ ": argument 'columns' is empty") }}
{%- endif %}
select
  {{ columns | join(',\n  ') }},
  count(*) as n_records
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
