"""Read the table definitions from schemas/tables.go (the single source of truth).

Only used by the dbt development scripts (sample data, the stop-gap sources.yml). It
understands exactly the constructs tables.go uses: table literals with Name/Description/
PrimaryKey and col(...)/req(...) column calls, plus cols(...) appending the lineage columns.
It fails loudly (naming the file and the construct) if the file no longer looks like that.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass, field

REPO = pathlib.Path(__file__).resolve().parents[2]

# Go logical type -> DuckDB type (what the local Parquet sink produces, read back by DuckDB).
DUCKDB_TYPES = {
    "Int64": "BIGINT",
    "Float64": "DOUBLE",
    "String": "VARCHAR",
    "Bool": "BOOLEAN",
    "Timestamp": "TIMESTAMPTZ",
    "Date": "DATE",
    "JSON": "VARCHAR",
    "ListString": "VARCHAR[]",
    "ListInt64": "BIGINT[]",
}


@dataclass
class Column:
    name: str
    type: str  # Go logical type name, e.g. "Int64"
    required: bool
    description: str

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass
class Table:
    name: str
    description: str
    primary_key: list[str]
    columns: list[Column] = field(default_factory=list)
    ledger: bool = False


_CONST_RE = re.compile(r'^\s*(\w+)\s*=\s*"([^"]*)"', re.M)
_STR = r'"((?:[^"\\]|\\.)*)"'
_COL_RE = re.compile(r'\b(req|col)\(' + _STR + r',\s*(\w+),\s*' + _STR + r',\s*' + _STR + r'(\s*\+\s*tsNote)?\)')


def _unquote(s: str) -> str:
    return bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def load(repo: pathlib.Path = REPO) -> list[Table]:
    schemas_go = (repo / "schemas" / "schemas.go").read_text()
    tables_go_path = repo / "schemas" / "tables.go"
    tables_go = tables_go_path.read_text()
    consts = dict(_CONST_RE.findall(schemas_go))
    ts_note = re.search(r'const tsNote = ' + _STR, tables_go)
    if not ts_note:
        raise SystemExit(f"{tables_go_path}: const tsNote not found")
    ts_note_text = _unquote(ts_note.group(1))

    def parse_cols(text: str) -> list[Column]:
        out = []
        for m in _COL_RE.finditer(text):
            kind, name, typ, _src, desc, ts = m.groups()
            name = _unquote(name)
            if name.startswith("Col"):
                name = consts[name]
            if typ not in DUCKDB_TYPES:
                raise SystemExit(f"{tables_go_path}: column {name}: unknown type {typ}")
            d = _unquote(desc) + (ts_note_text if ts else "")
            out.append(Column(name, typ, kind == "req" or typ.startswith("List"), d))
        return out

    lineage_block = re.search(r'func lineage\(\) \[\]Column \{(.*?)\n\}', tables_go, re.S)
    if not lineage_block:
        raise SystemExit(f"{tables_go_path}: func lineage not found")
    # lineage() uses req(ColSnapshotDate, Date, ...) with identifiers, not strings.
    lineage = []
    for m in re.finditer(r'\b(req|col)\((Col\w+),\s*(\w+),\s*"[^"]*",\s*' + _STR + r'\)', lineage_block.group(1)):
        kind, ident, typ, desc = m.groups()
        lineage.append(Column(consts[ident], typ, kind == "req", _unquote(desc)))
    if len(lineage) != 4:
        raise SystemExit(f"{tables_go_path}: expected 4 lineage columns, found {len(lineage)}")

    body = tables_go[tables_go.index("var all = []*Table{"):]
    chunks = re.split(r'\n\t\{\n', body)[1:]
    tables = []
    for chunk in chunks:
        name_m = re.search(r'Name:\s+(\w+),', chunk)
        desc_m = re.search(r'Description:\s+' + _STR, chunk)
        pk_m = re.search(r'PrimaryKey:\s+\[\]string\{([^}]*)\}', chunk)
        if not (name_m and desc_m and pk_m):
            raise SystemExit(f"{tables_go_path}: cannot parse table literal starting {chunk[:60]!r}")
        pk = [consts.get(p.strip(), p.strip().strip('"')) for p in pk_m.group(1).split(",") if p.strip()]
        t = Table(consts[name_m.group(1)], _unquote(desc_m.group(1)), pk, ledger="Ledger:      true" in chunk or re.search(r'Ledger:\s+true', chunk) is not None)
        cols = parse_cols(chunk)
        # lineage columns spelled with identifiers inside explicit column lists (the ledger)
        for m in re.finditer(r'\breq\((Col\w+),\s*(\w+),\s*"[^"]*",\s*' + _STR + r'\)', chunk):
            ident, typ, desc = m.groups()
            cols.insert(1, Column(consts[ident], typ, True, _unquote(desc)))
        if "Columns: cols(" in chunk:
            cols += lineage
        t.columns = cols
        tables.append(t)
    if not tables:
        raise SystemExit(f"{tables_go_path}: no tables found")
    return tables


if __name__ == "__main__":
    for t in load():
        print(t.name, t.primary_key, [(c.name, c.duckdb_type) for c in t.columns])
