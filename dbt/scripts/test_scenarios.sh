#!/usr/bin/env bash
# Scenario tests of the dbt project on DuckDB over copies of an existing demo export (make
# test-dbt runs them after the main build):
#
#   partial      the latest partition of one table is missing (what a failed load of that table
#                leaves): dbt build must fail with a message naming the table and the day, and
#                skip the marts.
#   failed_run   the latest run of the latest day failed (a later _sync_runs row with status
#                failed): dbt build must fail with a message naming the day and the error.
#   incremental  build over all days but the last, then let the first day's raw partitions
#                expire and add the last day: the incremental build must give exactly the marts
#                of the full build (FULL_DUCKDB, the database `make test-dbt` built over
#                EXPORT_DIR), history of the expired day included.
#
#   dbt/scripts/test_scenarios.sh EXPORT_DIR [SCENARIO...]     (default: all)
#
# Environment: DBT (dbt executable, default .venv/bin/dbt), FULL_DUCKDB (for incremental). Work
# files go to a temporary directory that is removed afterwards.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="${1:?usage: test_scenarios.sh EXPORT_DIR [SCENARIO...]}"
shift
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(partial failed_run incremental)
export DBT="${DBT:-$root/.venv/bin/dbt}"
work="$(mktemp -d "${TMPDIR:-/tmp}/wbexport-dbt-scenarios.XXXXXX")"
trap '[[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"' EXIT
passed=0
failed=0

ok() { echo "PASS $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2" >&2; failed=$((failed + 1)); }

# latest snapshot day of the export
latest="$(basename "$(ls -d "$src"/goals/snapshot_date=* | sort | tail -1)")"
latest="${latest#snapshot_date=}"

scenario_partial() {
	local out="$work/partial" log="$work/partial.log"
	cp -r "$src" "$out"
	rm -rf "$out/key_result_checkins/snapshot_date=$latest"
	if WBEXPORT_OUT="$out" WBEXPORT_DUCKDB_PATH="$work/partial.duckdb" bash "$root/dbt/run.sh" >"$log" 2>&1; then
		bad partial "dbt build passed over an export without key_result_checkins/snapshot_date=$latest"
		return
	fi
	local want="key_result_checkins has no snapshot for $latest"
	if ! grep -q "the latest snapshot is incomplete: .*$want" "$log"; then
		bad partial "dbt failed, but without the message '$want':"
		tail -20 "$log" >&2
		return
	fi
	if grep -q "OK created sql table model main.dim_goals" "$log"; then
		bad partial "dim_goals was rebuilt over the incomplete snapshot"
		return
	fi
	ok "partial: dbt build fails with \"$want\" and builds no mart"
}

scenario_failed_run() {
	local out="$work/failed_run" log="$work/failed_run.log" ledger
	cp -r "$src" "$out"
	ledger="$(ls "$out/_sync_runs/snapshot_date=$latest"/*.parquet | head -1)"
	"$(dirname "$DBT")/python" - "$ledger" "$out/_sync_runs/snapshot_date=$latest/part-failed.parquet" <<'PY'
import sys, duckdb
src, dst = sys.argv[1:3]
duckdb.sql(f"""copy (select * replace ('failed' as status, 'WorkBoard API: 503 after 5 retries' as error,
    finished_at + interval 1 hour as finished_at, 'failed-run' as run_id) from read_parquet('{src}')) to '{dst}'""")
PY
	if WBEXPORT_OUT="$out" WBEXPORT_DUCKDB_PATH="$work/failed_run.duckdb" bash "$root/dbt/run.sh" >"$log" 2>&1; then
		bad failed_run "dbt build passed although the latest run of $latest failed"
		return
	fi
	local want="the latest run for $latest (failed-run) did not succeed: WorkBoard API: 503 after 5 retries"
	if ! grep -qF "$want" "$log"; then
		bad failed_run "dbt failed, but without the message '$want':"
		tail -20 "$log" >&2
		return
	fi
	ok "failed_run: dbt build fails with \"$want\""
}

scenario_incremental() {
	local out="$work/incremental" db="$work/incremental.duckdb" log="$work/incremental.log"
	local days first
	mapfile -t days < <(ls "$src/goals" | sed 's/snapshot_date=//' | sort)
	if ((${#days[@]} < 3)); then
		bad incremental "needs an export of at least 3 days"
		return
	fi
	first="${days[0]}"
	mkdir -p "$out"
	for t in "$src"/*/; do
		t="$(basename "$t")"
		[[ "$t" == _staging ]] && continue
		mkdir -p "$out/$t"
		cp -r "$src/$t"/snapshot_date=* "$out/$t/"
		rm -rf "$out/$t/snapshot_date=$latest"
	done
	if ! WBEXPORT_OUT="$out" WBEXPORT_DUCKDB_PATH="$db" bash "$root/dbt/run.sh" --resource-type model >"$log" 2>&1; then
		bad incremental "first build over ${days[*]:0:${#days[@]}-1} failed:"
		tail -20 "$log" >&2
		return
	fi
	# the first day expires from the raw tables, the latest day arrives
	for t in "$out"/*/; do
		rm -rf "$t/snapshot_date=$first"
		if [[ -d "$src/$(basename "$t")/snapshot_date=$latest" ]]; then
			cp -r "$src/$(basename "$t")/snapshot_date=$latest" "$t"
		fi
	done
	if ! WBEXPORT_OUT="$out" WBEXPORT_DUCKDB_PATH="$db" bash "$root/dbt/run.sh" --resource-type model >"$log" 2>&1; then
		bad incremental "incremental build failed:"
		tail -20 "$log" >&2
		return
	fi
	local diff
	if ! diff="$("$(dirname "$DBT")/python" "$root/dbt/scripts/compare_marts.py" "${FULL_DUCKDB:?FULL_DUCKDB not set}" "$db" 2>&1)"; then
		bad incremental "incremental marts differ from the full build: $diff"
		return
	fi
	ok "incremental: ${first} expired, $latest added: $diff"
}

for s in "${scenarios[@]}"; do
	"scenario_$s"
done
echo "scenarios: $passed passed, $failed failed"
((failed == 0))
