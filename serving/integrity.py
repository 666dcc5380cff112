"""A write the config store refused (a foreign key, a unique or a not-null constraint) as a 4xx
that says why, on SQLite and PostgreSQL alike.

- Deleting a row that others refer to: 409 naming the referring rows.
- Writing a row that names a missing one (``account_id`` of no account): 422 naming the field.
- A duplicate or another refused write: 409 with the store's one-line reason.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from data.config.base import Base
from data.config.store import ConfigStore
from serving.errors import Conflict, Invalid, ServingError

_DELETE = re.compile(r"^\s*DELETE FROM \"?(\w+)\"? WHERE .*?\"?(\w+)\"?\s*=", re.I | re.S)
_WRITE = re.compile(r"^\s*(?:INSERT INTO|UPDATE) \"?(\w+)\"?", re.I)
SHOWN = 5


def explain(error: IntegrityError, store: ConfigStore) -> ServingError:
    statement = error.statement or ""
    params = _first_row(error.params)
    try:
        if match := _DELETE.match(statement):
            found = _referrers(store, match.group(1), params)
            if found:
                return Conflict(found)
        elif match := _WRITE.match(statement):
            missing = _missing_reference(store, match.group(1), statement, params)
            if missing:
                return Invalid(missing)
    except Exception:  # noqa: BLE001 - the explanation is best effort; the refusal stands
        pass
    return Conflict(f"the change conflicts with stored data: {_reason(error)}")


def _first_row(params: Any) -> Any:
    if isinstance(params, list | tuple) and params and isinstance(params[0], list | tuple | dict):
        return params[0]
    return params


def _values(params: Any) -> list[Any]:
    if isinstance(params, dict):
        return list(params.values())
    return list(params or ())


def _reason(error: IntegrityError) -> str:
    text = str(error.orig).strip().splitlines()
    return text[0] if text else "refused by the store"


def _entity(table: str) -> str:
    return table[:-1] if table.endswith("s") else table


def _referrers(store: ConfigStore, table_name: str, params: Any) -> str | None:
    """Which rows of which tables refer to the row a DELETE tried to remove."""
    values = _values(params)
    if not values:
        return None
    key = values[0]
    parts = []
    with store.session() as session:
        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_keys:
                if fk.column.table.name != table_name:
                    continue
                count = session.scalar(
                    select(func.count()).select_from(table).where(fk.parent == key)
                )
                if not count:
                    continue
                shown = ""
                primary = list(table.primary_key.columns)
                if len(primary) == 1:
                    ids = session.scalars(
                        select(primary[0]).where(fk.parent == key).order_by(primary[0]).limit(SHOWN)
                    ).all()
                    more = ", …" if count > len(ids) else ""
                    shown = f" ({', '.join(map(str, ids))}{more})"
                parts.append(f"{count} {table.name}{shown} by {fk.parent.name}")
    if not parts:
        return None
    return (
        f"{_entity(table_name)} {key} is referred to by {'; '.join(parts)}; "
        "remove or reassign them first"
    )


def _missing_reference(
    store: ConfigStore, table_name: str, statement: str, params: Any
) -> str | None:
    """The field of an INSERT or UPDATE that names a row that does not exist."""
    table = Base.metadata.tables.get(table_name)
    if table is None:
        return None
    if isinstance(params, dict):
        given = dict(params)
    else:
        names = _statement_columns(statement)
        given = dict(zip(names, _values(params), strict=False))
    with store.session() as session:
        for fk in table.foreign_keys:
            value = given.get(fk.parent.name)
            if value is None:
                continue
            target = fk.column
            exists = session.scalar(
                select(func.count()).select_from(target.table).where(target == value)
            )
            if not exists:
                return f"{fk.parent.name}: {_entity(target.table.name)} {value} does not exist"
    return None


def _statement_columns(statement: str) -> list[str]:
    """Column names in the order of a statement's positional parameters."""
    insert = re.search(r"\(([^)]*)\)\s*VALUES", statement, re.I)
    if insert:
        return [c.strip().strip('"') for c in insert.group(1).split(",")]
    return [m.group(1) for m in re.finditer(r"\"?(\w+)\"?\s*=\s*\?", statement)]
