"""Validates staged rows against a contract in one DuckDB pass.

Every staged row leaves either typed (accepted) or in quarantine with all of its reasons. A
repeated key is merged: the last occurrence (latest file, then latest line) wins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

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
            f"CASE WHEN TRY_CAST(trim({col}) AS DOUBLE) = floor(TRY_CAST(trim({col}) AS DOUBLE)) "
            f"THEN TRY_CAST(TRY_CAST(trim({col}) AS DOUBLE) AS BIGINT) END"
        )
    return f"TRY_CAST(trim({col}) AS {f.sql_type})"


def _field_reasons(f: Field) -> list[str]:
    col = _q(f.name)
    reasons = []
    if f.required:
        reasons.append(f"CASE WHEN {_blank(col)} THEN 'missing field {f.name}' END")
    if f.type != "str":
        reasons.append(
            f"CASE WHEN NOT {_blank(col)} AND {typed_expr(f)} IS NULL "
            f"THEN 'field {f.name}: wrong type, expected {TYPE_WORDS[f.type]}' END"
        )
    if f.min_value is not None:
        reasons.append(
            f"CASE WHEN {typed_expr(f)} < {f.min_value} "
            f"THEN 'field {f.name}: ' || {col} || ' is below {f.min_value:g}' END"
        )
    return reasons


@dataclass
class Validated:
    rows_in: int
    accepted: int
    quarantined: int
    merged: int
    table: pa.Table
    quarantine: pa.Table

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
) -> Validated:
    """``staged_view`` has the contract's columns as VARCHAR plus ``_file`` and ``_line``."""
    now = now or dt.datetime.now()
    reasons = [r for f in contract.fields for r in _field_reasons(f)]
    typed_cols = ", ".join(f"{typed_expr(f)} AS {_q(f.name)}" for f in contract.fields)
    row_checks = [
        f"CASE WHEN coalesce(({c.failing_sql}), false) THEN '{c.reason}' END" for c in contract.checks
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
        WITH raw AS (
            SELECT s.*, concat_ws('; ', {', '.join(reasons) or "NULL"}) AS _r1,
                   to_json(s) AS _payload
            FROM {staged_view} s
        ), typed AS (
            SELECT {typed_cols}, _file, _line, _r1, _payload FROM raw
        )
        SELECT *, concat_ws('; ', NULLIF(_r1, ''), {', '.join(row_checks)}) AS _reason FROM typed"""
    )
    rows_in = con.execute("SELECT count(*) FROM _checked").fetchone()[0]
    quarantine = con.execute(
        f"""SELECT '{contract.table}' AS source_table, _file AS source_file, CAST(_line AS BIGINT) AS line,
               _reason AS reason, CAST(_payload AS VARCHAR) AS payload
        FROM _checked WHERE _reason <> '' ORDER BY _file, _line"""
    ).arrow()
    if not isinstance(quarantine, pa.Table):
        quarantine = quarantine.read_all()
    quarantine = quarantine.cast(QUARANTINE_SCHEMA)
    if extra_rejects is not None and extra_rejects.num_rows:
        quarantine = pa.concat_tables([extra_rejects.cast(QUARANTINE_SCHEMA), quarantine])
    names = ", ".join(_q(n) for n in contract.names)
    dedupe = ""
    if contract.key:
        key = ", ".join(_q(k) for k in contract.key)
        dedupe = f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _file DESC, _line DESC) = 1"
    order = ", ".join(_q(k) for k in (contract.time_field, *contract.key))
    accepted_table = con.execute(
        f"SELECT {names} FROM _checked WHERE _reason = '' {dedupe} ORDER BY {order}"
    ).arrow()
    if not isinstance(accepted_table, pa.Table):
        accepted_table = accepted_table.read_all()
    con.execute("DROP TABLE IF EXISTS _checked")
    accepted = rows_in - (quarantine.num_rows - (extra_rejects.num_rows if extra_rejects is not None else 0))
    extra = extra_rejects.num_rows if extra_rejects is not None else 0
    return Validated(
        rows_in=rows_in + extra,
        accepted=accepted,
        quarantined=quarantine.num_rows,
        merged=accepted - accepted_table.num_rows,
        table=accepted_table,
        quarantine=quarantine,
    )
