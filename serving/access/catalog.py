"""Sites, campaigns and tags in the config store, always of one account.

Ids of another account's objects answer 404 exactly like ids that do not exist; naming them
in a body answers 422 naming the field. Nothing here writes on a read.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data.config.models.core import Account, Campaign, Site, Tag
from serving.access.rights import UNDELETABLE_CAMPAIGN_TYPES
from serving.errors import Conflict, Invalid, NotFound
from tagging.text import normalize


def default_account_id(session: Session) -> int | None:
    """The lowest account id, or None without accounts. The API never uses it (every route
    answers from the caller's account); batch tools that need "some account" may."""
    return session.scalar(select(func.min(Account.id)))


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"account {account_id} does not exist")
    return account


def get_site(session: Session, site_id: int, account_id: int | None) -> Site:
    """The site of ``account_id`` (any account for None: platform operators' reads)."""
    site = session.get(Site, site_id)
    if site is None or (account_id is not None and site.account_id != account_id):
        raise NotFound(f"site {site_id} does not exist")
    return site


def get_campaign(session: Session, campaign_id: int, account_id: int | None) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or (account_id is not None and campaign.account_id != account_id):
        raise NotFound(f"campaign {campaign_id} does not exist")
    return campaign


def require_own_site(session: Session, site_id: int, account_id: int, field: str) -> Site:
    """A site named in a body: another account's is as unknown as a missing one (422)."""
    site = session.get(Site, site_id)
    if site is None or site.account_id != account_id:
        raise Invalid(f"{field}: site {site_id} is not a site of this account")
    return site


def require_own_campaign(
    session: Session, campaign_id: int, account_id: int, field: str
) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.account_id != account_id:
        raise Invalid(f"{field}: campaign {campaign_id} is not a campaign of this account")
    return campaign


def check_campaign_deletable(campaign: Campaign) -> None:
    if campaign.type in UNDELETABLE_CAMPAIGN_TYPES:
        what = "«Посетители без РК»" if campaign.type == "no_campaign" else "an integrated campaign"
        raise Conflict(f"campaign {campaign.id} is {what} and cannot be deleted")


def check_site_deletable(session: Session, site: Site) -> None:
    if session.scalar(select(func.count()).where(Campaign.site_id == site.id)):
        raise Conflict(f"site {site.id} still has campaigns; delete or move them first")


def _of_account(account_id: int):
    # tags of no account are the platform's system tags, shown to every account
    return or_(Tag.account_id == account_id, Tag.account_id.is_(None))


def account_tags(session: Session, account_id: int) -> list[Tag]:
    return list(session.scalars(select(Tag).where(_of_account(account_id)).order_by(Tag.name)))


def get_tag(session: Session, tag_id: int, account_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None or tag.account_id not in (account_id, None):
        raise NotFound(f"tag {tag_id} does not exist")
    return tag


def check_tag_name_free(
    session: Session, name: str, account_id: int, tag_id: int | None = None
) -> None:
    """Tag names are unique within the account regardless of case and ё/е (SQL lower()
    misses Cyrillic)."""
    wanted = normalize(name).strip()
    query = select(Tag.id, Tag.name).where(_of_account(account_id))
    for existing_id, existing_name in session.execute(query):
        if normalize(existing_name).strip() == wanted and existing_id != tag_id:
            raise Conflict(f"tag {name!r} already exists as {existing_name!r}")


def check_tag_editable(tag: Tag) -> None:
    if tag.is_system or tag.account_id is None:
        raise Conflict(f"tag {tag.name!r} is a system tag and cannot be changed")


def require_known_tag(session: Session, name: str, account_id: int, field: str = "tag") -> Tag:
    """One of the account's tags, matched the way Russian text is (case, ё/е)."""
    wanted = normalize(name).strip()
    for tag in account_tags(session, account_id):
        if normalize(tag.name).strip() == wanted:
            return tag
    raise Invalid(f"{field}: {name!r} is not a tag of this account")
