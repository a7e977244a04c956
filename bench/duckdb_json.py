"""DuckDB baseline for the CPU path (docs/benchmarks.md, "CPU path").

Reads the same recorded WorkBoard pages as `wbbench cpu` (goals.jsonl: GET /goal pages,
metrics.jsonl: GET /metric?goal_id= bodies, one body per line) and writes the same three
tables (goals, key_results, key_result_checkins) as zstd Parquet with the same column
names and types, via COPY (SELECT ... FROM read_json(...)) TO ... (FORMAT parquet,
COMPRESSION zstd). Prints one JSON line: rows, wall and CPU seconds, rows/s, peak RSS.

usage: python duckdb_json.py --dir REC --out OUT --threads N
"""
import argparse
import json
import os
import platform
import resource
import shutil
import time

import duckdb

TS = "CAST(to_timestamp(CAST(NULLIF(NULLIF({x}, ''), '0') AS BIGINT)) AS TIMESTAMP)"


def ts(x):
    return TS.format(x=x)


def idlist(x):
    return f"list_transform({x}, lambda e: CAST(e.id AS BIGINT))"


def namelist(x):
    return f"list_transform({x}, lambda e: e.name)"


LINEAGE = "DATE '2026-01-01' AS snapshot_date, 'duckdb' AS _run_id, now()::TIMESTAMP AS _extracted_at"


def goals_sql(rec):
    return f"""
WITH p AS (SELECT unnest(data.goal) AS w FROM read_json('{rec}/goals.jsonl', format='newline_delimited', maximum_object_size=67108864)),
     g AS (SELECT unnest(w.people_goals) AS g FROM p)
SELECT CAST(g.goal_id AS BIGINT) AS goal_id, NULLIF(g.goal_name, '') AS goal_name, NULLIF(g.goal_narrative, '') AS goal_narrative,
  g.goal_type.id AS goal_type_id, g.goal_type.name AS goal_type_name, CAST(NULLIF(g.goal_owner, '') AS BIGINT) AS goal_owner,
  NULLIF(g.goal_owner_full_name, '') AS goal_owner_full_name,
  {ts('g.goal_create_at')} AS goal_create_at, {ts('g.goal_modified_at')} AS goal_modified_at,
  CAST(NULLIF(g.goal_created_by, '') AS BIGINT) AS goal_created_by, CAST(NULLIF(g.goal_updated_by, '') AS BIGINT) AS goal_updated_by,
  {ts('g.goal_start_date')} AS goal_start_date, {ts('g.goal_target_date')} AS goal_target_date,
  TRY_CAST(g.goal_progress AS DOUBLE) AS goal_progress, NULLIF(g.goal_progress_color, '') AS goal_progress_color,
  NULLIF(g.goal_status, '') AS goal_status, string_split(g.goal_permission, ',') AS goal_permission,
  {idlist('g.goal_category')} AS goal_category_ids, {namelist('g.goal_category')} AS goal_category_names,
  {idlist('g.goal_workstreams')} AS goal_workstream_ids, {namelist('g.goal_workstreams')} AS goal_workstream_names,
  TRY_CAST(g.goal_team_id AS BIGINT) AS goal_team_id, CAST(g.goal_team_name AS VARCHAR) AS goal_team_name,
  CAST(NULLIF(g.goal_metrics_count, '') AS BIGINT) AS goal_metrics_count, CAST(NULLIF(g.goal_comments_count, '') AS BIGINT) AS goal_comments_count,
  list_transform(string_split(NULLIF(g.goal_custom_permission.goal_permission_team_ids, ''), ','), lambda e: CAST(e AS BIGINT)) AS goal_permission_team_ids,
  CAST(to_json(g.custom_attributes) AS VARCHAR) AS custom_attributes, {LINEAGE}
FROM g"""


def metrics_cte(rec):
    return f"""m AS (SELECT unnest(data.metric) AS k FROM read_json('{rec}/metrics.jsonl', format='newline_delimited', maximum_object_size=67108864))"""


