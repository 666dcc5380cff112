"""Notifications: rules that send an e-mail, an SMS or an HTTP request when an event happens
(a call, a lost call, a recorded call, a lead, a chat, a tag set, …), filtered by site,
campaign, tag, condition groups and an activity schedule; their parameter catalogue, preview,
test send and delivery log. Guarded by the notifications interface right, and by the rights on
the sites and campaigns a rule names (see ``serving.access.notifications``)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.concurrency import run_in_threadpool

from data.notifications import catalogue, outbox
from data.notifications.delivery import Policy, deliver_due
from serving.access import notifications
from serving.api.deps import (
    CurrentUser,
    PathId,
    RightsDep,
    SessionDep,
    SettingsDep,
    StoreDep,
)
from serving.api.guard import needs
from serving.errors import NotFound
from serving.schemas.notifications import (
    DeliveryPublic,
    EventPublic,
    NotificationBody,
    NotificationPublic,
    NotificationSwitch,
    NotificationVersionPublic,
    ParamPublic,
    PreviewPublic,
    TestSendPublic,
)

router = APIRouter(prefix="/notifications", tags=["notifications"])
NOTIFICATIONS = "interface:notifications"
VIEW = (NOTIFICATIONS, "view")


def _event_public(spec: catalogue.Event) -> EventPublic:
    return EventPublic(
        event=spec.name,
        title=spec.title,
        source=spec.source,
        required=list(spec.requires),
        params=[
            ParamPublic(name=p.name, type=p.type, title=p.title, sample=p.sample)
            for p in spec.params
        ],
    )


def _delivery_public(delivery, event) -> DeliveryPublic:
    return DeliveryPublic(
        id=delivery.id,
        event=event.event,
        event_key=event.key,
        channel=delivery.channel,
        recipient=delivery.recipient,
        status=delivery.status,
        attempts=delivery.attempts,
        response_code=delivery.response_code,
        reason=delivery.reason,
        created_at=delivery.created_at,
        finished_at=delivery.finished_at,
        next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
    )


def _public(notification, version) -> NotificationPublic:
    return NotificationPublic(
        **version.payload,
        id=notification.id,
        version=version.version,
        valid_from=version.valid_from,
        created_by=notification.created_by,
        updated_by=version.created_by,
    )


@router.get("", response_model=list[NotificationPublic], openapi_extra=needs(NOTIFICATIONS))
def list_notifications(session: SessionDep, rights: RightsDep):
    """The rules whose sites and campaigns the caller may all see."""
    return [_public(n, v) for n, v in notifications.listing(session, rights)]


@router.get("/catalogue", response_model=list[EventPublic], openapi_extra=needs(VIEW))
def list_events():
    """Every event a rule can follow with its parameters (name, type, title, sample): the
    cabinet's hints after «{{» or «%»."""
    return [_event_public(spec) for spec in catalogue.EVENTS.values()]


@router.get("/catalogue/{event}", response_model=EventPublic, openapi_extra=needs(VIEW))
def read_event(event: str):
    spec = catalogue.EVENTS.get(event)
    if spec is None:
        raise NotFound(f"event {event} does not exist")
    return _event_public(spec)


@router.post(
    "",
    response_model=NotificationPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs(NOTIFICATIONS),
)
def create_notification(
    body: NotificationBody,
    session: SessionDep,
    rights: RightsDep,
    actor: CurrentUser,
    settings: SettingsDep,
):
    allow = settings.notifications_allow_private_hosts
    return _public(*notifications.create(session, rights, body, actor.login, allow))


@router.get(
    "/{notification_id}", response_model=NotificationPublic, openapi_extra=needs(NOTIFICATIONS)
)
def read_notification(notification_id: PathId, session: SessionDep, rights: RightsDep):
    return _public(*notifications.get(session, rights, notification_id))


