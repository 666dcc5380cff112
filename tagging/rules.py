"""Autotag rules: the JSON of INTERFACES.md §1 as validated models.

Validation errors name the rule and the field (`RuleError`), so a bad rule is rejected as a
whole before anything is applied.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tagging.text import is_break, normalize, words

Op = Literal["contains_all", "not_contains_all", "contains_any", "not_contains_any"]
Speaker = Literal["client", "employee", "any"]
CommunicationType = Literal["call", "chat", "offline_message"]

COMMUNICATION_TYPES: tuple[CommunicationType, ...] = ("call", "chat", "offline_message")
POSITIVE_OPS = frozenset({"contains_all", "contains_any"})
MAX_KEYWORD_WORDS = 12

# System tags are computed, never rule-based (see tagging.system_tags).
NON_TARGET_TAG = "Нецелевой"
REPEAT_TAG = "Повторный"
LOST_TAG = "Потерянный"
SPAM_TAG = "спам"  # as antispam writes it (antispam.policy.SPAM_TAG)
SYSTEM_TAGS = frozenset({NON_TARGET_TAG, REPEAT_TAG, LOST_TAG, SPAM_TAG})
_SYSTEM_TAG_KEYS = frozenset(normalize(tag) for tag in SYSTEM_TAGS)


def is_system_tag(name: str) -> bool:
    """System tag names compare without regard to letter case or ё/е («Спам» = «спам»)."""
    return normalize(name.strip()) in _SYSTEM_TAG_KEYS


class RuleError(ValueError):
    """A rule that cannot be applied: names the rule (or the tag) and the field."""

    def __init__(self, rule_id: str | None, field: str, reason: str, *, tag: str | None = None):
        self.rule_id = rule_id
        self.field = field
        self.reason = reason
        self.tag = tag
        if rule_id is not None:
            self.subject = f"rule {rule_id!r}"
        else:
            self.subject = f"tag {tag!r}" if tag is not None else "rules"
        super().__init__(f"{self.subject}: field {field}: {reason}")


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Op
    keywords: list[str] = Field(min_length=1)

    @field_validator("keywords")
    @classmethod
    def _keywords_have_words(cls, keywords: list[str]) -> list[str]:
        for keyword in keywords:
            count = sum(not is_break(w) for w in words(normalize(keyword)))
            if count == 0:
                raise ValueError(f"keyword {keyword!r} has no words")
            if count > MAX_KEYWORD_WORDS:
                raise ValueError(f"keyword {keyword!r} has more than {MAX_KEYWORD_WORDS} words")
        return keywords


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    enabled: bool = True
    communication_types: list[CommunicationType] = Field(
        default_factory=lambda: list(COMMUNICATION_TYPES), min_length=1
    )
    site_ids: list[int] | None = None
    speaker: Speaker = "any"
    conditions: list[Condition] = Field(min_length=1)


class TagRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tag: str = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)


def _field_path(prefix: str, loc: tuple[Any, ...]) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _first_error(error: ValidationError) -> tuple[tuple[Any, ...], str]:
    first = error.errors()[0]
    message = first["msg"]
    if first["type"] == "literal_error":
        message = f"unknown value {first['input']!r}; {message.lower()}"
    return tuple(first["loc"]), message.removeprefix("Value error, ")


def parse_rule(data: Any, tag: str, field_prefix: str = "rule") -> Rule:
    """One rule of `tag`; raises RuleError naming the rule id and field."""
    rule_id = data.get("id") if isinstance(data, dict) else None
    rule_id = str(rule_id) if rule_id is not None else None
    if not isinstance(data, dict):
        raise RuleError(rule_id, field_prefix, "a rule must be a JSON object", tag=tag)
    try:
        return Rule.model_validate(data)
    except ValidationError as error:
        loc, message = _first_error(error)
        raise RuleError(rule_id, _field_path(field_prefix, loc), message, tag=tag) from None


def parse_tag_rules(data: Any) -> list[TagRules]:
    """The whole RULES.json document: a list of `{tag, rules}`; checks it as a whole."""
    if not isinstance(data, list):
        raise RuleError(None, "$", "the rules document must be a JSON list of tags")
    result: list[TagRules] = []
    seen_ids: dict[str, str] = {}
    for t, item in enumerate(data):
        prefix = f"[{t}]"
        if not isinstance(item, dict):
            raise RuleError(None, prefix, "a tag entry must be a JSON object")
        tag = item.get("tag")
        if not isinstance(tag, str) or not tag.strip():
            raise RuleError(None, f"{prefix}.tag", "a non-empty tag name is required")
        unknown = set(item) - {"tag", "rules"}
        if unknown:
            raise RuleError(None, f"{prefix}.{sorted(unknown)[0]}", "unknown field", tag=tag)
        if is_system_tag(tag):
            raise RuleError(
                None, f"{prefix}.tag", "system tags are computed and cannot get rules", tag=tag
            )
        raw_rules = item.get("rules", [])
        if not isinstance(raw_rules, list):
            raise RuleError(None, f"{prefix}.rules", "rules must be a JSON list", tag=tag)
        rules = [parse_rule(raw, tag, f"{prefix}.rules[{r}]") for r, raw in enumerate(raw_rules)]
        for r, rule in enumerate(rules):
            if rule.id in seen_ids:
                raise RuleError(
                    rule.id,
                    f"{prefix}.rules[{r}].id",
                    f"duplicate rule id (also used by tag {seen_ids[rule.id]!r})",
                    tag=tag,
                )
            seen_ids[rule.id] = tag
        result.append(TagRules(tag=tag.strip(), rules=rules))
    return result


def rule_payload(tag: str, rule: Rule) -> dict[str, Any]:
    """The JSON stored in the config store for one rule version."""
    return {"tag": tag, **rule.model_dump(mode="json")}


def rule_from_payload(payload: dict[str, Any]) -> tuple[str, Rule]:
    data = dict(payload)
    tag = data.pop("tag", None)
    if not isinstance(tag, str) or not tag:
        raise RuleError(data.get("id"), "tag", "stored rule has no tag")
    return tag, parse_rule(data, tag)
