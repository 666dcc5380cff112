"""Validates staged rows against a contract in one DuckDB pass.

Every staged row leaves either typed (accepted) or in quarantine with all of its reasons. A
repeated key is merged: the last occurrence (latest file, then latest line) wins.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from data.aggregate import aggregate_row
from data.contracts.base import TYPE_WORDS, Contract, Field

QUARANTINE_SCHEMA = pa.schema(
    [
        ("source_table", pa.string()),
        ("source_file", pa.string()),
        ("line", pa.int64()),
        ("reason", pa.string()),
        ("payload", pa.string()),
    ]
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _blank(col: str) -> str:
    return f"({col} IS NULL OR trim({col}) = '')"


def typed_expr(f: Field, col: str | None = None) -> str:
    col = col or _q(f.name)
    if f.type in ("int_list", "str_list"):
        return f"TRY_CAST(TRY_CAST({col} AS JSON) AS {f.sql_type})"
    if f.type == "json":
        return f"CASE WHEN json_valid({col}) THEN CAST({col} AS VARCHAR) END"
    if f.type == "str":
        return f"NULLIF({col}, '')"
    if f.type == "bool":
        return f"TRY_CAST(lower(trim({col})) AS BOOLEAN)"
    if f.type == "int":
        # Exports often carry integers as "12.0"; accept whole numbers only.
        return (
            f"coalesce(TRY_CAST({col} AS BIGINT), CASE WHEN TRY_CAST(trim({col}) AS DOUBLE) = "
            f"floor(TRY_CAST(trim({col}) AS DOUBLE)) THEN TRY_CAST(TRY_CAST(trim({col}) AS DOUBLE) AS BIGINT) END)"
        )
    return f"TRY_CAST(trim({col}) AS {f.sql_type})"


def _blank_flag(f: Field) -> str:
    return f"{_q('_blank_' + f.name)}"


def _field_reasons(f: Field) -> list[str]:
    """Reasons over the typed value ``f.name`` and its raw blank flag."""
    col, blank = _q(f.name), _blank_flag(f)
    reasons = []
    if f.required:
        reasons.append(f"CASE WHEN {blank} THEN 'missing field {f.name}' END")
    if f.type != "str":
        reasons.append(
            f"CASE WHEN NOT {blank} AND {col} IS NULL "
            f"THEN 'field {f.name}: wrong type, expected {TYPE_WORDS[f.type]}' END"
        )
    if f.min_value is not None:
        reasons.append(
            f"CASE WHEN {col} < {f.min_value} "
            f"THEN 'field {f.name}: ' || CAST({col} AS VARCHAR) || ' is below {f.min_value:g}' END"
        )
    return reasons


@dataclass
class Validated:
    """Counts, the quarantined rows, and the query that yields the accepted, typed, merged rows
    (valid while the connection lives; write it with ``Warehouse.write_partition_query``)."""

    rows_in: int
    accepted: int
    quarantined: int
    merged: int
    accepted_query: str
    quarantine: pa.Table

    @property
    def written(self) -> int:
        return self.accepted - self.merged

    @property
    def reconciles(self) -> bool:
        return self.rows_in == self.accepted + self.quarantined


def validate(
    con: duckdb.DuckDBPyConnection,
    staged_view: str,
    contract: Contract,
    *,
    day: dt.date | None = None,
    known_site_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
    extra_rejects: pa.Table | None = None,
    keeps_order: bool = False,
) -> Validated:
    """``staged_view`` has the contract's columns as VARCHAR plus ``_file`` and ``_line``.
    ``keeps_order``: the view already yields rows in file order, so no sort is needed unless
    repeated keys are merged."""
    now = now or dt.datetime.now()
    reasons = [r for f in contract.fields for r in _field_reasons(f)]
    typed_cols = ", ".join(
        f"{typed_expr(f)} AS {_q(f.name)}, {_blank(_q(f.name))} AS {_blank_flag(f)}"
        for f in contract.fields
    )
    flags = ", ".join(_blank_flag(f) for f in contract.fields)
    row_checks = [
        f"CASE WHEN coalesce(({c.failing_sql}), false) THEN '{_literal(c.reason)}' END"
        for c in contract.checks
    ]
    time_col = _q(contract.time_field)
    row_checks.append(
        f"CASE WHEN {time_col} > TIMESTAMP '{(now + dt.timedelta(days=1)):%Y-%m-%d %H:%M:%S}' "
        f"THEN 'impossible time: {contract.time_field} ' || CAST({time_col} AS VARCHAR) || ' is in the future' END"
    )
    if day is not None:
        row_checks.append(
            f"CASE WHEN CAST({time_col} AS DATE) <> DATE '{day.isoformat()}' "
            f"THEN '{contract.time_field} ' || CAST({time_col} AS VARCHAR) || ' is outside partition {day}' END"
        )
    if known_site_ids is not None and contract.site_field:
        con.execute("CREATE OR REPLACE TEMP TABLE _known_sites(site_id BIGINT)")
        con.executemany("INSERT INTO _known_sites VALUES (?)", [(int(s),) for s in known_site_ids])
        site = _q(contract.site_field)
        row_checks.append(
            f"CASE WHEN {site} IS NOT NULL AND {site} NOT IN (SELECT site_id FROM _known_sites) "
            f"THEN 'unknown site ' || CAST({site} AS VARCHAR) END"
        )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _checked AS
        WITH typed AS (SELECT {typed_cols}, _file, _line FROM {staged_view})
        SELECT * EXCLUDE ({flags}),
               concat_ws('; ', {", ".join(reasons + row_checks)}) AS _reason
        FROM typed"""
    )
    key_sql = ", ".join(_q(k) for k in contract.key)
    distinct_sql = (
        f"count(DISTINCT ({key_sql})) FILTER (WHERE _reason = '')" if contract.key else "0"
    )
    rows_in, failed, distinct = aggregate_row(
        con, f"SELECT count(*), count(*) FILTER (WHERE _reason <> ''), {distinct_sql} FROM _checked"
    )
    # Only failing rows pay for their raw payload as JSON.
    quarantine = (
        QUARANTINE_SCHEMA.empty_table()
        if not failed
        else con.execute(
            f"""SELECT '{contract.table}' AS source_table, c._file AS source_file,
               CAST(c._line AS BIGINT) AS line, c._reason AS reason,
               CAST(to_json(s) AS VARCHAR) AS payload
        FROM (SELECT _file, _line, _reason FROM _checked WHERE _reason <> '') c
        JOIN (SELECT * FROM {staged_view}) s USING (_file, _line)
        ORDER BY c._file, c._line"""
        ).arrow()
    )
    if not isinstance(quarantine, pa.Table):
        quarantine = quarantine.read_all()
    quarantine = _drop_payload_bookkeeping(quarantine).cast(QUARANTINE_SCHEMA)
    extra = extra_rejects.num_rows if extra_rejects is not None else 0
    if extra_rejects is not None and extra:
        quarantine = pa.concat_tables([extra_rejects.cast(QUARANTINE_SCHEMA), quarantine])
    names = ", ".join(_q(n) for n in contract.names)
    accepted = rows_in - failed
    merged = 0
    dedupe = ""
    if contract.key:
        merged = accepted - distinct
        if merged:
            dedupe = f"QUALIFY row_number() OVER (PARTITION BY {key_sql} ORDER BY _file DESC, _line DESC) = 1"
    return Validated(
        rows_in=rows_in + extra,
        accepted=accepted,
        quarantined=failed + extra,
        merged=merged,
        # Rows keep their order in the files, so a re-run writes the same partition.
        accepted_query=f"SELECT {names} FROM _checked WHERE _reason = '' {dedupe} "
        + ("" if keeps_order and not dedupe else "ORDER BY _file, _line"),
        quarantine=quarantine,
    )


def _drop_payload_bookkeeping(quarantine: pa.Table) -> pa.Table:
    """The payload is the raw row as it came in, without the loader's own columns."""
    payloads = []
    for text in quarantine.column("payload").to_pylist():
        row = json.loads(text)
        for key in ("_file", "_line"):
            row.pop(key, None)
        payloads.append(json.dumps(row, ensure_ascii=False))
    return quarantine.set_column(4, "payload", pa.array(payloads, pa.string()))
