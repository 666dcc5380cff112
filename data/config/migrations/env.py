"""Alembic environment: runs against the URL set by data.config.store.alembic_config."""

from alembic import context
from sqlalchemy import pool

from data.config.base import Base
from data.config.store import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # a pool of its own class from the start: a pool swapped in afterwards would skip the
    # dialect's first-connect setup, which batch migrations on SQLite need (server version)
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic's sqlalchemy.url is not set")
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
