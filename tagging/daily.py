"""One day's tagging over the warehouse and the config store (what the pipeline runs)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.config.store import ConfigStore
from data.warehouse import Warehouse
from tagging.autotag import DayTagging, tag_day
from tagging.rule_store import RuleTimeline
from tagging.system_tags import load_site_settings, load_spam_tags

TABLE = "tag_assignments"


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def load_timeline(
    store: ConfigStore, day: dt.date, rules_as_of: dt.datetime | None
) -> RuleTimeline:
    with store.session() as session:
        if rules_as_of is not None:
            return RuleTimeline.as_of(session, rules_as_of)
        # a communication of the day may end after midnight
        start = _day_start(day)
        return RuleTimeline.between(session, start, start + dt.timedelta(days=2))


def tag_partition(
    warehouse: Warehouse,
    store: ConfigStore,
    day: dt.date,
    rules_as_of: dt.datetime | None = None,
    write: bool = True,
) -> DayTagging:
    """Tags one day and replaces its `tag_assignments` partition.

    By default each communication gets the rule versions in effect when it ended; with
    `rules_as_of` (a re-tag backfill) every communication gets the rules of that moment.
    """
    communications = warehouse.read("communications", day, day)
    transcripts = (
        warehouse.read("transcripts", day, day) if warehouse.has_table("transcripts") else None
    )
    result = tag_communications(
        store, day, communications, transcripts, load_spam_tags(warehouse, day), rules_as_of
    )
    if write:
        warehouse.write_partition(TABLE, day, result.assignments)
    return result


def tag_communications(
    store: ConfigStore,
    day: dt.date,
    communications: pd.DataFrame,
    transcripts: pd.DataFrame | None,
    spam_tags: pd.DataFrame | None,
    rules_as_of: dt.datetime | None = None,
) -> DayTagging:
    """Tags some of one day's communications (the whole day, or a live micro-batch). Repeat,
    target and lost come with each communication's row (``data.communications``)."""
    timeline = load_timeline(store, day, rules_as_of)
    with store.session() as session:
        sites = load_site_settings(session)
    result = tag_day(
        communications,
        transcripts,
        timeline.matcher_at,
        sites=sites,
        spam_tags=spam_tags,
    )
    result.stats["rule_versions"] = len(timeline.rules)
    return result
