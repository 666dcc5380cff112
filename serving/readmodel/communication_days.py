"""The communications list from decoded files: numpy masks instead of SQL per request.

A day is the files of its ``communications`` partition in the current snapshot, each decoded
once (the list's columns, newest first by (date_time, communication_id)), and the automatic
tags of the same day's ``tag_assignments`` files (a communication's tags share its day). Data
files never change, so an append costs a worker only its new file and a rewrite only the
files it wrote; a day of several files is merged per page. Text search needs the turns and is
left to DuckDB.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from data.warehouse import Warehouse
from data.warehouse.snapshots import Snapshot
from serving.access import visibility
from serving.access.rights import EffectiveRights
from serving.readmodel.columnar import (
    MASKS_PER_BLOCK,
    Column,
    block_visible_mask,
    cache,
    decode,
    identity,
    read_day,
)
from tagging import system_tags

if TYPE_CHECKING:
    from serving.readmodel.communications import CommunicationFilter, Cursor

TAG_COLUMNS = ("communication_id", "tag", "source", "source_ref")
SPAM_TAG = system_tags.SPAM_TAG  # one spelling, compared by tag_key like every tag
NEWEST_FIRST = [("date_time", "descending"), ("communication_id", "descending")]
BY_COMMUNICATION = [("communication_id", "ascending")]


@dataclass(frozen=True)
class FileBlock:
    """The list's columns of one communications file, newest first."""

    rows: int
    columns: dict[str, Column]
    masks: dict = field(default_factory=dict, compare=False, repr=False)

    def column(self, name: str) -> Column | None:
        return self.columns.get(name)

    @property
    def ids(self) -> np.ndarray:
        return self.columns["communication_id"].values


