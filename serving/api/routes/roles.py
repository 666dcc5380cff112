"""Roles: rights that apply to every member; changing a role changes them all."""

from fastapi import APIRouter, status
from sqlalchemy import select

from data.config import audit
from data.config.models.access import RightsSet, Role
from serving.access import accounts
from serving.api.deps import AccountId, CurrentUser, PathId, RightsDep, SessionDep
from serving.api.guard import needs
from serving.errors import Conflict
from serving.schemas.rights import RightsSpec
from serving.schemas.users import MemberAssignment, RoleCreate, RolePublic, RoleUpdate

router = APIRouter(prefix="/roles", tags=["roles"])
USERS = "interface:users"


def _unique_name(session, account_id: int, name: str, role_id: PathId | None = None) -> None:
    existing = session.scalar(
        select(Role.id).where(Role.name == name, Role.account_id == account_id)
    )
    if existing is not None and existing != role_id:
        raise Conflict(f"role {name!r} already exists")


@router.get("", response_model=list[RolePublic], openapi_extra=needs(USERS))
def list_roles(session: SessionDep, account_id: AccountId):
    query = select(Role).where(Role.account_id == account_id).order_by(Role.id)
    return session.scalars(query).all()


@router.post(
    "", response_model=RolePublic, status_code=status.HTTP_201_CREATED, openapi_extra=needs(USERS)
)
def create_role(
    body: RoleCreate,
    session: SessionDep,
    actor: CurrentUser,
    rights: RightsDep,
    account_id: AccountId,
):
    _unique_name(session, account_id, body.name)
    if body.rights is not None:
        accounts.check_own_objects(session, body.rights, account_id)
        accounts.check_grantable(body.rights, rights)
    role = Role(
        name=body.name, description=body.description, account_id=account_id, rights_set=RightsSet()
    )
    session.add(role)
    session.flush()
    if body.rights is not None:
        accounts.save_rights(
            session, role.rights_set, body.rights, actor.login, account_id=account_id
        )
    role.members = [
        accounts.get_user(session, uid, account_id) for uid in dict.fromkeys(body.member_ids)
    ]
    audit.record(session, actor.login, "create", "role", role.id, None, {"name": role.name})
    session.flush()
    return role


@router.get("/{role_id}", response_model=RolePublic, openapi_extra=needs(USERS))
def read_role(role_id: PathId, session: SessionDep, account_id: AccountId):
    return accounts.get_role(session, role_id, account_id)


@router.patch("/{role_id}", response_model=RolePublic, openapi_extra=needs(USERS))
def update_role(
    role_id: PathId,
    body: RoleUpdate,
    session: SessionDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    role = accounts.get_role(session, role_id, account_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name"):
        _unique_name(session, account_id, changes["name"], role.id)
    before = {key: getattr(role, key) for key in changes}
    for key, value in changes.items():
        if key == "name" and value is None:
            continue
        setattr(role, key, value)
    audit.record(session, actor.login, "update", "role", role.id, before, changes)
    session.flush()
    return role


@router.delete("/{role_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=needs(USERS))
def delete_role(role_id: PathId, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    role = accounts.get_role(session, role_id, account_id)
    audit.record(session, actor.login, "delete", "role", role.id, {"name": role.name}, None)
    with accounts.keeping_full_access(session, account_id):
        session.delete(role)


@router.get("/{role_id}/rights", response_model=RightsSpec, openapi_extra=needs((USERS, "view")))
def read_role_rights(role_id: PathId, session: SessionDep, account_id: AccountId):
    return accounts.spec_of(accounts.get_role(session, role_id, account_id).rights_set)


@router.put("/{role_id}/rights", response_model=RightsSpec, openapi_extra=needs((USERS, "edit")))
def replace_role_rights(
    role_id: PathId,
    body: RightsSpec,
    session: SessionDep,
    actor: CurrentUser,
    rights: RightsDep,
    account_id: AccountId,
):
    """Replaces the role's rights; every member's effective rights change with it."""
    role = accounts.get_role(session, role_id, account_id)
    accounts.check_own_objects(session, body, account_id)
    accounts.check_grantable(body, rights)
    with accounts.keeping_full_access(session, account_id):
        accounts.save_rights(session, role.rights_set, body, actor.login, account_id=account_id)
    return accounts.spec_of(role.rights_set)


@router.put("/{role_id}/members", response_model=RolePublic, openapi_extra=needs((USERS, "edit")))
def replace_members(
    role_id: PathId,
    body: MemberAssignment,
    session: SessionDep,
    actor: CurrentUser,
    rights: RightsDep,
    account_id: AccountId,
):
    """Makes exactly these users the role's members: adding one gives them the role's
    rights, so the caller must hold those rights."""
    role = accounts.get_role(session, role_id, account_id)
    before = [user.id for user in role.members]
    members = [accounts.get_user(session, uid, account_id) for uid in dict.fromkeys(body.user_ids)]
    if set(u.id for u in members) - set(before):
        accounts.check_grantable(accounts.spec_of(role.rights_set), rights)
    with accounts.keeping_full_access(session, account_id):
        role.members = members
    audit.record(session, actor.login, "update", "role_members", role.id, before, body.user_ids)
    session.flush()
    return role
