"""Transcription rules: which calls get transcribed, evaluated as of each call's start time.

A rule filters by virtual numbers, employees, employee groups, sites and ad campaigns; a filter
that is ``None`` does not restrict and every filter that is set must match. A rule has a chain
of versions (``valid_from`` … ``valid_to``), each with its filters and an ``enabled`` flag, so a
call that arrived while the rule was off stays untranscribed even if the rule is on again when
the nightly run starts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FILTER_FIELDS = (
    "virtual_phone_numbers",
    "employee_ids",
    "employee_group_ids",
    "site_ids",
    "campaign_ids",
)
REASON_NO_RULES = "no transcription rule"
REASON_SITE_INACTIVE = "site inactive"
REASON_NO_MATCH = "no rule matches"


class RuleFormatError(ValueError):
    """A rule that cannot be read; ``index`` is its position in the list, ``field`` its path."""

    def __init__(self, index: int, field: str, reason: str):
        self.index, self.field, self.reason = index, field, reason
        super().__init__(f"rule #{index}: field {field}: {reason}")


def parse_time(value: Any) -> dt.datetime:
    """Reads a CoMagic wall-clock time (``YYYY-MM-DD hh:mm:ss``) or passes a datetime through."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        return value.to_pydatetime().replace(tzinfo=None)
    if not isinstance(value, str):
        raise ValueError(f"expected a time 'YYYY-MM-DD hh:mm:ss', got {value!r}")
    try:
        return dt.datetime.strptime(value.strip(), TIME_FORMAT)
    except ValueError:
        raise ValueError(f"expected a time 'YYYY-MM-DD hh:mm:ss', got {value!r}") from None


def normalize_phone(number: Any) -> str:
    """Digits only, with a Russian trunk prefix 8 read as 7: '+7 (495) 123-45-67' → '74951234567'."""
    digits = re.sub(r"\D", "", str(number))
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


@dataclass(frozen=True)
class CallFacts:
    """What the rules look at in a call (CoMagic field names)."""

    id: Any
    start_time: dt.datetime
    virtual_phone_number: str | None = None
    site_id: int | None = None
    campaign_id: int | None = None
    employee_ids: tuple[int, ...] = ()
    employee_group_ids: tuple[int, ...] = ()
    account_id: int | None = None
    site_is_active: bool = True


@dataclass(frozen=True)
class RuleFilters:
    virtual_phone_numbers: frozenset[str] | None = None
    employee_ids: frozenset[int] | None = None
    employee_group_ids: frozenset[int] | None = None
    site_ids: frozenset[int] | None = None
    campaign_ids: frozenset[int] | None = None
    account_id: int | None = None

    def matches(self, call: CallFacts) -> bool:
        if self.account_id is not None and call.account_id != self.account_id:
            return False
        if self.virtual_phone_numbers is not None and (
            call.virtual_phone_number is None
            or normalize_phone(call.virtual_phone_number) not in self.virtual_phone_numbers
        ):
            return False
        if self.site_ids is not None and call.site_id not in self.site_ids:
            return False
        if self.campaign_ids is not None and call.campaign_id not in self.campaign_ids:
            return False
        if self.employee_ids is not None and not self.employee_ids.intersection(call.employee_ids):
            return False
        return self.employee_group_ids is None or bool(
            self.employee_group_ids.intersection(call.employee_group_ids)
        )


@dataclass(frozen=True)
class RuleVersionSpan:
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    enabled: bool
    filters: RuleFilters
    version: int | None = None

    def covers(self, at: dt.datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True)
class TranscriptionRule:
    id: str
    versions: tuple[RuleVersionSpan, ...] = field(default_factory=tuple)

    def version_at(self, at: dt.datetime) -> RuleVersionSpan | None:
        for span in self.versions:
            if span.covers(at):
                return span
        return None

    @property
    def latest(self) -> RuleVersionSpan | None:
        return self.versions[-1] if self.versions else None


@dataclass(frozen=True)
class Decision:
    """Whether a call is transcribed, by which rule, or why not."""

    call_id: Any
    selected: bool
    rule_id: str | None = None
    reason: str | None = None


