"""Print the tables of docs/benchmarks.md from a results directory of bench/run.sh and bench/soak.sh.

usage: python3 bench/report.py [DIR]

DIR defaults to the newest directory under bench/results/ (git-ignored; run.sh and soak.sh write
to bench/results/<UTC date>/ unless OUT is set). Each table is printed only when its raw file is
there: requests.jsonl, regimes.jsonl, extract.jsonl, extract-full.jsonl, extract-ratelimit.jsonl,
cpu*.jsonl, memory.jsonl, micro.txt, dlt.jsonl, soak.txt, instr.jsonl. Paste the tables into docs/benchmarks.md and update
the "Measured at" line there.
"""
import glob
import json
import os
import re
import statistics
import sys

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def jl(d, pattern):
    rows = []
    for p in sorted(glob.glob(os.path.join(d, pattern))):
        rows += [json.loads(x) for x in open(p) if x.strip().startswith("{")]
    return rows


def requests_table(rows):
    out = ["| goals | users | teams | `--kr-listing` | requests | requests per goal | rows |",
           "|---:|---:|---:|---|---:|---:|---:|"]
    notes = []
    for r in rows:
        if r["bench"] == "requests":
            out.append(f"| {r['goals']:,} | {r['users']:,} | {r['teams']:,} | {r['kr_listing']} | {r['requests']:,} | "
                       f"{r['requests_per_goal']:.3f} | {r['rows']:,} |")
        elif r["bench"] == "requests-summary" and "goal_over_auto" in r:
            same = {True: "identical rows", False: "ROWS DIFFER", None: "row counts equal to the ground truth (rows not digested)"}[r.get("identical_rows_auto_goal")]
            notes.append(f"{r['goals']:,} goals: goal ÷ auto = **{r['goal_over_auto']:.1f} ×** the requests, {same}")
    return "\n".join(out + [""] + notes)