def krs_sql(rec):
    return f"""
WITH {metrics_cte(rec)}
SELECT CAST(k.metric_id AS BIGINT) AS metric_id, CAST(k.metric_goal_id AS BIGINT) AS goal_id, NULLIF(k.metric_name, '') AS metric_name,
  CAST(NULLIF(k.metric_owner, '') AS BIGINT) AS metric_owner, CAST(NULLIF(k.metric_real_owner, '') AS BIGINT) AS metric_real_owner,
  k.metric_update_interval.id AS metric_update_interval_id, k.metric_update_interval.name AS metric_update_interval_name,
  NULLIF(k.metric_update_interval_day, '') AS metric_update_interval_day,
  k.metric_unit.id AS metric_unit_id, k.metric_unit.name AS metric_unit_name,
  k.metric_progress_type.id AS metric_progress_type_id, k.metric_progress_type.name AS metric_progress_type_name,
  k.metric_counting_type.id AS metric_counting_type_id, k.metric_counting_type.name AS metric_counting_type_name,
  TRY_CAST(k.metric_initial_data AS DOUBLE) AS metric_initial_data, TRY_CAST(k.metric_target AS DOUBLE) AS metric_target,
  TRY_CAST(k.metric_achieve_target AS DOUBLE) AS metric_achieve_target, TRY_CAST(k.metric_progress AS DOUBLE) AS metric_progress,
  NULLIF(k.metric_progress_color, '') AS metric_progress_color,
  {ts('k.metric_create_at')} AS metric_create_at, {ts('k.metric_modified_at')} AS metric_modified_at,
  CAST(NULLIF(k.metric_created_by, '') AS BIGINT) AS metric_created_by, CAST(NULLIF(k.metric_updated_by, '') AS BIGINT) AS metric_updated_by,
  {ts('k.metric_last_update')} AS metric_last_update, {ts('k.metric_next_update')} AS metric_next_update,
  NULLIF(k.metric_source_from, '') AS metric_source_from, NULLIF(k.metric_status, '') AS metric_status,
  string_split(k.metric_permission, ',') AS metric_permission, {ts('k.target_date')} AS target_date,
  CAST(NULL AS TIMESTAMP) AS metric_mit_start_date, CAST(NULL AS TIMESTAMP) AS metric_mit_end_date, CAST([] AS BIGINT[]) AS metric_goal_source,
  CAST(to_json(k.metric_automation) AS VARCHAR) AS metric_automation, CAST(NULLIF(to_json(k.child_kr)::VARCHAR, '[]') AS VARCHAR) AS child_kr, {LINEAGE}
FROM m"""


def checkins_sql(rec):
    return f"""
WITH {metrics_cte(rec)},
     d AS (SELECT CAST(k.metric_id AS BIGINT) AS metric_id, CAST(k.metric_goal_id AS BIGINT) AS goal_id, unnest(k.metric_data) AS d FROM m)
SELECT CAST(d.metric_data_id AS BIGINT) AS metric_data_id, metric_id, goal_id,
  {ts('d.metric_data_created_at')} AS metric_data_created_at, TRY_CAST(d.metric_data_value AS DOUBLE) AS metric_data_value,
  {ts('d.metric_data_updated_at')} AS metric_data_updated_at, CAST(NULLIF(d.metric_data_created_by, '') AS BIGINT) AS metric_data_created_by,
  NULLIF(d.metric_data_comment, '') AS metric_data_comment, {LINEAGE}
FROM d"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True, help="recording directory (wbbench record)")
    ap.add_argument("--out", required=True, help="output directory (emptied first)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    rec = os.path.abspath(a.dir)
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    con = duckdb.connect(config={"threads": a.threads, "preserve_insertion_order": False})
    in_bytes = sum(os.path.getsize(os.path.join(rec, f)) for f in ("goals.jsonl", "metrics.jsonl"))
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    rows = {}
    for table, sql in (("goals", goals_sql(rec)), ("key_results", krs_sql(rec)), ("key_result_checkins", checkins_sql(rec))):
        path = os.path.join(os.path.abspath(a.out), table + ".parquet")
        n = con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)").fetchone()
        rows[table] = int(n[0]) if n else None
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    total = sum(v for v in rows.values() if v)
    out_bytes = sum(os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out))
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    r = {"bench": "cpu", "engine": f"duckdb-threads{a.threads}", "duckdb": duckdb.__version__, "python": platform.python_version(),
         "threads": a.threads, "rows_by_table": rows, "rows": total, "json_bytes": in_bytes, "parquet_bytes": out_bytes,
         "wall_s": wall, "cpu_s": cpu, "rows_per_s": total / wall, "json_mib_per_s": in_bytes / 2**20 / wall,
         "peak_rss_mib": ru1.ru_maxrss / 1024, "load1": load}
    print(json.dumps(r))
    import sys
    print(f"duckdb threads={a.threads}: {total} rows {rows} in {wall:.2f}s (CPU {cpu:.2f}s): {total / wall:.0f} rows/s, peak RSS {ru1.ru_maxrss / 1024:.0f} MiB", file=sys.stderr)


if __name__ == "__main__":
    main()
