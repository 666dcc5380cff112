"""Notification rules: which event, under which conditions, to whom and how."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from serving.schemas.common import ConfigId, Timestamp

# The cabinet's events that callscope sees (CoMagic's «Полный список событий»).
EVENTS = (
    "incoming_call",  # Входящий звонок на виртуальный номер
    "lost_call",  # Потерянный звонок
    "call_finished",  # Завершение звонка
    "recorded_call",  # Записанный разговор
    "offline_message",  # Оффлайн заявка
    "missed_chat",  # Пропущенный чат
    "chat_finished",  # Завершение чата
    "tag_set",  # Проставление тега
    "goal",  # Событие (цель)
)
Event = Literal[EVENTS]
MAX_RECIPIENTS = 5  # the cabinet's limit per channel
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")
TEMPLATE_TAG = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}|%[A-Za-z_][A-Za-z0-9_]*%")
Email = Annotated[str, Field(max_length=254, pattern=EMAIL.pattern)]
Phone = Annotated[str, Field(pattern=r"^7[0-9]{10}$", examples=["79161234567"])]


def _json_template_error(template: str) -> str | None:
    """Why a JSON template is not JSON once its parameters are filled in, or None."""
    try:
        json.loads(TEMPLATE_TAG.sub("0", template))
    except ValueError as error:
        return f"the template is not JSON once its parameters are filled in: {error}"
    return None


class EmailChannel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipients: list[Email] = Field(min_length=1, max_length=MAX_RECIPIENTS)
    template: str | None = Field(None, max_length=10_000, description="Text with {{parameters}}.")


class SmsChannel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipients: list[Phone] = Field(min_length=1, max_length=MAX_RECIPIENTS)
    template: str | None = Field(None, max_length=1_000, description="Text with {{parameters}}.")


class HttpChannel(BaseModel):
    """A request to the account's own system (a CRM), with a body template."""

    model_config = ConfigDict(extra="forbid")
    url: AnyHttpUrl
    method: Literal["POST", "GET"] = "POST"
    template: str | None = Field(
        None,
        max_length=10_000,
        description="POST: JSON. GET: JSON starting with «{» or a query string. Parameters as "
        "{{name}}; an unquoted parameter stands for a number.",
    )

    @model_validator(mode="after")
    def _template_fits_method(self) -> HttpChannel:
        template = (self.template or "").strip()
        if not template:
            return self
        if self.method == "POST" or template.startswith("{"):
            if self.method == "POST" and template[0] not in "{[":
                raise ValueError("a POST template must be JSON (starting with «{» or «[»)")
            error = _json_template_error(template)
            if error:
                raise ValueError(error)
        return self


class NotificationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    event: Event
    enabled: bool = True
    site_ids: list[ConfigId] = Field(
        default_factory=list, max_length=500, description="Only events of these sites."
    )
    campaign_ids: list[ConfigId] = Field(
        default_factory=list, max_length=500, description="Only events of these campaigns."
    )
    tags: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=50,
        description="Only communications with one of these tags; for tag_set, the tags whose "
        "setting notifies.",
    )
    email: EmailChannel | None = None
    sms: SmsChannel | None = None
    http: HttpChannel | None = None

    @field_validator("site_ids", "campaign_ids")
    @classmethod
    def _distinct(cls, ids: list[int]) -> list[int]:
        return sorted(set(ids))

    @model_validator(mode="after")
    def _has_a_channel(self) -> NotificationBody:
        if self.email is None and self.sms is None and self.http is None:
            raise ValueError("choose at least one channel: email, sms or http")
        return self


class NotificationSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class NotificationPublic(NotificationBody):
    id: int
    version: int
    valid_from: Timestamp
    created_by: str
    updated_by: str


class NotificationVersionPublic(BaseModel):
    version: int
    valid_from: Timestamp
    valid_to: Timestamp | None = None
    created_by: str
    rule: NotificationBody
