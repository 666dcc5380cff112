"""Communications read from the warehouse, always through the caller's rights.

Every query here takes the caller's :class:`EffectiveRights` and applies its visibility
condition; nothing in the API reads the communications table another way. Each request uses its
own cursor on the process's in-memory DuckDB, over the Parquet files or the decoded copies of
recent ones, so readers never hold a lock on the files.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb

from data.warehouse import Warehouse
from serving.access.rights import EffectiveRights
from serving.errors import Invalid
from serving.readmodel import communication_days
from serving.readmodel.engine import connect, files_of, has_table, partitions, source
from serving.readmodel.search import query_patterns
from tagging import system_tags

TABLE = "communications"
LIST_COLUMNS = (
    "communication_id",
    "communication_type",
    "id",
    "account_id",
    "site_id",
    "campaign_id",
    "visitor_id",
    "date_time",
    "finish_time",
    "duration",
    "is_lost",
    "is_primary",
    "is_target",
    "is_repeat",
    "contact_phone_number",
    "virtual_phone_number",
)
SPAM_TAG = communication_days.SPAM_TAG
# tag_key in SQL: case and ё/е folded, as tagging.system_tags.tag_key folds them
TAG_KEY_SQL = "replace(lower(trim(tag)), 'ё', 'е')"
ID_REGEX = r"^(call|chat|offline_message):[0-9]{1,19}$"
ID_PATTERN = re.compile(ID_REGEX)


@dataclass
class CommunicationFilter:
    date_from: dt.datetime | None = None
    date_till: dt.datetime | None = None
    types: list[str] = field(default_factory=list)
    site_ids: list[int] = field(default_factory=list)
    campaign_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    is_spam: bool | None = None
    text: str | None = None
    # from people's tag events in the config store, per tag: (ids that carry it by hand now,
    # ids whose automatic tag a person removed)
    by_hand: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Cursor:
    date_time: dt.datetime
    communication_id: str

    def encode(self) -> str:
        raw = json.dumps([self.date_time.isoformat(), self.communication_id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            when, communication_id = json.loads(raw)
            return cls(dt.datetime.fromisoformat(when), str(communication_id))
        except (ValueError, TypeError) as error:
            raise Invalid(f"cursor: not a cursor this API returned ({error})") from None


def locate(
    warehouse: Warehouse, communication_id: str
) -> tuple[int | None, int | None, int | None] | None:
    """(site_id, campaign_id, account_id) of a communication, or None when it does not exist."""
    if not has_table(warehouse, TABLE):
        return None
    with connect() as con:
        row = con.execute(
            f"SELECT site_id, campaign_id, account_id FROM {warehouse.scan(TABLE, files_of(warehouse, TABLE))} "
            "WHERE communication_id = ? LIMIT 1",
            [communication_id],
        ).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def plain_scan(warehouse: Warehouse, table: str) -> str:
    """A table's files without the partition column, for subqueries: DuckDB would bind the
    ``hive_types`` struct of a partitioned scan to the outer query's ``date`` column."""
    listing = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files_of(warehouse, table))
    return f"read_parquet([{listing}], union_by_name = true)"


