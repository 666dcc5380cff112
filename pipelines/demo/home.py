"""The demo's own home and config database, and the guard that keeps the demo off real data.

A demo home carries the marker file ``.callscope-demo``; a demo config database carries the
marker table ``callscope_demo`` with one row. The demo creates a home only where nothing is, or
in an empty directory, and seeds a database only when it is empty or already marked; it wipes
only what is marked. Anything else is refused with the reason, and nothing is touched.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sqlalchemy import Column, DateTime, MetaData, String, Table, inspect, select

from data.config.store import make_engine
from data.errors import ConfigError

HOME_MARKER = ".callscope-demo"
DATABASE_MARKER = "callscope_demo"

_marker_metadata = MetaData()
_marker_table = Table(
    DATABASE_MARKER,
    _marker_metadata,
    Column("home", String(1024), primary_key=True),
    Column("marked_at", DateTime, nullable=False),
)


class NotADemo(ConfigError):
    """The demo was pointed at a home or a database it did not create."""

    def __init__(self, what: str, reason: str):
        super().__init__(what, None, reason)


def is_demo_home(home: Path) -> bool:
    return (Path(home) / HOME_MARKER).is_file()


def claim_home(home: Path, fresh: bool) -> Path:
    """Makes ``home`` a demo home (emptied first when ``fresh``) or refuses to touch it."""
    home = Path(home).resolve()
    if home.exists() and not home.is_dir():
        raise NotADemo(str(home), "is a file, not a demo home; the demo left it untouched")
    if home.is_dir() and not _holds_nothing(home) and not is_demo_home(home):
        raise NotADemo(
            str(home),
            f"is not a demo home (no {HOME_MARKER} marker file) and is not empty, so the demo "
            "will neither wipe nor seed it. Point CALLSCOPE_HOME (or --home) at a new directory.",
        )
    if fresh and home.is_dir():
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / HOME_MARKER).write_text("callscope demo home: `callscope demo run` may wipe it.\n")
    return home


def _holds_nothing(home: Path) -> bool:
    """Empty, or holding only the Dagster instance settings ``make dagster-home`` writes."""
    entries = list(home.iterdir())
    if not entries:
        return True
    dagster = home / "dagster"
    return entries == [dagster] and [p.name for p in dagster.iterdir()] in ([], ["dagster.yaml"])


def claim_database(url: str, home: Path, fresh: bool) -> None:
    """Marks an empty config database as the demo's (emptied first when ``fresh`` and already
    marked), or refuses a database that holds anything without the demo's marker."""
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        if tables and DATABASE_MARKER not in tables:
            raise NotADemo(
                _safe_url(engine),
                f"is not a demo database (no {DATABASE_MARKER} table) and holds "
                f"{len(tables)} tables, so the demo will neither wipe nor seed it. Unset "
                "CALLSCOPE_CONFIG_URL to use the demo home's own SQLite file, or point it at "
                "an empty database.",
            )
        if fresh and tables:
            metadata = MetaData()
            metadata.reflect(engine)
            metadata.drop_all(engine)
        _marker_metadata.create_all(engine)
        with engine.begin() as connection:
            marked = connection.scalar(select(_marker_table.c.home).limit(1))
            if marked is None:
                connection.execute(
                    _marker_table.insert().values(
                        home=str(Path(home).resolve()), marked_at=dt.datetime.now(dt.UTC)
                    )
                )
    finally:
        engine.dispose()


def is_demo_database(url: str) -> bool:
    engine = make_engine(url)
    try:
        return DATABASE_MARKER in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _safe_url(engine) -> str:
    return engine.url.render_as_string(hide_password=True)
