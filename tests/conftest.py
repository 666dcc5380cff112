"""Every test gets its own CALLSCOPE_HOME, so no test sees another's state or the demo's."""

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from data.settings import get_settings


@pytest.fixture(autouse=True)
def callscope_home(tmp_path, monkeypatch):
    home = tmp_path / "callscope-home"
    home.mkdir()
    monkeypatch.setenv("CALLSCOPE_HOME", str(home))
    for name in (
        "CALLSCOPE_CONFIG_URL",
        "CALLSCOPE_WAREHOUSE_DIR",
        "CALLSCOPE_WAREHOUSE_URI",
        "CALLSCOPE_DASK_SCHEDULER",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


def _postgres_admin_url() -> str:
    return os.environ.get(
        "CALLSCOPE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    admin = _postgres_admin_url()
    parts = urlsplit(admin)
    plain = urlunsplit(parts._replace(scheme="postgresql"))
    try:
        conn = psycopg.connect(plain, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {plain} (set CALLSCOPE_TEST_PG_URL): {error}")
    name = f"callscope_test_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def config_url(request, tmp_path) -> str:
    """The config store URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'config.sqlite3'}"
    return request.getfixturevalue("postgres_url")
