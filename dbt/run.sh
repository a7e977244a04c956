#!/usr/bin/env bash
# Build and test the wbexport dbt project on DuckDB over a local wbexport output tree.
#
#   dbt/run.sh [extra dbt build args...]      e.g. dbt/run.sh --select marts
#
# Environment:
#   WBEXPORT_OUT   wbexport output root (default: wbexport-out at the repo root)
#   DBT            dbt executable (default: .venv/bin/dbt at the repo root, created from
#                  dbt/requirements.txt when missing, else `dbt` on PATH)
#   WBEXPORT_DUCKDB_PATH  DuckDB database file (default dbt/target/wbexport.duckdb)
#
# No dbt packages are used (`dbt deps` is not needed): the project needs PyPI only.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${WBEXPORT_OUT:-$root/wbexport-out}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

if [[ ! -d "$out" ]]; then
	echo "dbt/run.sh: no wbexport output at $out (run 'wbexport demo' first, or set WBEXPORT_OUT)" >&2
	exit 2
fi
missing=()
for t in users teams team_members goals key_results key_result_checkins key_result_confidence key_result_comments goal_comments goal_alignments tags key_result_tags _sync_runs; do
	if ! compgen -G "$out/$t/snapshot_date=*/*.parquet" >/dev/null; then
		missing+=("$t")
	fi
done
if ((${#missing[@]})); then
	echo "dbt/run.sh: $out has no Parquet files for table(s): ${missing[*]} (expected $out/<table>/snapshot_date=YYYY-MM-DD/part-*.parquet)" >&2
	exit 2
fi

dbt_bin="${DBT:-}"
if [[ -z "$dbt_bin" ]]; then
	if [[ -x "$root/.venv/bin/dbt" ]]; then
		dbt_bin="$root/.venv/bin/dbt"
	elif command -v dbt >/dev/null 2>&1; then
		dbt_bin="$(command -v dbt)"
	else
		echo "dbt/run.sh: installing dbt into $root/.venv from dbt/requirements.txt" >&2
		python3 -m venv "$root/.venv"
		"$root/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/dbt/requirements.txt"
		dbt_bin="$root/.venv/bin/dbt"
	fi
fi

export WBEXPORT_OUT="$out"
export DBT_PROFILES_DIR="$root/dbt"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
cd "$root/dbt"
echo "dbt/run.sh: dbt build --target duckdb over $out" >&2
exec "$dbt_bin" build --target duckdb "$@"
