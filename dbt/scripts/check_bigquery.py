#!/usr/bin/env python3
"""Offline check that the dbt project is valid for the BigQuery target.

Runs `dbt build --target bigquery` in-process twice with dbt-bigquery's connection replaced by
a recorder (no credentials, no network, nothing executed):

  1. first build: no relation exists, so every model is created from scratch (CREATE OR REPLACE
     TABLE ... PARTITION BY ... CLUSTER BY ... OPTIONS(...) AS ..., views, data tests);
  2. incremental build of the models: every relation exists, so the incremental models take their
     incremental path (insert_overwrite scripts with DECLARE / MERGE, merges on unique keys).

Every statement dbt-bigquery would send is recorded exactly as dbt renders it and validated by
bqsql.py: BigQuery syntax, an allow-list of BigQuery functions with arities and date-part
arguments, every table and column resolved against the generated raw schemas
(schemas/bigquery/*.json) and the relations created before, and operand types (sqlglot's
qualify and annotate_types). Unit tests are compiled with their fixtures and checked the same
way. Introspective queries get canned answers (latest snapshot 2026-01-02, one new day
2026-01-03); the recorder infers each created relation's columns from its SQL.

Needs dbt/requirements.txt + dbt/requirements-bigquery.txt (dbt-bigquery, sqlglot).
Usage: .venv/bin/python dbt/scripts/check_bigquery.py [-v]
Exit status 0 when every statement passes; otherwise one "statement: problem" line each.
The real run (`dbt build --empty --target bigquery` against a sandbox project) is documented in
dbt/README.md.
"""

from __future__ import annotations

import os
import pathlib
import re
import sys
import tempfile
import threading
from types import SimpleNamespace
from unittest import mock

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bqsql  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
# the dbt project to check (test_check_bigquery.py points it at a copy with broken models)
DBT_DIR = pathlib.Path(os.environ.get("WBEXPORT_CHECK_DBT_DIR") or REPO / "dbt")
PROJECT, RAW, MARTS = "offline-check", "workboard_raw", "workboard_raw_dbt"
LATEST, NEW_DAY = "2026-01-02", "2026-01-03"

# `project`.`dataset`.`name` right after CREATE ... TABLE/VIEW
CREATED_RE = re.compile(r"create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?(table|view)\s+"
                        r"`([^`]+)`\.`([^`]+)`\.`([^`]+)`", re.I)


