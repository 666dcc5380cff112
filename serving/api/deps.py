"""Dependencies shared by the routes, as Annotated aliases.

The ones that only read the app's state are coroutines: FastAPI runs a plain function
dependency in a worker thread, which costs more than the lookup itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from data.config.models.access import User
from data.config.store import ConfigStore
from data.settings import Settings
from data.warehouse import Warehouse
from serving.access.rights import EffectiveRights
from serving.config import ApiSettings
from serving.errors import Forbidden, Invalid, Unauthenticated
from serving.readmodel import TagEventCache
from serving.schemas.common import MAX_ID


async def get_store(request: Request) -> ConfigStore:
    return request.app.state.store


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.store.session() as session:
        yield session


# scope="function": the unit of work commits before the response is sent, so a failed commit
# is an error response, never a success the store did not keep.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_warehouse(request: Request) -> Warehouse:
    return request.app.state.warehouse


async def get_api_settings(request: Request) -> ApiSettings:
    return request.app.state.api_settings


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_current_user(request: Request, session: SessionDep) -> User:
    """The caller as a row of the route's own unit of work (loaded only by routes that ask)."""
    user_id = getattr(request.state, "user_id", None)
    if user_id is None:
        raise Forbidden("this route is not behind the rights guard")
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("the API token is unknown, revoked or its user is blocked")
    return user


async def get_tag_events(request: Request) -> TagEventCache:
    return request.app.state.tag_events


async def get_rights(request: Request) -> EffectiveRights:
    rights = getattr(request.state, "rights", None)
    if rights is None:
        raise Forbidden("this route is not behind the rights guard")
    return rights


ACCOUNT_HEADER = "X-Callscope-Account"


async def get_account_id(request: Request) -> int:
    """The account the request acts in: the caller's own; a platform operator names it in the
    ``X-Callscope-Account`` header (full access is never a way across accounts)."""
    rights = await get_rights(request)
    if rights.account_id is not None:
        return rights.account_id
    if not rights.operator:
        raise Forbidden("this caller belongs to no account")
    raw = request.headers.get(ACCOUNT_HEADER, "")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise Invalid(f"{ACCOUNT_HEADER}: platform operators name the account they act in")
    return int(raw)


StoreDep = Annotated[ConfigStore, Depends(get_store)]
WarehouseDep = Annotated[Warehouse, Depends(get_warehouse)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ApiSettingsDep = Annotated[ApiSettings, Depends(get_api_settings)]
CurrentUser = Annotated[User, Depends(get_current_user)]
RightsDep = Annotated[EffectiveRights, Depends(get_rights)]
TagEventsDep = Annotated[TagEventCache, Depends(get_tag_events)]
AccountId = Annotated[int, Depends(get_account_id)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
