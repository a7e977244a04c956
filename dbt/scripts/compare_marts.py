#!/usr/bin/env python3
"""Compare the marts of two DuckDB databases built by the wbexport dbt project.

Usage: compare_marts.py EXPECTED.duckdb ACTUAL.duckdb
Every table of schema main (the marts; staging models are views) must hold the same rows in
both (as multisets). Prints a one-line summary; exit status 1 on any difference.
"""

from __future__ import annotations

import sys

import duckdb


def main() -> int:
    expected, actual = sys.argv[1:3]
    con = duckdb.connect()
    con.execute(f"attach '{expected}' as e (read_only)")
    con.execute(f"attach '{actual}' as a (read_only)")
    tables = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = 'e' and schema_name = 'main' "
        "order by table_name").fetchall()]
    problems, rows = [], 0
    for t in tables:
        try:
            missing = con.execute(f"select count(*) from (select * from e.main.{t} except all select * from a.main.{t})").fetchone()[0]
            extra = con.execute(f"select count(*) from (select * from a.main.{t} except all select * from e.main.{t})").fetchone()[0]
        except duckdb.Error as err:
            problems.append(f"{t}: {str(err).splitlines()[0]}")
            continue
        rows += con.execute(f"select count(*) from e.main.{t}").fetchone()[0]
        if missing or extra:
            problems.append(f"{t}: {missing} rows missing, {extra} rows extra")
    if not tables:
        problems.append(f"no tables in {expected}")
    print("; ".join(problems) if problems else f"{len(tables)} tables, {rows} rows identical")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
