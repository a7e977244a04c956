"""dlt baseline (docs/benchmarks.md, "Against dlt").

A dlt rest_api pipeline over the same WorkBoard emulator endpoints wbexport calls for a full
export, writing Parquet to the local filesystem:

  users        GET /user?include=org_members           offset paginator, total_path data.totalCount
  teams        GET /team?include=org_teams              offset paginator, total_path data.totalCount
  team_members GET /team/{team_id}                      one call per team (parallelized)
  goals        GET /goal?goal_status=1,2&custom_attributes=1&include=custom_permission
                                                        offset paginator, goals selected from the
                                                        people_goals / team_goals wrappers
  key_results  GET /metric?goal_id={goal_id}&include_metric_data=yes
                                                        one call per goal (parallelized)

dlt normalises nested lists (metric_data, metric_confidence, ...) into child tables itself.
Concurrency: dependent resources are `parallelized`, run by dlt's extract worker pool
(EXTRACT__WORKERS, set by --workers); paged listings are fetched page after page (dlt has no
concurrent offset paging).

The token is read from WORKBOARD_TOKEN (never a flag). usage:
  WORKBOARD_TOKEN=... python pipeline.py --api-url http://127.0.0.1:PORT/wb/apis --out DIR --workers 16
"""
import argparse
import json
import os
import platform
import resource
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api-url", required=True)
    ap.add_argument("--out", required=True, help="bucket directory for the Parquet files")
    ap.add_argument("--workers", type=int, default=16, help="dlt extract workers (parallelized resources)")
    ap.add_argument("--page-size", type=int, default=100)
    a = ap.parse_args()
    token = os.environ.get("WORKBOARD_TOKEN", "")
    if not token:
        sys.exit("pipeline.py: set WORKBOARD_TOKEN")
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    # dlt configuration through its environment variables, before dlt is imported
    os.environ["EXTRACT__WORKERS"] = str(a.workers)
    os.environ["DATA_WRITER__DISABLE_COMPRESSION"] = "false"
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    os.environ["DLT_DATA_DIR"] = os.path.join(out, ".dlt-data")
    import dlt
    from dlt.sources.rest_api import rest_api_source

    def offset(limit):
        return {"type": "offset", "limit": limit, "offset_param": "offset", "limit_param": "limit",
                "total_path": "data.totalCount"}

    config = {
        "client": {"base_url": a.api_url.rstrip("/") + "/", "auth": {"type": "bearer", "token": token}},
        "resource_defaults": {"write_disposition": "replace"},
        "resources": [
            {"name": "users", "endpoint": {"path": "user", "params": {"include": "org_members"},
                                           "data_selector": "data.user", "paginator": offset(a.page_size)}},
            {"name": "teams", "endpoint": {"path": "team", "params": {"include": "org_teams"},
                                           "data_selector": "data.team", "paginator": offset(a.page_size)}},
            {"name": "team_members", "parallelized": True,
             "endpoint": {"path": "team/{resources.teams.team_id}", "data_selector": "data.team",
                          "paginator": "single_page"}},
            {"name": "goals", "endpoint": {"path": "goal",
                                           "params": {"goal_status": "1,2", "custom_attributes": "1",
                                                      "include": "custom_permission"},
                                           "data_selector": "data.goal[*].people_goals[*]",
                                           "paginator": offset(a.page_size)}},
            {"name": "key_results", "parallelized": True,
             "endpoint": {"path": "metric", "params": {"goal_id": "{resources.goals.goal_id}",
                                                       "include_metric_data": "yes"},
                          "data_selector": "data.metric", "paginator": "single_page"}},
        ],
    }
    source = rest_api_source(config)
    pipe = dlt.pipeline(pipeline_name="wbexport_dlt_bench", pipelines_dir=os.path.join(out, ".dlt-pipelines"),
                        destination=dlt.destinations.filesystem(bucket_url="file://" + out), dataset_name="workboard")
    t0 = time.perf_counter()
    info = pipe.run(source, loader_file_format="parquet")
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rows = {}
    try:
        for t, n in (pipe.last_trace.last_normalize_info.row_counts or {}).items():
            if not t.startswith("_dlt"):
                rows[t] = n
    except Exception:  # row counts are informative only
        pass
    r = {"bench": "dlt", "dlt": dlt.__version__, "python": platform.python_version(), "workers": a.workers,
         "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": ru.ru_maxrss / 1024,
         "rows": sum(rows.values()), "rows_by_table": rows, "load_ids": [p.load_id for p in info.load_packages]}
    print(json.dumps(r))
    print(f"dlt: {sum(rows.values())} rows in {len(rows)} tables in {wall:.1f}s (CPU {r['cpu_s']:.1f}s), peak RSS {r['peak_rss_mib']:.0f} MiB",
          file=sys.stderr)


if __name__ == "__main__":
    main()
