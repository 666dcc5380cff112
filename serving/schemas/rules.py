"""Autotag and transcription rules as the cabinet edits them (formats of INTERFACES.md)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from serving.schemas.common import Time, Timestamp
from tagging.rules import Rule

RULE_ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,100}$"


class AutotagRules(BaseModel):
    """All rules of one tag; saving replaces them (changed rules get a new version)."""

    model_config = ConfigDict(extra="forbid")
    rules: list[Rule] = Field(max_length=200)


class TagRulesPublic(BaseModel):
    tag: str
    rules: list[dict[str, Any]]


class RuleVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    rule_key: str
    version: int
    valid_from: Timestamp
    valid_to: Timestamp | None
    payload: dict[str, Any]
    created_by: str


class TranscriptionRuleBody(BaseModel):
    """A transcription rule: filters that are null do not restrict; every set one must match."""

    model_config = ConfigDict(extra="forbid")
    virtual_phone_numbers: list[str] | None = Field(None, max_length=1000)
    employee_ids: list[int] | None = Field(None, max_length=10_000)
    employee_group_ids: list[int] | None = Field(None, max_length=10_000)
    site_ids: list[int] | None = Field(None, max_length=10_000)
    campaign_ids: list[int] | None = Field(None, max_length=10_000)
    enabled: bool = True


class TranscriptionRuleSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class HistoryStep(BaseModel):
    from_: Timestamp = Field(alias="from", serialization_alias="from")
    enabled: bool


class TranscriptionRulePublic(TranscriptionRuleBody):
    model_config = ConfigDict(extra="ignore")
    id: str
    history: list[HistoryStep]


class CostPreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date_from: Time
    date_till: Time
    rules: list[TranscriptionRuleBody] | None = Field(
        None,
        max_length=200,
        description="Rules to try instead of the saved ones, as if enabled all along.",
    )


class CostPreview(BaseModel):
    calls: int
    selected_calls: int
    audio_minutes: float
    price_per_minute: float
    cost: float


def public_versions(versions) -> list[RuleVersionPublic]:
    """Stored versions as the account named its rules (without the account's key prefix)."""
    from data.config.rules import plain_id

    return [
        RuleVersionPublic.model_validate(v).model_copy(update={"rule_key": plain_id(v)})
        for v in versions
    ]
