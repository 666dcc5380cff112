"""Users, their API tokens, rights (own, copied) and roles; the CSV export of users and rights."""

from fastapi import APIRouter, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from data.config import audit
from data.config.models.access import User
from serving.access import accounts
from serving.api.csv_export import CSV_RESPONSE, csv_response
from serving.api.deps import AccountId, CurrentUser, PathId, RightsDep, SessionDep
from serving.api.guard import needs
from serving.errors import Conflict, Forbidden
from serving.schemas.rights import CopyRights, RightsSpec
from serving.schemas.users import (
    Me,
    RoleAssignment,
    TokenCreate,
    TokenIssued,
    UserCreate,
    UserCreated,
    UserPublic,
    UserUpdate,
)

router = APIRouter(tags=["users"])
USERS = "interface:users"


@router.get("/me", response_model=Me, openapi_extra=needs("authenticated"))
def read_me(user: CurrentUser, rights: RightsDep):
    """The caller and their effective rights (own rights united with their roles')."""
    return Me(user=UserPublic.model_validate(user), rights=accounts.effective_spec(rights))


@router.get("/users", response_model=list[UserPublic], openapi_extra=needs(USERS))
def list_users(session: SessionDep, account_id: AccountId):
    query = select(User).where(User.account_id == account_id).order_by(User.id)
    return session.scalars(query).all()


@router.get(
    "/users/export.csv",
    response_class=StreamingResponse,
    responses=CSV_RESPONSE,
    openapi_extra=needs((USERS, "view")),
)
def export_users(session: SessionDep, account_id: AccountId):
    """The account's users and every rights row they hold, own and from roles, as CSV."""
    rows = accounts.export_rows(session, account_id)
    return csv_response(rows, accounts.EXPORT_COLUMNS, "users-rights.csv")


@router.post(
    "/users",
    response_model=UserCreated,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs(USERS),
)
def create_user(
    body: UserCreate,
    session: SessionDep,
    actor: CurrentUser,
    rights: RightsDep,
    account_id: AccountId,
):
    """Creates a user of the caller's account and returns their first API token, shown only
    this once. Nobody grants rights they do not hold (403)."""
    if body.rights is not None:
        accounts.check_own_objects(session, body.rights, account_id)
        accounts.check_grantable(body.rights, rights)
    user = accounts.create_user(
        session, body.login, actor.login, body.email, body.full_name, account_id=account_id
    )
    if body.rights is not None:
        accounts.save_rights(
            session, user.rights_set, body.rights, actor.login, account_id=account_id
        )
    if body.role_ids:
        accounts.assign_roles(session, user, body.role_ids, actor.login, granter=rights)
    token = accounts.issue_token(session, user, "created")
    session.refresh(user)
    return UserCreated(**UserPublic.model_validate(user).model_dump(), token=token)


@router.get("/users/{user_id}", response_model=UserPublic, openapi_extra=needs(USERS))
def read_user(user_id: PathId, session: SessionDep, account_id: AccountId):
    return accounts.get_user(session, user_id, account_id)


