#!/usr/bin/env python3
"""Stop-gap generator of dbt/models/staging/sources.yml from schemas/tables.go.

The long-term generator is `wbexport schema --format dbt-sources` (schemas.DbtSources()); this
script writes the same shape so the dbt project can be developed before that exists, and
documents exactly what the Go generator must emit (see dbt/README.md, "sources.yml contract").

Usage: python3 dbt/scripts/gen_sources.py > dbt/models/staging/sources.yml
       python3 dbt/scripts/gen_sources.py --check   # exit 1 when the committed file differs
"""

from __future__ import annotations

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import schemas_go  # noqa: E402

HEADER = """\
# GENERATED from schemas/tables.go - do not edit by hand.
# (wbexport schema --format dbt-sources; stop-gap: python3 dbt/scripts/gen_sources.py)
version: 2

sources:
  - name: workboard
    description: "Raw WorkBoard tables written by wbexport: one full snapshot of the organisation per snapshot_date. Column names are WorkBoard's API field names."
    # BigQuery: the project/dataset the BigQuery sink loads (env WBEXPORT_BQ_PROJECT / WBEXPORT_BQ_DATASET).
    # DuckDB: ignored; meta.external_location below reads the local Parquet output instead.
    database: "{{ env_var('WBEXPORT_BQ_PROJECT', target.database) if target.type == 'bigquery' else target.database }}"
    schema: "{{ env_var('WBEXPORT_BQ_DATASET', 'wbexport') }}"
    config:
      loaded_at_field: _extracted_at
      freshness:
        warn_after: {count: 36, period: hour}
        error_after: {count: 72, period: hour}
      meta:
        # dbt-duckdb: each table is read straight from <root>/<table>/snapshot_date=*/*.parquet.
        # snapshot_date is both a file column and the hive key: read the file column only.
        external_location: "read_parquet('{{ var('wbexport_root', env_var('WBEXPORT_OUT', '../wbexport-out')) }}/{name}/snapshot_date=*/*.parquet', hive_partitioning = false, union_by_name = true)"
    tables:
"""


def q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def render() -> str:
    out = [HEADER]
    for t in schemas_go.load():
        out.append(f"      - name: {t.name}\n")
        out.append(f"        description: {q(t.description)}\n")
        if t.ledger:
            # the ledger is appended once per run: it is not a snapshot, no freshness on _extracted_at
            out.append("        config:\n          loaded_at_field: finished_at\n")
        out.append("        data_tests:\n")
        out.append("          - wbexport_unique_combination:\n")
        out.append(f"              arguments:\n                columns: [{', '.join(t.primary_key)}]\n")
        out.append("        columns:\n")
        for c in t.columns:
            out.append(f"          - name: {c.name}\n")
            out.append(f"            description: {q(c.description)}\n")
            if c.name in t.primary_key:
                out.append("            data_tests: [not_null]\n")
    return "".join(out)


def main() -> None:
    text = render()
    target = schemas_go.REPO / "dbt" / "models" / "staging" / "sources.yml"
    if "--check" in sys.argv:
        if target.read_text() != text:
            raise SystemExit(f"{target} is out of date with schemas/tables.go: run dbt/scripts/gen_sources.py")
        return
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
