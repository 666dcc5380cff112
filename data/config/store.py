"""The transactional configuration store: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

import data.config.models  # noqa: F401  (registers every table on Base.metadata)
from data.config import cache_versions
from data.config.models import site_history

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, **options) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Brings the schema to the newest revision of every branch."""
    command.upgrade(alembic_config(url), "heads")


class ConfigStore:
    def __init__(self, url: str, *, migrate_schema: bool = True):
        self.url = url
        if migrate_schema:
            migrate(url)
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # bumps the version of cached data (access, tag events) in each changing transaction
        self.versions = cache_versions.track(self._sessions)
        # a site's settings change writes its new version in the same transaction
        site_history.track(self._sessions)

    @classmethod
    def from_settings(cls) -> ConfigStore:
        from data.settings import get_settings

        return cls(get_settings().database_url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def version(self, kind: str) -> int:
        """The committed version of a kind of cached data (see data.config.cache_versions)."""
        return cache_versions.read(self.engine, kind)

    def dispose(self) -> None:
        self.engine.dispose()