@router.patch("/users/{user_id}", response_model=UserPublic, openapi_extra=needs(USERS))
def update_user(
    user_id: PathId,
    body: UserUpdate,
    session: SessionDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    """Changes a user; blocking (``is_active: false``) revokes their tokens, so unblocking
    brings none back: the user needs a new one."""
    user = accounts.get_user(session, user_id, account_id)
    changes = body.model_dump(exclude_unset=True)
    before = {key: getattr(user, key) for key in changes}
    with accounts.keeping_full_access(session, account_id):
        for key, value in changes.items():
            if key == "is_active" and value is None:
                continue
            setattr(user, key, value)
        if changes.get("is_active") is False:
            accounts.revoke_tokens(session, user)
    audit.record(session, actor.login, "update", "user", user.id, before, changes)
    session.flush()
    return user


@router.delete(
    "/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=needs(USERS)
)
def delete_user(user_id: PathId, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    user = accounts.get_user(session, user_id, account_id)
    if user.id == actor.id:
        raise Conflict("a user cannot delete themselves")
    audit.record(session, actor.login, "delete", "user", user.id, {"login": user.login}, None)
    with accounts.keeping_full_access(session, account_id):
        session.delete(user)


@router.post(
    "/users/{user_id}/tokens",
    response_model=TokenIssued,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs((USERS, "edit")),
)
def issue_token(
    user_id: PathId,
    body: TokenCreate,
    session: SessionDep,
    actor: CurrentUser,
    rights: RightsDep,
    account_id: AccountId,
):
    """A new API token for the user, shown only this once. A token is for the user it
    belongs to: only they (or a platform operator) may issue it (403 otherwise)."""
    user = accounts.get_user(session, user_id, account_id)
    if user.id != actor.id and not rights.operator:
        raise Forbidden("a token is issued only to its own user (or by a platform operator)")
    token = accounts.issue_token(session, user, body.label)
    audit.record(session, actor.login, "issue_token", "user", user.id, None, {"label": body.label})
    return TokenIssued(token=token)


@router.delete(
    "/users/{user_id}/tokens",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=needs((USERS, "edit")),
)
def revoke_tokens(user_id: PathId, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    user = accounts.get_user(session, user_id, account_id)
    revoked = accounts.revoke_tokens(session, user)
    audit.record(session, actor.login, "revoke_tokens", "user", user.id, None, {"revoked": revoked})


@router.get(
    "/users/{user_id}/rights", response_model=RightsSpec, openapi_extra=needs((USERS, "view"))
)
def read_rights(user_id: PathId, session: SessionDep, account_id: AccountId):
    """The user's own rights (roles add theirs on top; see /me for the effective ones)."""
    return accounts.spec_of(accounts.get_user(session, user_id, account_id).rights_set)


@router.put(
    "/users/{user_id}/rights", response_model=RightsSpec, openapi_extra=needs((USERS, "edit"))
)
def replace_rights(
    user_id: PathId,
    body: RightsSpec,
    session: SessionDep,
    actor: CurrentUser,
    rights: RightsDep,
    account_id: AccountId,
):
    """Replaces the user's own rights. Nobody grants rights they do not hold, and the
    account's last full-access user keeps full access (403 either way)."""
    user = accounts.get_user(session, user_id, account_id)
    accounts.check_own_objects(session, body, account_id)
    accounts.check_grantable(body, rights)
    with accounts.keeping_full_access(session, account_id):
        accounts.save_rights(session, user.rights_set, body, actor.login, account_id=account_id)
    return accounts.spec_of(user.rights_set)


@router.post(
    "/users/{user_id}/rights/copy",
    response_model=RightsSpec,
    openapi_extra=needs((USERS, "edit")),
)
def copy_rights(
    user_id: PathId,
    body: CopyRights,
    session: SessionDep,
    actor: CurrentUser,
    rights: RightsDep,
    account_id: AccountId,
):
    """Gives the user the same rights as another user, additional rights included."""
    target = accounts.get_user(session, user_id, account_id)
    source = accounts.get_user(session, body.from_user_id, account_id)
    accounts.check_grantable(accounts.copyable_spec(session, source), rights)
    with accounts.keeping_full_access(session, account_id):
        accounts.copy_rights(session, source, target, actor.login)
    return accounts.spec_of(target.rights_set)


@router.put(
    "/users/{user_id}/roles", response_model=UserPublic, openapi_extra=needs((USERS, "edit"))
)
def assign_roles(
    user_id: PathId,
    body: RoleAssignment,
    session: SessionDep,
    actor: CurrentUser,
    rights: RightsDep,
    account_id: AccountId,
):
    user = accounts.get_user(session, user_id, account_id)
    with accounts.keeping_full_access(session, account_id):
        accounts.assign_roles(session, user, body.role_ids, actor.login, granter=rights)
    return user
