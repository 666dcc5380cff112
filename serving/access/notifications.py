"""Notification rules in the config store: versioned, audited, and shown only to callers who
may see every site and campaign a rule names.

A notification hands out a stream of communications, so it needs what reading them needs: a
rule that names sites or campaigns is visible to (and changeable by) callers who see each of
them; a rule that names none covers the whole account and needs a caller who sees every
campaign, like an account-wide report. Another caller gets 404 for it, as for any object of
another agency; naming a site or campaign one cannot see is refused like an unknown one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from data.config import audit
from data.config.models.core import Campaign, Site, Tag
from data.config.models.notifications import Notification, NotificationVersion
from data.config.models.notifications_outbox import NotificationDelivery, NotificationEvent
from data.notifications import hosts
from serving.access.rights import EffectiveRights
from serving.errors import Forbidden, Invalid, NotFound
from serving.schemas.notifications import NotificationBody
from tagging.text import normalize

ENTITY = "notification"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _of_account(rights: EffectiveRights):
    """Notifications of the caller's account (every account's for platform operators)."""
    if rights.account_id is None:
        return true()
    return Notification.account_id == rights.account_id


def visible(rights: EffectiveRights, payload: dict) -> bool:
    sites, campaigns = payload.get("site_ids") or [], payload.get("campaign_ids") or []
    if not sites and not campaigns:
        return rights.sees_every_campaign()
    return all(rights.can("site", "view", s) for s in sites) and all(
        rights.can("campaign", "view", c) for c in campaigns
    )


def _checked(  # noqa: C901 - one check per part of the body, read top to bottom
    session: Session, rights: EffectiveRights, body: NotificationBody, allow_private: bool
) -> dict:
    """The payload to store: named sites, campaigns and tags exist and may be seen; tag names
    are the account's own spelling (matched regardless of case and ё/е); the HTTP receiver is
    a public host unless the installation allows private ones."""
    if body.http is not None:
        try:
            hosts.check_saved(str(body.http.url), allow_private)
        except hosts.RefusedHost as error:
            raise Invalid(f"http.url: {error}") from None
    for site_id in body.site_ids:
        if session.get(Site, site_id) is None or not rights.can("site", "view", site_id):
            raise Invalid(f"site_ids: site {site_id} does not exist")
    for campaign_id in body.campaign_ids:
        if session.get(Campaign, campaign_id) is None or not rights.can(
            "campaign", "view", campaign_id
        ):
            raise Invalid(f"campaign_ids: campaign {campaign_id} does not exist")
    if not body.site_ids and not body.campaign_ids and not rights.sees_every_campaign():
        raise Forbidden(
            "a notification without sites or campaigns covers the whole account, including "
            "campaigns you may not see; name your sites or campaigns"
        )
    names = select(Tag.name)
    if rights.account_id is not None:
        names = names.where(or_(Tag.account_id == rights.account_id, Tag.account_id.is_(None)))
    known = {normalize(name).strip(): name for name in session.scalars(names)}
    tags = []
    for tag in body.tags:
        name = known.get(normalize(tag).strip())
        if name is None:
            raise Invalid(f"tags: {tag!r} is not a tag of this account")
        if name not in tags:
            tags.append(name)
    if body.event == "tag_set" and not tags:
        raise Invalid("tags: a tag_set notification needs the tags whose setting notifies")
    return {**body.model_dump(mode="json"), "tags": tags}


def _current(session: Session, notification_id: int) -> NotificationVersion | None:
    return session.scalar(
        select(NotificationVersion).where(
            NotificationVersion.notification_id == notification_id,
            NotificationVersion.valid_to.is_(None),
        )
    )


def get(session: Session, rights: EffectiveRights, notification_id: int):
    """(rule, its open version); 404 when it does not exist, is deleted or is not visible."""
    notification = session.get(Notification, notification_id)
    current = _current(session, notification_id) if notification is not None else None
    if (
        notification is None
        or current is None
        or notification.deleted_at is not None
        or (rights.account_id is not None and notification.account_id != rights.account_id)
        or not visible(rights, current.payload)
    ):
        raise NotFound(f"notification {notification_id} does not exist")
    return notification, current


def listing(session: Session, rights: EffectiveRights):
    rows = session.execute(
        select(Notification, NotificationVersion)
        .join(NotificationVersion, NotificationVersion.notification_id == Notification.id)
        .where(
            Notification.deleted_at.is_(None),
            NotificationVersion.valid_to.is_(None),
            _of_account(rights),
        )
        .order_by(Notification.id)
    ).all()
    return [(n, v) for n, v in rows if visible(rights, v.payload)]


def create(
    session: Session,
    rights: EffectiveRights,
    body: NotificationBody,
    actor: str,
    allow_private: bool = False,
):
    if rights.account_id is None:
        raise Forbidden("a notification belongs to an account: create it as one of its users")
    payload = _checked(session, rights, body, allow_private)
    notification = Notification(account_id=rights.account_id, created_by=actor)
    session.add(notification)
    session.flush()
    version = NotificationVersion(
        notification_id=notification.id,
        version=1,
        valid_from=_now(),
        payload=payload,
        created_by=actor,
    )
    session.add(version)
    audit.record(session, actor, "create", ENTITY, notification.id, None, payload)
    session.flush()
    return notification, version


def update(
    session: Session,
    rights: EffectiveRights,
    notification_id: int,
    payload: dict,
    actor: str,
    allow_private: bool = False,
):
    """Closes the open version and opens the next one with ``payload`` (checked again)."""
    notification, current = get(session, rights, notification_id)
    checked = _checked(session, rights, NotificationBody.model_validate(payload), allow_private)
    if checked == current.payload:
        return notification, current
    now = max(_now(), current.valid_from)
    current.valid_to = now
    version = NotificationVersion(
        notification_id=notification.id,
        version=current.version + 1,
        valid_from=now,
        payload=checked,
        created_by=actor,
    )
    session.add(version)
    audit.record(session, actor, "update", ENTITY, notification.id, current.payload, checked)
    session.flush()
    return notification, version


def delete(session: Session, rights: EffectiveRights, notification_id: int, actor: str) -> None:
    notification, current = get(session, rights, notification_id)
    now = max(_now(), current.valid_from)
    current.valid_to = now
    notification.deleted_at = now
    audit.record(session, actor, "delete", ENTITY, notification.id, current.payload, None)
    session.flush()


def history(session: Session, rights: EffectiveRights, notification_id: int):
    get(session, rights, notification_id)
    return list(
        session.scalars(
            select(NotificationVersion)
            .where(NotificationVersion.notification_id == notification_id)
            .order_by(NotificationVersion.version)
        )
    )


def deliveries(
    session: Session,
    rights: EffectiveRights,
    notification_id: int,
    limit: int = 100,
    status: str | None = None,
):
    """The rule's delivery log, newest first: (delivery, event) pairs."""
    get(session, rights, notification_id)
    query = (
        select(NotificationDelivery, NotificationEvent)
        .join(NotificationEvent, NotificationEvent.id == NotificationDelivery.event_id)
        .where(NotificationDelivery.notification_id == notification_id)
    )
    if status is not None:
        query = query.where(NotificationDelivery.status == status)
    return session.execute(query.order_by(NotificationDelivery.id.desc()).limit(limit)).all()