@router.put(
    "/{notification_id}", response_model=NotificationPublic, openapi_extra=needs(NOTIFICATIONS)
)
def replace_notification(
    notification_id: PathId,
    body: NotificationBody,
    session: SessionDep,
    rights: RightsDep,
    actor: CurrentUser,
    settings: SettingsDep,
):
    """Opens a new version of the rule; the previous ones stay in its history."""
    payload = body.model_dump(mode="json")
    allow = settings.notifications_allow_private_hosts
    return _public(
        *notifications.update(session, rights, notification_id, payload, actor.login, allow)
    )


@router.patch(
    "/{notification_id}", response_model=NotificationPublic, openapi_extra=needs(NOTIFICATIONS)
)
def switch_notification(
    notification_id: PathId,
    body: NotificationSwitch,
    session: SessionDep,
    rights: RightsDep,
    actor: CurrentUser,
    settings: SettingsDep,
):
    """Turns the rule on or off (a new version)."""
    _, current = notifications.get(session, rights, notification_id)
    payload = {**current.payload, "enabled": body.enabled}
    allow = settings.notifications_allow_private_hosts
    return _public(
        *notifications.update(session, rights, notification_id, payload, actor.login, allow)
    )


@router.delete(
    "/{notification_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=needs(NOTIFICATIONS),
)
def delete_notification(
    notification_id: PathId, session: SessionDep, rights: RightsDep, actor: CurrentUser
):
    notifications.delete(session, rights, notification_id, actor.login)


@router.get(
    "/{notification_id}/history",
    response_model=list[NotificationVersionPublic],
    openapi_extra=needs(NOTIFICATIONS),
)
def notification_history(notification_id: PathId, session: SessionDep, rights: RightsDep):
    return [
        NotificationVersionPublic(
            version=v.version,
            valid_from=v.valid_from,
            valid_to=v.valid_to,
            created_by=v.created_by,
            rule=NotificationBody.model_validate(v.payload),
        )
        for v in notifications.history(session, rights, notification_id)
    ]


@router.post("/{notification_id}/preview", response_model=PreviewPublic, openapi_extra=needs(VIEW))
def preview_notification(notification_id: PathId, session: SessionDep, rights: RightsDep):
    """The rule's messages filled with sample data; a GET request's query shown decoded."""
    _, current = notifications.get(session, rights, notification_id)
    return PreviewPublic(**outbox.preview(current.payload))


@router.post(
    "/{notification_id}/test",
    response_model=TestSendPublic,
    openapi_extra=needs((NOTIFICATIONS, "edit")),
)
async def test_notification(
    notification_id: PathId,
    store: StoreDep,
    rights: RightsDep,
    settings: SettingsDep,
):
    """Sends the rule's messages filled with sample data to its addresses now (one attempt
    each, through the same outbox and worker code as real events)."""

    def queue() -> list[int]:
        with store.session() as session:
            rule, current = notifications.get(session, rights, notification_id)
            rows = outbox.raise_test(session, settings, rule, current.payload, current.version)
            return [row.id for row in rows]

    def send(ids: list[int]) -> list:
        deliver_due(store, Policy.from_settings(settings), only=ids, worker="test-send")
        with store.session() as session:
            return notifications.deliveries(session, rights, notification_id, limit=len(ids))

    ids = await run_in_threadpool(queue)
    rows = await run_in_threadpool(send, ids)
    return TestSendPublic(deliveries=[_delivery_public(d, e) for d, e in reversed(rows)])


@router.get(
    "/{notification_id}/deliveries",
    response_model=list[DeliveryPublic],
    openapi_extra=needs(VIEW),
)
def notification_deliveries(
    notification_id: PathId,
    session: SessionDep,
    rights: RightsDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    status: Annotated[Literal["pending", "sending", "delivered", "failed"] | None, Query()] = None,
):
    """The rule's delivery log, newest first: when, to whom, status, attempts, response."""
    rows = notifications.deliveries(session, rights, notification_id, limit, status)
    return [_delivery_public(d, e) for d, e in rows]
