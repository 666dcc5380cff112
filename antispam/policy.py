"""What happens to a call from a number: per account, a white-listed number is never touched,
a black-listed one is always blocked, and a number the nightly scoring flagged is tagged
«спам» and/or blocked as the account's two switches say.

A call is judged by the lists as they stood at the call's time and by the newest verdicts from
before the call's day (the verdicts a live switch would have used). Blocked calls are written to
``blocked_calls`` with their reason and leave analytics and attribution through
``blocked_call_ids``/``exclude_blocked``; nothing is deleted, so every verdict stays reviewable.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from antispam.phones import UNPARSEABLE, normalize_numbers
from antispam.scoring import VERDICT_TABLE
from data.config.models.antispam import AntispamSettings, SpamListEntry
from data.warehouse import Warehouse
from tagging import rules

# One spelling of the system tag for everyone; tagging.rules.is_system_tag compares names the
# Russian way (case, ё/е).
SPAM_TAG = rules.SPAM_TAG
BLOCKED_TABLE = "blocked_calls"
SPAM_TAGS_TABLE = "spam_tag_assignments"
REASON_BLACKLIST = "blacklist"
REASON_ANTISPAM = "antispam"


BLOCKED_SCHEMA = pa.schema(
    [
        ("communication_id", pa.string()),
        ("account_id", pa.int64()),
        ("contact_phone_number", pa.string()),
        ("date_time", pa.timestamp("us")),
        ("reason", pa.string()),
        ("score", pa.float64()),
        ("model_version", pa.string()),
    ]
)
TAG_SCHEMA = pa.schema(
    [
        ("communication_id", pa.string()),
        ("communication_type", pa.string()),
        ("tag", pa.string()),
        ("source", pa.string()),
        ("source_ref", pa.string()),
        ("probability", pa.float64()),
        ("evidence", pa.string()),
    ]
)


@dataclass
class AccountPolicy:
    account_id: int
    tag_enabled: bool = False
    block_enabled: bool = False
    blacklist: dict[int, dt.datetime] = field(default_factory=dict)  # number -> added at
    whitelist: dict[int, dt.datetime] = field(default_factory=dict)


def load_policies(session: Session) -> dict[int, AccountPolicy]:
    policies: dict[int, AccountPolicy] = {}
    for row in session.scalars(select(AntispamSettings)):
        policies[row.account_id] = AccountPolicy(row.account_id, row.tag_enabled, row.block_enabled)
    for entry in session.scalars(select(SpamListEntry)):
        policy = policies.setdefault(entry.account_id, AccountPolicy(entry.account_id))
        target = policy.blacklist if entry.list_kind == "black" else policy.whitelist
        target[int(entry.number)] = entry.added_at
    return policies


def decide(
    calls: pd.DataFrame, flagged: pd.DataFrame, policies: dict[int, AccountPolicy]
) -> pd.DataFrame:
    """The action for every call.

    ``calls``: communication_id, account_id, contact_phone_number, date_time, and
    ``site_is_active`` where known (a switched-off site's calls are left alone).
    ``flagged``: number (E.164 digits), score, reasons (JSON), model_version — the verdicts in
    effect. Returns the calls with ``caller``, ``whitelisted``, ``blacklisted``, ``flagged``,
    ``tagged``, ``blocked`` and ``reason`` (blacklist, antispam or empty).
    """
    out = calls.copy()
    out["caller"] = normalize_numbers(pa.array(out["contact_phone_number"].astype("string")))
    verdict = flagged.assign(caller=flagged["number"].astype(np.int64)).set_index("caller")
    out["flagged"] = out["caller"].isin(verdict.index) & (out["caller"] != UNPARSEABLE)
    times = pd.to_datetime(out["date_time"])
    lists = [
        _listed(policies, a, c, t)
        for a, c, t in zip(out["account_id"], out["caller"], times, strict=True)
    ]
    out["whitelisted"] = [w for w, _ in lists]
    out["blacklisted"] = [b for _, b in lists]
    tag_on = out["account_id"].map(lambda a: policies.get(a, AccountPolicy(a)).tag_enabled)
    block_on = out["account_id"].map(lambda a: policies.get(a, AccountPolicy(a)).block_enabled)
    spam = out["flagged"] & ~out["whitelisted"]
    # a switched-off site's calls are neither blocked nor tagged, as the cabinet documents
    active = _site_active(out)
    out["blocked"] = (out["blacklisted"] | (spam & block_on.astype(bool))) & active
    out["tagged"] = (spam | out["blacklisted"]) & tag_on.astype(bool) & active
    out["reason"] = np.where(
        out["blocked"] & out["blacklisted"],
        REASON_BLACKLIST,
        np.where(out["blocked"], REASON_ANTISPAM, ""),
    )
    out["score"] = out["caller"].map(verdict["score"]).astype(float)
    out["model_version"] = out["caller"].map(verdict["model_version"])
    out["evidence"] = out["caller"].map(verdict["reasons"]).fillna("[]")
    return out


def _site_active(calls: pd.DataFrame) -> pd.Series:
    """``site_is_active`` of each call (true where unknown)."""
    if "site_is_active" not in calls:
        return pd.Series(True, index=calls.index)
    return calls["site_is_active"].astype(object).where(calls["site_is_active"].notna(), True)


def _listed(policies, account_id, caller, at) -> tuple[bool, bool]:
    policy = policies.get(account_id)
    if policy is None or caller == UNPARSEABLE:
        return False, False
    white = caller in policy.whitelist and policy.whitelist[caller] <= at
    black = caller in policy.blacklist and policy.blacklist[caller] <= at and not white
    return white, black


def blocked_rows(decisions: pd.DataFrame) -> pa.Table:
    rows = decisions[decisions["blocked"]]
    frame = pd.DataFrame(
        {
            "communication_id": rows["communication_id"].astype(str),
            "account_id": rows["account_id"].astype(np.int64),
            "contact_phone_number": rows["caller"].astype(np.int64).astype(str),
            "date_time": pd.to_datetime(rows["date_time"]),
            "reason": rows["reason"].astype(str),
            "score": rows["score"].astype(float),
            "model_version": rows["model_version"].astype(object),
        }
    )
    return pa.Table.from_pandas(frame, schema=BLOCKED_SCHEMA, preserve_index=False)


def tag_rows(decisions: pd.DataFrame) -> pa.Table:
    """Rows in the shape of ``tag_assignments`` for the calls tagged «спам»."""
    rows = decisions[decisions["tagged"]]
    ref = np.where(
        rows["blacklisted"], "antispam@blacklist", "antispam@" + rows["model_version"].astype(str)
    )
    evidence = [
        json.dumps(
            {"reason": REASON_BLACKLIST if b else REASON_ANTISPAM, "why": json.loads(e)},
            ensure_ascii=False,
        )
        for b, e in zip(rows["blacklisted"], rows["evidence"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            "communication_id": rows["communication_id"].astype(str),
            "communication_type": "call",
            "tag": SPAM_TAG,
            "source": "system",
            "source_ref": ref,
            "probability": rows["score"].fillna(1.0).astype(float),
            "evidence": evidence,
        }
    )
    return pa.Table.from_pandas(frame, schema=TAG_SCHEMA, preserve_index=False)


def verdicts_in_effect(warehouse: Warehouse, day: dt.date) -> pd.DataFrame:
    """The flagged numbers of the newest scoring strictly before ``day`` (empty when none)."""
    earlier = [d for d in warehouse.partitions(VERDICT_TABLE) if d < day]
    columns = ["number", "score", "reasons", "model_version"]
    if not earlier:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    latest = earlier[-1]
    return warehouse.read(VERDICT_TABLE, latest, latest, columns=columns, where="is_spam")[columns]


def verdict_history(warehouse: Warehouse, number: str) -> pd.DataFrame:
    """Every verdict on a number (any way of writing it), one row per scoring date."""
    parsed = normalize_numbers(pa.array([number]))[0]
    if parsed == UNPARSEABLE or not warehouse.has_table(VERDICT_TABLE):
        return pd.DataFrame()
    frame = warehouse.read(VERDICT_TABLE, where=f"number = '{parsed}'")
    return frame.sort_values("date", ignore_index=True)


def blocked_call_ids(
    warehouse: Warehouse, start: dt.date | None = None, end: dt.date | None = None
) -> set[str]:
    """Ids (``call:<id>``) of the calls blocked between ``start`` and ``end``."""
    frame = warehouse.read(BLOCKED_TABLE, start, end, columns=["communication_id"])
    return set(frame["communication_id"].astype(str))


def exclude_blocked(
    frame: pd.DataFrame, warehouse: Warehouse, id_column: str = "communication_id"
) -> pd.DataFrame:
    """``frame`` without blocked calls: what analytics and attribution must see."""
    if frame.empty:
        return frame
    blocked = blocked_call_ids(warehouse)
    return frame[~frame[id_column].astype(str).isin(blocked)]
