"""Sites, campaigns and tags in the config store."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.config.models.core import Account, Campaign, Site, Tag
from serving.access.rights import UNDELETABLE_CAMPAIGN_TYPES
from serving.errors import Conflict, Invalid, NotFound
from tagging.text import normalize


def default_account_id(session: Session) -> int:
    account_id = session.scalar(select(func.min(Account.id)))
    if account_id is None:
        account = Account(name="default")
        session.add(account)
        session.flush()
        account_id = account.id
    return account_id


def get_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"site {site_id} does not exist")
    return site


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} does not exist")
    return campaign


def check_campaign_deletable(campaign: Campaign) -> None:
    if campaign.type in UNDELETABLE_CAMPAIGN_TYPES:
        what = "«Посетители без РК»" if campaign.type == "no_campaign" else "an integrated campaign"
        raise Conflict(f"campaign {campaign.id} is {what} and cannot be deleted")


def check_site_deletable(session: Session, site: Site) -> None:
    if session.scalar(select(func.count()).where(Campaign.site_id == site.id)):
        raise Conflict(f"site {site.id} still has campaigns; delete or move them first")


def get_tag(session: Session, tag_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise NotFound(f"tag {tag_id} does not exist")
    return tag


def check_tag_name_free(session: Session, name: str, tag_id: int | None = None) -> None:
    """Tag names are unique regardless of case and ё/е (SQL lower() misses Cyrillic)."""
    wanted = normalize(name).strip()
    for existing_id, existing_name in session.execute(select(Tag.id, Tag.name)):
        if normalize(existing_name).strip() == wanted and existing_id != tag_id:
            raise Conflict(f"tag {name!r} already exists as {existing_name!r}")


def check_tag_editable(tag: Tag) -> None:
    if tag.is_system:
        raise Conflict(f"tag {tag.name!r} is a system tag and cannot be changed")


def require_known_tag(session: Session, name: str) -> Tag:
    tag = session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        raise Invalid(f"tag: {name!r} is not a tag of this account")
    return tag
