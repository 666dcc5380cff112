"""Autotag rules in the config store: saving a tag's rules as new versions, and the timeline
of versions a day's run evaluates (each communication by the rules in effect when it ended)."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config import rules as versioned
from data.config.models.core import RuleVersion, Tag
from tagging.lemmas import Lemmatizer, get_lemmatizer
from tagging.matcher import ActiveRule, RuleMatcher
from tagging.rules import (
    RuleError,
    TagRules,
    is_system_tag,
    parse_tag_rules,
    rule_from_payload,
    rule_payload,
)

KIND = "autotag"


def _is_system_tag(session: Session, tag: str, account_id: int | None) -> bool:
    if is_system_tag(tag):
        return True
    query = select(Tag.is_system).where(Tag.name == tag)
    if account_id is not None:
        query = query.where((Tag.account_id == account_id) | Tag.account_id.is_(None))
    return any(session.scalars(query))


def save_tag_rules(
    session: Session,
    tag_rules: TagRules,
    actor: str,
    valid_from: dt.datetime | None = None,
    account_id: int | None = None,
) -> list[RuleVersion]:
    """Makes `tag_rules` the tag's rules from `valid_from` on (default now).

    Changed rules get a new version, unchanged ones keep theirs, rules no longer listed are
    closed. Every change is audited by the config store.
    """
    valid_from = valid_from or dt.datetime.now().replace(microsecond=0)
    if _is_system_tag(session, tag_rules.tag, account_id):
        raise RuleError(
            None, "tag", "system tags are computed and cannot get rules", tag=tag_rules.tag
        )
    # an account's rules are its own: keyed by account, and only its rules are replaced
    current = {v.rule_key: v for v in versioned.current_rules(session, KIND, account_id)}
    for rule in tag_rules.rules:
        owner = current.get(versioned.account_key(account_id, rule.id))
        if owner is not None and owner.payload.get("tag") != tag_rules.tag:
            raise RuleError(rule.id, "id", f"rule id is used by tag {owner.payload.get('tag')!r}")
    written = []
    for rule in tag_rules.rules:
        payload = rule_payload(tag_rules.tag, rule)
        key = versioned.account_key(account_id, rule.id)
        existing = current.get(key)
        if existing is not None and existing.payload == payload:
            continue
        written.append(
            versioned.put_rule(session, KIND, key, payload, actor, valid_from, account_id)
        )
    listed = {versioned.account_key(account_id, rule.id) for rule in tag_rules.rules}
    for key, version in current.items():
        if version.payload.get("tag") == tag_rules.tag and key not in listed:
            versioned.delete_rule(session, KIND, key, actor, valid_from)
    return written


def import_rules(
    session: Session,
    document: Any,
    actor: str,
    valid_from: dt.datetime | None = None,
    account_id: int | None = None,
) -> list[RuleVersion]:
    """Validates a whole RULES.json document first, then saves every tag's rules."""
    parsed = parse_tag_rules(document)
    written: list[RuleVersion] = []
    for tag_rules in parsed:
        written.extend(save_tag_rules(session, tag_rules, actor, valid_from, account_id))
    return written


def active_rule(version: RuleVersion) -> ActiveRule:
    try:
        tag, rule = rule_from_payload(version.payload)
    except RuleError as error:
        raise RuleError(
            version.rule_key, error.field, f"stored version {version.version}: {error.reason}"
        ) from None
    return ActiveRule(tag=tag, rule=rule, version=version.version, account_id=version.account_id)


class RuleTimeline:
    """Rule versions over a period; `matcher_at(t)` compiles each distinct rule set once."""

    def __init__(self, versions: Iterable[RuleVersion], lemmatizer: Lemmatizer | None = None):
        self.lemmatizer = lemmatizer or get_lemmatizer()
        self._versions = [
            (v.valid_from, v.valid_to, active_rule(v))
            for v in sorted(versions, key=lambda v: (v.payload.get("tag", ""), v.rule_key))
        ]
        changes = {start for start, _, _ in self._versions}
        changes |= {end for _, end, _ in self._versions if end is not None}
        self._changes = sorted(changes)
        self._matchers: dict[int, RuleMatcher] = {}

    @classmethod
    def between(cls, session: Session, start: dt.datetime, end: dt.datetime) -> RuleTimeline:
        return cls(versioned.versions_between(session, KIND, start, end))

    @classmethod
    def as_of(cls, session: Session, at: dt.datetime) -> RuleTimeline:
        """A single rule set (today's rules for a re-tag backfill), applied at any time."""
        timeline = cls(versioned.rules_as_of(session, KIND, at))
        timeline._versions = [(dt.datetime.min, None, rule) for _, _, rule in timeline._versions]
        timeline._changes = []
        return timeline

    @property
    def rules(self) -> list[ActiveRule]:
        return [rule for _, _, rule in self._versions]

    def matcher_at(self, at: dt.datetime) -> RuleMatcher:
        interval = bisect.bisect_right(self._changes, at)
        matcher = self._matchers.get(interval)
        if matcher is None:
            active = [
                rule
                for start, end, rule in self._versions
                if start <= at and (end is None or at < end)
            ]
            matcher = self._matchers[interval] = RuleMatcher(active, self.lemmatizer)
        return matcher
