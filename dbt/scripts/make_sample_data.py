#!/usr/bin/env python3
"""Write a small synthetic wbexport output tree for dbt development.

Layout and column types are exactly those of the local Parquet sink:

    <out>/<table>/snapshot_date=YYYY-MM-DD/part-00000.parquet  (+ _manifest.json, _SUCCESS)

with `snapshot_date` both a Parquet column and the hive key of the folder. Columns and their
types come from schemas/tables.go (parsed by schemas_go.py), written by DuckDB: INT64 -> BIGINT,
timestamps -> TIMESTAMPTZ (UTC, microseconds), lists -> VARCHAR[] / BIGINT[].

The data tells a story the marts must get right (tests in the dbt project rely on nothing
here; it is only for looking at results):
  * goal 90114 worsens from amber to red on the last day (at risk);
  * goal 90101 is renamed on day 2 (a new SCD2 version);
  * goal 90150 disappears on the last day (deleted: its SCD2 row closes);
  * KR 310552 missed its last weekly check-in; other KRs have late and on-time check-ins;
  * one personal goal (no team) and one closed goal.

Usage: .venv/bin/python dbt/scripts/make_sample_data.py [--out dbt/target/sample-out] [--days 3]
       [--end-date 2025-08-24]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import shutil
import sys
import uuid

import duckdb

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import schemas_go  # noqa: E402

UTC = dt.timezone.utc


def ts(d: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC)


USERS = [
    (180231, "priya", "Priya", "Raman", 52010),
    (180245, "marcus", "Marcus", "Webb", 52033),
    (180262, "lena", "Lena", "Okafor", 52047),
    (180277, "tomas", "Tomás", "Novak", 52047),
    (180290, "hana", "Hana", "Sato", 52061),
    (180300, "ola", "Ola", "Berg", 52033),
]
TEAMS = [  # id, name, parent, owner, type
    (52010, "Executive Team", None, 180231, "functional"),
    (52033, "Sales", 52010, 180245, "functional"),
    (52047, "Customer Success", 52010, 180262, "functional"),
    (52061, "Renewals Tiger Team", 52047, 180290, "working_group"),
]


def snapshot_rows(day: dt.date, idx: int, ndays: int, run_id: str, extracted: dt.datetime) -> dict[str, list[dict]]:
    """All rows of one snapshot. idx is 0 for the first snapshot, ndays-1 for the last."""
    last = idx == ndays - 1
    q_start, q_end = dt.date(2025, 7, 1), dt.date(2025, 9, 30)
    out: dict[str, list[dict]] = {t: [] for t in (
        "users", "teams", "team_members", "goals", "key_results", "key_result_checkins",
        "key_result_confidence", "key_result_comments", "goal_comments")}

    for uid, login, first, last_name, _team in USERS:
        out["users"].append(dict(
            user_id=uid, user_name=login, email=f"{login}@northwind.example", first_name=first,
            last_name=last_name, create_at=ts(dt.date(2024, 1, 15)), last_visited_at=ts(day, 8),
            time_zone="Europe/Berlin", org_id=4417, status="active", org_user_roles=["6"] + (["10"] if uid == 180231 else []),
            direct_manager_user_id=None if uid == 180231 else 180231,
            manager_user_ids=[] if uid == 180231 else [180231], dotted_manager_user_ids=[],
            is_read_only=uid == 180277, profile_title="Manager" if uid in (180231, 180245) else "Specialist"))
    for tid, name, parent, owner, ttype in TEAMS:
        out["teams"].append(dict(
            team_id=tid, parent_team_id=parent, dotted_team_ids=[52033] if tid == 52061 else [], team_name=name,
            team_owner=owner, team_type=ttype, level="1" if parent is None else "2",
            created_at=ts(dt.date(2024, 2, 1)), updated_at=ts(dt.date(2025, 6, 1)), team_state="1"))
    for uid, _login, first, last_name, tid in USERS:
        out["team_members"].append(dict(team_id=tid, user_id=uid, first_name=first, last_name=last_name,
                                        email=f"{_login}@northwind.example",
                                        team_role="manager" if any(t[3] == uid and t[0] == tid for t in TEAMS) else "member"))

    # goal_id, name, owner, team, type, status, progress by snapshot, colour by snapshot
    p = lambda *v: v[min(idx, len(v) - 1)] if idx < ndays - 1 else v[-1]  # noqa: E731
    goals = [
        (90101, "Grow ARR to 12M" if idx == 0 else "Grow ARR to 12M in FY25", 180231, 52010, "1", "1",
         p(55.0, 58.5, 61.0), p("amber", "amber", "green")),
        (90114, "Win 20 enterprise logos", 180245, 52033, "1", "1", p(52.0, 51.0, 44.0), p("amber", "amber", "red")),
        (90127, "Raise NRR to 115%", 180262, 52047, "1", "1", p(72.0, 74.0, 76.5), p("green", "green", "green")),
        (90133, "Finish onboarding course", 180277, None, "2", "2", 100.0, "green"),
        (90140, "Q2 pipeline hygiene", 180245, 52033, "1", "2", 92.0, "DARK_GREEN"),
        (90161, "Renewals at 95%", 180290, 52061, "1", "1", p(30.0, 35.0, 35.0), p(None, None, None)),
    ]
    if not last:
        goals.append((90150, "Retire legacy CRM", 180300, 52033, "1", "1", 10.0, "red"))
    for gid, name, owner, team, gtype, status, progress, colour in goals:
        closed_q2 = status == "2"
        start = dt.date(2025, 4, 1) if closed_q2 else q_start
        end = dt.date(2025, 6, 30) if closed_q2 else q_end
        owner_name = next(f"{u[2]} {u[3]}" for u in USERS if u[0] == owner)
        out["goals"].append(dict(
            goal_id=gid, goal_name=name, goal_narrative="", goal_type_id=gtype,
            goal_type_name="Team" if gtype == "1" else "Personal", goal_owner=owner,
            goal_owner_full_name=owner_name, goal_create_at=ts(start), goal_modified_at=ts(day, 6),
            goal_created_by=owner, goal_updated_by=owner, goal_start_date=ts(start), goal_target_date=ts(end),
            goal_progress=progress, goal_progress_color=colour, goal_status=status,
            goal_permission=["team", "internal"] if team else ["owner", "manager"], goal_category_ids=[],
            goal_category_names=[], goal_workstream_ids=[], goal_workstream_names=[], goal_team_id=team,
            goal_team_name=next((t[1] for t in TEAMS if t[0] == team), None), goal_metrics_count=2,
            goal_comments_count=1 if gid == 90114 else 0, goal_permission_team_ids=[]))
        if gid == 90114:
            out["goal_comments"].append(dict(comment_id=77001, goal_id=gid, comment_text="Two deals slipped.",
                                             comment_owner=180231, comment_owner_name="Priya Raman",
                                             comment_added_at=ts(dt.date(2025, 8, 15), 9),
                                             comment_last_updated=ts(dt.date(2025, 8, 15), 9)))
        for k in range(2):
            mid = gid * 10 + k if gid != 90114 or k else 310552
            kprog = progress
            out["key_results"].append(dict(
                metric_id=mid, goal_id=gid, metric_name=f"{name} KR{k + 1}", metric_owner=owner, metric_real_owner=owner,
                metric_update_interval_id="2", metric_update_interval_name="Weekly", metric_update_interval_day="Friday",
                metric_unit_id="1", metric_unit_name="Number", metric_progress_type_id="1",
                metric_progress_type_name="Last Update", metric_counting_type_id="1",
                metric_counting_type_name="Counting Up", metric_initial_data=0.0, metric_target=100.0,
                metric_achieve_target=kprog, metric_progress=kprog, metric_progress_color=colour,
                metric_create_at=ts(start), metric_modified_at=ts(day, 6), metric_created_by=owner,
                metric_updated_by=owner, metric_last_update=ts(day - dt.timedelta(days=2), 17),
                metric_next_update=ts(day + dt.timedelta(days=5)), metric_source_from="1",
                metric_status="1" if status == "1" else "2", metric_permission=["team"], target_date=ts(end),
                metric_goal_source=[]))
            if status != "1":
                continue
            # weekly slots on Fridays from the quarter start up to one week after the snapshot
            slot = q_start + dt.timedelta(days=(4 - q_start.weekday()) % 7)
            n = 0
            while slot <= day + dt.timedelta(days=7):
                n += 1
                due = ts(slot)
                future = slot > day
                missed = future or (mid == 310552 and (n in (3, 6) or slot > day - dt.timedelta(days=7))) \
                    or (mid == 901271 and n == 2)
                late = not missed and n % 4 == 0
                upd = None if missed else due + dt.timedelta(hours=80 if late else 17)
                if upd is not None and upd > extracted:
                    upd, missed = None, True
                out["key_result_checkins"].append(dict(
                    metric_data_id=mid * 100 + n, metric_id=mid, goal_id=gid, metric_data_created_at=due,
                    metric_data_value=None if missed else float(n * 5 + k), metric_data_updated_at=upd,
                    metric_data_created_by=None if missed else owner,
                    metric_data_comment="" if missed or n % 3 else "On plan."))
                slot += dt.timedelta(days=7)
            out["key_result_confidence"].append(dict(metric_id=mid, modified_at=ts(dt.date(2025, 8, 1), 10), ordinal=0,
                                                     goal_id=gid, confidence="2", comment="Medium."))
            out["key_result_confidence"].append(dict(metric_id=mid, modified_at=ts(dt.date(2025, 8, 1), 10), ordinal=1,
                                                     goal_id=gid, confidence="3", comment="Upgraded."))
            out["key_result_comments"].append(dict(metric_id=mid, modified_at=ts(dt.date(2025, 8, 8), 12), ordinal=0,
                                                   goal_id=gid, comment="Checked with finance."))
    for rows in out.values():
        for r in rows:
            r.update(snapshot_date=day, _run_id=run_id, _extracted_at=extracted)
    return out


def write_table(con: duckdb.DuckDBPyConnection, table: schemas_go.Table, rows: list[dict], path: pathlib.Path) -> None:
    cols = table.columns
    for r in rows:
        unknown = set(r) - {c.name for c in cols}
        if unknown:
            raise SystemExit(f"make_sample_data: table {table.name}: unknown columns {sorted(unknown)}")
    con.execute("DROP TABLE IF EXISTS t")
    con.execute("CREATE TEMP TABLE t (" + ", ".join(f'"{c.name}" {c.duckdb_type}' for c in cols) + ")")
    if rows:
        values = [[r.get(c.name, [] if c.type.startswith("List") else None) for c in cols] for r in rows]
        con.executemany("INSERT INTO t VALUES (" + ", ".join("?" for _ in cols) + ")", values)
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet, COMPRESSION zstd)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(schemas_go.REPO / "dbt" / "target" / "sample-out"),
                    help="output root, replaced if it exists (default %(default)s)")
    ap.add_argument("--days", type=int, default=3, help="number of daily snapshots (default %(default)s)")
    ap.add_argument("--end-date", default="2025-08-24", help="last snapshot date (default %(default)s)")
    args = ap.parse_args()
    if args.days < 1:
        raise SystemExit("make_sample_data: --days must be at least 1")
    root = pathlib.Path(args.out)
    end = dt.date.fromisoformat(args.end_date)
    tables = {t.name: t for t in schemas_go.load()}
    if root.exists():
        shutil.rmtree(root)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for i in range(args.days):
        day = end - dt.timedelta(days=args.days - 1 - i)
        run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"wbexport-sample/{day}"))
        extracted = ts(day, 2, 15)
        data = snapshot_rows(day, i, args.days, run_id, extracted)
        for name, rows in data.items():
            part = root / name / f"snapshot_date={day}"
            write_table(con, tables[name], rows, part / "part-00000.parquet")
            (part / "_manifest.json").write_text(json.dumps(
                {"table": name, "snapshot_date": str(day), "run_id": run_id, "rows": len(rows),
                 "files": ["part-00000.parquet"]}, indent=2) + "\n")
            (part / "_SUCCESS").write_text("")
        ledger = dict(run_id=run_id, snapshot_date=day, status="succeeded", started_at=extracted,
                      finished_at=extracted + dt.timedelta(minutes=3), wbexport_version="sample",
                      sink=f"file://{root}", api_base_url="http://127.0.0.1/wb/apis",
                      tables=sorted(data), summary=json.dumps({"rows": {k: len(v) for k, v in data.items()}}))
        write_table(con, tables["_sync_runs"], [ledger], root / "_sync_runs" / f"snapshot_date={day}" / "part-00000.parquet")
    print(f"wrote {args.days} snapshots ending {end} under {root}")


if __name__ == "__main__":
    main()
