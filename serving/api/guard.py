"""The one place where rights are enforced.

Every route under /api/v1 declares what it needs with :func:`needs` (kept in its OpenAPI entry
as ``x-rights``); the router-wide dependency :func:`enforce_rights` authenticates the caller,
resolves their effective rights and checks each declared need before the handler runs. A route
that declares nothing is refused, and a test walks every route to assert each one declares.
Object checks answer 404 when the caller may not even see the object, so ids of other agencies'
sites, campaigns and communications cannot be probed, and 403 when they see it but may not act.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from serving.access import accounts
from serving.access.rights import Action, EffectiveRights
from serving.api.deps import WarehouseDep
from serving.errors import Forbidden, NotFound, Unauthenticated
from serving.readmodel import communications

RIGHTS_KEY = "x-rights"
PUBLIC = "public"
AUTHENTICATED = "authenticated"
OBJECT_SCOPES = ("site", "campaign")
METHOD_ACTIONS: dict[str, Action] = {
    "GET": "view",
    "HEAD": "view",
    "POST": "create",
    "PUT": "edit",
    "PATCH": "edit",
    "DELETE": "delete",
}

bearer = HTTPBearer(auto_error=False, description="An API token from `callscope users create`.")


def needs(*requirements: str | tuple[str, ...]) -> dict[str, Any]:
    """``openapi_extra`` for a route. Each requirement is a scope name, or a tuple
    ``(scope, action)`` / ``(scope, action, path_param)``; the action defaults to the method's.

    Scopes: ``public``, ``authenticated``, ``site``, ``campaign``, ``communication`` (visible to
    the caller), ``interface:<name>``, ``new_sites``, ``new_campaigns``, ``recordings``,
    ``contact_data``, ``tags``."""
    declared = []
    for item in requirements:
        scope, action, param = (
            (item, None, None) if isinstance(item, str) else (*item, None, None)[:3]
        )
        declared.append({"scope": scope, "action": action, "param": param})
    return {RIGHTS_KEY: declared}


def document_public_routes(spec: dict[str, Any]) -> dict[str, Any]:
    """Marks public operations as needing no token (``security: []``) in the OpenAPI spec."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if any(n.get("scope") == PUBLIC for n in operation.get(RIGHTS_KEY, [])):
                operation["security"] = []
    return spec


def check(rights: EffectiveRights, scope: str, action: Action, object_id: Any = None) -> None:
    """Raises unless ``rights`` allow ``action`` on ``scope`` (and object)."""
    if scope in OBJECT_SCOPES:
        if not rights.can(scope, "view", object_id):
            raise NotFound(f"{scope} {object_id} does not exist")
        if not rights.can(scope, action, object_id):
            raise Forbidden(f"no right to {action} {scope} {object_id}")
        return
    if scope.startswith("interface:"):
        name = scope.split(":", 1)[1]
        if not rights.can("interface", action, name):
            raise Forbidden(f"no right to {action} in the {name} interface")
        return
    if not rights.can(scope, action):
        raise Forbidden(f"no right to {action} {scope.replace('_', ' ')}")


def _object_id(request: Request, param: str) -> int | str | None:
    raw = request.path_params.get(param)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None  # the route's own validation answers 422


def _declared(request: Request) -> list[dict[str, Any]]:
    route = request.scope.get("route")
    extra = getattr(route, "openapi_extra", None) or {}
    declared = extra.get(RIGHTS_KEY)
    if not declared:
        raise Forbidden("this route declares no rights and is closed")
    return declared


def authenticate(session: Session, credentials: HTTPAuthorizationCredentials | None):
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthenticated("a bearer API token is required")
    user = accounts.authenticate(session, credentials.credentials)
    if user is None:
        raise Unauthenticated(
            "the API token is unknown or revoked, or its user is blocked, deleted or of a switched-off account"
        )
    return user


def _from_store(request: Request, credentials: HTTPAuthorizationCredentials):
    cache = request.app.state.rights_cache
    version = cache.version()
    with request.app.state.store.session() as session:
        user = authenticate(session, credentials)
        rights = accounts.effective_rights(session, user)
        user_id = user.id
    cache.put(accounts.hash_token(credentials.credentials), version, user_id, rights)
    return user_id, rights


async def _caller(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> tuple[int, EffectiveRights]:
    """(user id, effective rights) of the token: from the per-token cache while no access data
    changed since, else from the config store (in a worker thread)."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthenticated("a bearer API token is required")
    cache = request.app.state.rights_cache
    if cache.access.due():  # the store's access version, read at most every check_seconds
        await run_in_threadpool(cache.access.refresh)
    entry = cache.get(accounts.hash_token(credentials.credentials))
    if entry is not None:
        return entry.user_id, entry.rights
    return await run_in_threadpool(_from_store, request, credentials)


async def enforce_rights(
    request: Request,
    warehouse: WarehouseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    # A coroutine: the common case (rights cached, no object to look up) is a few dictionary
    # reads, cheaper than a hop to a worker thread; the store and the warehouse are read in one.
    declared = _declared(request)
    if any(need["scope"] == PUBLIC for need in declared):
        return
    user_id, rights = await _caller(request, credentials)
    request.state.user_id, request.state.rights = user_id, rights
    for need in declared:
        scope = need["scope"]
        action = need["action"] or METHOD_ACTIONS.get(request.method, "view")
        if scope == AUTHENTICATED:
            continue
        if scope == "communication":
            communication_id = str(request.path_params.get(need["param"] or "communication_id"))
            if not communications.ID_PATTERN.fullmatch(communication_id):
                continue  # the route's own validation answers 422
            located = await run_in_threadpool(communications.locate, warehouse, communication_id)
            if located is None or not rights.sees(*located):
                raise NotFound(f"communication {communication_id} does not exist")
            continue
        object_id = _object_id(request, need["param"]) if need["param"] else None
        if scope in OBJECT_SCOPES and object_id is None:
            continue
        check(rights, scope, action, object_id)