class Recorder:
    """Stands in for BigQuery: records statements, answers introspection from what it saw."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, str]] = []  # (label, sql)
        self.catalog = bqsql.Catalog()
        self.catalog.add_raw_schemas(REPO / "schemas" / "bigquery", PROJECT, RAW)
        self.problems: list[str] = []
        self.existing: set[str] = set()  # identifiers in the marts dataset that "exist"
        self.kinds: dict[str, str] = {}  # identifier -> table / view, as created
        self.phase = "first build"
        self.lock = threading.Lock()

    # --- SQL ---------------------------------------------------------------------------------
    def run(self, sql: str):
        """Validate and record one statement; return (rows, column names) to answer with."""
        with self.lock:
            node = re.search(r'"node_id": "([^"]+)"', sql)
            label = f"{self.phase}: {node.group(1) if node else '(no node)'}"
            m = CREATED_RE.search(sql)
            if m:
                self.kinds[m.group(4)] = m.group(1).lower()
            self.statements.append((label, sql))
            problems, created = bqsql.check_sql(sql, self.catalog)
            self.problems += [f"{label}: {p}" for p in problems]
            for key, cols in created:
                self.catalog.add(*key, cols)
            low = " ".join(sql.lower().split())
            if "actual_or_expected" in low:  # a unit test: no rows either way
                return [], ["actual_or_expected"]
            if "count(*) as failures" in low:
                return [{"failures": 0, "should_warn": False, "should_error": False}], ["failures", "should_warn", "should_error"]
            if re.search(r"select cast\(max\((snapshot_date|last_seen_snapshot_date|scored_snapshot_date)\) as string\)", low):
                return [{"d": LATEST}], ["d"]
            if "select distinct cast(snapshot_date as string) as d" in low:
                return [{"d": NEW_DAY}], ["d"]
            return [], []

    def columns(self, database: str, schema: str, identifier: str):
        cols = self.catalog.columns(database, schema, identifier)
        if cols is None:  # the target of an incremental model: its tmp relation has its columns
            cols = self.catalog.columns(database, schema, identifier + "__dbt_tmp") or {}
        return cols


REC = Recorder()


class FakeJob(SimpleNamespace):
    pass


class FakeIterator:
    def __init__(self, rows, names):
        self.rows = rows
        self.schema = [SimpleNamespace(name=n) for n in names]

    def __iter__(self):
        return iter(self.rows)


def install_fakes():
    from dbt.adapters.bigquery import connections as bqc
    from dbt.adapters.bigquery import impl as bqi
    from dbt.adapters.bigquery.column import BigQueryColumn
    from dbt.adapters.bigquery.relation import BigQueryRelation
    from dbt.adapters.contracts.connection import ConnectionState

    def open_(cls, connection):
        connection.handle = SimpleNamespace(project=PROJECT, close=lambda: None)
        connection.state = ConnectionState.OPEN
        return connection

    def raw_execute(self, sql, use_legacy_sql=False, limit=None, dry_run=False):
        rows, names = REC.run(sql)
        job = FakeJob(statement_type=None, total_bytes_processed=None, total_bytes_billed=None,
                      slot_millis=None, location="US", job_id="offline", project=PROJECT,
                      num_dml_affected_rows=None, destination=None)
        return job, FakeIterator(rows, names)

    def list_relations(self, schema_relation):
        return [BigQueryRelation.create(database=schema_relation.database, schema=schema_relation.schema,
                                        identifier=name, type=REC.kinds.get(name, "table"))
                for name in sorted(REC.existing) if schema_relation.schema == MARTS]

    def get_relation(self, database, schema, identifier):
        if schema == MARTS and identifier in REC.existing:
            return BigQueryRelation.create(database=database, schema=schema, identifier=identifier,
                                           type=REC.kinds.get(identifier, "table"))
        return None

    def get_columns(self, relation):
        return [BigQueryColumn(name, dtype) for name, dtype in
                REC.columns(relation.database, relation.schema, relation.identifier).items()]

    def column_schema_from_query(self, sql):
        REC.run(sql)
        import sqlglot
        cols = {}
        try:
            tree = sqlglot.parse_one(sql, read=bqsql.BQ)
            from sqlglot.optimizer.annotate_types import annotate_types
            from sqlglot.optimizer.qualify import qualify
            schema = REC.catalog.schema()
            tree = annotate_types(qualify(tree, schema=schema, dialect="bigquery", quote_identifiers=False),
                                  schema=schema, dialect="bigquery")
            cols = bqsql.output_columns(tree)
        except Exception:  # reported by REC.run already
            pass
        return [BigQueryColumn(n, t) for n, t in cols.items()]

    noop = lambda *a, **k: None  # noqa: E731
    patches = [
        mock.patch.object(bqc.BigQueryConnectionManager, "open", classmethod(open_)),
        mock.patch.object(bqc.BigQueryConnectionManager, "raw_execute", raw_execute),
        mock.patch.object(bqc.BigQueryConnectionManager, "get_bq_table", noop),
        mock.patch.object(bqi.BigQueryAdapter, "list_relations_without_caching", list_relations),
        mock.patch.object(bqi.BigQueryAdapter, "get_relation", get_relation),
        mock.patch.object(bqi.BigQueryAdapter, "get_columns_in_relation", get_columns),
        mock.patch.object(bqi.BigQueryAdapter, "get_column_schema_from_query", column_schema_from_query),
        mock.patch.object(bqi.BigQueryAdapter, "is_replaceable", lambda *a, **k: True),
        mock.patch.object(bqi.BigQueryAdapter, "check_schema_exists", lambda *a, **k: True),
        mock.patch.object(bqi.BigQueryAdapter, "list_schemas", lambda self, database: [RAW, MARTS]),
        mock.patch.object(bqi.BigQueryAdapter, "get_dataset_location", lambda *a, **k: "US"),
    ]
    for name in ("create_schema", "drop_relation", "rename_relation", "update_columns",
                 "update_table_description", "alter_table_add_columns", "alter_table_add_remove_columns",
                 "grant_access_to", "copy_table"):
        patches.append(mock.patch.object(bqi.BigQueryAdapter, name, noop))
    for p in patches:
        p.start()


def dbt_build(args: list[str], target_path: str) -> tuple[bool, str]:
    from dbt.cli.main import dbtRunner
    res = dbtRunner().invoke(["build", "--target", "bigquery", "--threads", "1", "--target-path", target_path,
                              "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), *args])
    errors = []
    if res.result is not None and hasattr(res.result, "results"):
        for r in res.result.results:
            if str(r.status) in ("error", "fail", "runtime error"):
                errors.append(f"{r.node.unique_id}: {r.status}: {(r.message or '')[:500]}")
    if res.exception is not None:
        errors.append(f"dbt: {res.exception}")
    return res.success and not errors, "\n".join(errors)


def main() -> int:
    verbose = "-v" in sys.argv
    os.environ.update(WBEXPORT_BQ_METHOD="oauth", WBEXPORT_BQ_PROJECT=PROJECT, WBEXPORT_BQ_DATASET=RAW,
                      WBEXPORT_BQ_DBT_DATASET=MARTS, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    install_fakes()
    failures = []
    with tempfile.TemporaryDirectory(prefix="wbexport-bq-check-") as tmp:
        REC.phase = "first build"
        ok, err = dbt_build([], tmp)
        if not ok:
            failures.append(f"first build: {err}")
        REC.existing = {name for (p, d, name) in REC.catalog.tables if d == MARTS and not name.endswith("__dbt_tmp")}
        REC.phase = "incremental build"
        # the models only: the tests' SQL does not change with the models' state
        ok, err = dbt_build(["--resource-type", "model"], tmp)
        if not ok:
            failures.append(f"incremental build: {err}")
    if verbose:
        for label, sql in REC.statements:
            print(f"-- {label}\n{sql.strip()}\n")
    for f in failures + REC.problems:
        print(f)
    kinds = {"create table": 0, "create view": 0, "merge": 0, "other": 0}
    for _, sql in REC.statements:
        low = sql.lower()
        k = "create table" if re.search(r"create or replace table", low) else \
            "create view" if re.search(r"create or replace view", low) else \
            "merge" if re.search(r"\bmerge\b", low) else "other"
        kinds[k] += 1
    summary = ", ".join(f"{v} {k}" for k, v in kinds.items())
    print(f"check_bigquery: {len(REC.statements)} statements ({summary}), {len(failures) + len(REC.problems)} problems")
    return 1 if failures or REC.problems or not REC.statements else 0


if __name__ == "__main__":
    sys.exit(main())
