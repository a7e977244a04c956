#!/usr/bin/env python3
"""Tests that the offline BigQuery check (check_bigquery.py, bqsql.py) can fail.

1. Snippets: each construct BigQuery rejects (DuckDB / Postgres habits) must be reported, with
   the reason; each valid counterpart must pass.
2. End to end: a copy of the dbt project with one extra model per invalid construct goes
   through check_bigquery.py (dbt renders it for BigQuery, the recorder validates what dbt
   would send): every broken model must be reported, and no other node.

Usage: .venv/bin/python dbt/scripts/test_check_bigquery.py
Prints one line per test and "check_bigquery tests: N passed, M failed"; exit status 1 on failure.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bqsql  # noqa: E402

SCRIPTS = pathlib.Path(__file__).resolve().parent
REPO = SCRIPTS.parents[1]
RAW = "`p`.`raw`"

# name -> (invalid SQL, words the report must contain, valid BigQuery counterpart)
CASES = {
    "date_trunc_part_first": (
        f"select date_trunc('quarter', cast(goal_start_date as date)) from {RAW}.goals",
        "date part keyword",
        f"select date_trunc(cast(goal_start_date as date), quarter) from {RAW}.goals"),
    "datediff_duckdb_style": (
        f"select datediff('day', goal_start_date, goal_target_date) from {RAW}.goals",
        "unknown function datediff",
        f"select timestamp_diff(goal_target_date, goal_start_date, day) from {RAW}.goals"),
    "json_arrow_operator": (
        f"select custom_attributes->>'a' from {RAW}.goals",
        "operator ->>",
        f"select json_value(custom_attributes, '$.a') from {RAW}.goals"),
    "string_equals_int": (
        f"select goal_id from {RAW}.goals where goal_status = 1",
        "no matching signature for STRING and INT64",
        f"select goal_id from {RAW}.goals where goal_status = '1'"),
    "unknown_function": (
        f"select list_contains(goal_permission, 'team') from {RAW}.goals",
        "unknown function list_contains",
        f"select 'team' in unnest(goal_permission) from {RAW}.goals"),
    "unknown_column": (
        f"select goal_progres from {RAW}.goals",
        "could not be resolved",
        f"select goal_progress from {RAW}.goals"),
    # more habits BigQuery rejects
    "double_colon_cast": (
        f"select goal_id::string from {RAW}.goals",
        "operator ::",
        f"select cast(goal_id as string) from {RAW}.goals"),
    "date_vs_timestamp": (
        f"select goal_id from {RAW}.goals where snapshot_date > goal_start_date",
        "no matching signature for DATE and TIMESTAMP",
        f"select goal_id from {RAW}.goals where snapshot_date > date(goal_start_date)"),
    "concat_number": (
        f"select concat('goal ', goal_id) from {RAW}.goals",
        "CONCAT of INT64",
        f"select concat('goal ', cast(goal_id as string)) from {RAW}.goals"),
    "wrong_arity": (
        f"select error('goal', goal_name) from {RAW}.goals",
        "takes 1 arguments, got 2",
        f"select error(concat('goal ', goal_name)) from {RAW}.goals"),
    "unknown_table": (
        f"select goal_id from {RAW}.goal",
        "unknown table",
        f"select goal_id from {RAW}.goals"),
}

# the five constructs of issue 18 (plus an unknown column), each as a model of the dbt project
BROKEN_MODELS = {
    "zz_broken_date_trunc": ("select date_trunc('quarter', period_start_date) as q from {{ ref('stg_workboard__goals') }}",
                             "date part keyword"),
    "zz_broken_datediff": ("select datediff('day', period_start_at, period_end_at) as d from {{ ref('stg_workboard__goals') }}",
                           "unknown function datediff"),
    "zz_broken_json_arrow": ("select extra_json->>'a' as a from {{ ref('stg_workboard__goals') }}",
                             "operator ->>"),
    "zz_broken_string_int": ("select goal_id from {{ ref('stg_workboard__goals') }} where goal_status_code = 1",
                             "no matching signature for STRING and INT64"),
    "zz_broken_unknown_function": ("select strftime(snapshot_date, '%Y') as y from {{ ref('stg_workboard__goals') }}",
                                   "unknown function strftime"),
    "zz_broken_unknown_column": ("select goal_title from {{ ref('stg_workboard__goals') }}",
                                 "could not be resolved"),
}


def catalog() -> bqsql.Catalog:
    c = bqsql.Catalog()
    c.add_raw_schemas(REPO / "schemas" / "bigquery", "p", "raw")
    return c


def run() -> tuple[int, int]:
    passed = failed = 0

    def result(ok: bool, name: str, detail: str = "") -> None:
        nonlocal passed, failed
        print(f"{'PASS' if ok else 'FAIL'} {name}{(': ' + detail) if detail else ''}")
        if ok:
            passed += 1
        else:
            failed += 1

    for name, (bad, words, good) in CASES.items():
        problems, _ = bqsql.check_sql(bad, catalog())
        hit = [p for p in problems if words in p]
        result(bool(hit), f"rejects {name}", hit[0] if hit else f"reported {problems!r}, want {words!r}")
        problems, _ = bqsql.check_sql(good, catalog())
        result(not problems, f"accepts the valid form of {name}", "; ".join(problems))

    with tempfile.TemporaryDirectory(prefix="wbexport-bq-test-") as tmp:
        project = pathlib.Path(tmp) / "dbt"
        shutil.copytree(REPO / "dbt", project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
        broken = project / "models" / "zz_broken"  # outside marts/: no contract to declare
        broken.mkdir()
        for model, (sql, _) in BROKEN_MODELS.items():
            (broken / f"{model}.sql").write_text(sql + "\n")
        env = dict(os.environ, WBEXPORT_CHECK_DBT_DIR=str(project))
        res = subprocess.run([sys.executable, str(SCRIPTS / "check_bigquery.py")], env=env,
                             capture_output=True, text=True)
        lines = [ln for ln in res.stdout.splitlines() if ln.startswith(("first build:", "incremental build:"))]
        result(res.returncode == 1, "check_bigquery.py fails on the project with broken models",
               f"exit status {res.returncode}")
        for model, (_, words) in BROKEN_MODELS.items():
            hit = [ln for ln in lines if f"model.wbexport.{model}:" in ln and words in ln]
            result(bool(hit), f"check_bigquery.py reports {model}",
                   hit[0].split(": ", 2)[-1] if hit else f"no line with {words!r}")
        others = [ln for ln in lines if "zz_broken_" not in ln]
        result(not others, "check_bigquery.py reports nothing else", "; ".join(others[:5]))
    return passed, failed


def main() -> int:
    passed, failed = run()
    print(f"check_bigquery tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
