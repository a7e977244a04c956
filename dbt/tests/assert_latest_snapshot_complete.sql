{{ config(severity='error') }}
-- Fails `dbt build` loudly when the latest snapshot is only partly loaded (a table's latest
-- partition missing, e.g. after a failed load of one table, or the day's run failed), instead
-- of letting the marts show zeros for the missing table. error() raises on both adapters with
-- a message naming every missing table and the day, e.g.
--   wbexport: the latest snapshot is incomplete: key_result_checkins has no snapshot for
--   2026-12-06 (its latest: 2026-12-05)
-- (The call sits in the filter, where no optimizer can drop it; CASE evaluates it only when
-- there is a problem.) The test's only parent is stg_workboard__snapshot_status, an ancestor of
-- every staging model, so `dbt build` skips all models downstream: the marts keep their
-- previous state.
with problems as (
    select
        count(*) as problem_count,
        {{ dbt.listagg('problem', "'; '", 'order by table_name') }} as problems
    from {{ ref('stg_workboard__snapshot_status') }}
    where problem is not null
)

select problem_count, problems
from problems
where case
    when problem_count > 0 then error({{ dbt.concat(["'wbexport: the latest snapshot is incomplete: '", "problems"]) }}) is null
    else false
end
