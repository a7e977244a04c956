#!/usr/bin/env bash
# Soak benchmark (not part of make test or CI): export a large emulated org through injected
# faults and sample the exporter's RSS every second, to show whether memory stays flat over time.
#
#   bash bench/soak.sh            (or: make bench-soak)
#
# Knobs (environment): SOAK_GOALS=100000 SOAK_FAULT_RATE=0.1
#   SOAK_FAULTS=429,500,502,503,reset,truncated,html (kinds that need no long timeouts; the
#   injected 429s come whatever the rate, so the pacer treats them as a quota: each Retry-After
#   pauses, the rate is not cut)
#   SOAK_CONC=16  OUT=bench/results/<UTC date> (git-ignored; shared with bench/run.sh)
#
# Writes $OUT/soak-rss.tsv (elapsed_s, rss_kib), $OUT/soak-summary.json (the run summary) and
# $OUT/soak.txt (the report printed at the end; `python3 bench/report.py` tabulates it). Nothing here asserts a time or a size: it
# measures and records, with the machine load (uptime) before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GO=${GO:-go}
GOALS=${SOAK_GOALS:-100000}
FAULT_RATE=${SOAK_FAULT_RATE:-0.1}
FAULTS=${SOAK_FAULTS:-429,500,502,503,reset,truncated,html}
CONC=${SOAK_CONC:-16}
OUT=${OUT:-$ROOT/bench/results/$(date -u +%F)}
TMP=${TMPDIR:-/tmp}
WORK=$(mktemp -d "$TMP/wbexport-soak.XXXXXX")
mkdir -p "$OUT" bin
EMU_PID=""
RUN_PID=""
cleanup() {
	if [ -n "$RUN_PID" ]; then kill "$RUN_PID" 2>/dev/null || true; wait "$RUN_PID" 2>/dev/null || true; fi
	if [ -n "$EMU_PID" ]; then kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "== $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg): $*" >&2; }

REPORT=$OUT/soak.txt
: > "$REPORT"
say() { echo "$*" | tee -a "$REPORT"; }

say "date: $(date -u +%FT%TZ)"
say "uptime before: $(uptime)"
say "wbexport: $(git describe --tags --always --dirty 2>/dev/null || echo devel)"

log "building bin/wbexport"
$GO build -o bin/wbexport ./cmd/wbexport

# Org proportions as bench/run.sh's org_flags (and wbbench / `wbexport demo`).
USERS=$(( GOALS / 5 > 50 ? GOALS / 5 : 50 ))
TEAMS=$(( GOALS / 25 > 8 ? GOALS / 25 : 8 ))
say "org: --goals $GOALS --users $USERS --teams $TEAMS --krs-per-goal 3 --checkins 10; faults: --fault-rate $FAULT_RATE --faults $FAULTS"

# Start the emulator on a free port; parse base URL and Data-Admin token from its stdout
# (the token goes only into the environment of the run, never to the terminal or files kept).
log "starting the emulator"
EMU_LOG=$WORK/emulate.log
bin/wbexport emulate --addr 127.0.0.1:0 --seed 1 --goals "$GOALS" --users "$USERS" --teams "$TEAMS" \
	--krs-per-goal 3 --checkins 10 --fault-rate "$FAULT_RATE" --faults "$FAULTS" > "$EMU_LOG" 2>&1 &
EMU_PID=$!
for _ in $(seq 1 2400); do
	if grep -q '^Data-Admin token:' "$EMU_LOG"; then break; fi
	if ! kill -0 "$EMU_PID" 2>/dev/null; then grep -v -i token "$EMU_LOG" >&2 || true; echo "emulator died" >&2; exit 1; fi
	sleep 0.5
done
BASE=$(awk '/^base URL:/ {print $3}' "$EMU_LOG")
TOKEN=$(awk '/^Data-Admin token:/ {print $3}' "$EMU_LOG")
if [ -z "$BASE" ] || [ -z "$TOKEN" ]; then echo "could not read the emulator's base URL / token" >&2; exit 1; fi
log "emulator at $BASE"

RSS=$OUT/soak-rss.tsv
printf 'elapsed_s\trss_kib\n' > "$RSS"
log "exporting $GOALS goals with $FAULT_RATE faults (C=$CONC); sampling RSS into $RSS"
START=$(date +%s.%N)
WORKBOARD_TOKEN=$TOKEN bin/wbexport run --api-url "$BASE" --sink "file://$WORK/out" --concurrency "$CONC" --rate 100000 \
	--request-timeout 10s --progress never --log-format json --log-level warn \
	--summary-file "$WORK/summary.json" 2> "$WORK/run.log" &
RUN_PID=$!
unset TOKEN
while kill -0 "$RUN_PID" 2>/dev/null; do
	r=$(awk '/^VmRSS:/ {print $2}' "/proc/$RUN_PID/status" 2>/dev/null || true)
	if [ -n "$r" ]; then
		printf '%.1f\t%s\n' "$(echo "$(date +%s.%N) - $START" | bc)" "$r" >> "$RSS"
	fi
	sleep 1
done
rc=0
wait "$RUN_PID" || rc=$?
RUN_PID=""
END=$(date +%s.%N)
if [ "$rc" -ne 0 ]; then
	echo "wbexport run failed (exit $rc); last log lines:" >&2
	tail -20 "$WORK/run.log" >&2
	exit "$rc"
fi
cp "$WORK/summary.json" "$OUT/soak-summary.json"

say "uptime after: $(uptime)"
say "wall time: $(printf '%.1f' "$(echo "$END - $START" | bc)") s"
say "rows exported: $(jq '[.api.rows[]] | add' "$WORK/summary.json") ($(jq -c '.api.rows' "$WORK/summary.json"))"
say "retries by cause: $(jq -c '.api.retries // {}' "$WORK/summary.json")"
say "HTTP 429s: $(jq '.api.http_429 // 0' "$WORK/summary.json")"
awk -F'\t' 'NR > 1 { t[n] = $1; r[n] = $2; n++ }
	END {
		if (n == 0) { print "no RSS samples"; exit }
		T = t[n-1]; peak = 0
		for (i = 0; i < n; i++) if (r[i] > peak) peak = r[i]
		printf "RSS samples: %d (every ~1 s)\n", n
		printf "peak RSS: %.1f MiB\n", peak / 1024
		split("10 25 50 75 90", ps, " ")
		line = "RSS at % of run time:"
		for (k = 1; k <= 5; k++) {
			want = T * ps[k] / 100; j = 0
			for (i = 0; i < n; i++) if (t[i] <= want) j = i
			line = line sprintf(" %s%%=%.1f", ps[k], r[j] / 1024)
		}
		print line " MiB"
		h1 = 0; h2 = 0
		for (i = 0; i < n; i++) { if (t[i] < T / 2) { if (r[i] > h1) h1 = r[i] } else if (r[i] > h2) h2 = r[i] }
		printf "max RSS first half: %.1f MiB, second half: %.1f MiB (second/first = %.2f)\n", h1 / 1024, h2 / 1024, (h1 > 0 ? h2 / h1 : 0)
	}' "$RSS" | tee -a "$REPORT"
