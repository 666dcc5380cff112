"""``callscope ingest PATH --date YYYY-MM-DD``: loads landing files into the warehouse."""

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from data.config.queries import known_site_ids
from data.config.store import ConfigStore
from data.contracts import CONTRACTS
from data.errors import InputError
from data.ingest.landing import ingest_files
from data.ingest.sources import SUPPORTED_SUFFIXES
from data.warehouse import Warehouse
from pipelines.cli.common import emit, run_cli


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    @run_cli
    def ingest(
        path: Annotated[Path, typer.Argument(help="A landing file, or a folder of them.")],
        date: Annotated[str, typer.Option("--date", help="The partition day, YYYY-MM-DD.")],
        table: Annotated[
            str | None,
            typer.Option(help=f"One of {', '.join(CONTRACTS)}; default: the folder name."),
        ] = None,
        allow_empty: Annotated[
            bool, typer.Option("--allow-empty", help="Let input without rows empty the day.")
        ] = False,
    ) -> None:
        """Validates files into one day of a warehouse table; bad rows go to quarantine."""
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise InputError("--date", None, "date", f"{date!r} is not YYYY-MM-DD") from None
        if not path.exists():
            raise InputError(path, None, None, "no such file or folder")
        files = (
            sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
            if path.is_dir()
            else [path]
        )
        if not files:
            raise InputError(path, None, None, f"no {', '.join(SUPPORTED_SUFFIXES)} files")
        table = table or _table_from_path(path)
        if table not in CONTRACTS:
            raise InputError(
                path,
                None,
                "table",
                f"unknown table {table!r}; use --table with one of {sorted(CONTRACTS)}",
            )
        store = ConfigStore.from_settings()
        with store.session() as session:
            sites = known_site_ids(session) or None
        result = ingest_files(
            Warehouse.from_settings(), table, day, files, sites, allow_empty=allow_empty
        )
        emit({**asdict(result), "day": day.isoformat(), "reconciles": result.reconciles})


def _table_from_path(path: Path) -> str:
    for part in (path.name, path.parent.name, path.parent.parent.name):
        if part in CONTRACTS:
            return part
    return path.stem
