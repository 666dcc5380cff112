"""Data API sources: connect an account's Data API and see how polling goes (integration right).
The token is stored and never answered back; every answer masks it."""

from fastapi import APIRouter, status

from data.live.sources import add_source, describe, list_sources
from serving.api.deps import CurrentUser, RightsDep, SessionDep
from serving.api.guard import needs
from serving.errors import Invalid
from serving.schemas.sources import SourceCreate, SourcePublic

INTEGRATION = "interface:integration"
router = APIRouter(prefix="/sources", tags=["sources"])


@router.get("", response_model=list[SourcePublic], openapi_extra=needs((INTEGRATION, "view")))
def read_sources(session: SessionDep, rights: RightsDep):
    """The caller's account's sources (a platform operator sees every account's)."""
    return list_sources(session, None if rights.account_id is None else [rights.account_id])


@router.post(
    "",
    response_model=SourcePublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs((INTEGRATION, "create")),
)
def create_source(body: SourceCreate, session: SessionDep, actor: CurrentUser, rights: RightsDep):
    """Connects (or reconnects with a new token) the caller's account's Data API."""
    account_id = rights.account_id if rights.account_id is not None else body.account_id
    if account_id is None:
        raise Invalid("account_id: a platform operator names the account")
    if body.account_id not in (None, account_id):
        raise Invalid(f"account_id: account {body.account_id} is not the caller's account")
    source = add_source(session, body.kind, account_id, body.token, body.url, actor.login)
    return {**describe(source), "cursors": {}}
