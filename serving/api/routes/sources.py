"""Data API sources: connect an account's Data API and see how polling goes (integration right).
The token is stored and never answered back; every answer masks it."""

from fastapi import APIRouter, status

from data.live.sources import add_source, describe, list_sources
from serving.access import catalog
from serving.api.deps import CurrentUser, SessionDep
from serving.api.guard import needs
from serving.schemas.sources import SourceCreate, SourcePublic

INTEGRATION = "interface:integration"
router = APIRouter(prefix="/sources", tags=["sources"])


@router.get("", response_model=list[SourcePublic], openapi_extra=needs((INTEGRATION, "view")))
def read_sources(session: SessionDep):
    return list_sources(session)


@router.post(
    "",
    response_model=SourcePublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs((INTEGRATION, "create")),
)
def create_source(body: SourceCreate, session: SessionDep, actor: CurrentUser):
    """Connects (or reconnects with a new token) an account's Data API."""
    account_id = body.account_id or catalog.default_account_id(session)
    source = add_source(session, body.kind, account_id, body.token, body.url, actor.login)
    return {**describe(source), "cursors": {}}
