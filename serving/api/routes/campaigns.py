"""Campaigns; integrated campaigns and «Посетители без РК» can never be deleted."""

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from data.config import audit
from data.config.models.core import Campaign
from serving.access import catalog
from serving.access.rights import UNDELETABLE_CAMPAIGN_TYPES, EffectiveRights
from serving.api.deps import AccountId, CurrentUser, PathId, RightsDep, SessionDep
from serving.api.guard import check, needs
from serving.schemas.catalog import CampaignCreate, CampaignPublic, CampaignUpdate
from serving.schemas.common import MAX_ID

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


def _public(campaign: Campaign, rights: EffectiveRights) -> CampaignPublic:
    deletable = campaign.type not in UNDELETABLE_CAMPAIGN_TYPES and rights.can(
        "campaign", "delete", campaign.id
    )
    return CampaignPublic.model_validate(campaign).model_copy(update={"deletable": deletable})


@router.get("", response_model=list[CampaignPublic], openapi_extra=needs("authenticated"))
def list_campaigns(
    session: SessionDep,
    rights: RightsDep,
    account_id: AccountId,
    site_id: int | None = Query(None, ge=1, le=MAX_ID),
):
    query = select(Campaign).where(Campaign.account_id == account_id).order_by(Campaign.id)
    if site_id is not None:
        query = query.where(Campaign.site_id == site_id)
    return [
        _public(c, rights) for c in session.scalars(query) if rights.can("campaign", "view", c.id)
    ]


@router.post(
    "",
    response_model=CampaignPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs("authenticated"),
)
def create_campaign(
    body: CampaignCreate,
    session: SessionDep,
    rights: RightsDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    """Creates a manual campaign on a site; needs the create right on that site."""
    site = catalog.require_own_site(session, body.site_id, account_id, "site_id")
    check(rights, "site", "create", body.site_id)
    campaign = Campaign(account_id=site.account_id, type="manual", **body.model_dump())
    session.add(campaign)
    session.flush()
    audit.record(session, actor.login, "create", "campaign", campaign.id, None, body.model_dump())
    session.refresh(campaign)
    return _public(campaign, rights)


@router.get(
    "/{campaign_id}",
    response_model=CampaignPublic,
    openapi_extra=needs(("campaign", "view", "campaign_id")),
)
def read_campaign(
    campaign_id: PathId, session: SessionDep, rights: RightsDep, account_id: AccountId
):
    return _public(catalog.get_campaign(session, campaign_id, account_id), rights)


@router.patch(
    "/{campaign_id}",
    response_model=CampaignPublic,
    openapi_extra=needs(("campaign", "edit", "campaign_id")),
)
def update_campaign(
    campaign_id: PathId,
    body: CampaignUpdate,
    session: SessionDep,
    rights: RightsDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    campaign = catalog.get_campaign(session, campaign_id, account_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    before = {key: getattr(campaign, key) for key in changes}
    for key, value in changes.items():
        setattr(campaign, key, value)
    audit.record(session, actor.login, "update", "campaign", campaign.id, before, changes)
    session.flush()
    return _public(campaign, rights)


@router.delete(
    "/{campaign_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=needs(("campaign", "delete", "campaign_id")),
)
def delete_campaign(
    campaign_id: PathId, session: SessionDep, actor: CurrentUser, account_id: AccountId
):
    campaign = catalog.get_campaign(session, campaign_id, account_id)
    catalog.check_campaign_deletable(campaign)
    audit.record(
        session, actor.login, "delete", "campaign", campaign.id, {"name": campaign.name}, None
    )
    session.delete(campaign)
    session.flush()
