"""Notification rules: which event, under which conditions, to whom and how."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from data.notifications import catalogue, conditions, templates
from serving.schemas.common import ConfigId, Timestamp

# The cabinet's full list of events (data events and the platform's telephony events) and
# callscope's own; see data.notifications.catalogue.
EVENTS = tuple(catalogue.EVENTS)
Event = Literal[EVENTS]  # type: ignore[valid-type]  # the literal is the catalogue's, built at import
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


class Condition(BaseModel):
    """One condition of a group: the field includes (or, with ``exclude``, must not match) one
    of ``values``. Phone numbers: ``equals`` or ``starts_with``; durations: ``at_least`` or
    ``at_most`` (seconds, one value); everything else: ``equals``."""

    model_config = ConfigDict(extra="forbid")
    field: Literal[tuple(conditions.FIELDS)]  # type: ignore[valid-type]  # built from the fields at import
    operator: Literal["equals", "starts_with", "at_least", "at_most"] = "equals"
    values: list[int | float | Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=100
    )
    exclude: bool = False

    @model_validator(mode="after")
    def _operator_fits_field(self) -> Condition:
        kind, operators = conditions.FIELDS[self.field]
        if self.operator not in operators:
            raise ValueError(
                f"{self.field} takes the operators {', '.join(operators)}, not {self.operator}"
            )
        for value in self.values:
            if kind in ("id", "number") and isinstance(value, str):
                try:
                    float(value)
                except ValueError:
                    raise ValueError(f"{self.field} compares numbers, not {value!r}") from None
            if kind == "phone" and not conditions.digits(value):
                raise ValueError(f"{self.field}: {value!r} has no digits")
        return self


HOUR_MINUTE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"


class ScheduleWindow(BaseModel):
    """Active on ``days`` (1 = Monday … 7 = Sunday) from ``start`` to ``end`` in the account's
    time zone; an end before the start runs past midnight."""

    model_config = ConfigDict(extra="forbid")
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5, 6, 7], min_length=1, max_length=7
    )
    start: str = Field("00:00", pattern=HOUR_MINUTE)
    end: str = Field("24:00", pattern=HOUR_MINUTE)


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
    condition_groups: list[Annotated[list[Condition], Field(min_length=1, max_length=20)]] = Field(
        default_factory=list,
        max_length=20,
        description="Every condition of a group holds, and any group holding is enough.",
    )
    schedule: list[ScheduleWindow] | None = Field(
        None,
        max_length=20,
        description="When the rule is active; events outside it are not sent (nor queued).",
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

    @model_validator(mode="after")
    def _templates_fill(self) -> NotificationBody:
        """Every parameter a template names is one the event fills; a recorded-call rule's
        templates carry {{file_link}} (the default templates do)."""
        spec = catalogue.event(self.event)
        known = {p.name for p in spec.params}
        for name, channel in (("email", self.email), ("sms", self.sms), ("http", self.http)):
            if channel is None or not channel.template:
                continue
            used = templates.names(channel.template)
            unknown = [p for p in used if p not in known]
            if unknown:
                raise ValueError(
                    f"{name}.template: unknown parameter {unknown[0]!r} for the event "
                    f"{self.event} (see GET /api/v1/notifications/catalogue/{self.event})"
                )
            for required in spec.requires:
                if required not in used:
                    raise ValueError(
                        f"{name}.template: a {self.event} notification must use {{{{{required}}}}}"
                    )
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


class ParamPublic(BaseModel):
    name: str
    type: str
    title: str
    sample: object


class EventPublic(BaseModel):
    event: str
    title: str
    source: Literal["data", "intake"]
    required: list[str]
    params: list[ParamPublic]


class PreviewPublic(BaseModel):
    """Each channel's message filled with sample data; a GET request's query decoded."""

    http: dict | None = None
    email: list[dict] = Field(default_factory=list)
    sms: list[dict] = Field(default_factory=list)


class DeliveryPublic(BaseModel):
    id: int
    event: str
    event_key: str
    channel: str
    recipient: str
    status: str
    attempts: int
    response_code: int | None = None
    reason: str | None = None
    created_at: Timestamp
    finished_at: Timestamp | None = None
    next_attempt_at: Timestamp | None = None


class TestSendPublic(BaseModel):
    deliveries: list[DeliveryPublic]
