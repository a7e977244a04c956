#!/usr/bin/env bash
# Measure what a full and an incremental `dbt build` (DuckDB) read from the raw Parquet output.
#
#   dbt/scripts/measure_incremental.sh DAYS [GOALS]        (make dbt-measure DAYS=365)
#
# Exports DAYS snapshot days of a GOALS-goal demo org (default 500) ending 2026-06-30 into
# bin/measure-DAYS (kept for re-runs), holds the last day back, runs a full dbt build over the
# other days, puts the last day back and runs dbt build again (incremental). For each build it
# reports wall time and, from DuckDB's FileSystem log (var measure_io_to), the bytes read from
# raw Parquet files, the files opened and the snapshot days read, and the bytes read from the
# DuckDB database file. Not part of `make test` (the 365-day export and build take minutes).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
days="${1:?usage: measure_incremental.sh DAYS [GOALS]}"
goals="${2:-500}"
end="2026-06-30"
out="$root/bin/measure-$days"
work="$(mktemp -d "${TMPDIR:-/tmp}/wbexport-measure.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export DBT="${DBT:-$root/.venv/bin/dbt}"
py="$(dirname "$DBT")/python"

if [[ ! -f "$out/.complete" ]]; then
	rm -rf "$out"
	echo "measure: exporting $days days of $goals goals to $out" >&2
	start=$(date +%s)
	"$root/bin/wbexport" demo --sink "file://$out" --goals "$goals" --days "$days" --snapshot-date "$end" \
		--log-format json --summary-file "$work/summary.json" >/dev/null 2>"$work/export.log"
	echo "measure: export took $(( $(date +%s) - start )) s" >&2
	touch "$out/.complete"
fi

hold="$work/held"
mkdir -p "$hold"
for t in "$out"/*/; do
	t="$(basename "$t")"
	[[ -d "$out/$t/snapshot_date=$end" ]] || continue
	mkdir -p "$hold/$t"
	mv "$out/$t/snapshot_date=$end" "$hold/$t/"
done
restore() {
	for t in "$hold"/*/; do
		[[ -d "$t" ]] || continue
		t="$(basename "$t")"
		if [[ -d "$hold/$t/snapshot_date=$end" && ! -d "$out/$t/snapshot_date=$end" ]]; then
			mv "$hold/$t/snapshot_date=$end" "$out/$t/"
		fi
	done
}
trap 'restore; [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"' EXIT

build() { # name
	local start rc=0
	start=$(date +%s%N)
	WBEXPORT_OUT="$out" WBEXPORT_DUCKDB_PATH="$work/measure.duckdb" \
		bash "$root/dbt/run.sh" --vars "{measure_io_to: $work/$1.csv}" >"$work/$1.log" 2>&1 || rc=$?
	echo "$(( ($(date +%s%N) - start) / 1000000 ))" >"$work/$1.milliseconds"
	if ((rc != 0)); then
		echo "measure: $1 build failed:" >&2
		tail -30 "$work/$1.log" >&2
		exit 1
	fi
}

build full
restore
build incremental

"$py" - "$out" "$work" "$days" "$goals" "$end" <<'PY'
import csv, pathlib, re, sys
out, work, days, goals, end = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
files = {str(f): f.stat().st_size for f in pathlib.Path(out).rglob("*.parquet")}
print(f"{days} days x {goals} goals: raw Parquet {sum(files.values()) / 1e6:.1f} MB in {len(files)} files")
day_of = lambda p: (re.search(r"snapshot_date=([0-9-]+)", p) or [None, None])[1]
for name in ("full", "incremental"):
    # one row per READ would be too much: the log aggregates per file; a read that ends at the
    # end of the file is the Parquet footer (metadata), the rest is data
    rows = list(csv.DictReader(open(work / f"{name}.csv")))
    data = {"new": 0, "old": 0}
    meta = 0
    opened = set()
    for r in rows:
        p = r["path"]
        if p not in files:
            continue
        if r["op"] == "OPEN":
            opened.add(p)
        if r["op"] == "READ":
            data["new" if day_of(p) == end else "old"] += int(r["data_bytes"])
            meta += int(r["footer_bytes"])
    secs = int((work / f"{name}.milliseconds").read_text()) / 1000
    done = re.search(r"Done\..*", (work / f"{name}.log").read_text())
    print(f"{name:11s}: {secs:6.1f} s wall; Parquet data read {(data['new'] + data['old']) / 1e6:7.2f} MB "
          f"({data['new'] / 1e6:.2f} MB of the last day {end}, {data['old'] / 1e6:.2f} MB of earlier days); "
          f"footers {meta / 1e6:.2f} MB; {len(opened)} files opened; {done.group(0) if done else '?'}")
PY