def regimes_table(rows):
    rec = {r["regime"]: r for r in rows if r["bench"] == "recovery"}
    out = ["| regime | client req/s | requests | 429 | 503 | wall s | floor s | **wall ÷ floor** | rows = truth | back at the rate after s |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        if r["bench"] != "regime":
            continue
        back = rec.get(r["regime"], {}).get("recovery_s")
        back = "—" if back is None else f"{back:.1f}"
        out.append(f"| {r['regime']} | {r['client_rate']:g} | {r['requests']:,} | {r['http_429']} | {r['http_503']} | {r['wall_s']:.1f} | "
                   f"{r['floor_s']:.1f} | **{r['wall_over_floor']:.3f}** | {'yes' if r['rows_equal_ground_truth'] else 'NO'} | {back} |")
    return "\n".join(out)


def extract_table(rows):
    out = ["| C | run | requests/s | wall s | floor s | **wall ÷ floor** | observed RTT ms | wall ÷ observed floor | CPU s |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    names = {"extract": "extraction only", "extract-full": "whole export", "extract-full-queue-1": "whole export, no queue"}
    for r in rows:
        if r.get("rate_limit"):
            continue
        out.append(f"| {r['concurrency']} | {names.get(r['bench'], r['bench'])} | {r['requests'] / r['wall_s']:,.0f} | {r['wall_s']:.2f} | "
                   f"{r['floor_s']:.2f} | **{r['wall_over_floor']:.3f}** | {r['observed_rtt_ms']:.1f} | {r['wall_over_observed_floor']:.3f} | {r['cpu_s']:.2f} |")
    return "\n".join(out)


def rl_table(rows):
    out = ["| C | limit req/s | requests served | wall s | throughput req/s | ÷ limit | 429 answers |",
           "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['concurrency']} | {r['rate_limit']:.0f} | {r['requests']:,} | {r['wall_s']:.2f} | {r['throughput_rps']:.1f} | "
                   f"{100 * r['throughput_over_limit']:.1f} % | {r['http_429']} |")
    return "\n".join(out)


def cores(r):
    if r["engine"].startswith("duckdb"):
        return r["threads"]
    return 1 if r.get("decoders") == 1 else r.get("gomaxprocs")


def cpu_table(rows):
    # run.sh writes each comparison as back-to-back (wbexport, DuckDB) pairs, in either order;
    # wbexport-only runs (no CPU_COMPARE_ONLY) follow unpaired.
    pairs = {}
    i = 0
    while i + 1 < len(rows):
        a, b = rows[i], rows[i + 1]
        if {a["engine"].startswith("duckdb"), b["engine"].startswith("duckdb")} == {True, False} and cores(a) == cores(b):
            wb, dk = (a, b) if b["engine"].startswith("duckdb") else (b, a)
            pairs.setdefault(cores(a), []).append((wb, dk))
            i += 2
        else:
            i += 1
    if not pairs:
        return "(no wbexport/DuckDB pairs)"
    any_pair = next(iter(pairs.values()))[0][0]
    med = statistics.median
    out = [f"{any_pair['rows']:,} rows, {any_pair['json_bytes'] / 2**30:.1f} GiB of JSON; medians over the pairs, range in brackets:", "",
           "| cores each | pairs | wbexport rows/s | DuckDB rows/s | **wbexport ÷ DuckDB** (per pair) | wbexport peak RSS MiB | DuckDB peak RSS MiB |",
           "|---:|---:|---:|---:|---:|---:|---:|"]
    for c in sorted(pairs):
        ps = pairs[c]
        w = [p[0]["rows_per_s"] for p in ps]
        d = [p[1]["rows_per_s"] for p in ps]
        ratio = [p[0]["rows_per_s"] / p[1]["rows_per_s"] for p in ps]
        wr = [p[0]["peak_rss_mib"] for p in ps]
        dr = [p[1]["peak_rss_mib"] for p in ps]
        out.append(f"| {c} | {len(ps)} | {med(w):,.0f} ({min(w):,.0f}–{max(w):,.0f}) | {med(d):,.0f} ({min(d):,.0f}–{max(d):,.0f}) | "
                   f"**{med(ratio):.2f} ×** ({min(ratio):.2f}–{max(ratio):.2f}) | {min(wr):.0f}–{max(wr):.0f} | {min(dr):,.0f}–{max(dr):,.0f} |")
    return "\n".join(out)


def memory_table(rows):
    out = ["| goals | rows exported | wall s | CPU s | **peak RSS MiB** |", "|---:|---:|---:|---:|---:|"]
    for r in rows:
        t = r["time"]
        out.append(f"| {r['goals']:,} | {r['rows']:,} | {t['wall_s']:.2f} | {t['cpu_s']:.2f} | **{t['peak_rss_mib']:.1f}** |")
    return "\n".join(out)


def dlt_table(rows):
    out = ["| engine | rows written | wall s | CPU s | peak RSS MiB |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        n = r.get("rows") or r.get("dlt", {}).get("rows")
        name = r["engine"] + (f" {r['dlt']['dlt']}" if "dlt" in r else "")
        t = r["time"]
        out.append(f"| {name} | {n:,} | {t['wall_s']:.1f} | {t['cpu_s']:.1f} | {t['peak_rss_mib']:.0f} |")
    return "\n".join(out)


BENCH = re.compile(r"^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(.*)$")
# the decoder benchmarks of docs/benchmarks.md (package workboard/decode); micro.txt holds the rest
DECODERS = ("BenchmarkDecodeGoalsPage", "BenchmarkDecodeMetricsPage", "BenchmarkDecodeUsersPage", "BenchmarkDecodeTeamPage",
            "BenchmarkDecodeTeamsList", "BenchmarkDecodeEnvelope/")


def micro_table(path):
    out = ["| benchmark (`workboard/decode`) | MB/s | ns/op | B/op | allocs/op |", "|---|---:|---:|---:|---:|"]
    pkg = ""
    for line in open(path):
        if line.startswith("pkg:"):
            pkg = line.split()[1].replace("github.com/wbexport/wbexport/", "")
        m = BENCH.match(line.strip())
        if not m or pkg != "workboard/decode" or not m.group(1).startswith(DECODERS):
            continue
        vals = {}
        for part in m.group(4).split("\t"):
            v, _, unit = part.strip().partition(" ")
            vals[unit.strip()] = v
        out.append(f"| {m.group(1)} | {vals.get('MB/s', '')} | {vals.get('ns/op', '')} | {vals.get('B/op', '')} | {vals.get('allocs/op', '')} |")
    return "\n".join(out)


def soak_table(path):
    kv = {}
    for line in open(path):
        k, _, v = line.partition(":")
        kv[k.strip()] = v.strip()
    load = {k: re.search(r"load average: ([\d.]+)", kv.get(f"uptime {k}", "")) for k in ("before", "after")}
    head = f"Measured at `{kv.get('wbexport', '?')}` (load {', '.join(f'{m.group(1)} {k}' for k, m in load.items() if m)}):"
    out = [head, "", "| measure | value |", "|---|---|"]
    if "wall time" in kv:
        out.append(f"| wall time | {kv['wall time']} |")
    if kv.get("rows exported"):
        out.append(f"| rows exported | {int(kv['rows exported'].split()[0]):,} |")
    if kv.get("retries by cause"):
        retries = sorted(json.loads(kv["retries by cause"]).items(), key=lambda kv: -kv[1])
        out.append(f"| retries by cause | {' · '.join(f'{k} {v:,}' for k, v in retries)} |")
    if "peak RSS" in kv:
        out.append(f"| **peak RSS** | **{kv['peak RSS']}** |")
    if "RSS at % of run time" in kv:
        pts = re.findall(r"(\d+)%=([\d.]+)", kv["RSS at % of run time"])
        out.append(f"| RSS at % of run time | {' · '.join(f'{p} % {v}' for p, v in pts)} MiB |")
    m = re.search(r"([\d.]+) MiB, second half: ([\d.]+) MiB \(second/first = ([\d.]+)\)", kv.get("max RSS first half", ""))
    if m:
        out.append(f"| max RSS, first half / second half | {m.group(1)} / {m.group(2)} MiB (ratio {m.group(3)}) |")
    return "\n".join(out)


def instr_table(rows):
    r = rows[-1]
    out = [f"{r['rows']:,} rows; instructions per row, start-up included:", "",
           "| component | instructions per row |", "|---|---:|"]
    rest = {k: v for k, v in r["by_component_per_row"].items() if v < 1000}
    for k, v in r["by_component_per_row"].items():
        if v >= 1000:
            out.append(f"| {k} | {v:,} |")
    if rest:
        out.append(f"| the rest ({', '.join(k.split(' (')[0] for k, v in rest.items() if v)}) | {sum(rest.values()):,} |")
    out.append(f"| **total** | **{r['per_row']:,}** |")
    return "\n".join(out)


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        sys.exit(__doc__)
    if len(sys.argv) == 2:
        d = sys.argv[1]
    else:
        dirs = sorted(p for p in glob.glob(os.path.join(RESULTS, "*")) if os.path.isdir(p))
        if not dirs:
            sys.exit(f"no results under {RESULTS}: run bench/run.sh first, or name a directory")
        d = max(dirs, key=lambda p: (os.path.getmtime(p), p))
    print(f"<!-- from {d} -->")
    sections = [
        ("requests per export", lambda: requests_table(jl(d, "requests.jsonl")) if jl(d, "requests.jsonl") else None),
        ("throttling regimes", lambda: regimes_table(jl(d, "regimes.jsonl")) if jl(d, "regimes.jsonl") else None),
        ("extraction", lambda: extract_table(jl(d, "extract.jsonl") + jl(d, "extract-full.jsonl")) if jl(d, "extract.jsonl") else None),
        ("rate limit", lambda: rl_table(jl(d, "extract-ratelimit.jsonl")) if jl(d, "extract-ratelimit.jsonl") else None),
        ("CPU path vs DuckDB", lambda: cpu_table(jl(d, "cpu*.jsonl")) if jl(d, "cpu*.jsonl") else None),
        ("memory", lambda: memory_table(jl(d, "memory.jsonl")) if jl(d, "memory.jsonl") else None),
        ("decoders", lambda: micro_table(os.path.join(d, "micro.txt")) if os.path.exists(os.path.join(d, "micro.txt")) else None),
        ("dlt", lambda: dlt_table(jl(d, "dlt.jsonl")) if jl(d, "dlt.jsonl") else None),
        ("soak", lambda: soak_table(os.path.join(d, "soak.txt")) if os.path.exists(os.path.join(d, "soak.txt")) else None),
        ("instructions", lambda: instr_table(jl(d, "instr.jsonl")) if jl(d, "instr.jsonl") else None),
    ]
    for name, table in sections:
        t = table()
        if t:
            print(f"\n### {name}\n\n{t}")


if __name__ == "__main__":
    main()
