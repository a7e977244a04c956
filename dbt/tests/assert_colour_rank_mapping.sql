-- The colour normalisation used by every staging model (macros/wbexport_helpers.sql): known
-- colour names map case-insensitively, anything else falls back to WorkBoard's progress bands
-- (> 90, > 70, > 50, else), and the status label follows the rank. Returns the cases that
-- disagree with the expected rank / source / status (a passing test returns no rows).
with cases as (
              select 'Dark Green' as colour, 10.0 as progress, 4 as expected_rank, 'name' as expected_source, 'on_track' as expected_status
    union all select 'dark_green', 10.0, 4, 'name', 'on_track'
    union all select 'GREEN', 10.0, 4, 'name', 'on_track'
    union all select 'light-green', 10.0, 3, 'name', 'on_track'
    union all select ' Amber ', 99.0, 2, 'name', 'at_risk'
    union all select 'yellow', 99.0, 2, 'name', 'at_risk'
    union all select 'Red', 99.0, 1, 'name', 'off_track'
    union all select '#3cb371', 90.5, 4, 'progress_band', 'on_track'
    union all select '', 90.0, 3, 'progress_band', 'on_track'
    union all select 'purple', 70.5, 3, 'progress_band', 'on_track'
    union all select cast(null as {{ dbt.type_string() }}), 70.0, 2, 'progress_band', 'at_risk'
    union all select cast(null as {{ dbt.type_string() }}), 50.5, 2, 'progress_band', 'at_risk'
    union all select cast(null as {{ dbt.type_string() }}), 50.0, 1, 'progress_band', 'off_track'
    union all select cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_float() }}), cast(null as {{ dbt.type_int() }}), cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }})
),

actual as (
    select
        cases.*,
        {{ wbexport_colour_rank('colour', 'progress') }} as actual_rank,
        {{ wbexport_colour_source('colour', 'progress') }} as actual_source,
        {{ wbexport_progress_status(wbexport_colour_rank('colour', 'progress')) }} as actual_status
    from cases
)

select *
from actual
where coalesce(cast(actual_rank as {{ dbt.type_string() }}), '-') != coalesce(cast(expected_rank as {{ dbt.type_string() }}), '-')
    or coalesce(actual_source, '-') != coalesce(expected_source, '-')
    or coalesce(actual_status, '-') != coalesce(expected_status, '-')
