"""System tags: computed from the communication and its site's settings, never from rules.

Each fact has one definition, in ``data.communications``: the tags read it from the
communication's row and never compute it again.

- «Нецелевой»: an answered call that is not target (`is_target` false: talk shorter than the
  site's `target_call_min_duration`). A person can remove or set it like any tag, and that
  change decides the call's target status in the reports too (`analytics.facts`).
- «Повторный»: a repeat contact (`is_repeat`: a target communication of the same type from the
  same contact within the site's `second_communication_period` after an earlier target one).
- «Потерянный»: a lost communication (`is_lost`).
- «спам»: antispam decides it per account (white and black lists, the account's tagging
  switch, the verdicts in effect) and writes `spam_tag_assignments`; its rows for the day are
  taken as they are. Skipped while antispam has not run for the day.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.models.core import Site
from data.config.models.site_history import SiteSettingsVersion
from data.warehouse import Warehouse
from tagging.provenance import ASSIGNMENT_COLUMNS
from tagging.rules import LOST_TAG, NON_TARGET_TAG, REPEAT_TAG, SPAM_TAG
from tagging.text import normalize

SYSTEM_RULES = {
    NON_TARGET_TAG: "non_target",
    REPEAT_TAG: "repeat_contact",
    LOST_TAG: "lost",
    SPAM_TAG: "antispam",
}
SPAM_TAGS_TABLE = "spam_tag_assignments"


def tag_key(name: str) -> str:
    """How tag names compare everywhere (filters, events, system tags): the way all Russian
    text is compared, regardless of case and ё/е («Спам» = «спам»)."""
    return normalize(str(name)).strip()


@dataclass(frozen=True)
class SiteSettings:
    target_call_min_duration: int = 30
    second_communication_period: int = 30
    # earlier versions, (valid_from, settings) oldest first: evidence shows the settings in
    # force at the communication's start, the ones its facts were computed from
    versions: tuple = ()

    def at(self, moment) -> SiteSettings:
        if moment is None or pd.isna(moment):
            return self
        found = self
        for valid_from, version in self.versions:
            if pd.Timestamp(valid_from) <= pd.Timestamp(moment):
                found = version
        return found


DEFAULT_SETTINGS = SiteSettings()


def manual_target(events) -> dict[str, tuple[bool, str]]:
    """A person's last word on «Нецелевой» per communication: ``(is_target, provenance)``.

    Setting «Нецелевой» by hand makes the communication non-target, removing it makes it
    target, whatever ``is_target`` was computed; reports, attribution and the API read this.
    ``events`` are tag events (``communication_id``, ``tag``, ``action``, ``actor``, ``at``)
    in the order they happened."""
    wanted = tag_key(NON_TARGET_TAG)
    decided: dict[str, tuple[bool, str]] = {}
    for event in events:
        if tag_key(event.tag) != wanted or event.action not in ("set", "remove"):
            continue
        how = "set" if event.action == "set" else "removed"
        decided[event.communication_id] = (
            event.action == "remove",
            f"manual: «{NON_TARGET_TAG}» {how} by {event.actor} at {event.at}",
        )
    return decided


def load_manual_target(session: Session) -> dict[str, tuple[bool, str]]:
    """:func:`manual_target` over every tag event in the config store."""
    from data.config.models.tagging import TagEvent

    events = session.scalars(select(TagEvent).order_by(TagEvent.at, TagEvent.id))
    return manual_target(events)


def load_site_settings(session: Session) -> dict[int, SiteSettings]:
    """Each site's settings, with the history of their versions."""
    rows = session.execute(
        select(Site.id, Site.target_call_min_duration, Site.second_communication_period)
    )
    history: dict[int, list] = {}
    for v in session.scalars(
        select(SiteSettingsVersion).order_by(SiteSettingsVersion.valid_from, SiteSettingsVersion.id)
    ):
        version = SiteSettings(v.target_call_min_duration, v.second_communication_period)
        history.setdefault(v.site_id, []).append((v.valid_from, version))
    return {
        site_id: SiteSettings(minimum, period, tuple(history.get(site_id, ())))
        for site_id, minimum, period in rows
    }


def longest_repeat_period(sites: dict[int, SiteSettings]) -> int:
    periods = [s.second_communication_period for s in sites.values()]
    periods += [v.second_communication_period for s in sites.values() for _, v in s.versions]
    return max([DEFAULT_SETTINGS.second_communication_period, *periods])


def load_spam_tags(warehouse: Warehouse, day: dt.date) -> pd.DataFrame | None:
    """Antispam's «спам» assignments of the day; None when antispam has not run for it."""
    if day not in warehouse.partitions(SPAM_TAGS_TABLE):
        return None
    rows = warehouse.read(SPAM_TAGS_TABLE, day, day)
    return rows.reindex(columns=ASSIGNMENT_COLUMNS)


def _row(comm: dict, tag: str, evidence: dict) -> dict:
    return {
        "communication_id": comm["communication_id"],
        "communication_type": comm["communication_type"],
        "tag": tag,
        "source": "system",
        "source_ref": SYSTEM_RULES[tag],
        "probability": 1.0,
        "evidence": json.dumps(evidence, ensure_ascii=False, default=str),
    }


def _flag(value) -> bool:
    return False if value is None or pd.isna(value) else bool(value)


def _settings_of(sites: dict[int, SiteSettings], site_id) -> SiteSettings:
    if site_id is None or pd.isna(site_id):
        return DEFAULT_SETTINGS
    return sites.get(int(site_id), DEFAULT_SETTINGS)


def _number(value):
    return None if value is None or pd.isna(value) else int(value)


def system_tags(
    day: pd.DataFrame,
    sites: dict[int, SiteSettings],
    spam_tags: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Assignment rows of system tags for one day's communications.

    The tags read the communication's own attributes (``is_lost``, ``is_target``,
    ``is_repeat``, computed once by ``data.communications``), so a tag never disagrees with
    the attribute the API filters and the reports count; the site's settings only explain.
    """
    rows: list[dict] = []
    if day.empty:
        return pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    for comm in day.to_dict("records"):
        settings = _settings_of(sites, comm.get("site_id")).at(comm.get("date_time"))
        lost = _flag(comm.get("is_lost"))
        if lost:
            rows.append(_row(comm, LOST_TAG, {"is_lost": True}))
        if comm["communication_type"] == "call" and not lost and not _flag(comm.get("is_target")):
            evidence = {
                "is_target": False,
                "talk_duration": _number(comm.get("talk_duration")),
                "target_call_min_duration": settings.target_call_min_duration,
            }
            rows.append(_row(comm, NON_TARGET_TAG, evidence))
        if _flag(comm.get("is_repeat")):
            evidence = {
                "is_repeat": True,
                "second_communication_period": settings.second_communication_period,
            }
            rows.append(_row(comm, REPEAT_TAG, evidence))
    computed = pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    if spam_tags is None or spam_tags.empty:
        return computed
    spam = spam_tags[spam_tags["communication_id"].isin(set(day["communication_id"]))]
    return pd.concat([computed, spam], ignore_index=True) if not computed.empty else spam
