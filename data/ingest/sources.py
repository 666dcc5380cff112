"""Reads landing files (CSV in UTF-8 or cp1251 with ``;`` or ``,``, JSONL, Parquet) into a DuckDB
staging relation where every contract field is VARCHAR, with the source line of each row.

Lines that cannot be parsed at all (broken CSV lines, invalid JSON) are not dropped: they come back
as rejects with their line number and reason, and end up in quarantine.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from data.contracts.base import Contract

SUPPORTED_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")
# Above this many rejected lines, file lines come from a join (and a sort) instead of a scalar.
SCALAR_SHIFT_LIMIT = 512


@dataclass
class Reject:
    line: int
    reason: str
    payload: str


@dataclass
class Staged:
    """A staging view named ``view`` with the contract's columns as VARCHAR plus ``_line``."""

    view: str
    rows: int
    rejects: list[Reject] = field(default_factory=list)


def _detect_encoding(path: Path) -> str:
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the sample's end is still UTF-8.
        if error.start >= len(sample) - 3:
            return "utf-8"
        return "cp1251"


def _transcode_to_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    target = workdir / (path.stem + ".utf8.csv")
    with (
        open(path, encoding=encoding, newline="") as src,
        open(target, "w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(1 << 22):
            dst.write(chunk)
    return target


def _detect_delimiter(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    return ";" if header.count(";") > header.count(",") else ","


def _header(path: Path, delimiter: str) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        row = next(csv.reader(handle, delimiter=delimiter), [])
    names = [name.strip().lstrip("\ufeff") for name in row]
    if not names or any(not n for n in names):
        raise ValueError(f"{path}: the first line must be a header naming every column")
    return names


def _sql_literal(value: str) -> str:
    return value.replace("'", "''")


def _select_contract_columns(
    con, source: str, present: list[str], contract: Contract, view: str, line: str = "_line"
) -> None:
    cols = []
    for f in contract.fields:
        if f.name in present:
            cols.append(f'"{f.name}"')
        else:
            cols.append(f'CAST(NULL AS VARCHAR) AS "{f.name}"')
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {', '.join(cols)}, {line} AS _line FROM {source}"
    )


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, view: str) -> Staged:
    workdir = Path(tempfile.mkdtemp(prefix="callscope-ingest-"))
    try:
        encoding = _detect_encoding(path)
        readable = path if encoding == "utf-8" else _transcode_to_utf8(path, encoding, workdir)
        delim = _detect_delimiter(readable)
        header = _header(readable, delim)
        quoted = str(readable).replace("'", "''")
        # The header is read here, not sniffed, so one broken line cannot break the whole file.
        columns = "{" + ", ".join(f"'{_sql_literal(c)}': 'VARCHAR'" for c in header) + "}"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _raw AS
            SELECT * FROM read_csv('{quoted}', auto_detect = false, header = false, skip = 1,
                columns = {columns}, delim = '{delim}', quote = '"', escape = '"',
                store_rejects = true, null_padding = false, strict_mode = true,
                max_line_size = 10000000)"""
        )
        present = [r[0] for r in con.execute("DESCRIBE _raw").fetchall()]
        rejects: dict[int, Reject] = {}
        for line, message, csv_line in con.execute(
            "SELECT line, error_message, csv_line FROM reject_errors ORDER BY line, column_idx"
        ).fetchall():
            if int(line) in rejects:
                continue
            # An unterminated quote swallows the lines after it: each keeps its own reject.
            for offset, text in enumerate((csv_line or "").rstrip("\n").split("\n") or [""]):
                reason = (
                    f"unparseable CSV line: {message}"
                    if offset == 0
                    else f"unparseable CSV line: inside an unterminated quote opened on line {line}"
                )
                rejects.setdefault(int(line) + offset, Reject(int(line) + offset, reason, text))
        con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
        good = con.execute("SELECT count(*) FROM _raw").fetchone()[0]
        con.execute(f"ALTER TABLE _raw RENAME TO _raw_{view}")
        # reject_errors counts the header as line 1 and good rows fill the other lines in order:
        # good row k sits on line k + 1 + (the number of rejected lines before it). With sorted
        # rejected lines b_i (i from 1), b_i precedes row k exactly when b_i - i <= k.
        line = "rowid + 2"
        source = f"_raw_{view}"
        if rejects:
            thresholds = [b - i for i, b in enumerate(sorted(rejects), start=1)]
            if len(thresholds) <= SCALAR_SHIFT_LIMIT:
                # A scalar per row keeps DuckDB's insertion order: no join, no sort.
                listing = "[" + ", ".join(map(str, thresholds)) + "]"
                line = f"rowid + 2 + len(list_filter({listing}, t -> t <= rowid + 1))"
            else:
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE _shift_{view}(threshold BIGINT, shift BIGINT)"
                )
                con.executemany(
                    f"INSERT INTO _shift_{view} VALUES (?, ?)",
                    [(t, i) for i, t in enumerate(thresholds, start=1)],
                )
                source = (
                    f"(SELECT r.*, r.rowid AS _rowid, coalesce(s.shift, 0) AS _shift FROM _raw_{view} r "
                    f"ASOF LEFT JOIN _shift_{view} s ON r.rowid + 1 >= s.threshold ORDER BY r.rowid)"
                )
                line = "_rowid + 2 + _shift"
        _select_contract_columns(con, source, present, contract, view, line)
        return Staged(view, good + len(rejects), list(rejects.values()))
    finally:
        for p in workdir.iterdir():
            p.unlink()
        workdir.rmdir()


def _jsonish(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def stage_jsonl(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, view: str
) -> Staged:
    names = contract.names
    columns: dict[str, list] = {n: [] for n in names}
    lines: list[int] = []
    rejects: list[Reject] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
                if not isinstance(obj, dict):
                    raise ValueError("expected a JSON object")
            except ValueError as error:
                rejects.append(Reject(number, f"invalid JSON: {error}", raw.rstrip("\n")[:10000]))
                continue
            for n in names:
                columns[n].append(_jsonish(obj.get(n)))
            lines.append(number)
    arrow = pa.table(
        {
            **{n: pa.array(columns[n], pa.string()) for n in names},
            "_line": pa.array(lines, pa.int64()),
        }
    )
    con.register("_arrow_stage", arrow)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {view} AS SELECT * FROM _arrow_stage")
    con.unregister("_arrow_stage")
    return Staged(view, len(lines) + len(rejects), rejects)


def stage_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, view: str
) -> Staged:
    quoted = str(path).replace("'", "''")
    source = f"(SELECT *, row_number() OVER () AS _line FROM read_parquet('{quoted}'))"
    present = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    casts = []
    for f in contract.fields:
        if f.name not in present:
            casts.append(f'CAST(NULL AS VARCHAR) AS "{f.name}"')
        elif f.type in ("json", "int_list", "str_list"):
            casts.append(f'CAST(to_json("{f.name}") AS VARCHAR) AS "{f.name}"')
        elif f.type == "datetime":
            casts.append(
                f'strftime(CAST("{f.name}" AS TIMESTAMP), \'%Y-%m-%d %H:%M:%S\') AS "{f.name}"'
            )
        else:
            casts.append(f'CAST("{f.name}" AS VARCHAR) AS "{f.name}"')
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {', '.join(casts)}, _line FROM {source}"
    )
    rows = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
    return Staged(view, rows, [])


def stage_file(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, view: str = "_staged"
) -> Staged:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return stage_csv(con, path, contract, view)
    if suffix in (".jsonl", ".ndjson"):
        return stage_jsonl(con, path, contract, view)
    if suffix == ".parquet":
        return stage_parquet(con, path, contract, view)
    raise ValueError(f"{path}: unsupported landing file type {suffix!r}; use {SUPPORTED_SUFFIXES}")
