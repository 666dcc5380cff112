"""Reads landing files (CSV in UTF-8 or cp1251 with ``;`` or ``,``, JSONL, Parquet) into a DuckDB
staging relation where every contract field is VARCHAR, with the source line of each row.

Lines that cannot be parsed at all (broken CSV lines, invalid JSON) are not dropped: they come back
as rejects with their line number and reason, and end up in quarantine. A file that cannot be read
at all (binary data, an empty file, no header naming the table's fields, not Parquet) is an
``InputError`` naming the file and the line.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from data.aggregate import aggregate_row
from data.contracts.base import Contract
from data.errors import InputError
from data.textinput import UTF16_BOMS, decode_line, loads, open_binary, refuse_binary

SUPPORTED_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")
# Above this many rejected lines, file lines come from a join (and a sort) instead of a scalar.
SCALAR_SHIFT_LIMIT = 512
# A header line longer than this is not a header.
MAX_HEADER_CHARS = 1 << 16


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
    with open_binary(path) as handle:
        sample = handle.read(1 << 20)
    if not sample.strip():
        raise InputError(path, 1, None, "empty file: the first line must be a header")
    if sample.startswith(UTF16_BOMS):
        return "utf-16"
    refuse_binary(path, sample)
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
    try:
        with (
            open(path, encoding=encoding, newline="") as src,
            open(target, "w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(1 << 22):
                dst.write(chunk)
    except UnicodeDecodeError:
        raise InputError(path, _first_undecodable_line(path, encoding), None, _NOT_TEXT) from None
    return target


_NOT_TEXT = "not text in UTF-8, cp1251 or UTF-16 (binary data?)"


def _first_undecodable_line(path: Path, encoding: str) -> int | None:
    if encoding.startswith("utf-16"):
        return None
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number
    return None


def _detect_delimiter(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    return ";" if header.count(";") > header.count(",") else ","


def _header(readable: Path, delimiter: str, source: Path, contract: Contract) -> list[str]:
    """The header's column names; ``source`` is the file as given, for the messages."""
    with open(readable, encoding="utf-8", newline="") as handle:
        line = handle.readline(MAX_HEADER_CHARS + 1)
    if len(line) > MAX_HEADER_CHARS:
        raise InputError(source, 1, None, f"header line longer than {MAX_HEADER_CHARS} characters")
    try:
        row = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error as error:
        raise InputError(source, 1, None, f"unreadable header: {error}") from None
    names = [name.strip().lstrip("\ufeff") for name in row]
    if not names or all(not n for n in names):
        raise InputError(source, 1, None, "blank header: the first line must name the columns")
    for number, name in enumerate(names, start=1):
        if not name:
            raise InputError(source, 1, None, f"header column {number} has no name")
        if names.index(name) != number - 1:
            raise InputError(source, 1, name, "named twice in the header")
    if not set(names) & set(contract.names):
        expected = ", ".join(f.name for f in contract.fields if f.required) or contract.names[0]
        raise InputError(
            source, 1, None, f"the header names no field of table {contract.table} ({expected}, …)"
        )
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
        header = _header(readable, delim, path, contract)
        quoted = str(readable).replace("'", "''")
        # The header is read here, not sniffed, so one broken line cannot break the whole file.
        columns = "{" + ", ".join(f"'{_sql_literal(c)}': 'VARCHAR'" for c in header) + "}"
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _raw AS
                SELECT * FROM read_csv('{quoted}', auto_detect = false, header = false, skip = 1,
                    columns = {columns}, delim = '{delim}', quote = '"', escape = '"',
                    store_rejects = true, null_padding = false, strict_mode = true,
                    max_line_size = 10000000)"""
            )
        except duckdb.Error as error:
            raise InputError(path, None, None, f"unreadable CSV: {_first_line(error)}") from None
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
        good = aggregate_row(con, "SELECT count(*) FROM _raw")[0]
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


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


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
    with open_binary(path) as handle:
        refuse_binary(path, handle.read(1 << 16))
        handle.seek(0)
        for number, raw_bytes in enumerate(handle, start=1):
            raw = raw_bytes.decode("utf-8", errors="replace")
            if not raw.strip():
                continue
            try:
                decode_line(path, number, raw_bytes)
                obj = loads(raw)
                if not isinstance(obj, dict):
                    raise ValueError("invalid JSON: expected a JSON object")
            except (ValueError, InputError) as error:
                reason = error.reason if isinstance(error, InputError) else str(error)
                rejects.append(Reject(number, reason, raw.rstrip("\n")[:10000]))
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
    _refuse_non_parquet(path)
    quoted = str(path).replace("'", "''")
    source = f"(SELECT *, row_number() OVER () AS _line FROM read_parquet('{quoted}'))"
    try:
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    except duckdb.Error as error:
        raise InputError(path, None, None, f"unreadable Parquet: {_first_line(error)}") from None
    casts = []
    for f in contract.fields:
        kind = types.get(f.name)
        if kind is None:
            casts.append(f'CAST(NULL AS VARCHAR) AS "{f.name}"')
        elif f.type in ("json", "int_list", "str_list") and kind != "VARCHAR":
            casts.append(f'CAST(to_json("{f.name}") AS VARCHAR) AS "{f.name}"')
        elif f.type == "datetime" and kind.startswith(("TIMESTAMP", "DATE")):
            casts.append(
                f'strftime(CAST("{f.name}" AS TIMESTAMP), \'%Y-%m-%d %H:%M:%S\') AS "{f.name}"'
            )
        else:
            # a text column is typed (or quarantined) by validation like a CSV field
            casts.append(f'TRY_CAST("{f.name}" AS VARCHAR) AS "{f.name}"')
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {', '.join(casts)}, _line FROM {source}"
    )
    try:
        rows = aggregate_row(con, f"SELECT count(*) FROM {view}")[0]
    except duckdb.Error as error:
        raise InputError(path, None, None, f"unreadable Parquet: {_first_line(error)}") from None
    return Staged(view, rows, [])


def _refuse_non_parquet(path: Path) -> None:
    with open_binary(path) as handle:
        head = handle.read(4)
        handle.seek(0, 2)
        size = handle.tell()
        if size >= 12:
            handle.seek(-4, 2)
        tail = handle.read(4)
    if size == 0:
        raise InputError(path, None, None, "empty file, not Parquet")
    if size < 12 or head != b"PAR1" or tail != b"PAR1":
        raise InputError(path, None, None, "not a Parquet file (no PAR1 marks)")


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
    raise InputError(
        path,
        None,
        None,
        f"unsupported file type {suffix or 'without a suffix'!r}; use "
        f"{', '.join(SUPPORTED_SUFFIXES)} (JSON goes one object per line in .jsonl)",
    )
