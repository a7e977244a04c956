#!/usr/bin/env bash
# bench/run.sh — runs the benchmarks quoted in docs/benchmarks.md and writes their raw results
# (JSON lines + logs) to $OUT, bench/results/<UTC date>/ by default, which git ignores;
# `python3 bench/report.py [DIR]` prints the document's tables from it. `make bench` calls it; a
# section can be run alone:
#
#   bash bench/run.sh [all|env|pacing|micro|extract|cpu|memory|dlt|instr]...
#
# (all is env pacing micro extract cpu memory dlt; instr, the instruction counts, needs valgrind.)
#
# Knobs (environment): REQ_GOALS=500 (the `wbexport emulate` org whose requests and rows are
#   compared per strategy)  REQ_SIZES="1000 10000" (larger orgs: requests of goal and auto)  REGIME_LIMIT_GOALS=800
#   REGIME_TRICKLE_GOALS=1000 (the orgs exported through the throttling regimes)  EXTRACT_GOALS=5000 LATENCY=20ms JITTER=10ms CONCS=1,4,16,32
#   RATE_LIMIT=200 (req/s, the 429 run, at C=16)  CPU_GOALS=200000 (recorded org; 1000000 for
#   the size docs/benchmarks.md quotes)  CMP_GOALS=20000 (subset compared with DuckDB)
#   CPU_REPEAT=1 (read the recording N times)  CPU_COMPARE_ONLY= (set: skip the wbexport-only
#   runs after the comparison)
#   CPU_ROUNDS=1 (repeat the DuckDB comparison, alternating which engine goes first)
#   MEM_GOALS="1000 10000 100000"  DLT_GOALS=5000  WORKERS=16  INSTR_GOALS=2000
#   OUT=bench/results/<UTC date> (git-ignored)  REC=$TMPDIR/wbexport-bench-rec-$CPU_GOALS
#   (recorded pages, reused by later runs)
#
# The Python pieces (DuckDB, dlt) run from bench/.venv, built from the pinned
# bench/requirements.txt when a section that needs it (cpu, memory, dlt) first runs.
#
# Nothing here asserts a time: it measures and records. The machine load (uptime) is written
# next to every result because the numbers are only comparable on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GO=${GO:-go}
PY=${PYTHON:-python3}
REQ_GOALS=${REQ_GOALS:-500}
REQ_SIZES=${REQ_SIZES:-1000 10000}
REGIME_LIMIT_GOALS=${REGIME_LIMIT_GOALS:-800}
REGIME_TRICKLE_GOALS=${REGIME_TRICKLE_GOALS:-1000}
EXTRACT_GOALS=${EXTRACT_GOALS:-5000}
LATENCY=${LATENCY:-20ms}
JITTER=${JITTER:-10ms}
CONCS=${CONCS:-1,4,16,32}
RATE_LIMIT=${RATE_LIMIT:-200}
CPU_GOALS=${CPU_GOALS:-200000}
CMP_GOALS=${CMP_GOALS:-20000}
CPU_REPEAT=${CPU_REPEAT:-1}
CPU_ROUNDS=${CPU_ROUNDS:-1}
MEM_GOALS=${MEM_GOALS:-1000 10000 100000}
DLT_GOALS=${DLT_GOALS:-5000}
WORKERS=${WORKERS:-16}
INSTR_GOALS=${INSTR_GOALS:-2000}
OUT=${OUT:-$ROOT/bench/results/$(date -u +%F)}
TMP=${TMPDIR:-/tmp}
REC=${REC:-$TMP/wbexport-bench-rec-$CPU_GOALS}
WORK=$(mktemp -d "$TMP/wbexport-bench.XXXXXX")
mkdir -p "$OUT" bin
EMU_PID=""
cleanup() {
	if [ -n "$EMU_PID" ]; then kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "== $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg): $*" | tee -a "$OUT/run.log" >&2; }

build() {
	CGO_ENABLED=0 $GO build -trimpath -o bin/wbexport ./cmd/wbexport
	$GO -C bench build -o "$ROOT/bin/wbbench" ./wbbench # bench/ is its own module
}

venv() {
	if [ ! -x bench/.venv/bin/python ] || [ bench/requirements.txt -nt bench/.venv/.installed ]; then
		$PY -m venv bench/.venv
		bench/.venv/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
		touch bench/.venv/.installed
	fi
}

