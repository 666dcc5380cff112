"""Sites and their settings; each user sees the sites their rights allow."""

from fastapi import APIRouter, status
from sqlalchemy import select

from data.config import audit
from data.config.models.core import Site
from data.config.models.site_history import SiteSettingsVersion
from serving.access import catalog
from serving.api.deps import AccountId, CurrentUser, PathId, RightsDep, SessionDep
from serving.api.guard import needs
from serving.schemas.catalog import (
    SiteCreate,
    SitePublic,
    SiteSettingsVersionPublic,
    SiteUpdate,
)

router = APIRouter(prefix="/sites", tags=["sites"])


@router.get("", response_model=list[SitePublic], openapi_extra=needs("authenticated"))
def list_sites(session: SessionDep, rights: RightsDep, account_id: AccountId):
    query = select(Site).where(Site.account_id == account_id).order_by(Site.id)
    sites = session.scalars(query).all()
    return [site for site in sites if rights.can("site", "view", site.id)]


@router.post(
    "",
    response_model=SitePublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs(("new_sites", "create")),
)
def create_site(body: SiteCreate, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    catalog.get_account(session, account_id)
    site = Site(account_id=account_id, **body.model_dump(exclude_none=True))
    session.add(site)
    session.flush()
    audit.record(
        session, actor.login, "create", "site", site.id, None, body.model_dump(mode="json")
    )
    session.refresh(site)
    return site


@router.get(
    "/{site_id}", response_model=SitePublic, openapi_extra=needs(("site", "view", "site_id"))
)
def read_site(site_id: PathId, session: SessionDep, account_id: AccountId):
    return catalog.get_site(session, site_id, account_id)


@router.get(
    "/{site_id}/settings-history",
    response_model=list[SiteSettingsVersionPublic],
    openapi_extra=needs(("site", "view", "site_id")),
)
def read_settings_history(site_id: PathId, session: SessionDep, account_id: AccountId):
    """Every version of the site's settings, oldest first."""
    catalog.get_site(session, site_id, account_id)
    query = (
        select(SiteSettingsVersion)
        .where(SiteSettingsVersion.site_id == site_id)
        .order_by(SiteSettingsVersion.valid_from, SiteSettingsVersion.id)
    )
    return session.scalars(query).all()


@router.patch(
    "/{site_id}", response_model=SitePublic, openapi_extra=needs(("site", "edit", "site_id"))
)
def update_site(
    site_id: PathId,
    body: SiteUpdate,
    session: SessionDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    """Changes the site's settings; fields left out keep their values. A change of the
    settings that decide facts starts a new version of them, in force from now on
    (``data.config.models.site_history``)."""
    site = catalog.get_site(session, site_id, account_id)
    session.info["actor"] = actor.login  # the version's audit record names who changed it
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    before = {key: getattr(site, key) for key in changes}
    for key, value in changes.items():
        setattr(site, key, value)
    audit.record(session, actor.login, "update", "site", site.id, before, changes)
    session.flush()
    return site


@router.delete(
    "/{site_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=needs(("site", "delete", "site_id")),
)
def delete_site(site_id: PathId, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    site = catalog.get_site(session, site_id, account_id)
    catalog.check_site_deletable(session, site)
    audit.record(
        session, actor.login, "delete", "site", site.id, {"domain_name": site.domain_name}, None
    )
    session.delete(site)
    session.flush()
