"""Notifications: rules that send an e-mail or an HTTP request when an event happens (a call,
a lost call, a recorded call, a lead, a chat, a tag set), filtered by site, campaign and tag.
Guarded by the notifications interface right, and by the rights on the sites and campaigns
a rule names (see ``serving.access.notifications``)."""

from fastapi import APIRouter, status

from serving.access import notifications
from serving.api.deps import CurrentUser, PathId, RightsDep, SessionDep
from serving.api.guard import needs
from serving.schemas.notifications import (
    NotificationBody,
    NotificationPublic,
    NotificationSwitch,
    NotificationVersionPublic,
)

router = APIRouter(prefix="/notifications", tags=["notifications"])
NOTIFICATIONS = "interface:notifications"


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


@router.post(
    "",
    response_model=NotificationPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs(NOTIFICATIONS),
)
def create_notification(
    body: NotificationBody, session: SessionDep, rights: RightsDep, actor: CurrentUser
):
    return _public(*notifications.create(session, rights, body, actor.login))


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
):
    """Opens a new version of the rule; the previous ones stay in its history."""
    payload = body.model_dump(mode="json")
    return _public(*notifications.update(session, rights, notification_id, payload, actor.login))


@router.patch(
    "/{notification_id}", response_model=NotificationPublic, openapi_extra=needs(NOTIFICATIONS)
)
def switch_notification(
    notification_id: PathId,
    body: NotificationSwitch,
    session: SessionDep,
    rights: RightsDep,
    actor: CurrentUser,
):
    """Turns the rule on or off (a new version)."""
    _, current = notifications.get(session, rights, notification_id)
    payload = {**current.payload, "enabled": body.enabled}
    return _public(*notifications.update(session, rights, notification_id, payload, actor.login))


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
