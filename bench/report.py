"""Print the markdown tables of docs/benchmarks.md from a bench/run.sh results directory.

usage: python bench/report.py bench/results/<date>
"""
import json
import os
import re
import sys


def jl(d, name):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return []
    return [json.loads(x) for x in open(p) if x.strip().startswith("{")]


def extract_table(rows):
    out = ["| C | requests | wall s | floor s | **wall ÷ floor** | observed RTT ms | wall ÷ observed floor | CPU s | load |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['concurrency']} | {r['requests']:,} | {r['wall_s']:.2f} | {r['floor_s']:.2f} | **{r['wall_over_floor']:.3f}** | "
                   f"{r['observed_rtt_ms']:.1f} | {r['wall_over_observed_floor']:.3f} | {r['cpu_s']:.2f} | {r['load1']} |")
    return "\n".join(out)


def rl_table(rows):
    out = ["| limit req/s | requests served | wall s | throughput req/s | ÷ limit | 429 answers | load |",
           "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['rate_limit']:.0f} | {r['requests']:,} | {r['wall_s']:.2f} | {r['throughput_rps']:.1f} | "
                   f"{100 * r['throughput_over_limit']:.1f} % | {r['http_429']} | {r['load1']} |")
    return "\n".join(out)


def cpu_table(rows):
    out = ["| engine | rows | wall s | CPU s | rows/s (wall) | rows per CPU-second | JSON MiB/s | Parquet MiB | peak RSS MiB | load |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        engine = r['engine']
        if engine == "wbexport":
            engine += f", GOMAXPROCS {r.get('gomaxprocs', '?')}, {r.get('decoders', '?')} decoding goroutine(s)"
        out.append(f"| {engine} | {r['rows']:,} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['rows_per_s']:,.0f} | "
                   f"{r['rows'] / r['cpu_s']:,.0f} | {r['json_mib_per_s']:.1f} | {r['parquet_bytes'] / 2**20:.1f} | {r['peak_rss_mib']:.0f} | {r['load1']} |")
    return "\n".join(out)


def dlt_table(rows):
    out = ["| engine | rows written | wall s | CPU s | peak RSS MiB | load |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        n = r.get("rows") or r.get("dlt", {}).get("rows")
        t = r["time"]
        out.append(f"| {r['engine']} | {n:,} | {t['wall_s']:.1f} | {t['cpu_s']:.1f} | {t['peak_rss_mib']:.0f} | {r['load1']} |")
    return "\n".join(out)


BENCH = re.compile(r"^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(.*)$")


def micro_table(path):
    out = ["| benchmark | ns/op | MB/s | B/op | allocs/op | per row |", "|---|---:|---:|---:|---:|---|"]
    pkg = ""
    for line in open(path):
        if line.startswith("pkg:"):
            pkg = line.split()[1].replace("github.com/wbexport/wbexport/", "")
        m = BENCH.match(line.strip())
        if not m:
            continue
        f = m.group(4).split("\t")
        vals = {}
        for part in f:
            part = part.strip()
            if not part:
                continue
            v, _, unit = part.partition(" ")
            vals[unit.strip()] = v
        per = ", ".join(f"{vals[u]} {u}" for u in ("ns/row", "rows/s", "allocs/row", "bytes/row") if u in vals)
        out.append(f"| `{pkg}` {m.group(1)} | {vals.get('ns/op', '')} | {vals.get('MB/s', '')} | {vals.get('B/op', '')} | "
                   f"{vals.get('allocs/op', '')} | {per} |")
    return "\n".join(out)


def main():
    d = sys.argv[1]
    print("## extract\n" + extract_table(jl(d, "extract-run1.jsonl")[:1] + jl(d, "extract.jsonl")))
    print("\n## rate limit\n" + rl_table(jl(d, "extract-ratelimit-run1.jsonl") + jl(d, "extract-ratelimit.jsonl")))
    print("\n## cpu\n" + cpu_table(jl(d, "cpu.jsonl")))
    print("\n## dlt\n" + dlt_table(jl(d, "dlt.jsonl")))
    for name in ("micro.txt", "decoders-jsonv2.txt"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            print(f"\n## {name}\n" + micro_table(p))


if __name__ == "__main__":
    main()