# timev FILE CMD... runs CMD under /usr/bin/time -v and writes {"wall_s","cpu_s","peak_rss_mib"}
# as JSON to FILE.
timev() {
	local res=$1 tf="$WORK/time.$$"
	shift
	/usr/bin/time -v -o "$tf" "$@"
	awk -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
		/User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident set size/ { r = $2 }
		END { printf "{\"wall_s\": %.2f, \"cpu_s\": %.2f, \"peak_rss_mib\": %.1f}\n", w, u + s, r / 1024 }' "$tf" > "$res"
}

# emulate ARGS... starts `wbexport emulate` on a free port; sets BASE and TOKEN (never printed).
emulate() {
	local log="$WORK/emulate.log"
	: > "$log"
	bin/wbexport emulate --addr 127.0.0.1:0 --seed 1 "$@" > "$log" 2>&1 &
	EMU_PID=$!
	for _ in $(seq 1 1200); do
		if grep -q '^Data-Admin token:' "$log"; then break; fi
		if ! kill -0 "$EMU_PID" 2>/dev/null; then cat "$log" >&2; echo "emulator died" >&2; exit 1; fi
		sleep 0.5
	done
	BASE=$(awk '/^base URL:/ {print $3}' "$log")
	TOKEN=$(awk '/^Data-Admin token:/ {print $3}' "$log")
	head -1 "$log" | tee -a "$OUT/run.log" >&2
}

stop_emulator() {
	if [ -n "$EMU_PID" ]; then kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; EMU_PID=""; fi
}

org_flags() { # goals → the benchmark org's users and teams (like wbbench and `wbexport demo`)
	local g=$1
	echo "--goals $g --users $(( g / 5 > 50 ? g / 5 : 50 )) --teams $(( g / 25 > 8 ? g / 25 : 8 )) --krs-per-goal 3 --checkins 10"
}

section_env() {
	log "environment"
	if [ -n "$NEED_VENV" ]; then venv; fi # so env.txt names the Python packages of this run
	{
		echo "date: $(date -u +%FT%TZ)"
		echo "uptime: $(uptime)"
		echo "kernel: $(uname -srm)"
		echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
		echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
		echo "go: $($GO version)"
		echo "wbexport: $(git describe --tags --always --dirty 2>/dev/null || echo devel)"
		if [ -x bench/.venv/bin/python ]; then
			echo "python: $(bench/.venv/bin/python --version 2>&1)"
			bench/.venv/bin/pip freeze 2>/dev/null | grep -iE '^(dlt|duckdb|pyarrow)=' | sed 's/^/  /'
		fi
	} | tee "$OUT/env.txt" >&2
}

# pacing: the requests of a full export by each key-result strategy (no latency, no limit),
# then an export through each throttling regime of the emulator against its floor, and the
# client's recovery once the throttling stops (real time: about 8 minutes).
section_pacing() {
	log "requests per export by key-result strategy: the wbexport emulate org of $REQ_GOALS goals, then of $REQ_SIZES goals"
	bin/wbbench requests -goals "$REQ_GOALS" | tee "$OUT/requests.jsonl"
	bin/wbbench requests -goals "${REQ_SIZES// /,}" -listings goal,auto -digest=false | tee -a "$OUT/requests.jsonl"
	log "throttling regimes: exports of $REGIME_LIMIT_GOALS / $REGIME_TRICKLE_GOALS goals, 20 ms + [0, 10 ms) latency, 4 in flight; recovery after 10 s of throttling"
	bin/wbbench regimes -limit-goals "$REGIME_LIMIT_GOALS" -trickle-goals "$REGIME_TRICKLE_GOALS" | tee "$OUT/regimes.jsonl"
}

section_micro() {
	log "Go micro-benchmarks"
	$GO test -run '^$' -bench . -benchmem -count 1 ./workboard/decode/ ./transform/ ./sinks/parquetfile/ | tee "$OUT/micro.txt"
}

