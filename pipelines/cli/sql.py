"""``callscope sql "SELECT …"``: read-only DuckDB SQL over the warehouse's current snapshot.

Every table is a view by its name (``calls``, ``communications``, ``quarantine_calls``, …) over
the files of the snapshot taken when the command starts; the result is CSV on stdout. Only
queries run: any statement that would write, attach, load or change a setting is refused, and
files outside the warehouse cannot be read."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import duckdb
import typer

from data.errors import InputError
from data.warehouse import Warehouse
from pipelines.cli.common import run_cli

READING = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
BATCH_ROWS = 10_000


def register(app: typer.Typer) -> None:
    @app.command("sql")
    @run_cli
    def sql(
        query: Annotated[str, typer.Argument(help="DuckDB SQL that reads; tables by name.")],
    ) -> None:
        """Runs a read-only query over the warehouse and prints CSV."""
        run_query(Warehouse.from_settings(), query, sys.stdout)


def read_only_connection(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """Views over the current snapshot; file access only under the warehouse, settings locked."""
    con = warehouse.connect()
    folders = {str(warehouse.table_dir(table).parent) for table in warehouse.tables()}
    listing = ", ".join("'" + (f.rstrip("/") + "/").replace("'", "''") + "'" for f in folders)
    con.execute(f"SET allowed_directories = [{listing}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_query(warehouse: Warehouse, query: str, out) -> int:
    """Writes the last statement's result as CSV to ``out``; returns the rows written."""
    con = read_only_connection(warehouse)
    try:
        try:
            statements = con.extract_statements(query)
        except duckdb.Error as error:
            raise InputError("sql", None, None, _first_line(error)) from None
        if not statements:
            raise InputError("sql", None, None, "no statement given")
        for statement in statements:
            if statement.type not in READING:
                kind = statement.type.name
                raise InputError(
                    "sql", None, None, f"refused: {kind} statement; the warehouse is read-only"
                )
        try:
            for statement in statements[:-1]:
                con.execute(statement.query)
            result = con.execute(statements[-1].query)
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow([column[0] for column in result.description])
            written = 0
            while batch := result.fetchmany(BATCH_ROWS):
                writer.writerows(batch)
                written += len(batch)
        except duckdb.Error as error:
            raise InputError("sql", None, None, _first_line(error)) from None
        return written
    finally:
        con.close()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
