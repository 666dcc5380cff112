"""The call platform's telephony events (answer, hold, legs, fax, recording control, …) that
only it sees: posted here, signed with the installation's intake key, and matched against the
rules like every other event. Fields: docs/notifications.md."""

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from data.notifications import catalogue
from data.notifications.outbox import Event, raise_events
from data.notifications.secrets import intake_valid
from serving.api.deps import SettingsDep, StoreDep
from serving.api.guard import needs
from serving.errors import Invalid, Unauthenticated

router = APIRouter(prefix="/notifications/intake", tags=["notifications"])
IntakeEvent = Literal[(*catalogue.INTAKE_EVENTS, "goal")]  # type: ignore[valid-type]  # built from the catalogue at import


class IntakeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: IntakeEvent
    event_id: str = Field(min_length=1, max_length=100, description="The platform's own id.")
    account_id: int = Field(ge=1)
    occurred_at: dt.datetime = Field(description="With an offset, or the account's wall clock.")
    params: dict[str, Any] = Field(default_factory=dict)


class IntakeResult(BaseModel):
    raised: bool
    deliveries: int


def _facts(params: dict) -> dict:
    employee = params.get("employee_id")
    return {
        "communication_type": "call",
        "contact_phone_number": params.get("contact_phone_number"),
        "virtual_phone_number": params.get("virtual_phone_number"),
        "site_id": params.get("site_id"),
        "campaign_id": params.get("campaign_id"),
        "employee_ids": [employee] if employee is not None else [],
        "direction": params.get("direction"),
    }


@router.post(
    "",
    response_model=IntakeResult,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=needs("public"),
)
async def post_event(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    signature: Annotated[
        str | None,
        Header(alias="X-Callscope-Signature", description="sha256=HMAC of the body"),
    ] = None,
):
    """One platform event. Posting the same ``event_id`` again raises nothing."""
    raw = await request.body()
    if not intake_valid(settings, raw, signature):
        raise Unauthenticated("the intake signature is missing or wrong")
    try:
        body = IntakeBody.model_validate_json(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Invalid(f"{where}: {first['msg']}") from None
    known = {p.name for p in catalogue.event(body.event).params}
    unknown = sorted(set(body.params) - known)
    if unknown:
        raise Invalid(f"params: {unknown[0]!r} is not a parameter of {body.event}")
    occurred = body.occurred_at
    if occurred.tzinfo is not None:
        from zoneinfo import ZoneInfo

        occurred = occurred.astimezone(ZoneInfo(settings.timezone)).replace(tzinfo=None)
    event = Event(
        key=f"intake:{body.event}:{body.event_id}",
        event=body.event,
        account_id=body.account_id,
        occurred_at=occurred,
        params={**body.params, "communication_type": "call"},
        facts=_facts(body.params),
    )

    def write():
        with store.session() as session:
            return raise_events(session, settings, [event], source="intake")

    raised = await run_in_threadpool(write)
    return IntakeResult(raised=raised.events == 1, deliveries=raised.deliveries)
