{#-
  SCD type 2 history derived from daily snapshots.

  relation  a model with one row per `key` and snapshot_date (a staging model)
  key       the natural key column
  tracked   columns whose change opens a new version
  carried   further columns copied from the version's first snapshot

  A new version starts when the key first appears, when any tracked column differs from the
  key's previous snapshot, or when the key reappears after missing from one or more snapshots
  (the snapshot dates are those present in `relation`). valid_from is the snapshot_date the
  version was first seen; valid_to (exclusive) is the first snapshot_date after the version was
  last seen, null while the version is in the latest snapshot. is_current is true for exactly
  the versions in the latest snapshot; is_deleted marks a key's last version when the key is
  gone from the latest snapshot.
-#}
{% macro wbexport_scd2(relation, key, tracked, carried=[]) %}
with rows_ as (
    select * from {{ relation }}
),

snapshots as (
    select
        snapshot_date,
        lag(snapshot_date) over (order by snapshot_date) as global_previous_snapshot_date,
        lead(snapshot_date) over (order by snapshot_date) as global_next_snapshot_date
    from (select distinct snapshot_date from rows_) as d
),

hashed as (
    select
        rows_.*,
        snapshots.global_previous_snapshot_date,
        snapshots.global_next_snapshot_date,
        {{ wbexport_row_hash(tracked) }} as attributes_hash
    from rows_
    inner join snapshots
        on rows_.snapshot_date = snapshots.snapshot_date
),

flagged as (
    select
        hashed.*,
        case
            when lag(snapshot_date) over (partition by {{ key }} order by snapshot_date) is null then 1
            when lag(snapshot_date) over (partition by {{ key }} order by snapshot_date) != global_previous_snapshot_date then 1
            when lag(attributes_hash) over (partition by {{ key }} order by snapshot_date) != attributes_hash then 1
            else 0
        end as is_new_version
    from hashed
),

numbered as (
    select
        flagged.*,
        sum(is_new_version) over (
            partition by {{ key }} order by snapshot_date
            rows between unbounded preceding and current row
        ) as version_number
    from flagged
),

windows as (
    select
        {{ key }},
        version_number,
        min(snapshot_date) as valid_from,
        max(snapshot_date) as last_seen_snapshot_date,
        count(*) as snapshots_seen
    from numbered
    group by {{ key }}, version_number
),

version_ends as (
    select
        windows.*,
        numbered.global_next_snapshot_date as valid_to,
        max(windows.version_number) over (partition by windows.{{ key }}) as last_version_number
    from windows
    inner join numbered
        on windows.{{ key }} = numbered.{{ key }}
        and windows.last_seen_snapshot_date = numbered.snapshot_date
)

select
    {{ dbt.concat(["cast(numbered." ~ key ~ " as " ~ dbt.type_string() ~ ")", "'@'", "cast(numbered.version_number as " ~ dbt.type_string() ~ ")"]) }} as version_id,
    numbered.{{ key }},
    numbered.version_number,
    version_ends.valid_from,
    version_ends.valid_to,
    version_ends.valid_to is null as is_current,
    (version_ends.valid_to is not null and version_ends.version_number = version_ends.last_version_number) as is_deleted,
    version_ends.last_seen_snapshot_date,
    version_ends.snapshots_seen,
    {%- for c in tracked %}
    numbered.{{ c }},
    {%- endfor %}
    {%- for c in carried %}
    numbered.{{ c }},
    {%- endfor %}
    numbered.attributes_hash
from numbered
inner join version_ends
    on numbered.{{ key }} = version_ends.{{ key }}
    and numbered.version_number = version_ends.version_number
where numbered.is_new_version = 1
{% endmacro %}