def _in_list(column: str, values: list[Any], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _conditions(
    warehouse: Warehouse, rights: EffectiveRights, flt: CommunicationFilter, params: list[Any]
) -> list[str]:
    conditions = [rights.visibility_sql("c.site_id", "c.campaign_id", "c.account_id")]
    if flt.date_from:
        conditions.append("c.date_time >= ?")
        params.append(flt.date_from)
    if flt.date_till:
        conditions.append("c.date_time <= ?")
        params.append(flt.date_till)
    if flt.types:
        conditions.append(_in_list("c.communication_type", flt.types, params))
    if flt.site_ids:
        conditions.append(_in_list("c.site_id", flt.site_ids, params))
    if flt.campaign_ids:
        conditions.append(_in_list("c.campaign_id", flt.campaign_ids, params))
    has_tags = has_table(warehouse, "tag_assignments")
    if flt.tags:
        conditions.append(
            "("
            + " OR ".join(_tag_condition(warehouse, tag, flt, has_tags, params) for tag in flt.tags)
            + ")"
        )
    if flt.is_spam is not None:
        # the spam tag as any tag: automatic rows and people's changes, the same spelling rule
        spam = _tag_condition(warehouse, SPAM_TAG, flt, has_tags, params)
        conditions.append(spam if flt.is_spam else f"NOT {spam}")
    if flt.text:
        conditions.append(_text_condition(warehouse, flt.text, params))
    return conditions


def _tag_condition(
    warehouse: Warehouse, tag: str, flt: CommunicationFilter, has_tags: bool, params: list[Any]
) -> str:
    set_ids, removed_ids = flt.by_hand.get(tag, ([], []))
    options = []
    if has_tags:
        automatic = (
            f"c.communication_id IN (SELECT communication_id FROM "
            f"{plain_scan(warehouse, 'tag_assignments')} WHERE {TAG_KEY_SQL} = ?)"
        )
        params.append(system_tags.tag_key(tag))
        if removed_ids:
            automatic += " AND NOT " + _in_list("c.communication_id", removed_ids, params)
        options.append(f"({automatic})")
    if set_ids:
        options.append(_in_list("c.communication_id", set_ids, params))
    return f"({' OR '.join(options)})" if options else "FALSE"


def _normalized_text(column: str) -> str:
    texts = f"json_extract_string({column}, '$[*].text')"
    return f"replace(lower(coalesce(array_to_string({texts}, ' '), '')), 'ё', 'е')"


def _text_condition(warehouse: Warehouse, text: str, params: list[Any]) -> str:
    patterns = query_patterns(text)
    if not patterns:
        raise Invalid("text: the search text has no words")
    own = " AND ".join(f"regexp_matches({_normalized_text('c.turns')}, ?)" for _ in patterns)
    params.extend(patterns)
    options = [f"({own})"]
    if has_table(warehouse, "transcripts"):
        spoken = " AND ".join(f"regexp_matches({_normalized_text('t.turns')}, ?)" for _ in patterns)
        params.extend(patterns)
        options.append(
            f"c.communication_id IN (SELECT t.communication_id FROM "
            f"{plain_scan(warehouse, 'transcripts')} t WHERE {spoken})"
        )
    return f"({' OR '.join(options)})"


def _days(warehouse: Warehouse, flt: CommunicationFilter, cursor: Cursor | None) -> list[dt.date]:
    lo = flt.date_from.date() if flt.date_from else dt.date.min
    hi = flt.date_till.date() if flt.date_till else dt.date.max
    if cursor is not None:
        hi = min(hi, cursor.date_time.date())
    return [day for day in reversed(partitions(warehouse, TABLE)) if lo <= day <= hi]


def _select(
    warehouse: Warehouse,
    rights: EffectiveRights,
    flt: CommunicationFilter,
    days: list[dt.date],
    cursor: Cursor | None,
    limit: int | None,
    cached: bool = False,
) -> tuple[str, list[Any]]:
    params: list[Any] = []
    if cached and not flt.text:
        # the list's columns of the days, decoded once per file version (text search needs
        # the turns, which are not kept)
        scan = source(warehouse, TABLE, days, LIST_COLUMNS)
    else:
        scan = warehouse.scan(TABLE, warehouse.day_files(TABLE, days))
    conditions = _conditions(warehouse, rights, flt, params)
    if cursor is not None:
        conditions.append("(c.date_time < ? OR (c.date_time = ? AND c.communication_id < ?))")
        params += [cursor.date_time, cursor.date_time, cursor.communication_id]
    columns = ", ".join(f"c.{name}" for name in LIST_COLUMNS)
    sql = (
        f"SELECT {columns} FROM {scan} c "
        f"WHERE {' AND '.join(conditions)} "
        "ORDER BY c.date_time DESC, c.communication_id DESC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def _records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def list_page(
    warehouse: Warehouse,
    rights: EffectiveRights,
    flt: CommunicationFilter,
    limit: int,
    cursor: Cursor | None = None,
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """One page, newest first, with keyset pagination on (date_time, communication_id)."""
    rows, next_cursor, _ = tagged_page(warehouse, rights, flt, limit, cursor)
    return rows, next_cursor


def tagged_page(
    warehouse: Warehouse,
    rights: EffectiveRights,
    flt: CommunicationFilter,
    limit: int,
    cursor: Cursor | None = None,
) -> tuple[list[dict[str, Any]], Cursor | None, list[dict[str, Any]]]:
    """One page, its next cursor, and the automatic tag assignments of its rows.

    Without text search the page comes from the decoded days (numpy masks, see
    ``communication_days``); otherwise daily partitions are read newest first in growing
    batches until the page is full, so the first pages touch only the last days."""
    days = _days(warehouse, flt, cursor)
    found = None
    if not flt.text:
        found = communication_days.page(
            warehouse, rights, flt, days, cursor, LIST_COLUMNS, limit + 1
        )
    if found is not None:
        rows, by_id = found
        assignments = [a for rows_of in by_id.values() for a in rows_of]
    else:
        rows = _sql_page(warehouse, rights, flt, days, cursor, limit)
        assignments = None
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = Cursor(last["date_time"], last["communication_id"])
    if assignments is None:
        ids = [r["communication_id"] for r in rows]
        assignments = assignments_of(warehouse, ids, sorted({r["date_time"].date() for r in rows}))
    else:
        shown = {r["communication_id"] for r in rows}
        assignments = [a for a in assignments if a["communication_id"] in shown]
    return rows, next_cursor, assignments


def _sql_page(
    warehouse: Warehouse,
    rights: EffectiveRights,
    flt: CommunicationFilter,
    days: list[dt.date],
    cursor: Cursor | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    batch = 1
    with connect() as con:
        while days and len(rows) <= limit:
            chunk, days = days[:batch], days[batch:]
            sql, params = _select(
                warehouse, rights, flt, chunk, cursor, limit + 1 - len(rows), cached=True
            )
            rows += _records(con.execute(sql, params))
            batch *= 2
    return rows


def iter_all(
    warehouse: Warehouse, rights: EffectiveRights, flt: CommunicationFilter, batch_rows: int = 5000
) -> Iterator[dict[str, Any]]:
    """Every matching communication, newest first, for the CSV export."""
    days = _days(warehouse, flt, None)
    if not days:
        return
    sql, params = _select(warehouse, rights, flt, days, None, None)
    with connect() as con:
        result = con.execute(sql, params)
        names = [d[0] for d in result.description]
        while chunk := result.fetchmany(batch_rows):
            for row in chunk:
                yield dict(zip(names, row, strict=True))


def fetch_one(warehouse: Warehouse, communication_id: str) -> dict[str, Any] | None:
    """The full communications row; the caller's visibility was checked by the guard."""
    if not has_table(warehouse, TABLE):
        return None
    with connect() as con:
        rows = _records(
            con.execute(
                f"SELECT * FROM {warehouse.scan(TABLE, files_of(warehouse, TABLE))} WHERE communication_id = ? LIMIT 1",
                [communication_id],
            )
        )
    return rows[0] if rows else None


def rows_for(warehouse: Warehouse, table: str, communication_id: str) -> list[dict[str, Any]]:
    """Rows of a per-communication table (transcripts, tag_assignments, ...)."""
    if not has_table(warehouse, table):
        return []
    with connect() as con:
        return _records(
            con.execute(
                f"SELECT * FROM {warehouse.scan(table, files_of(warehouse, table))} WHERE communication_id = ?",
                [communication_id],
            )
        )


def rows_by_id(warehouse: Warehouse, table: str, source_id: Any) -> list[dict[str, Any]]:
    """Rows of a source table (offline_messages, calls, ...) by their CoMagic ``id``."""
    if source_id is None or not has_table(warehouse, table):
        return []
    with connect() as con:
        return _records(
            con.execute(
                f"SELECT * FROM {warehouse.scan(table, files_of(warehouse, table))} WHERE id = ?",
                [int(source_id)],
            )
        )


def assignments_of(
    warehouse: Warehouse, communication_ids: list[str], days: list[dt.date]
) -> list[dict[str, Any]]:
    """Tag assignments of a page of communications; they share their communication's day."""
    existing = set(partitions(warehouse, "tag_assignments"))
    days = [d for d in days if d in existing]
    if not communication_ids or not days:
        return []
    params: list[Any] = []
    condition = _in_list("communication_id", communication_ids, params)
    columns = ("communication_id", "tag", "source", "source_ref")
    with connect() as con:
        scan = source(warehouse, "tag_assignments", days, columns)
        return _records(
            con.execute(f"SELECT {', '.join(columns)} FROM {scan} WHERE {condition}", params)
        )
