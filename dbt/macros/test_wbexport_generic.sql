{#-
  Generic test wbexport_between: fails for every row whose column lies outside [min_value, max_value]
  (nulls pass).
-#}
{% test wbexport_between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#-
  Generic test wbexport_scd2_valid: fails for every SCD2 version of `key` (in a model with
  valid_from, valid_to, is_current, version_number) that
    * has valid_to <= valid_from,
    * overlaps the key's next version (next valid_from < this valid_to, or this valid_to is null
      while a later version exists),
    * is current while not the key's last version, or
    * shares its key with another current version.
-#}
{% test wbexport_scd2_valid(model, key) %}
with versions as (
    select
        {{ key }} as scd_key,
        version_number,
        valid_from,
        valid_to,
        is_current,
        lead(valid_from) over (partition by {{ key }} order by version_number) as next_valid_from,
        sum(case when is_current then 1 else 0 end) over (partition by {{ key }}) as current_versions
    from {{ model }}
)

select *
from versions
where (valid_to is not null and valid_to <= valid_from)
    or (next_valid_from is not null and (valid_to is null or next_valid_from < valid_to))
    or (next_valid_from is not null and is_current)
    or current_versions > 1
{% endtest %}
