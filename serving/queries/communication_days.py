"""The communications list from decoded days: numpy masks instead of SQL per request.

A day block holds the list's columns of one ``communications`` partition, newest first by
(date_time, communication_id), and the automatic tags of the same day's ``tag_assignments``
(a communication's tags share its day). Its identity is both files', so a re-tagged day is read
again like a rewritten one. Text search needs the turns and is left to DuckDB.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from data.warehouse import Warehouse
from serving.access.rights import EffectiveRights
from serving.queries.columnar import Column, cache, decode, file_stamp, read_day, visible_mask
from tagging import system_tags

if TYPE_CHECKING:
    from serving.queries.communications import CommunicationFilter, Cursor

TAG_COLUMNS = ("communication_id", "tag", "source", "source_ref")
SPAM_TAG = system_tags.SPAM_TAG  # one spelling, compared by tag_key like every tag
NEWEST_FIRST = [("date_time", "descending"), ("communication_id", "descending")]


@dataclass(frozen=True)
class CommunicationsDay:
    day: dt.date
    rows: int
    columns: dict[str, Column]
    # communication_id → its automatic tag rows (TAG_COLUMNS)
    assignments: dict[str, list[dict[str, Any]]]
    _tag_masks: dict[str, np.ndarray] = field(default_factory=dict)

    def column(self, name: str) -> Column | None:
        return self.columns.get(name)

    @property
    def ids(self) -> np.ndarray:
        return self.columns["communication_id"].values

    def tag_mask(self, tag: str) -> np.ndarray:
        """Rows carrying ``tag`` automatically (compared by ``tag_key``: case, ё/е); built once
        per block and tag."""
        key = system_tags.tag_key(tag)
        mask = self._tag_masks.get(key)
        if mask is None:
            tagged = {
                cid
                for cid, rows in self.assignments.items()
                if any(system_tags.tag_key(r["tag"]) == key for r in rows)
            }
            mask = np.fromiter((cid in tagged for cid in self.ids), dtype=bool, count=self.rows)
            self._tag_masks[key] = mask
        return mask


def _build(paths, columns: tuple[str, ...], day: dt.date) -> CommunicationsDay:
    """``paths``: the day's communications files (several until appends are compacted), then
    its tags file."""
    parts = [read_day(path, columns, None) for path in paths[:-1]]
    table = parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="default")
    keys = [(name, order) for name, order in NEWEST_FIRST if name in table.column_names]
    table = table.sort_by(keys) if keys and table.num_rows else table
    decoded = {name: decode(table.column(name)) for name in table.column_names}
    assignments: dict[str, list[dict[str, Any]]] = {}
    if file_stamp(paths[-1]) is not None:
        tags = read_day(paths[-1], TAG_COLUMNS, None)
        names = tags.column_names
        values = [decode(tags.column(name)).take(np.arange(tags.num_rows)) for name in names]
        for row in zip(*values, strict=True):
            record = dict(zip(names, row, strict=True))
            assignments.setdefault(record["communication_id"], []).append(record)
    return CommunicationsDay(day, table.num_rows, decoded, assignments)


def day_block(
    warehouse: Warehouse, day: dt.date, columns: tuple[str, ...]
) -> CommunicationsDay | None:
    """The decoded day, or None when its communications file is gone."""
    files = warehouse.day_files("communications", [day])
    tags = warehouse.partition_path("tag_assignments", day)
    paths = (*(files or [warehouse.partition_path("communications", day)]), tags)
    key = (str(warehouse.table_dir("communications")), day, "list", columns)
    # a day without tags yet has no tags file: its appearing changes the stamps too
    return cache().get(key, paths, lambda: _build(paths, columns, day))


def _in(column: Column | None, values: list[Any]) -> np.ndarray | None:
    if column is None:
        return None
    found = np.isin(column.values, np.asarray(values, dtype=column.values.dtype))
    return found if column.nulls is None else found & ~column.nulls


def _mask(  # noqa: C901 - one clause per filter field
    block: CommunicationsDay,
    rights: EffectiveRights,
    flt: CommunicationFilter,
    cursor: Cursor | None,
) -> np.ndarray:
    mask = visible_mask(
        rights,
        block.rows,
        block.column("site_id"),
        block.column("campaign_id"),
        block.column("account_id"),
    )
    when = block.columns["date_time"].values
    if flt.date_from is not None:
        mask &= when >= np.datetime64(flt.date_from, "us")
    if flt.date_till is not None:
        mask &= when <= np.datetime64(flt.date_till, "us")
    for values, name in (
        (flt.types, "communication_type"),
        (flt.site_ids, "site_id"),
        (flt.campaign_ids, "campaign_id"),
    ):
        if values:
            found = _in(block.column(name), values)
            mask &= found if found is not None else False
    if flt.tags:
        any_tag = np.zeros(block.rows, dtype=bool)
        for tag in flt.tags:
            set_ids, removed_ids = flt.by_hand.get(tag, ([], []))
            automatic = block.tag_mask(tag)
            if removed_ids:
                automatic = automatic & ~np.isin(block.ids, removed_ids)
            any_tag |= automatic
            if set_ids:
                any_tag |= np.isin(block.ids, set_ids)
        mask &= any_tag
    if flt.is_spam is not None:
        spam = block.tag_mask(SPAM_TAG)
        set_ids, removed_ids = flt.by_hand.get(SPAM_TAG, ([], []))
        if removed_ids:  # a person's change wins: the same rule as the tag filter
            spam = spam & ~np.isin(block.ids, removed_ids)
        if set_ids:
            spam = spam | np.isin(block.ids, set_ids)
        mask &= spam if flt.is_spam else ~spam
    if cursor is not None:
        at = np.datetime64(cursor.date_time, "us")
        mask &= (when < at) | ((when == at) & (block.ids < cursor.communication_id))
    return mask


def page(
    warehouse: Warehouse,
    rights: EffectiveRights,
    flt: CommunicationFilter,
    days: list[dt.date],
    cursor: Cursor | None,
    columns: tuple[str, ...],
    wanted: int,
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]] | None:
    """Up to ``wanted`` rows of ``days`` (newest first) and the automatic tags of those rows;
    None when a day's file vanished meanwhile (the caller then asks DuckDB)."""
    rows: list[dict[str, Any]] = []
    assignments: dict[str, list[dict[str, Any]]] = {}
    for day in days:
        if len(rows) >= wanted:
            break
        block = day_block(warehouse, day, columns)
        if block is None:
            return None
        index = np.flatnonzero(_mask(block, rights, flt, cursor))[: wanted - len(rows)]
        if not len(index):
            continue
        names = [name for name in columns if name in block.columns]
        values = [block.columns[name].take(index) for name in names]
        for row in zip(*values, strict=True):
            record = dict(zip(names, row, strict=True))
            rows.append(record)
            found = block.assignments.get(record["communication_id"])
            if found:
                assignments[record["communication_id"]] = found
    return rows, assignments
