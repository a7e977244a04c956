with source as (
    select * from {{ source('workboard', 'key_result_comments') }}
),

-- The latest snapshot is the parent table's: these rows come from the same API responses as
-- key_results, and an empty latest partition of this table must not make an older one look current.
latest as (
    select max(snapshot_date) as latest_snapshot_date from {{ source('workboard', 'key_results') }}
)

select
    source.metric_id as key_result_id,
    source.modified_at as commented_at,
    source.ordinal,
    source.snapshot_date,
    source.goal_id,
    source.comment as comment_text,
    source._run_id as run_id,
    source._extracted_at as extracted_at,
    source._extra as extra_json,
    source.snapshot_date = latest.latest_snapshot_date as is_latest_snapshot
from source
cross join latest