def select_call(call: CallFacts, rules: Sequence[TranscriptionRule]) -> Decision:
    """The first rule (in order) that is enabled at the call's start time and matches it."""
    if not rules:
        return Decision(call.id, False, reason=REASON_NO_RULES)
    if not call.site_is_active:
        return Decision(call.id, False, reason=REASON_SITE_INACTIVE)
    disabled: list[str] = []
    for rule in rules:
        span = rule.version_at(call.start_time)
        if span is None or not span.filters.matches(call):
            continue
        if span.enabled:
            return Decision(call.id, True, rule_id=rule.id)
        disabled.append(rule.id)
    if disabled:
        names = ", ".join(disabled)
        noun = "rule" if len(disabled) == 1 else "rules"
        return Decision(call.id, False, reason=f"{noun} {names} disabled at call time")
    return Decision(call.id, False, reason=REASON_NO_MATCH)


def select_for_backfill(call: CallFacts, rule: TranscriptionRule) -> bool:
    """An explicit backfill ignores the rule's off-windows: the filters of the version in effect
    at the call's time decide (the latest version for calls before the rule existed)."""
    span = rule.version_at(call.start_time) or rule.latest
    return span is not None and span.filters.matches(call)


# -- reading rules ------------------------------------------------------------------------------
def _int_set(value: Any, index: int, name: str) -> frozenset[int] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise RuleFormatError(index, name, "expected a list or null")
    out = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise RuleFormatError(index, name, f"expected integer ids, got {item!r}")
        try:
            out.add(int(item))
        except ValueError:
            raise RuleFormatError(index, name, f"expected integer ids, got {item!r}") from None
    return frozenset(out)


def parse_filters(
    payload: Mapping[str, Any], index: int, account_id: int | None = None
) -> RuleFilters:
    numbers = payload.get("virtual_phone_numbers")
    if numbers is not None:
        if not isinstance(numbers, list) or not all(isinstance(n, str | int) for n in numbers):
            raise RuleFormatError(
                index, "virtual_phone_numbers", "expected a list of numbers or null"
            )
        numbers = frozenset(normalize_phone(n) for n in numbers)
    return RuleFilters(
        virtual_phone_numbers=numbers,
        employee_ids=_int_set(payload.get("employee_ids"), index, "employee_ids"),
        employee_group_ids=_int_set(payload.get("employee_group_ids"), index, "employee_group_ids"),
        site_ids=_int_set(payload.get("site_ids"), index, "site_ids"),
        campaign_ids=_int_set(payload.get("campaign_ids"), index, "campaign_ids"),
        account_id=account_id if account_id is not None else payload.get("account_id"),
    )


def _rule_id(payload: Mapping[str, Any], index: int) -> str:
    rule_id = payload.get("id")
    if isinstance(rule_id, bool) or not isinstance(rule_id, str | int) or str(rule_id) == "":
        raise RuleFormatError(index, "id", "expected a non-empty string")
    return str(rule_id)


def rule_from_json(payload: Any, index: int = 0) -> TranscriptionRule:
    """One rule in the open format (``history`` of ``{from, enabled}``, filters fixed)."""
    if not isinstance(payload, dict):
        raise RuleFormatError(index, "rule", "expected a JSON object")
    rule_id = _rule_id(payload, index)
    filters = parse_filters(payload, index)
    history = payload.get("history")
    if not isinstance(history, list) or not history:
        raise RuleFormatError(index, "history", "expected a non-empty list of {from, enabled}")
    starts: list[tuple[dt.datetime, bool]] = []
    for pos, step in enumerate(history):
        where = f"history[{pos}]"
        if not isinstance(step, dict):
            raise RuleFormatError(index, where, "expected an object {from, enabled}")
        try:
            start = parse_time(step.get("from"))
        except ValueError as error:
            raise RuleFormatError(index, f"{where}.from", str(error)) from None
        enabled = step.get("enabled")
        if not isinstance(enabled, bool):
            raise RuleFormatError(index, f"{where}.enabled", "expected true or false")
        if starts and start <= starts[-1][0]:
            raise RuleFormatError(
                index, f"{where}.from", "history must be in increasing time order"
            )
        starts.append((start, enabled))
    spans = tuple(
        RuleVersionSpan(
            start, starts[i + 1][0] if i + 1 < len(starts) else None, enabled, filters, i + 1
        )
        for i, (start, enabled) in enumerate(starts)
    )
    return TranscriptionRule(rule_id, spans)


