{{ config(enabled=(target.type == 'duckdb')) }}
-- DuckDB only: snapshot_date is both a Parquet column and the hive key of the folder
-- (<root>/<table>/snapshot_date=YYYY-MM-DD/part-*.parquet). The sources read the file column
-- (hive_partitioning = false); this test proves the two agree for every row of every table, so
-- the choice cannot change results. (With hive_partitioning = true DuckDB silently replaces the
-- file column by the folder value, which would hide a misplaced file; hence false.)
-- Like the other tests on raw data it checks the latest snapshot only (every earlier one was
-- checked when it was the latest); --vars '{test_all_snapshots: true}' checks every partition.
-- Returns one row per table with mismatches (a passing test returns no rows).
{%- set root = wbexport_root() %}
{%- set latest = wbexport_latest_snapshot_date_value() if execute else none %}
{%- set partition = '*' if var('test_all_snapshots', false) or not latest else latest %}
{%- set tables = ['users', 'teams', 'team_members', 'goals', 'key_results', 'key_result_checkins',
                  'key_result_confidence', 'key_result_comments', 'goal_comments', 'goal_alignments',
                  'tags', 'key_result_tags', '_sync_runs'] %}
{%- for t in tables %}
select
    '{{ t }}' as table_name,
    count(*) as mismatched_rows
from read_parquet('{{ root }}/{{ t }}/snapshot_date={{ partition }}/*.parquet', hive_partitioning = false, union_by_name = true, filename = true)
where strpos(filename, 'snapshot_date=' || strftime(snapshot_date, '%Y-%m-%d') || '/') = 0
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{%- endfor %}