@dataclass(frozen=True)
class TagFile:
    """The automatic tag rows of one tag_assignments file, by communication id, with each
    tag's key (case and ё/е folded). Plain arrays: no Python object per row for the
    collector to walk."""

    rows: int
    ids: np.ndarray  # sorted
    keys: np.ndarray
    columns: dict[str, Column]

    def records(self, wanted: np.ndarray) -> list[dict[str, Any]]:
        """The rows of the given communication ids."""
        lo = np.searchsorted(self.ids, wanted, side="left")
        hi = np.searchsorted(self.ids, wanted, side="right")
        ranges = [np.arange(a, b) for a, b in zip(lo, hi, strict=True)]
        index = np.concatenate(ranges).astype(np.int64) if ranges else np.empty(0, np.int64)
        names = list(self.columns)
        values = [self.columns[name].take(index) for name in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _file_block(table) -> FileBlock:
    return FileBlock(table.num_rows, {n: decode(table.column(n)) for n in table.column_names})


def _decode_tags(path) -> TagFile:
    table = read_day(path, TAG_COLUMNS, BY_COMMUNICATION)
    table = table.filter(table.column("communication_id").is_valid())
    columns = {name: decode(table.column(name)) for name in table.column_names}
    tags = columns["tag"].values
    folded = {word: system_tags.tag_key(word) for word in set(tags.tolist()) if word is not None}
    keys = np.array([folded.get(word, "") for word in tags.tolist()], dtype=object)
    return TagFile(table.num_rows, columns["communication_id"].values, keys, columns)


def file_block(path, columns: tuple[str, ...]) -> FileBlock | None:
    name = identity(path)
    if name is None:
        return None
    key = (*name, "communications", "list", columns)
    return cache().get(key, lambda: _file_block(read_day(path, columns, NEWEST_FIRST)))


def tag_file(path) -> TagFile | None:
    name = identity(path)
    if name is None:
        return None
    return cache().get((*name, "tag_assignments", "tags"), lambda: _decode_tags(path))


@dataclass
class CommunicationsDay:
    """A day as its files' blocks; tag masks are built once per block, tag and tag files."""

    day: dt.date
    blocks: tuple[FileBlock, ...]
    tags: tuple[TagFile, ...]
    # the tag files' identities: a block's tag masks hold while they are the same, so an
    # append of communications recomputes the masks of its own file only
    tag_names: tuple = ()

    @property
    def rows(self) -> int:
        return sum(block.rows for block in self.blocks)

    @property
    def ids(self) -> np.ndarray:
        """The day's ids, newest first (over all its files)."""
        rows = []
        for block in self.blocks:
            when = block.columns["date_time"].take(np.arange(block.rows))
            rows += [
                {"date_time": w, "communication_id": c}
                for w, c in zip(when, block.ids.tolist(), strict=True)
            ]
        rows.sort(key=_newest_first, reverse=True)
        return np.array([row["communication_id"] for row in rows], dtype=object)

    def tag_mask(self, position: int, tag: str) -> np.ndarray:
        """Rows of block ``position`` carrying ``tag`` automatically (compared by ``tag_key``)."""
        key = system_tags.tag_key(tag)
        block = self.blocks[position]
        cached = ("tag", key, self.tag_names)
        mask = block.masks.get(cached)
        if mask is None:
            tagged = [tags.ids[tags.keys == key] for tags in self.tags]
            found = np.concatenate(tagged) if tagged else np.array([], dtype=object)
            mask = np.isin(block.ids, found)
            if len(block.masks) >= MASKS_PER_BLOCK:
                block.masks.clear()
            block.masks[cached] = mask
        return mask

    def assignments(self, communication_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """communication_id → its automatic tag rows (TAG_COLUMNS)."""
        wanted = np.array(sorted(communication_ids), dtype=object)
        out: dict[str, list[dict[str, Any]]] = {}
        for tags in self.tags:
            for record in tags.records(wanted):
                out.setdefault(record["communication_id"], []).append(record)
        return out


# Days as their files' blocks, the most recently used few hundred: cheap to rebuild from the
# file cache, kept so that a page does not look each file up again. A day holds its blocks
# also when the file cache has dropped them, so this bounds what lives past its row budget.
MAX_DAYS = 256
_days: OrderedDict[tuple, tuple[tuple, CommunicationsDay]] = OrderedDict()
_days_lock = threading.Lock()


def _paths(warehouse: Warehouse, table: str, snapshot: Snapshot | None, day: dt.date) -> list:
    rels = snapshot.days.get(day, ()) if snapshot is not None else ()
    storage = warehouse.storage
    if storage.remote:
        return [storage.local_path(table, rel) for rel in rels]
    return [storage.uri(table, rel) for rel in rels]  # strings: a long scan builds many


def day_block(
    warehouse: Warehouse,
    day: dt.date,
    columns: tuple[str, ...],
    pinned: dict[str, Snapshot | None] | None = None,
) -> CommunicationsDay | None:
    """The decoded day, or None when it has no communications file or one cannot be read.
    ``pinned``: the snapshots a request took (read once per request, not once per day)."""
    pinned = {} if pinned is None else pinned
    for table in ("communications", "tag_assignments"):
        if table not in pinned:
            pinned[table] = warehouse.snapshot(table)
    paths = _paths(warehouse, "communications", pinned["communications"], day)
    if not paths:
        paths = [warehouse.partition_path("communications", day)]
    tag_paths = _paths(warehouse, "tag_assignments", pinned["tag_assignments"], day)
    names = tuple(identity(path) for path in (*paths, *tag_paths))
    key = (warehouse.storage.root_uri, day, columns)
    with _days_lock:
        found = _days.get(key)
        if found is not None and found[0] == names:
            _days.move_to_end(key)
            return found[1]
    found_blocks = [file_block(path, columns) for path in paths]
    found_tags = [tag_file(path) for path in tag_paths]
    blocks = [block for block in found_blocks if block is not None]
    tags = [t for t in found_tags if t is not None]
    if len(blocks) < len(found_blocks) or len(tags) < len(found_tags):
        return None
    block = CommunicationsDay(day, tuple(blocks), tuple(tags), names[len(paths) :])
    with _days_lock:
        _days[key] = (names, block)
        _days.move_to_end(key)
        while len(_days) > MAX_DAYS:
            _days.popitem(last=False)
    return block


def forget_days() -> None:
    with _days_lock:
        _days.clear()


def _in(column: Column | None, values: list[Any]) -> np.ndarray | None:
    if column is None:
        return None
    found = np.isin(column.values, np.asarray(values, dtype=column.values.dtype))
    return found if column.nulls is None else found & ~column.nulls


def _tagged(day: CommunicationsDay, position: int, tag: str, by_hand: dict) -> np.ndarray:
    """Rows carrying ``tag``: automatic ones nobody removed, and those a person set; a
    person's change wins, for the tag filter and the spam filter alike."""
    ids = day.blocks[position].ids
    found = day.tag_mask(position, tag)
    set_ids, removed_ids = by_hand.get(tag, ([], []))
    if removed_ids:
        found = found & ~np.isin(ids, removed_ids)
    if set_ids:
        found = found | np.isin(ids, set_ids)
    return found


def _mask(
    day: CommunicationsDay,
    position: int,
    rights: EffectiveRights,
    flt: CommunicationFilter,
    cursor: Cursor | None,
) -> np.ndarray:
    block = day.blocks[position]
    mask = block_visible_mask(block.masks, rights, block.rows, block.columns)
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
            any_tag |= _tagged(day, position, tag, flt.by_hand)
        mask &= any_tag
    if flt.is_spam is not None:
        spam = _tagged(day, position, SPAM_TAG, flt.by_hand)
        mask &= spam if flt.is_spam else ~spam
    if cursor is not None:
        at = np.datetime64(cursor.date_time, "us")
        mask &= (when < at) | ((when == at) & (block.ids < cursor.communication_id))
    return mask


def _hidden(rights: EffectiveRights, campaign_id: int) -> bool:
    """Whether no row of the campaign can be visible to the caller, in a table with or
    without an account column."""
    return all(
        visibility.refuses(rights.rule(with_account), visibility.CAMPAIGN, campaign_id)
        for with_account in (True, False)
    )


def _may_hold(block: FileBlock, rights: EffectiveRights, campaign_ids: list[int]) -> bool:
    """Whether any of the campaigns has a row in the file that the caller may see: the
    visible campaigns of a file are kept per visibility rule, so a filter on campaigns of
    another account or agency skips the file without building its masks."""
    column = block.column("campaign_id")
    if column is None:
        return False
    rule = rights.rule("account_id" in block.columns)
    key = ("campaigns", rule)
    present = block.masks.get(key)
    if present is None:
        seen = block_visible_mask(block.masks, rights, block.rows, block.columns)
        if column.nulls is not None:
            seen &= ~column.nulls
        present = frozenset(np.unique(column.values[seen]).tolist())
        if len(block.masks) >= MASKS_PER_BLOCK:
            block.masks.clear()
        block.masks[key] = present
    return any(campaign_id in present for campaign_id in campaign_ids)


def _newest_first(row: dict[str, Any]) -> tuple:
    when = row.get("date_time")
    return (when is not None, when or dt.datetime.min, row["communication_id"])


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
    if flt.campaign_ids and all(_hidden(rights, c) for c in flt.campaign_ids):
        return rows, assignments  # nothing to find: no day needs to be read
    pinned: dict[str, Snapshot | None] = {}
    for day in days:
        if len(rows) >= wanted:
            break
        block = day_block(warehouse, day, columns, pinned)
        if block is None:
            return None
        need = wanted - len(rows)
        found: list[dict[str, Any]] = []
        for position, part in enumerate(block.blocks):
            if flt.campaign_ids and not _may_hold(part, rights, flt.campaign_ids):
                continue
            index = np.flatnonzero(_mask(block, position, rights, flt, cursor))[:need]
            if not len(index):
                continue
            names = [name for name in columns if name in part.columns]
            values = [part.columns[name].take(index) for name in names]
            found += [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
        if len(block.blocks) > 1:  # each file is newest first; the day is their merge
            found.sort(key=_newest_first, reverse=True)
            found = found[:need]
        rows += found
        if found and block.tags:
            assignments.update(block.assignments([r["communication_id"] for r in found]))
    return rows, assignments