section_extract() {
	log "extraction against the API floor: $EXTRACT_GOALS goals, latency $LATENCY + [0,$JITTER), C=$CONCS"
	bin/wbbench extract -goals "$EXTRACT_GOALS" -latency "$LATENCY" -jitter "$JITTER" -conc "$CONCS" | tee "$OUT/extract.jsonl"
	log "the whole export (transform + local Parquet sink, as wbexport run) against the same floor, C=16, with and without the queue"
	bin/wbbench extract -goals "$EXTRACT_GOALS" -latency "$LATENCY" -jitter "$JITTER" -conc 16 -full | tee "$OUT/extract-full.jsonl"
	bin/wbbench extract -goals "$EXTRACT_GOALS" -latency "$LATENCY" -jitter "$JITTER" -conc 16 -full -queue -1 | tee -a "$OUT/extract-full.jsonl"
	log "extraction with a server-side rate limit of $RATE_LIMIT req/s (429 + Retry-After), C=16"
	bin/wbbench extract -goals "$EXTRACT_GOALS" -latency "$LATENCY" -jitter "$JITTER" -conc 16 -rate-limit "$RATE_LIMIT" | tee "$OUT/extract-ratelimit.jsonl"
}

section_cpu() {
	venv
	if [ ! -s "$REC/metrics.jsonl" ]; then
		log "recording $CPU_GOALS goals of emulator pages into $REC"
		bin/wbbench record -goals "$CPU_GOALS" -dir "$REC" | tee "$OUT/record.jsonl"
	fi
	local sub="$WORK/rec-$CMP_GOALS"
	if [ "$CMP_GOALS" -ge "$CPU_GOALS" ]; then
		sub=$REC # compare on the whole recording (CPU_GOALS=CMP_GOALS=1000000: docs/benchmarks.md)
	else
		mkdir -p "$sub"
		head -n $(( (CMP_GOALS + 99) / 100 )) "$REC/goals.jsonl" > "$sub/goals.jsonl"
		head -n "$CMP_GOALS" "$REC/metrics.jsonl" > "$sub/metrics.jsonl"
	fi
	# One core each: both engines pinned to CPU 0 (taskset), wbexport on one goroutine (its
	# runtime then sees GOMAXPROCS=1, GC included), DuckDB with threads=1. Two cores each: the
	# machine's two, wbexport's default (GOMAXPROCS decoders, Parquet encoded on its own
	# goroutines) and DuckDB threads=2.
	local pin=()
	if command -v taskset > /dev/null; then pin=(taskset -c 0); else log "taskset not found: one-core runs are not pinned"; fi
	# CPU_ROUNDS > 1 repeats the comparison, alternating which engine goes first (ABBA), so
	# that a drift of the machine's speed during the run does not favour either.
	: > "$OUT/cpu.jsonl"
	local r
	for r in $(seq 1 "$CPU_ROUNDS"); do
		local one=(wb1 duck1) two=(wb2 duck2) e
		if [ $((r % 2)) = 0 ]; then one=(duck1 wb1) two=(duck2 wb2); fi
		log "CPU path on $CMP_GOALS goals, round $r of $CPU_ROUNDS: one core each (${pin[*]:-unpinned}), then two"
		for e in "${one[@]}" "${two[@]}"; do
			case $e in
			wb1) "${pin[@]}" bin/wbbench cpu -dir "$sub" -out "$WORK/pq-go" -decoders 1 ;;
			duck1) "${pin[@]}" bench/.venv/bin/python bench/duckdb_json.py --dir "$sub" --out "$WORK/pq-duck" --threads 1 ;;
			wb2) bin/wbbench cpu -dir "$sub" -out "$WORK/pq-go" ;;
			duck2) bench/.venv/bin/python bench/duckdb_json.py --dir "$sub" --out "$WORK/pq-duck" --threads 2 ;;
			esac | tee -a "$OUT/cpu.jsonl"
		done
	done
	rm -rf "$WORK/pq-go" "$WORK/pq-duck"
	if [ "$sub" != "$REC" ]; then rm -rf "$sub"; fi
	if [ -n "${CPU_COMPARE_ONLY:-}" ]; then return; fi
	log "CPU path on all $CPU_GOALS recorded goals (x$CPU_REPEAT), wbexport only"
	bin/wbbench cpu -dir "$REC" -out "$WORK/pq-go" -repeat "$CPU_REPEAT" | tee -a "$OUT/cpu.jsonl"
	bin/wbbench cpu -dir "$REC" -out "$WORK/pq-go" -repeat "$CPU_REPEAT" -tables all | tee -a "$OUT/cpu.jsonl"
	rm -rf "$WORK/pq-go"
}

