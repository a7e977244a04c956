{{ config(
    cluster_by=['goal_id', 'key_result_id'] if target.type == 'bigquery' else none
) }}
-- One row per check-in slot (metric_data row) of every key result in the latest snapshot, with its
-- punctuality and the value change against the previous slot.
--
-- checkin_status, judged as of the snapshot's extraction time (extracted_at):
--   on_time  checked in no later than checkin_grace_hours (var, default 24) after the slot was due
--   late     checked in later than that
--   missed   no value and no check-in time, and the grace window had passed at extraction
--   not_due  no check-in yet, but the slot was not due (or still inside the grace window) at extraction
--   unknown  checked in, but the check-in time (WorkBoard sent "0") or the due time is missing
--   (a slot without a due time and without a check-in is not_due: it can never be judged missed)
{#- slots without a due time sort last on every adapter (DuckDB and BigQuery differ on nulls) -#}
{%- set slot_order = 'case when due_at is null then 1 else 0 end, due_at, checkin_id' %}
with checkins as (
    select * from {{ ref('stg_workboard__key_result_checkins') }}
    where is_latest_snapshot
),

ordered as (
    select
        checkins.*,
        row_number() over (partition by key_result_id order by {{ slot_order }}) as slot_number,
        lag(checkin_id) over (partition by key_result_id order by {{ slot_order }}) as previous_checkin_id,
        lag(checkin_value) over (partition by key_result_id order by {{ slot_order }}) as previous_slot_value,
        last_value(checkin_value ignore nulls) over (
            partition by key_result_id order by {{ slot_order }}
            rows between unbounded preceding and 1 preceding
        ) as previous_reported_value,
        {{ dbt.datediff('due_at', 'checked_in_at', 'minute') }} as minutes_after_due,
        {{ dbt.datediff('due_at', 'extracted_at', 'minute') }} as minutes_due_before_extraction
    from checkins
),

classified as (
    select
        ordered.*,
        case
            when is_checked_in and (checked_in_at is null or due_at is null) then 'unknown'
            when is_checked_in and minutes_after_due <= {{ wbexport_grace_minutes() }} then 'on_time'
            when is_checked_in then 'late'
            when minutes_due_before_extraction > {{ wbexport_grace_minutes() }} then 'missed'
            else 'not_due'
        end as checkin_status
    from ordered
),

last_due as (
    -- the most recent slot per key result that was already due (not not_due) at extraction
    select key_result_id, max(slot_number) as last_due_slot_number
    from classified
    where checkin_status != 'not_due'
    group by key_result_id
)

select
    classified.checkin_id,
    classified.key_result_id,
    classified.goal_id,
    classified.snapshot_date,
    classified.slot_number,
    classified.due_at,
    cast(classified.due_at as date) as due_date,
    classified.checked_in_at,
    classified.checked_in_by_user_id,
    classified.checkin_value,
    classified.checkin_comment,
    classified.checkin_status,
    classified.checkin_status in ('on_time', 'late', 'unknown') as is_checked_in,
    classified.checkin_status = 'missed' as is_missed,
    case when classified.checkin_status in ('on_time', 'late') then classified.minutes_after_due / 60.0 end as hours_after_due,
    classified.slot_number = last_due.last_due_slot_number as is_last_due_slot,
    classified.previous_checkin_id,
    classified.previous_slot_value,
    classified.previous_reported_value,
    classified.checkin_value - classified.previous_reported_value as value_change,
    classified.extracted_at,
    classified.run_id
from classified
left join last_due
    on classified.key_result_id = last_due.key_result_id