def rules_from_json(payload: Any) -> list[TranscriptionRule]:
    if not isinstance(payload, list):
        raise RuleFormatError(0, "rules", "expected a JSON list of rules")
    rules = [rule_from_json(item, i) for i, item in enumerate(payload)]
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        if rule.id in seen:
            raise RuleFormatError(i, "id", f"duplicate rule id {rule.id!r}")
        seen.add(rule.id)
    return rules


def rules_from_versions(versions: Iterable[Any]) -> list[TranscriptionRule]:
    """Rules from the config store's versions (``data.config.rules``; kind ``transcription``).

    Each version's payload is the open-format rule without ``history`` plus ``enabled``
    (default true). Rules keep the order of their keys, so "the first matching rule" is stable.
    """
    by_key: dict[str, list[Any]] = {}
    for version in versions:
        if getattr(version, "is_deleted", False):
            continue
        by_key.setdefault(str(version.rule_key), []).append(version)
    rules = []
    for index, key in enumerate(sorted(by_key)):
        spans = []
        for version in sorted(by_key[key], key=lambda v: (v.valid_from, v.version)):
            payload = dict(version.payload or {})
            enabled = payload.get("enabled", True)
            if not isinstance(enabled, bool):
                raise RuleFormatError(index, "enabled", f"rule {key}: expected true or false")
            spans.append(
                RuleVersionSpan(
                    valid_from=version.valid_from,
                    valid_to=version.valid_to,
                    enabled=enabled,
                    filters=parse_filters(payload, index, getattr(version, "account_id", None)),
                    version=version.version,
                )
            )
        rules.append(TranscriptionRule(key, tuple(spans)))
    return rules


def rule_to_payloads(rule_json: Mapping[str, Any]) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """Splits an open-format rule into (valid_from, payload) steps for ``data.config.rules``."""
    rule = rule_from_json(dict(rule_json))
    base = {k: rule_json.get(k) for k in ("id", *FILTER_FIELDS)}
    return [(span.valid_from, {**base, "enabled": span.enabled}) for span in rule.versions]


# -- reading calls (open format of the transcribe-select command) --------------------------------
DURATION_FIELDS = ("talk_duration", "total_duration", "duration")


class CallFormatError(ValueError):
    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"field {field}: {reason}")


def _optional_id(obj: Mapping[str, Any], name: str) -> int | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise CallFormatError(name, f"expected an integer or null, got {value!r}")
    return value


def _id_list(obj: Mapping[str, Any], name: str) -> tuple[int, ...]:
    value = obj.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, int) for v in value
    ):
        raise CallFormatError(name, f"expected a list of integers or null, got {value!r}")
    return tuple(value)


def call_from_json(obj: Mapping[str, Any]) -> tuple[CallFacts, float | None]:
    """A call line with CoMagic field names, and its duration in seconds when given."""
    call_id = obj.get("id")
    if call_id is None or isinstance(call_id, bool) or not isinstance(call_id, int | str):
        raise CallFormatError("id", "expected an integer or string id")
    if "start_time" not in obj:
        raise CallFormatError("start_time", "missing")
    try:
        start = parse_time(obj["start_time"])
    except ValueError as error:
        raise CallFormatError("start_time", str(error)) from None
    number = obj.get("virtual_phone_number")
    if number is not None and (isinstance(number, bool) or not isinstance(number, str | int)):
        raise CallFormatError("virtual_phone_number", f"expected a phone number, got {number!r}")
    duration = None
    for name in DURATION_FIELDS:
        value = obj.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise CallFormatError(name, f"expected a non-negative number of seconds, got {value!r}")
        duration = float(value)
        break
    facts = CallFacts(
        id=call_id,
        start_time=start,
        virtual_phone_number=None if number is None else str(number),
        site_id=_optional_id(obj, "site_id"),
        campaign_id=_optional_id(obj, "campaign_id"),
        employee_ids=_id_list(obj, "employee_ids"),
        employee_group_ids=_id_list(obj, "employee_group_ids"),
        account_id=_optional_id(obj, "account_id"),
    )
    return facts, duration
