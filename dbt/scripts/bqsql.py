"""Offline, type- and name-aware validation of BigQuery SQL (GoogleSQL) statements.

Used by check_bigquery.py on every statement dbt-bigquery would send for this project, and by
test_check_bigquery.py. A statement passes when

  * it parses with sqlglot's BigQuery dialect, and uses no operator BigQuery lacks (`::`, `->`,
    `->>`, `==`, `#>`, `@>`, ...);
  * every function call names a BigQuery function from FUNCTIONS, with an argument count in its
    range; date parts (DATE_TRUNC(d, QUARTER), DATE_DIFF(a, b, DAY), ...) are date-part keywords
    where BigQuery wants one and never a string, and date/time arguments are no string literals;
    a function-like node that sqlglot built from another dialect's syntax is rejected;
  * every table is known (the schema: the raw tables from schemas/bigquery/*.json, then every
    relation the statements create) and every column resolves (sqlglot's qualify);
  * operand types agree the way BigQuery wants (sqlglot's annotate_types): no comparison, IN,
    BETWEEN, CASE / IF / COALESCE branch or UNION column between unrelated types (STRING vs
    INT64, DATE vs TIMESTAMP, ...; a string literal may stand for a DATE / DATETIME / TIMESTAMP),
    arithmetic on numbers (or date/time with an INTERVAL), CONCAT on strings, SUM / AVG on numbers.

What it cannot see: BigQuery's own semantics beyond these rules (only a real run proves them);
types sqlglot cannot infer are treated as unknown and never reported.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
from typing import Iterable

import sqlglot
from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.parsers.bigquery import BigQueryParser
from sqlglot.schema import MappingSchema
from sqlglot.tokens import TokenType


class BQ(BigQuery):
    """BigQuery dialect that remembers, on each function node, the arguments as written."""

    class Parser(BigQueryParser):
        def validate_expression(self, expression, args=None):
            if args is not None and isinstance(expression, exp.Func):
                expression.meta["argc"] = len(args)
                expression.meta["raw_args"] = [a.copy() if isinstance(a, exp.Expr) else a for a in args]
            return super().validate_expression(expression, args)


NAME_KEY = BigQuery.ORIGINAL_NAME_META_KEY
INF = 10**6

# BigQuery functions this project may call: name -> (min args, max args). A strict allow-list:
# a function missing here is reported, even when BigQuery has it (add it, with its arity).
FUNCTIONS: dict[str, tuple[int, int]] = {
    # aggregates
    "count": (1, 1), "countif": (1, 1), "sum": (1, 1), "avg": (1, 1), "min": (1, 1), "max": (1, 1),
    "any_value": (1, 1), "array_agg": (1, 1), "string_agg": (1, 2), "logical_and": (1, 1),
    "logical_or": (1, 1), "approx_count_distinct": (1, 1), "stddev": (1, 1), "variance": (1, 1),
    # numbering and navigation
    "row_number": (0, 0), "rank": (0, 0), "dense_rank": (0, 0), "percent_rank": (0, 0),
    "cume_dist": (0, 0), "ntile": (1, 1), "lag": (1, 3), "lead": (1, 3), "first_value": (1, 1),
    "last_value": (1, 1), "nth_value": (2, 2),
    # conditional
    "coalesce": (1, INF), "ifnull": (2, 2), "nullif": (2, 2), "if": (3, 3), "greatest": (1, INF),
    "least": (1, INF),
    # strings
    "concat": (1, INF), "lower": (1, 1), "upper": (1, 1), "trim": (1, 2), "ltrim": (1, 2),
    "rtrim": (1, 2), "replace": (3, 3), "substr": (2, 3), "substring": (2, 3), "length": (1, 1),
    "char_length": (1, 1), "strpos": (2, 2), "instr": (2, 4), "starts_with": (2, 2),
    "ends_with": (2, 2), "split": (1, 2), "regexp_contains": (2, 2), "regexp_extract": (2, 4),
    "regexp_replace": (3, 3), "format": (1, INF), "lpad": (2, 3), "rpad": (2, 3), "reverse": (1, 1),
    "left": (2, 2), "right": (2, 2), "to_hex": (1, 1), "md5": (1, 1), "sha256": (1, 1),
    "farm_fingerprint": (1, 1), "generate_uuid": (0, 0), "string": (1, 2),
    # numbers
    "abs": (1, 1), "round": (1, 3), "floor": (1, 1), "ceil": (1, 1), "ceiling": (1, 1), "mod": (2, 2),
    "div": (2, 2), "safe_divide": (2, 2), "ieee_divide": (2, 2), "sign": (1, 1), "sqrt": (1, 1),
    "pow": (2, 2), "power": (2, 2), "ln": (1, 1), "log": (1, 2), "exp": (1, 1), "trunc": (1, 2),
    # dates and times
    "current_date": (0, 1), "current_datetime": (0, 1), "current_timestamp": (0, 0),
    "date": (1, 3), "datetime": (1, 2), "timestamp": (1, 2), "time": (1, 3),
    "date_add": (2, 2), "date_sub": (2, 2), "date_diff": (3, 3), "date_trunc": (2, 3),
    "datetime_add": (2, 2), "datetime_sub": (2, 2), "datetime_diff": (3, 3), "datetime_trunc": (2, 3),
    "timestamp_add": (2, 2), "timestamp_sub": (2, 2), "timestamp_diff": (3, 3),
    "timestamp_trunc": (2, 3), "format_date": (2, 2), "format_timestamp": (2, 3),
    "parse_date": (2, 2), "parse_timestamp": (2, 3), "unix_seconds": (1, 1), "unix_millis": (1, 1),
    "unix_micros": (1, 1), "unix_date": (1, 1), "timestamp_seconds": (1, 1),
    "timestamp_millis": (1, 1), "timestamp_micros": (1, 1), "date_from_unix_date": (1, 1),
    "last_day": (1, 2), "generate_date_array": (2, 3),
    # JSON
    "json_value": (1, 2), "json_query": (1, 2), "json_extract": (1, 2), "json_extract_scalar": (1, 2),
    "json_extract_array": (1, 2), "json_query_array": (1, 2), "json_value_array": (1, 2),
    "to_json_string": (1, 2), "parse_json": (1, 2),
    # arrays
    "array_length": (1, 1), "array_to_string": (2, 3), "array_concat": (1, INF),
    "array_reverse": (1, 1), "generate_array": (2, 3), "unnest": (1, 1), "array": (1, 1),
    "offset": (1, 1), "ordinal": (1, 1), "safe_offset": (1, 1), "safe_ordinal": (1, 1),
    # other
    "error": (1, 1),
}

# argument positions that must be a date-part keyword (DAY, QUARTER, ...), per function
DATE_PART_ARGS = {"date_trunc": {1}, "datetime_trunc": {1}, "timestamp_trunc": {1}, "date_diff": {2},
                  "datetime_diff": {2}, "timestamp_diff": {2}, "last_day": {1}}
# argument positions that take a DATE / DATETIME / TIMESTAMP value (never a string or number literal)
DATE_VALUE_ARGS = {"date_trunc": {0}, "datetime_trunc": {0}, "timestamp_trunc": {0}, "date_diff": {0, 1},
                   "datetime_diff": {0, 1}, "timestamp_diff": {0, 1}, "date_add": {0}, "date_sub": {0},
                   "datetime_add": {0}, "datetime_sub": {0}, "timestamp_add": {0}, "timestamp_sub": {0},
                   "last_day": {0}, "format_date": {1}, "format_timestamp": {1}, "unix_seconds": {0},
                   "unix_date": {0}}
# argument positions that must be an INTERVAL expression
INTERVAL_ARGS = {"date_add": {1}, "date_sub": {1}, "datetime_add": {1}, "datetime_sub": {1},
                 "timestamp_add": {1}, "timestamp_sub": {1}}
DATE_PARTS = {"MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "DAYOFWEEK", "DAYOFYEAR",
              "WEEK", "ISOWEEK", "MONTH", "QUARTER", "YEAR", "ISOYEAR", "DATE", "TIME", "DATETIME"}

# function-like nodes BigQuery syntax builds without a function call of that name
SYNTAX_NODES = (exp.Cast, exp.TryCast, exp.Extract, exp.Case, exp.If, exp.Interval, exp.Array,
                exp.Struct, exp.Exists, exp.GroupConcat, exp.CurrentDate, exp.CurrentTimestamp,
                exp.CurrentDatetime, exp.Unnest, exp.Anonymous, exp.ArrayAgg, exp.Count, exp.Floor,
                exp.Ceil)

# operators of other dialects that sqlglot's BigQuery parser still accepts
FORBIDDEN_TOKENS = {TokenType.DCOLON: "::", TokenType.ARROW: "->", TokenType.DARROW: "->>",
                    TokenType.HASH_ARROW: "#>", TokenType.DHASH_ARROW: "#>>", TokenType.AT_GT: "@>",
                    TokenType.LT_AT: "<@", TokenType.ILIKE: "ILIKE"}

NUMERIC = {"TINYINT", "SMALLINT", "INT", "BIGINT", "UBIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
           "BIGDECIMAL", "UDECIMAL", "MONEY"}
STRING = {"VARCHAR", "TEXT", "CHAR", "NCHAR", "NVARCHAR", "NAME"}
FAMILY = {**{t: "number" for t in NUMERIC}, **{t: "string" for t in STRING},
          "BOOLEAN": "bool", "DATE": "date", "DATETIME": "datetime", "TIMESTAMP": "timestamp",
          "TIMESTAMPTZ": "timestamp", "TIMESTAMPLTZ": "timestamp", "TIME": "time", "JSON": "json",
          "BINARY": "bytes", "VARBINARY": "bytes", "INTERVAL": "interval", "GEOGRAPHY": "geography"}
DATELIKE = {"date", "datetime", "timestamp", "time"}


def family(node: exp.Expr) -> str | None:
    """Type family of an annotated node, or None when unknown (never reported)."""
    t = getattr(node, "type", None)
    if t is None or isinstance(node, exp.Null):
        return None
    name = t.this.name if isinstance(t.this, exp.DataType.Type) else str(t.this)
    if name in ("UNKNOWN", "NULL"):
        return None
    if name == "ARRAY":
        return "array"
    if name == "STRUCT":
        return "struct"
    return FAMILY.get(name)


def compatible(a: exp.Expr, b: exp.Expr) -> bool:
    fa, fb = family(a), family(b)
    if fa is None or fb is None or fa == fb:
        return True
    if {fa, fb} == {"date", "datetime"}:  # DATE coerces to DATETIME
        return True
    # a string literal coerces to a date/time type
    for lit, other in ((a, fb), (b, fa)):
        if isinstance(lit, exp.Literal) and lit.is_string and other in DATELIKE:
            return True
    return False


def type_name(node: exp.Expr) -> str:
    t = getattr(node, "type", None)
    return t.sql("bigquery") if t is not None else "?"


@dataclasses.dataclass
class Problem:
    message: str

    def __str__(self) -> str:
        return self.message


def bq_type(field: dict) -> str:
    t = {"BOOL": "BOOL", "INT64": "INT64", "FLOAT64": "FLOAT64", "STRING": "STRING", "DATE": "DATE",
         "TIMESTAMP": "TIMESTAMP", "JSON": "JSON", "BYTES": "BYTES", "NUMERIC": "NUMERIC"}.get(field["type"], field["type"])
    return f"ARRAY<{t}>" if field.get("mode") == "REPEATED" else t


class Catalog:
    """Tables known to the checker: project.dataset.table -> {column: BigQuery type}."""

    def __init__(self) -> None:
        self.tables: dict[tuple[str, str, str], dict[str, str]] = {}

    def add(self, project: str, dataset: str, table: str, columns: dict[str, str]) -> None:
        self.tables[(project, dataset, table)] = dict(columns)

    def add_raw_schemas(self, directory: pathlib.Path, project: str, dataset: str) -> None:
        for f in sorted(directory.glob("*.json")):
            fields = json.loads(f.read_text())
            self.add(project, dataset, f.stem, {c["name"]: bq_type(c) for c in fields})

    def columns(self, project: str, dataset: str, table: str) -> dict[str, str] | None:
        return self.tables.get((project, dataset, table))

    def schema(self) -> MappingSchema:
        nested: dict = {}
        for (p, d, t), cols in self.tables.items():
            nested.setdefault(p, {}).setdefault(d, {})[t] = cols
        return MappingSchema(nested, dialect="bigquery", normalize=False)


def _function_problems(tree: exp.Expr) -> list[str]:
    out = []
    for f in tree.find_all(exp.Func):
        if isinstance(f, exp.Connector):  # AND / OR
            continue
        name = f.meta.get(NAME_KEY)
        if isinstance(f, exp.Anonymous):
            name = f.name
        if name is None:
            if isinstance(f, SYNTAX_NODES):
                continue
            out.append(f"{f.sql('bigquery')[:60]}: {type(f).__name__} is not BigQuery syntax (another dialect's operator or function)")
            continue
        lname = name.lower()
        if lname not in FUNCTIONS:
            out.append(f"unknown function {name}() (not a BigQuery function on the allow-list)")
            continue
        lo, hi = FUNCTIONS[lname]
        argc = f.meta.get("argc")
        if argc is None and isinstance(f, exp.Anonymous):
            argc = len(f.expressions)
        if argc is not None and not lo <= argc <= hi:
            want = str(lo) if lo == hi else f"{lo}-{'n' if hi >= INF else hi}"
            out.append(f"{name}() takes {want} arguments, got {argc}")
            continue
        raw = f.meta.get("raw_args") or (f.expressions if isinstance(f, exp.Anonymous) else [])
        for i in DATE_PART_ARGS.get(lname, ()):
            if i < len(raw):
                a = raw[i]
                ok = isinstance(a, (exp.Column, exp.Var)) and not (isinstance(a, exp.Column) and a.table) \
                    and a.name.upper() in DATE_PARTS
                if not ok:
                    out.append(f"{name}(): argument {i + 1} must be a date part keyword (DAY, QUARTER, ...), got {a.sql('bigquery')}")
        for i in DATE_VALUE_ARGS.get(lname, ()):
            if i < len(raw) and isinstance(raw[i], exp.Literal):
                out.append(f"{name}(): argument {i + 1} must be a DATE/DATETIME/TIMESTAMP, got the literal {raw[i].sql('bigquery')}")
        for i in INTERVAL_ARGS.get(lname, ()):
            if i < len(raw) and not isinstance(raw[i], exp.Interval):
                out.append(f"{name}(): argument {i + 1} must be an INTERVAL, got {raw[i].sql('bigquery')}")
    return out


def _type_problems(tree: exp.Expr) -> list[str]:
    out = []

    def pair(node: exp.Expr, a: exp.Expr, b: exp.Expr, what: str) -> None:
        if not compatible(a, b):
            out.append(f"{what}: no matching signature for {type_name(a)} and {type_name(b)} in {node.sql('bigquery')[:80]}")

    for node in tree.walk():
        if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)):
            pair(node, node.left, node.right, f"operator {node.key.upper()}")
        elif isinstance(node, exp.In) and node.expressions:
            for e in node.expressions:
                pair(node, node.this, e, "IN")
        elif isinstance(node, exp.Between):
            pair(node, node.this, node.args["low"], "BETWEEN")
            pair(node, node.this, node.args["high"], "BETWEEN")
        elif isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
            fl, fr = family(node.left), family(node.right)
            if fl is None or fr is None:
                continue
            ok = (fl == fr == "number") or ("interval" in (fl, fr) and ({fl, fr} - {"interval"}) <= DATELIKE | {"interval"})
            if isinstance(node, exp.Sub) and fl == fr and fl in DATELIKE:
                ok = True
            if not ok:
                out.append(f"arithmetic {node.key}: {type_name(node.left)} and {type_name(node.right)} in {node.sql('bigquery')[:80]}")
        elif isinstance(node, exp.Case):
            branches = [i.args["true"] for i in node.args.get("ifs") or []]
            if node.args.get("default") is not None:
                branches.append(node.args["default"])
            for b in branches[1:]:
                pair(node, branches[0], b, "CASE branches")
        elif isinstance(node, exp.If) and node.args.get("false") is not None:
            pair(node, node.args["true"], node.args["false"], "IF branches")
        elif isinstance(node, (exp.Coalesce, exp.Greatest, exp.Least)):
            args = [node.this, *node.expressions]
            for b in args[1:]:
                pair(node, args[0], b, node.key.upper())
        elif isinstance(node, (exp.Concat, exp.DPipe)):
            parts = node.expressions if isinstance(node, exp.Concat) else [node.left, node.right]
            for p in parts:
                if family(p) not in (None, "string"):
                    out.append(f"CONCAT of {type_name(p)} (BigQuery concatenates STRING only): {node.sql('bigquery')[:80]}")
        elif isinstance(node, (exp.Sum, exp.Avg)):
            if family(node.this) not in (None, "number", "interval"):
                out.append(f"{node.key.upper()} of {type_name(node.this)}: {node.sql('bigquery')[:80]}")
        elif isinstance(node, exp.Union):
            left, right = node.left, node.right
            if isinstance(left, exp.Select) and isinstance(right, exp.Select) and len(left.selects) == len(right.selects):
                for a, b in zip(left.selects, right.selects):
                    pair(node, a, b, f"UNION column {a.alias_or_name}")
    return out


def _token_problems(sql: str) -> list[str]:
    out = []
    try:
        tokens = BQ().tokenize(sql)
    except SqlglotError as e:
        return [f"BigQuery syntax: {str(e).splitlines()[0]}"]
    for tok in tokens:
        if tok.token_type in FORBIDDEN_TOKENS:
            out.append(f"operator {FORBIDDEN_TOKENS[tok.token_type]} is not BigQuery SQL (line {tok.line})")
        elif tok.token_type == TokenType.EQ and tok.text == "==":
            out.append(f"operator == is not BigQuery SQL (line {tok.line})")
    return out


def output_columns(select: exp.Expr) -> dict[str, str]:
    """Column name -> BigQuery type of an annotated query (UNKNOWN where not inferred)."""
    cols = {}
    for s in select.selects if isinstance(select, exp.Query) else []:
        t = getattr(s, "type", None)
        cols[s.alias_or_name] = t.sql("bigquery") if t is not None else "UNKNOWN"
    return cols


CREATE_RE = re.compile(r"^\s*create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?(table|view)\b", re.I)


def check_sql(sql: str, catalog: Catalog) -> tuple[list[str], list[tuple[tuple[str, str, str], dict[str, str]]]]:
    """Problems of one SQL text (one or more statements), and the relations it creates with
    their inferred columns (to add to the catalog)."""
    problems = _token_problems(sql)
    created: list = []
    try:
        statements = sqlglot.parse(sql, read=BQ, error_level=sqlglot.ErrorLevel.RAISE)
    except SqlglotError as e:
        return problems + [f"BigQuery syntax: {str(e).splitlines()[0]}"], created
    schema = catalog.schema()
    for stmt in statements:
        if stmt is None:
            continue
        problems += _function_problems(stmt)
        created_here = None
        if isinstance(stmt, exp.Create):
            t = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
            created_here = (t.catalog, t.db, t.name) if isinstance(t, exp.Table) else None
        for table in stmt.find_all(exp.Table):
            key = (table.catalog, table.db, table.name)
            if table.catalog and table.db and key != created_here and catalog.columns(*key) is None:
                problems.append(f"unknown table {'.'.join(key)}")
        body = stmt
        target = None
        if isinstance(stmt, exp.Create):
            target = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
            body = stmt.expression
        elif isinstance(stmt, exp.Merge):
            body = stmt.args.get("using")
        if not isinstance(body, exp.Expr) or not body.find(exp.Select):
            continue
        if isinstance(body, exp.Subquery):
            body = body.this
        try:
            qualified = qualify(body.copy(), schema=schema, dialect="bigquery", validate_qualify_columns=True,
                                quote_identifiers=False)
            annotated = annotate_types(qualified, schema=schema, dialect="bigquery")
        except SqlglotError as e:
            problems.append(f"names: {str(e).splitlines()[0]}")
            continue
        problems += _type_problems(annotated)
        if target is not None and isinstance(target, exp.Table):
            key = (target.catalog, target.db, target.name)
            cols = output_columns(annotated)
            created.append((key, cols))
    return problems, created


def check_many(statements: Iterable[str], catalog: Catalog) -> list[str]:
    out = []
    for sql in statements:
        problems, created = check_sql(sql, catalog)
        out += problems
        for key, cols in created:
            catalog.add(*key, cols)
    return out
