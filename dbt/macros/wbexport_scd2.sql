{#-
  SCD type 2 history derived from daily snapshots, built incrementally.

  relation  a model with one row per `key` and snapshot_date (a staging model)
  key       the natural key column
  tracked   columns whose change opens a new version
  carried   further columns copied from the version's first snapshot
  table     the raw table whose snapshot_dates drive the incremental runs

  A new version starts when the key first appears, when any tracked column differs from the
  key's previous snapshot, or when the key reappears after missing from one or more snapshots
  (the snapshot dates are those present in `relation`). valid_from is the snapshot_date the
  version was first seen; valid_to (exclusive) is the first snapshot_date after the version was
  last seen, null while the version is in the latest snapshot. is_current is true for exactly
  the versions in the latest snapshot; is_deleted marks a key's last version when the key is
  gone from the latest snapshot.

  Incremental runs read only the new snapshot_dates of `relation` plus the model's own current
  versions (carried on as the first row of each key) and the highest version number of keys
  that reappear; the result (new versions and the carried ones, updated) is merged on
  version_id. A full build and any sequence of incremental builds give the same table, and the
  history stays when raw partitions expire.
-#}
{% macro wbexport_scd2(relation, key, tracked, carried=[], table='goals') %}
{%- set dates = wbexport_incremental_dates(table, 'last_seen_snapshot_date', reprocess=false) %}
{%- set cols = tracked + carried %}
with new_rows as (
    select
        {{ key }},
        snapshot_date,
        {%- for c in cols %}
        {{ c }},
        {%- endfor %}
        {{ wbexport_row_hash(tracked) }} as attributes_hash
    from {{ relation }}
    {%- if dates is not none %}
    where {{ wbexport_in_dates('snapshot_date', dates) }}
    {%- endif %}
),

rows_ as (
    select
        new_rows.*,
        cast(null as {{ dbt.type_bigint() }}) as carried_version_number,
        cast(null as date) as carried_valid_from,
        cast(null as {{ dbt.type_bigint() }}) as carried_snapshots_seen
    from new_rows
    {%- if dates %}
    union all
    -- the versions current after the last build, as each key's first row
    select
        {{ key }},
        last_seen_snapshot_date as snapshot_date,
        {%- for c in cols %}
        {{ c }},
        {%- endfor %}
        attributes_hash,
        version_number as carried_version_number,
        valid_from as carried_valid_from,
        snapshots_seen as carried_snapshots_seen
    from {{ this }}
    where is_current
    {%- endif %}
),

{%- if dates %}
earlier_versions as (
    -- the highest version number of keys that are not current (they may reappear)
    select {{ key }}, max(version_number) as max_version_number
    from {{ this }}
    where not is_current
    group by {{ key }}
),
{%- endif %}

snapshots as (
    select
        snapshot_date,
        lag(snapshot_date) over (order by snapshot_date) as global_previous_snapshot_date,
        lead(snapshot_date) over (order by snapshot_date) as global_next_snapshot_date
    from (select distinct snapshot_date from rows_) as d
),

flagged as (
    select
        rows_.*,
        snapshots.global_next_snapshot_date,
        case
            when lag(rows_.snapshot_date) over (partition by rows_.{{ key }} order by rows_.snapshot_date) is null then 1
            when lag(rows_.snapshot_date) over (partition by rows_.{{ key }} order by rows_.snapshot_date) != snapshots.global_previous_snapshot_date then 1
            when lag(rows_.attributes_hash) over (partition by rows_.{{ key }} order by rows_.snapshot_date) != rows_.attributes_hash then 1
            else 0
        end as is_new_version
    from rows_
    inner join snapshots
        on rows_.snapshot_date = snapshots.snapshot_date
),

segmented as (
    select
        flagged.*,
        cast(sum(is_new_version) over (
            partition by {{ key }} order by snapshot_date
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as segment_number,
        first_value(carried_version_number) over (
            partition by {{ key }} order by snapshot_date
            rows between unbounded preceding and unbounded following
        ) as base_version_number
    from flagged
),

numbered as (
    select
        segmented.*,
        case
            when segmented.base_version_number is not null
                then segmented.base_version_number + segmented.segment_number - 1
            {%- if dates %}
            else coalesce(earlier_versions.max_version_number, 0) + segmented.segment_number
            {%- else %}
            else segmented.segment_number
            {%- endif %}
        end as version_number
    from segmented
    {%- if dates %}
    left join earlier_versions
        on segmented.{{ key }} = earlier_versions.{{ key }}
    {%- endif %}
),

windows as (
    select
        {{ key }},
        version_number,
        coalesce(min(carried_valid_from), min(snapshot_date)) as valid_from,
        max(snapshot_date) as last_seen_snapshot_date,
        cast(sum(coalesce(carried_snapshots_seen, 1)) as {{ dbt.type_bigint() }}) as snapshots_seen
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
    {%- for c in cols %}
    numbered.{{ c }},
    {%- endfor %}
    numbered.attributes_hash
from numbered
inner join version_ends
    on numbered.{{ key }} = version_ends.{{ key }}
    and numbered.version_number = version_ends.version_number
where numbered.is_new_version = 1
{% endmacro %}

{#- The incremental materialisation of the SCD2 histories: merge on version_id. -#}
{% macro wbexport_scd2_config(key) -%}
{{ return({
    'materialized': 'incremental',
    'unique_key': 'version_id',
    'incremental_strategy': 'merge' if target.type == 'bigquery' else 'delete+insert',
    'cluster_by': ['is_current', key] if target.type == 'bigquery' else none,
    'on_schema_change': 'append_new_columns',
    'full_refresh': var('history_full_refresh', false)
}) }}
{%- endmacro %}
