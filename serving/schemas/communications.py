"""Communications: the list row, the detail with transcript, prosody and tag provenance."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from serving.schemas.common import Timestamp


class CommunicationSummary(BaseModel):
    communication_id: str
    communication_type: str
    id: int | None = None
    site_id: int | None = None
    campaign_id: int | None = None
    visitor_id: int | None = None
    date_time: Timestamp
    finish_time: Timestamp | None = None
    duration: float | None = None
    is_lost: bool | None = None
    is_primary: bool | None = None
    is_target: bool | None = None
    is_repeat: bool | None = None
    contact_phone_number: str | None = Field(
        None, description="Masked without the contact-data right."
    )
    virtual_phone_number: str | None = None
    tags: list[str] = Field(default_factory=list)


class Turn(BaseModel):
    speaker: str | None = None
    text: str | None = None
    start: float | None = None
    end: float | None = None


class Transcript(BaseModel):
    status: str | None = None
    error: str | None = None
    rule_id: str | None = None
    recognizer: str | None = None
    is_stereo: bool | None = None
    audio_seconds: float | None = None
    turns: list[Turn] = Field(default_factory=list)
    prosody: Any = None


class TagProvenance(BaseModel):
    tag: str
    source: str = Field(description="autotag, smarttag, system or manual")
    source_ref: str | None = Field(
        None, description="rule id@version, model version, system rule or user"
    )
    probability: float | None = None
    evidence: Any = None
    set_by: str | None = None
    set_at: Timestamp | None = None
    also_from: list[dict[str, Any]] = Field(default_factory=list)


class TagEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    tag: str
    action: str
    actor: str
    at: Timestamp
    removed_source: str | None = None
    removed_source_ref: str | None = None
    comment: str | None = None


class Contact(BaseModel):
    visitor_name: str | None = None
    phone_number: str | None = None
    email: str | None = None


class CommunicationDetail(CommunicationSummary):
    channel: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    employee_ids: list[int] = Field(default_factory=list)
    turns: list[Turn] = Field(default_factory=list, description="Chat messages or the lead's text.")
    transcript: Transcript | None = None
    tag_provenance: list[TagProvenance] = Field(default_factory=list)
    tag_history: list[TagEventPublic] = Field(default_factory=list)
    contact: Contact = Field(default_factory=Contact)
    has_recording: bool = False


class ManualTag(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tag: str = Field(min_length=1, max_length=200, pattern=r"\S")
    comment: str | None = Field(None, max_length=500)
