#!/usr/bin/env python3
"""Offline check that the dbt project is valid for the BigQuery target.

1. `dbt parse --target bigquery` (needs no credentials).
2. `dbt compile --target bigquery --no-introspect` of every model and data test, with a
   throwaway service-account key generated in a temporary directory (no request is sent:
   nothing is executed and the relation cache is not populated). The key is random, authorises
   nothing and is deleted afterwards.
3. Every compiled statement is parsed with sqlglot's BigQuery dialect (syntax errors fail),
   and scanned for DuckDB-only constructs that must never reach BigQuery.

Needs dbt/requirements.txt + dbt/requirements-bigquery.txt (dbt-bigquery, sqlglot).
Usage: .venv/bin/python dbt/scripts/check_bigquery.py
Exit status 0 when every statement passes; otherwise a list of "file: problem" lines.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import sqlglot
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DBT_DIR = pathlib.Path(__file__).resolve().parents[1]
DUCKDB_ONLY = [r"\bread_parquet\s*\(", r"\blist_contains\s*\(", r"\blen\s*\(", r"\bstrftime\s*\(",
               r"\bdate_diff\s*\(\s*'", r"::", r"\bexclude\s*\("]


def main() -> int:
    dbt = os.environ.get("DBT") or str(pathlib.Path(sys.executable).with_name("dbt"))
    with tempfile.TemporaryDirectory(prefix="wbexport-bq-check-") as tmp:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        keyfile = pathlib.Path(tmp) / "offline-key.json"
        keyfile.write_text(json.dumps({
            "type": "service_account", "project_id": "offline-check", "private_key_id": "offline",
            "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode(),
            "client_email": "offline@offline-check.iam.gserviceaccount.com", "client_id": "0",
            "token_uri": "https://oauth2.googleapis.com/token"}))
        keyfile.chmod(0o600)
        target = pathlib.Path(tmp) / "target"
        env = dict(os.environ, DBT_PROFILES_DIR=str(DBT_DIR), WBEXPORT_BQ_METHOD="service-account",
                   WBEXPORT_BQ_KEYFILE=str(keyfile), WBEXPORT_BQ_PROJECT="offline-check",
                   WBEXPORT_BQ_DATASET="workboard_raw", DBT_TARGET_PATH=str(target),
                   DBT_SEND_ANONYMOUS_USAGE_STATS="false")
        for args in (["parse"], ["compile", "--no-introspect", "--no-populate-cache",
                                 "--select", "resource_type:model resource_type:test,test_type:data"]):
            # the latest snapshot date is looked up at run time; offline, a fixed one stands in
            cmd = [dbt, *args, "--target", "bigquery", "--vars", "{wbexport_snapshot_date: '2026-01-01'}"]
            res = subprocess.run(cmd, cwd=DBT_DIR, env=env, capture_output=True, text=True)
            if res.returncode != 0:
                print(f"check_bigquery: {' '.join(args[:1])} failed:\n{res.stdout[-3000:]}{res.stderr[-2000:]}")
                return 1
        files = sorted((target / "compiled" / "wbexport").rglob("*.sql"))
        problems = []
        for f in files:
            sql = f.read_text()
            rel = f.relative_to(target / "compiled" / "wbexport")
            for pat in DUCKDB_ONLY:
                if re.search(pat, sql, re.I):
                    problems.append(f"{rel}: DuckDB-only construct {pat!r}")
            try:
                sqlglot.parse(sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
            except sqlglot.errors.SqlglotError as e:
                problems.append(f"{rel}: BigQuery syntax: {str(e).splitlines()[0]}")
        for p in problems:
            print(p)
        print(f"check_bigquery: {len(files)} compiled statements, {len(problems)} problems")
        return 1 if problems or not files else 0


if __name__ == "__main__":
    sys.exit(main())
