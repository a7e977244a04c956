"""Instructions per row, by component, from a cachegrind run of `wbbench cpu` (bench/run.sh instr).

    python3 bench/instr.py CACHEGRIND_OUT WBBENCH_JSON

CACHEGRIND_OUT is the file of `valgrind --tool=cachegrind --cache-sim=no`; WBBENCH_JSON is the
JSON line `wbbench cpu` printed (for its row count). Each function's instructions go to one
component by its package (the function that ran them: code inlined into a function counts for
it). Prints one JSON object: rows, total and per-component instructions per row. Instruction
counts are what docs/benchmarks.md uses for changes of a few percent: unlike wall or CPU time
they barely move between runs on a shared VM.
"""

import json
import re
import sys
from collections import Counter

# (component, pattern on the function name), first match wins
COMPONENTS = [
    ("json v2 (tokenizer and unmarshal)", r"go-json-experiment/json"),
    ("decode (wire types, value parsers)", r"wbexport/workboard/decode\."),
    ("extract and workboard", r"wbexport/(extract|workboard)\."),
    ("transform", r"wbexport/transform\."),
    ("sinks", r"wbexport/sinks/"),
    ("zstd", r"klauspost/compress"),
    ("Parquet encoding", r"arrow-go/v18/parquet"),
    ("Arrow builders", r"arrow-go/v18/"),
    ("allocation and GC", r"^runtime\.(mallocgc|growslice|makeslice|newobject|memclr|gc|mark|scan|greyobject|findObject|"
     r"heapBits|typePointers|wbBuf|bulkBarrier|sweep|mspan|\(\*mspan\)|\(\*mheap\)|\(\*mcache\)|\(\*mcentral\)|"
     r"\(\*gcWork\)|\(\*gcBits\)|\(\*spanSet\)|tryDeferToSpanScan|convT|slicebytetostring|rawstring|"
     r"concatstring|deductAssistCredit|nextFreeFast|publicationBarrier|\(\*pageAlloc\)|\(\*pallocBits\)|"
     r"stackalloc|memequal_varlen|addspecial|\(\*sweepLocked\))"),
    ("memmove, memequal, IndexByte, ...", r"^(runtime\.memmove|runtime\.memequal|memeqbody|cmpbody|indexbytebody|"
     r"internal/bytealg|bytes\.|strings\.)"),
    ("strconv", r"strconv"),
    ("unicode/utf8", r"unicode/utf8"),
    ("encoding/json (compacting verbatim JSON)", r"encoding/json"),
    ("sha256 (file checksums)", r"sha256"),
    ("wbbench harness (reading the recording)", r"wbexport/bench/|^bufio\.|^os\.|^syscall\.|^internal/poll"),
    ("other runtime", r"^runtime\."),
]


def main(cg_path, run_path):
    with open(run_path) as f:
        run = json.loads(f.read().strip().splitlines()[-1])
    rows = run["rows"]
    per_fn = Counter()
    fn = None
    with open(cg_path) as f:
        for line in f:
            if line.startswith("fn="):
                fn = line[3:].strip()
            elif line[:1].isdigit() and fn is not None:
                parts = line.split()
                if len(parts) >= 2:
                    per_fn[fn] += int(parts[1])
    comp = Counter()
    pats = [(name, re.compile(p)) for name, p in COMPONENTS]
    for name, n in per_fn.items():
        for cname, pat in pats:
            if pat.search(name):
                comp[cname] += n
                break
        else:
            comp["other"] += n
    total = sum(comp.values())
    out = {
        "bench": "instr",
        "rows": rows,
        "instructions": total,
        "per_row": round(total / rows),
        "by_component_per_row": {k: round(v / rows) for k, v in comp.most_common()},
        "wbbench": run,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