section_memory() {
	venv
	: > "$OUT/memory.jsonl"
	for g in $MEM_GOALS; do
		log "peak RSS of wbexport run, $g goals (emulator in another process, no latency)"
		# shellcheck disable=SC2046
		emulate $(org_flags "$g")
		local out="$WORK/mem-out"
		rm -rf "$out"
		WORKBOARD_TOKEN=$TOKEN timev "$WORK/t.json" bin/wbexport run --api-url "$BASE" --sink "file://$out" --concurrency 16 --rate 100000 \
			--progress never --log-level warn --summary-file "$WORK/summary.json"
		stop_emulator
		local rows
		rows=$(bench/.venv/bin/python -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["api"]["rows"].values()))' "$WORK/summary.json")
		echo "{\"bench\": \"memory\", \"goals\": $g, \"rows\": $rows, \"load1\": \"$(cut -d' ' -f1 /proc/loadavg)\", \"time\": $(cat "$WORK/t.json")}" | tee -a "$OUT/memory.jsonl"
		rm -rf "$out"
	done
}

section_dlt() {
	venv
	log "wbexport vs dlt: $DLT_GOALS goals, latency $LATENCY + [0,$JITTER), $WORKERS requests in flight"
	# shellcheck disable=SC2046
	emulate $(org_flags "$DLT_GOALS") --latency "$LATENCY" --jitter "$JITTER"
	: > "$OUT/dlt.jsonl"
	WORKBOARD_TOKEN=$TOKEN timev "$WORK/t.json" bin/wbexport run --api-url "$BASE" --sink "file://$WORK/wb-out" --concurrency "$WORKERS" --rate 100000 \
		--progress never --log-level warn --summary-file "$WORK/summary.json"
	local rows
	rows=$(bench/.venv/bin/python -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["api"]["rows"].values()))' "$WORK/summary.json")
	echo "{\"bench\": \"dlt-compare\", \"engine\": \"wbexport\", \"goals\": $DLT_GOALS, \"rows\": $rows, \"load1\": \"$(cut -d' ' -f1 /proc/loadavg)\", \"time\": $(cat "$WORK/t.json")}" | tee -a "$OUT/dlt.jsonl"
	WORKBOARD_TOKEN=$TOKEN timev "$WORK/t.json" bench/.venv/bin/python bench/dlt/pipeline.py --api-url "$BASE" --out "$WORK/dlt-out" --workers "$WORKERS" 2> "$OUT/dlt.log" > "$WORK/dlt.json"
	echo "{\"bench\": \"dlt-compare\", \"engine\": \"dlt\", \"goals\": $DLT_GOALS, \"load1\": \"$(cut -d' ' -f1 /proc/loadavg)\", \"time\": $(cat "$WORK/t.json"), \"dlt\": $(cat "$WORK/dlt.json")}" | tee -a "$OUT/dlt.jsonl"
	stop_emulator
	du -sk "$WORK/wb-out" "$WORK/dlt-out" | tee -a "$OUT/run.log" >&2
}

# instr counts the instructions per row of the CPU path (wbbench cpu on one goroutine, on a
# recording of INSTR_GOALS goals) with valgrind's cachegrind, by component (bench/instr.py):
# the measure docs/benchmarks.md uses for changes smaller than the machine's drift.
section_instr() {
	if ! command -v valgrind > /dev/null; then
		log "valgrind not found (apt-get install valgrind): instruction counts skipped"
		return
	fi
	local rec="$WORK/rec-instr"
	bin/wbbench record -goals "$INSTR_GOALS" -dir "$rec" > /dev/null
	log "instructions per row: cachegrind on wbbench cpu -decoders 1, $INSTR_GOALS goals"
	GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$WORK/cg.out" \
		bin/wbbench cpu -dir "$rec" -out "$WORK/pq-instr" -decoders 1 > "$WORK/instr-run.json" 2> "$WORK/valgrind.log"
	$PY bench/instr.py "$WORK/cg.out" "$WORK/instr-run.json" | tee -a "$OUT/instr.jsonl"
	rm -rf "$rec" "$WORK/pq-instr" "$WORK/cg.out"
}

sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(all)
[ "${sections[0]}" = all ] && sections=(env pacing micro extract cpu memory dlt)
NEED_VENV=""
case " ${sections[*]} " in *" cpu "* | *" memory "* | *" dlt "*) NEED_VENV=1 ;; esac
build
for s in "${sections[@]}"; do
	case $s in
	env | pacing | micro | extract | cpu | memory | dlt | instr) "section_$s" ;;
	*) echo "bench/run.sh: unknown section $s (want all, env, pacing, micro, extract, cpu, memory, dlt or instr)" >&2; exit 2 ;;
	esac
done
log "done: results in $OUT"
