"""Loads one day of landing files for one table into the warehouse, quarantining bad rows.

Landing layout: ``<landing_dir>/<table>/<YYYY-MM-DD>/*.{csv,jsonl,parquet}``; a Hive-style
``date=YYYY-MM-DD`` folder and a flat ``<landing_dir>/<table>/<YYYY-MM-DD>.<ext>`` file work too.
A day folder holding an ``_EMPTY`` file is the source's word that the day had nothing.

Input that yields no rows never replaces a day that has rows unless the caller allows it: a
broken export must not erase a good day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from data.contracts import contract_for
from data.errors import InputError
from data.ingest.sources import SUPPORTED_SUFFIXES, stage_file
from data.ingest.validate import QUARANTINE_SCHEMA, validate
from data.warehouse import Warehouse

EMPTY_MARKER = "_EMPTY"


def quarantine_table(table: str) -> str:
    return f"quarantine_{table}"


@dataclass
class IngestResult:
    table: str
    day: dt.date
    files: int
    rows_in: int
    accepted: int
    quarantined: int
    merged: int
    written: int
    top_reasons: dict[str, int]

    @property
    def reconciles(self) -> bool:
        return self.rows_in == self.accepted + self.quarantined

    @property
    def quarantined_share(self) -> float:
        return self.quarantined / self.rows_in if self.rows_in else 0.0


def landing_files(landing_dir: Path, table: str, day: dt.date) -> list[Path]:
    base = Path(landing_dir) / table
    found = []
    for folder in (base / day.isoformat(), base / f"date={day.isoformat()}"):
        if folder.is_dir():
            found += [p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES]
    found += [
        p for p in base.glob(f"{day.isoformat()}.*") if p.suffix.lower() in SUPPORTED_SUFFIXES
    ]
    return sorted(found)


def states_empty(landing_dir: Path, table: str, day: dt.date) -> bool:
    base = Path(landing_dir) / table
    return any(
        (folder / EMPTY_MARKER).is_file()
        for folder in (base / day.isoformat(), base / f"date={day.isoformat()}")
    )


def ingest_files(
    warehouse: Warehouse,
    table: str,
    day: dt.date,
    files: Iterable[Path],
    known_site_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
    allow_empty: bool = False,
) -> IngestResult:
    """Validates every file of the day and replaces the day's partition and its quarantine in
    one step that readers see whole. Raises InputError, writing nothing, when the files yield
    no accepted row while the day has rows, unless ``allow_empty``."""
    contract = contract_for(table)
    files = [Path(f) for f in files]
    con = duckdb.connect(":memory:")
    try:
        rejects = []
        parts = []
        for index, path in enumerate(files):
            staged = stage_file(con, path, contract, view=f"_staged_{index}")
            parts.append(f"SELECT *, {index} AS _file FROM {staged.view}")
            rejects += [(table, str(path), r.line, r.reason, r.payload) for r in staged.rejects]
        if parts:
            con.execute("CREATE OR REPLACE TEMP VIEW _all AS " + " UNION ALL ".join(parts))
        else:
            cols = ", ".join(f'CAST(NULL AS VARCHAR) AS "{n}"' for n in contract.names)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW _all AS SELECT {cols}, CAST(0 AS BIGINT) AS _line, "
                "0 AS _file WHERE false"
            )
        extra = pa.table(
            {
                name: pa.array([r[i] for r in rejects], QUARANTINE_SCHEMA.field(name).type)
                for i, name in enumerate(QUARANTINE_SCHEMA.names)
            }
        )
        # One file read by DuckDB keeps its order; a union of several may interleave.
        result = validate(
            con,
            "_all",
            contract,
            day=day,
            known_site_ids=known_site_ids,
            now=now,
            extra_rejects=extra,
            keeps_order=len(files) == 1,
        )
        if result.accepted == 0 and not allow_empty:
            _refuse_to_empty(warehouse, table, day, files, result.quarantined)
        quarantine = _name_files(result.quarantine, files)
        warehouse.write_partition_with_quarantine(
            table, day, con, result.accepted_query, quarantine
        )
    finally:
        con.close()
    reasons: dict[str, int] = {}
    for reason in quarantine.column("reason").to_pylist():
        for part in reason.split("; "):
            key = part.split(":")[0] if part.startswith("unparseable") else part
            reasons[key] = reasons.get(key, 0) + 1
    top = dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:10])
    return IngestResult(
        table,
        day,
        len(files),
        result.rows_in,
        result.accepted,
        result.quarantined,
        result.merged,
        result.written,
        top,
    )


def _refuse_to_empty(
    warehouse: Warehouse, table: str, day: dt.date, files: list[Path], quarantined: int
) -> None:
    kept = warehouse.count(table, day, day)
    if kept == 0:
        return
    source = files[0] if len(files) == 1 else f"{len(files)} files for {table} {day}"
    found = f"all {quarantined} rows quarantined" if quarantined else "no rows"
    raise InputError(
        source,
        None,
        None,
        f"{found}; {table} {day.isoformat()} keeps its {kept} rows "
        "(--allow-empty, or an _EMPTY file in the day's landing folder, replaces it)",
    )


def _name_files(quarantine: pa.Table, files: list[Path]) -> pa.Table:
    """Validation numbers files by their position; quarantine names them."""
    names = [
        f if not f.isdigit() else str(files[int(f)])
        for f in quarantine.column("source_file").to_pylist()
    ]
    return quarantine.set_column(1, "source_file", pa.array(names, pa.string()))


def ingest_day(
    warehouse: Warehouse,
    landing_dir: Path,
    table: str,
    day: dt.date,
    known_site_ids: Iterable[int] | None = None,
    allow_empty: bool = False,
) -> IngestResult:
    return ingest_files(
        warehouse,
        table,
        day,
        landing_files(landing_dir, table, day),
        known_site_ids,
        allow_empty=allow_empty or states_empty(landing_dir, table, day),
    )
