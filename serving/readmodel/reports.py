"""Report tables written by analytics (``report_*``, ``attribution_*``) and the deals table,
read through the caller's rights like the communications."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from data.warehouse import Warehouse
from serving.access.rights import EffectiveRights
from serving.errors import Forbidden, NotFound
from serving.readmodel import columnar
from serving.readmodel.communications import plain_scan
from serving.readmodel.engine import cached_table, connect, has_table, partitions

REPORT_NAME = re.compile(r"^(report|attribution)_[a-z0-9_]{1,60}$|^deals$")


def available(warehouse: Warehouse) -> list[str]:
    return [t for t in warehouse.tables() if REPORT_NAME.match(t)]


def _scope(
    warehouse: Warehouse,
    rights: EffectiveRights,
    table: str,
    columns: list[str],
    files_sql: str,
    account_wide_ok: bool,
) -> tuple[str, str]:
    """(FROM clause, visibility condition) for one report table read through ``files_sql``."""
    account = "r.account_id" if "account_id" in columns else None
    if "campaign_id" in columns or "site_id" in columns:
        campaign = "r.campaign_id" if "campaign_id" in columns else None
        site = "r.site_id" if "site_id" in columns else None
        source = f"{files_sql} r"
        if (
            table == "deals"
            and "communication_id" in columns
            and has_table(warehouse, "communications")
        ):
            # A deal belongs to the campaign (and account) of the communication it came from.
            own = [c for c in ("campaign_id", "account_id") if c in columns]
            deal = f"d.* EXCLUDE ({', '.join(own)})" if own else "d.*"
            source = (
                f"(SELECT {deal}, c.campaign_id, c.account_id FROM {files_sql} d LEFT JOIN "
                f"(SELECT communication_id, campaign_id, account_id "
                f"FROM {plain_scan(warehouse, 'communications')}) c "
                "USING (communication_id)) r"
            )
            campaign, account = "r.campaign_id", "r.account_id"
        return source, rights.visibility_sql(site, campaign, account)
    _check_account_wide(rights, table, account is not None, account_wide_ok)
    # tied to no account either: the check above decided for the table as a whole
    return f"{files_sql} r", rights.visibility_sql(None, None, account) if account else "TRUE"


def _check_account_wide(
    rights: EffectiveRights, table: str, has_account: bool, account_wide_ok: bool
) -> None:
    """A table tied to no site or campaign: platform-wide without an account column (for
    operators only), account-wide with one (for callers who see all of their account).
    ``account_wide_ok``: the route's interface right covers the table as a whole."""
    if account_wide_ok:
        return
    if not has_account and not rights.sees_whole_platform():
        raise Forbidden(f"report {table} is platform-wide and not kept per account")
    if not rights.sees_every_campaign():
        raise Forbidden(
            f"report {table} is account-wide and shows data of campaigns you may not see"
        )


TOTAL = "__total_rows"
# a day's rows by campaign, as the SQL orders them (NULLS LAST)
BY_CAMPAIGN = [("campaign_id", "ascending")]


def _count(con, warehouse, rights, table, files_sql, columns, account_wide_ok, where, params):
    """The total when the page is past the end (the window count came back empty)."""
    source, _ = _scope(warehouse, rights, table, columns, files_sql, account_wide_ok)
    return con.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0]


def read_report(
    warehouse: Warehouse,
    rights: EffectiveRights,
    table: str,
    date_from: dt.date | None,
    date_till: dt.date | None,
    filters: dict[str, Any],
    limit: int,
    offset: int,
) -> tuple[list[str], list[dict[str, Any]], int]:
    """(columns, rows, total rows) of one report over a date range."""
    if not REPORT_NAME.match(table) or not has_table(warehouse, table):
        raise NotFound(f"report {table} does not exist")
    return read_table(warehouse, rights, table, date_from, date_till, filters, limit, offset)


