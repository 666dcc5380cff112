"""``callscope warehouse compact|vacuum``: the nightly upkeep of the warehouse's tables."""

import datetime as dt
from typing import Annotated

import typer

from data.errors import InputError
from data.warehouse import Warehouse
from pipelines.cli.common import emit, run_cli

group = typer.Typer(
    help="Warehouse upkeep: compaction and the retention job.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="warehouse")


@group.command("compact")
@run_cli
def compact(
    table: Annotated[list[str] | None, typer.Option(help="Only these tables.")] = None,
) -> None:
    """Rewrites each day that appends left in several files as one file."""
    warehouse = Warehouse.from_settings()
    names = table or warehouse.tables()
    unknown = sorted(set(names) - set(warehouse.tables()))
    if unknown:
        raise InputError("--table", None, "table", f"no such warehouse table: {unknown[0]}")
    emit({name: [d.isoformat() for d in warehouse.compact(name)] for name in names})


@group.command("vacuum")
@run_cli
def vacuum(
    retention_hours: Annotated[
        int, typer.Option(help="Keep files any snapshot this young uses (longer than any query).")
    ] = 24,
) -> None:
    """Removes data files no recent snapshot uses, and files a killed writer left."""
    if not 1 <= retention_hours <= 24 * 3650:
        raise InputError(
            "--retention-hours", None, "retention_hours", "must be between 1 and 87600"
        )
    removed = Warehouse.from_settings().vacuum(dt.timedelta(hours=retention_hours))
    emit({"removed_files": removed})
