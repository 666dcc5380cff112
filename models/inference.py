"""Applying SmartTag models to communications: the day's recognized calls of every account whose
model is switched on get tags with their source (the model version) and probability."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from models.tagger import SmartTagger
from models.text import document_from_turns

COLUMNS = [
    "communication_id",
    "communication_type",
    "tag",
    "source",
    "source_ref",
    "probability",
    "evidence",
]


@lru_cache(maxsize=16)
def load_model(path: str) -> SmartTagger:
    """Each model directory is loaded once per worker process."""
    return SmartTagger.load(path)


def _json(value):
    if isinstance(value, str):
        try:
            return json.loads(value) if value else None
        except json.JSONDecodeError:
            return None
    return value


@dataclass
class TaggingStats:
    calls: int = 0
    empty: int = 0
    tags_set: int = 0
    unknown_tags: dict[str, int] = field(default_factory=dict)
    per_account: dict[int, int] = field(default_factory=dict)


def tag_calls(
    calls: pd.DataFrame,
    model: SmartTagger,
    source_ref: str,
    known_tags: Iterable[str] | None = None,
    stats: TaggingStats | None = None,
) -> pd.DataFrame:
    """Tags calls (columns communication_id, communication_type, turns, prosody).

    Empty transcripts get no tags. A tag the account no longer has (`known_tags`) is not written
    and is counted in `stats.unknown_tags`.
    """
    stats = stats or TaggingStats()
    if calls.empty:
        return pd.DataFrame(columns=COLUMNS)
    documents = [
        document_from_turns(_json(turns), _json(prosody))
        for turns, prosody in zip(
            calls["turns"], calls.get("prosody", [None] * len(calls)), strict=True
        )
    ]
    stats.calls += len(documents)
    stats.empty += sum(d.is_empty for d in documents)
    proba = model.predict_proba(documents)
    decided = model.decide(proba)
    known = set(known_tags) if known_tags is not None else None
    rows = []
    ids, types = calls["communication_id"].tolist(), calls["communication_type"].tolist()
    for row, col in zip(*np.nonzero(decided), strict=True):
        tag = str(model.classes_[col])
        if known is not None and tag not in known:
            stats.unknown_tags[tag] = stats.unknown_tags.get(tag, 0) + 1
            continue
        rows.append(
            {
                "communication_id": ids[row],
                "communication_type": types[row],
                "tag": tag,
                "source": "smarttag",
                "source_ref": source_ref,
                "probability": round(float(proba[row, col]), 4),
                "evidence": json.dumps(
                    {"model": source_ref, "threshold": round(float(model.thresholds_[col]), 3)}
                    if not model.single_label_
                    else {"model": source_ref},
                    ensure_ascii=False,
                ),
            }
        )
    stats.tags_set += len(rows)
    return pd.DataFrame(rows, columns=COLUMNS)


def account_tags(session, account_ids: Iterable[int]) -> dict[int, set[str]]:
    """The tags each account has in the cabinet (None-free: accounts without tags map to {})."""
    from sqlalchemy import select

    from data.config.models.core import Tag

    out: dict[int, set[str]] = {a: set() for a in account_ids}
    for account_id, name in session.execute(
        select(Tag.account_id, Tag.name).where(Tag.account_id.in_(list(out)))
    ):
        out[account_id].add(name)
    return out


def inactive_site_ids(warehouse, day) -> set[str]:
    """Communications of the day whose site is switched off: SmartTag leaves them alone."""
    if day not in warehouse.partitions("communications"):
        return set()
    frame = warehouse.read("communications", day, day)
    if "site_is_active" not in frame:
        return set()
    return set(frame.loc[frame["site_is_active"].eq(False), "communication_id"])


def smarttag_day(warehouse, store, day) -> tuple[pd.DataFrame, TaggingStats]:
    """SmartTag assignments for one day's recognized calls of the accounts whose model is on."""
    from models.registry import enabled_models
    from models.workflow import recognized_calls

    with store.session() as session:
        models = enabled_models(session)
        tags = account_tags(session, models)
    stats = TaggingStats()
    calls = recognized_calls(warehouse, list(models), day, day)
    calls = calls[~calls["communication_id"].isin(inactive_site_ids(warehouse, day))]
    return tag_recognized(calls, models, tags, stats), stats


def tag_recognized(
    calls: pd.DataFrame,
    models: dict[int, tuple[str, str]],
    tags: dict[int, set[str]],
    stats: TaggingStats,
) -> pd.DataFrame:
    """SmartTag rows for recognized calls (communication_id, communication_type, account_id,
    turns, prosody) of the accounts in ``models`` (account → model directory, version ref)."""
    frames = []
    for account_id, (path, ref) in sorted(models.items()):
        mine = calls[calls["account_id"] == account_id]
        if mine.empty:
            continue
        # an account that keeps no tag list in the store accepts every tag its model knows
        known = tags.get(account_id) or None
        frame = tag_calls(mine, load_model(path), ref, known, stats)
        stats.per_account[account_id] = len(frame)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