def read_table(
    warehouse: Warehouse,
    rights: EffectiveRights,
    table: str,
    date_from: dt.date | None,
    date_till: dt.date | None,
    filters: dict[str, Any],
    limit: int,
    offset: int,
    account_wide_ok: bool = False,
) -> tuple[list[str], list[dict[str, Any]], int]:
    """(columns, rows, total rows) of a warehouse table over a date range, rows the caller may
    see only. ``account_wide_ok`` lets rows tied to no site or campaign through (tables the
    route's interface right already covers as a whole)."""
    lo, hi = date_from or dt.date.min, date_till or dt.date.max
    days = [day for day in partitions(warehouse, table) if lo <= day <= hi]
    if not days:
        return [], [], 0
    found = _from_days(warehouse, rights, table, days, filters, limit, offset, account_wide_ok)
    if found is not None:
        return found
    with connect() as con:
        cached = cached_table(warehouse, table, days)
        if cached is not None:
            # the range's partitions, decoded once per version of their files
            files_sql, columns = cached.name, list(cached.columns)
        else:
            files = warehouse.day_files(table, days)
            files_sql = warehouse.scan(table, files)
            # the oldest and the newest partition: a column added or dropped over time counts
            stored = dict.fromkeys(
                [*pq.read_schema(files[0]).names, *pq.read_schema(files[-1]).names]
            )
            columns = [*stored, "date"]
        source, visible = _scope(warehouse, rights, table, columns, files_sql, account_wide_ok)
        conditions, params = [visible], []
        for column, value in filters.items():
            if value is None:
                continue
            if column not in columns:
                continue
            conditions.append(f'r."{column}" = ?')
            params.append(value)
        where = " AND ".join(conditions)
        order = "r.date DESC" + (", r.campaign_id" if "campaign_id" in columns else "")
        result = con.execute(
            f"SELECT r.*, count(*) OVER () AS {TOTAL} FROM {source} WHERE {where} "
            f"ORDER BY {order} LIMIT {int(limit)} OFFSET {int(offset)}",
            params,
        )
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        total = rows[0].pop(TOTAL) if rows else 0
        for row in rows[1:]:
            row.pop(TOTAL)
        if not rows and offset:
            total = _count(
                con, warehouse, rights, table, files_sql, columns, account_wide_ok, where, params
            )
    return [n for n in names if n != TOTAL], rows, total


def _matches(column: columnar.Column, value: Any):
    """Rows equal to a filter value, or None when the types differ (DuckDB then decides)."""
    kind = column.values.dtype.kind
    if isinstance(value, bool) or not (
        (kind == "i" and isinstance(value, int)) or (kind == "O" and isinstance(value, str))
    ):
        return None
    found = column.values == value
    return found if column.nulls is None else found & ~column.nulls


def _from_days(  # noqa: C901 - one clause per filter field
    warehouse: Warehouse,
    rights: EffectiveRights,
    table: str,
    days: list[dt.date],
    filters: dict[str, Any],
    limit: int,
    offset: int,
    account_wide_ok: bool,
) -> tuple[list[str], list[dict[str, Any]], int] | None:
    """The page from decoded days (numpy masks), newest day first and by campaign within a
    day; None when the days differ in columns, a filter needs SQL, or a file vanished."""
    if table == "deals":  # a deal's campaign is its communication's: a join, left to DuckDB
        return None
    blocks: list = []
    snapshot = warehouse.snapshot(table)
    for day in reversed(days):
        block = columnar.day_block(warehouse, table, day, BY_CAMPAIGN, snapshot)
        if block is None or (blocks and block.names != blocks[0].names):
            return None
        blocks.append(block)
    names = blocks[0].names
    if "campaign_id" not in names and "site_id" not in names:
        _check_account_wide(rights, table, "account_id" in names, account_wide_ok)
    tied = any(name in names for name in ("site_id", "campaign_id", "account_id"))
    selected = []
    for block in blocks:
        mask = columnar.block_visible_mask(block.masks, rights, block.rows, block.columns)
        if not tied:  # the check above decided for the table as a whole
            mask = np.ones(block.rows, dtype=bool)
        for column, value in filters.items():
            if value is None or column not in block.columns:
                continue
            found = _matches(block.columns[column], value)
            if found is None:
                return None
            mask &= found
        selected.append(np.flatnonzero(mask))
    total = int(sum(len(index) for index in selected))
    rows: list[dict[str, Any]] = []
    skip = offset
    for block, index in zip(blocks, selected, strict=True):
        if len(rows) >= limit:
            break
        if skip >= len(index):
            skip -= len(index)
            continue
        index = index[skip : skip + limit - len(rows)]
        skip = 0
        values = [block.columns[name].take(index) for name in names]
        rows += [
            {**dict(zip(names, row, strict=True)), "date": block.day}
            for row in zip(*values, strict=True)
        ]
    return [*names, "date"], rows, total
