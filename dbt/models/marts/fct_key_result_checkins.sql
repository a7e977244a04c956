{{ config(
    cluster_by=['goal_id', 'key_result_id'] if target.type == 'bigquery' else none
) }}
-- One row per check-in slot (metric_data row) of every key result in the latest snapshot, with its
-- punctuality, the fiscal quarter it was due in, and the value change against the previous slot.
-- Reads only the latest snapshot (a constant date: one partition).
--
-- checkin_status, judged as of the snapshot's extraction time (extracted_at), with the grace
-- window G = var checkin_grace_hours (default 24) compared to the exact second:
--   on_time  checked in at or before due_at + G
--   late     checked in after due_at + G
--   missed   no value and no check-in time, and extracted_at is after due_at + G
--   not_due  no check-in yet, and extracted_at is at or before due_at + G (or no due time)
--   unknown  checked in, but the check-in time (WorkBoard sent "0") or the due time is missing
{#- slots without a due time sort last on every adapter (DuckDB and BigQuery differ on nulls) -#}
{%- set slot_order = 'case when due_at is null then 1 else 0 end, due_at, checkin_id' %}
{%- set grace = wbexport_grace_seconds() %}
with checkins as (
    select * from {{ ref('stg_workboard__key_result_checkins') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
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
        {{ wbexport_add_seconds('due_at', grace) }} as grace_ends_at,
        {{ wbexport_local_date('due_at') }} as due_date
    from checkins
),

classified as (
    select
        ordered.*,
        case
            when is_checked_in and (checked_in_at is null or due_at is null) then 'unknown'
            when is_checked_in and checked_in_at <= grace_ends_at then 'on_time'
            when is_checked_in then 'late'
            when extracted_at > grace_ends_at then 'missed'
            else 'not_due'
        end as checkin_status,
        {{ wbexport_quarter_start('due_date') }} as due_quarter_start_date
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
    classified.due_date,
    {{ wbexport_quarter_label('classified.due_quarter_start_date') }} as due_quarter,
    classified.due_quarter_start_date,
    classified.grace_ends_at,
    classified.checked_in_at,
    classified.checked_in_by_user_id,
    classified.checkin_value,
    classified.checkin_comment,
    classified.checkin_status,
    classified.checkin_status != 'not_due' as is_due,
    classified.checkin_status in ('on_time', 'late', 'unknown') as is_checked_in,
    classified.checkin_status = 'on_time' as is_on_time,
    classified.checkin_status = 'missed' as is_missed,
    case
        when classified.checkin_status in ('on_time', 'late')
            then round({{ wbexport_seconds_between('classified.due_at', 'classified.checked_in_at') }} / 3600, 4)
    end as hours_after_due,
    coalesce(classified.slot_number = last_due.last_due_slot_number, false) as is_last_due_slot,
    classified.previous_checkin_id,
    classified.previous_slot_value,
    classified.previous_reported_value,
    classified.checkin_value - classified.previous_reported_value as value_change,
    classified.extracted_at,
    classified.run_id
from classified
left join last_due
    on classified.key_result_id = last_due.key_result_id
