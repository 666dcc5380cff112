"""A fetched window into the raw tables: validated by the table's contract (the same checks as
landing files), bad rows and untrusted pages to quarantine, and only new or changed rows written,
merged by id through the sink."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from data.contracts import contract_for
from data.ingest.landing import quarantine_table
from data.ingest.sources import _jsonish
from data.ingest.validate import QUARANTINE_SCHEMA, validate
from data.live import sink
from data.live.fetch import Problem
from data.warehouse import Warehouse

QUARANTINE_KEY = ("source_file", "payload")


@dataclass
class Written:
    table: str
    rows_in: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    changed_ids: dict[dt.date, list[int]] = field(default_factory=dict)
    all_ids: dict[dt.date, list[int]] = field(default_factory=dict)
    records: list[tuple[int, dt.date, list[str]]] = field(default_factory=list)


def _stage(con: duckdb.DuckDBPyConnection, rows: list[dict], names: list[str], origin: str):
    arrow = pa.table(
        {
            **{n: pa.array([_jsonish(r.get(n)) for r in rows], pa.string()) for n in names},
            "_line": pa.array(range(1, len(rows) + 1), pa.int64()),
            "_file": pa.array([origin] * len(rows), pa.string()),
        }
    )
    con.register("_arrow_stage", arrow)
    con.execute("CREATE OR REPLACE TEMP TABLE _staged AS SELECT * FROM _arrow_stage")
    con.unregister("_arrow_stage")


def _problem_rows(table: str, origin: str, problems: list[Problem]) -> pa.Table:
    rows = [
        (table, origin, None, p.reason, json.dumps(p.payload, ensure_ascii=False, default=str))
        for p in problems
    ]
    return pa.table(
        {
            name: pa.array([r[i] for r in rows], QUARANTINE_SCHEMA.field(name).type)
            for i, name in enumerate(QUARANTINE_SCHEMA.names)
        }
    )


def with_employee_ids(rows: list[dict], groups: dict[int, list[int]]) -> list[dict]:
    """Calls rows with ``employee_ids`` and ``employee_group_ids`` (the raw tables' fields) from
    the report's ``employees`` list and the groups ``get.employees`` gives each employee. A row
    that already has them (a landing file) keeps its own."""
    out = []
    for row in rows:
        employees = row.get("employees")
        if "employee_ids" in row or not isinstance(employees, list):
            out.append(row)
            continue
        ids: list[int] = []
        for item in employees:
            value = item.get("employee_id") if isinstance(item, dict) else None
            if isinstance(value, int) and not isinstance(value, bool) and value not in ids:
                ids.append(value)
        group_ids = sorted({g for i in ids for g in groups.get(i, ())})
        out.append({**row, "employee_ids": ids, "employee_group_ids": group_ids})
    return out


def write_rows(
    warehouse: Warehouse,
    table: str,
    rows: list[dict],
    problems: list[Problem],
    origin: str,
    known_site_ids: list[int] | None,
    today: dt.date,
    now: dt.datetime | None = None,
    landing: tuple[Path, str] | None = None,
) -> Written:
    """Validates ``rows`` and writes the new and changed ones; quarantine goes to ``today``.

    With ``landing`` (landing folder, file name), the new, changed and rejected rows are first
    landed as JSONL where the nightly ingest reads them, so the nightly run of a day rebuilds
    the same raw rows instead of replacing them with the day's export files alone."""
    contract = contract_for(table)
    written = Written(table, rows_in=len(rows) + len(problems))
    con = duckdb.connect(":memory:")
    try:
        _stage(con, rows, contract.names, origin)
        result = validate(
            con, "_staged", contract, known_site_ids=known_site_ids, now=now,
            extra_rejects=_problem_rows(table, origin, problems),
        )  # fmt: skip
        written.quarantined = result.quarantined
        if result.quarantine.num_rows:
            sink.append(
                warehouse, quarantine_table(table), today, result.quarantine, QUARANTINE_KEY
            )
        con.execute(f"CREATE TEMP TABLE _accepted AS {result.accepted_query}")
        time_field = contract.time_field
        days = [
            r[0]
            for r in con.execute(
                f'SELECT DISTINCT CAST("{time_field}" AS DATE) FROM _accepted ORDER BY 1'
            ).fetchall()
        ]
        pending: list[tuple[dt.date, pa.Table]] = []
        columns = ", ".join(f'n."{c}"' for c in contract.names)
        old_columns = ", ".join(f'o."{c}"' for c in contract.names)
        for day in days:
            files = warehouse.day_files(table, [day])
            day_rows = f'(SELECT * FROM _accepted WHERE CAST("{time_field}" AS DATE) = ?)'
            if files:
                old = warehouse.scan(table, files)
                changed = con.execute(
                    f"""SELECT n.*, o.id IS NULL AS _new FROM {day_rows} n
                        LEFT JOIN {old} o ON o.id = n.id
                        WHERE o.id IS NULL OR ({columns}) IS DISTINCT FROM ({old_columns})""",
                    [day],
                ).arrow()
            else:
                changed = con.execute(f"SELECT *, true AS _new FROM {day_rows}", [day]).arrow()
            if not isinstance(changed, pa.Table):
                changed = changed.read_all()
            ids_today = [r[0] for r in con.execute(f"SELECT id FROM {day_rows}", [day]).fetchall()]
            written.all_ids[day] = ids_today
            new = sum(changed.column("_new").to_pylist())
            written.new += new
            written.updated += changed.num_rows - new
            written.unchanged += len(ids_today) - changed.num_rows
            if changed.num_rows:
                frame = changed.drop_columns(["_new"])
                pending.append((day, frame))
                written.changed_ids[day] = frame.column("id").to_pylist()
            if "call_records" in contract.names:
                for call_id, records in con.execute(
                    f"SELECT id, call_records FROM {day_rows} WHERE len(call_records) > 0", [day]
                ).fetchall():
                    written.records.append((int(call_id), day, list(records)))
        if landing is not None:
            rejected = [r for r in result.quarantine.column("line").to_pylist() if r is not None]
            _land(landing, table, time_field, rows, written.changed_ids, rejected, today)
        for day, frame in pending:
            sink.append(warehouse, table, day, frame, "id")
    finally:
        con.close()
    return written


def _land(landing, table, time_field, rows, changed_ids, rejected_lines, today) -> None:
    folder, name = landing
    changed = {i for ids in changed_ids.values() for i in ids}
    by_day: dict[str, list[dict]] = {}
    for line, row in enumerate(rows, start=1):
        if row.get("id") in changed or line in rejected_lines:
            day = str(row.get(time_field) or "")[:10]
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                day = today.isoformat()
            by_day.setdefault(day, []).append(row)
    for day, day_rows in by_day.items():
        target = Path(folder) / table / day / name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            for row in day_rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
