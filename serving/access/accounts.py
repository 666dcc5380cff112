"""Users, API tokens, roles and rights sets in the config store."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config import audit
from data.config.models.access import AccessRight, ApiToken, RightsSet, Role, User
from data.config.models.core import Campaign, Site
from serving.access import rights_cache  # noqa: F401  (drops cached rights on every change)
from serving.access.rights import (
    NO_RIGHTS,
    UNDELETABLE_CAMPAIGN_TYPES,
    EffectiveRights,
    Perm,
    RightsSetData,
    perm_of,
)
from serving.errors import Conflict, Invalid, NotFound
from serving.schemas.rights import CampaignRight, RightsSpec, SiteRight
from serving.schemas.users import LOGIN_PATTERN

SINGLE_ROWS = ("new_sites", "new_campaigns", "recordings", "contact_data", "tags")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, label: str = "") -> str:
    """Creates a token for ``user``; the caller shows it once, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), label=label))
    session.flush()
    return token


def authenticate(session: Session, token: str) -> User | None:
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def revoke_tokens(session: Session, user: User) -> int:
    now = dt.datetime.now().replace(microsecond=0)
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def create_user(
    session: Session,
    login: str,
    actor: str,
    email: str | None = None,
    full_name: str | None = None,
    full_access: bool = False,
) -> User:
    if not re.fullmatch(LOGIN_PATTERN, login or ""):
        raise Invalid(f"login: {login!r} must be 1-100 letters, digits or _ . @ -")
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise Conflict(f"user {login!r} already exists")
    user = User(
        login=login,
        email=email,
        full_name=full_name,
        is_active=True,
        rights_set=RightsSet(full_access=full_access),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, None, {"login": login})
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def get_role(session: Session, role_id: int) -> Role:
    role = session.get(Role, role_id)
    if role is None:
        raise NotFound(f"role {role_id} does not exist")
    return role


def rights_data(rights_set: RightsSet) -> RightsSetData:
    return _holder(
        rights_set.full_access,
        [
            (r.scope, r.object_key, r.can_view, r.can_edit, r.can_create, r.can_delete)
            for r in rights_set.rows
        ],
    )


def effective_rights(session: Session, user: User) -> EffectiveRights:
    """The user's own rights united with their roles' (two small queries, no ORM objects)."""
    set_ids = [user.rights_set_id, *session.scalars(_role_set_ids(user.id))]
    found = session.execute(
        select(RightsSet.id, RightsSet.full_access).where(RightsSet.id.in_(set_ids))
    )
    full = {set_id: full_access for set_id, full_access in found}
    rows: dict[int, list] = {set_id: [] for set_id in full}
    query = select(
        AccessRight.rights_set_id,
        AccessRight.scope,
        AccessRight.object_key,
        AccessRight.can_view,
        AccessRight.can_edit,
        AccessRight.can_create,
        AccessRight.can_delete,
    ).where(AccessRight.rights_set_id.in_(set_ids))
    for set_id, *row in session.execute(query):
        rows[set_id].append(row)
    return EffectiveRights.combine([_holder(full[i], rows[i]) for i in full])


def _holder(full_access: bool, rows) -> RightsSetData:
    sites, campaigns, interfaces, single = {}, {}, {}, {}
    for scope, key, view, edit, create, delete in rows:
        perm = perm_of(view, edit, create, delete)
        if scope == "site":
            sites[int(key)] = perm
        elif scope == "campaign":
            campaigns[int(key)] = perm
        elif scope == "interface":
            interfaces[key] = perm
        else:
            single[scope] = perm
    return RightsSetData(
        full_access=full_access,
        sites=sites,
        campaigns=campaigns,
        interfaces=interfaces,
        **{name: single.get(name, NO_RIGHTS) for name in SINGLE_ROWS},
    )


def _role_set_ids(user_id: int):
    from data.config.models.access import RoleMember

    return (
        select(Role.rights_set_id)
        .join(RoleMember, RoleMember.role_id == Role.id)
        .where(RoleMember.user_id == user_id)
    )


def spec_of(rights_set: RightsSet) -> RightsSpec:
    data = rights_data(rights_set)
    return RightsSpec(
        full_access=data.full_access,
        sites=[SiteRight(site_id=k, **p.model_dump()) for k, p in sorted(data.sites.items())],
        campaigns=[
            CampaignRight(campaign_id=k, **p.model_dump())
            for k, p in sorted(data.campaigns.items())
        ],
        interfaces=dict(sorted(data.interfaces.items())),
        **{name: getattr(data, name) for name in SINGLE_ROWS},
    )


def _row(scope: str, key: str, perm: Perm) -> AccessRight:
    return AccessRight(
        scope=scope,
        object_key=key,
        can_view=perm.view,
        can_edit=perm.edit,
        can_create=perm.create,
        can_delete=perm.delete,
    )


def save_rights(
    session: Session, rights_set: RightsSet, spec: RightsSpec, actor: str, materialize: bool = True
) -> None:
    """Replaces a rights set. Existing sites and campaigns not in ``spec`` get an explicit
    no-rights row (``materialize``), so that the "new" rows govern only the ones created
    afterwards. A copy keeps the source's rows as they are instead."""
    _check_unique(spec)
    campaign_types = dict(session.execute(select(Campaign.id, Campaign.type)).all())
    for row in spec.campaigns:
        if row.delete and campaign_types.get(row.campaign_id) in UNDELETABLE_CAMPAIGN_TYPES:
            raise Invalid(
                f"campaign {row.campaign_id}: delete cannot be granted on integrated campaigns "
                "or «Посетители без РК»"
            )
    before = spec_of(rights_set).model_dump(mode="json")
    rights_set.rows.clear()
    session.flush()
    listed_sites = {r.site_id for r in spec.sites}
    listed_campaigns = {r.campaign_id for r in spec.campaigns}
    rows = [_row("site", str(r.site_id), r) for r in spec.sites]
    rows += [
        _row("site", str(i), NO_RIGHTS)
        for i in session.scalars(select(Site.id))
        if i not in listed_sites
    ]
    rows += [_row("campaign", str(r.campaign_id), r) for r in spec.campaigns]
    if materialize:
        rows += [
            _row("campaign", str(i), NO_RIGHTS) for i in campaign_types if i not in listed_campaigns
        ]
    rows += [_row("interface", name, perm) for name, perm in spec.interfaces.items()]
    rows += [_row(name, "", getattr(spec, name)) for name in SINGLE_ROWS]
    rights_set.rows.extend(rows)
    rights_set.full_access = spec.full_access
    rights_set.updated_at = dt.datetime.now().replace(microsecond=0)
    session.flush()
    audit.record(
        session, actor, "update", "rights_set", rights_set.id, before, spec.model_dump(mode="json")
    )


def _check_unique(spec: RightsSpec) -> None:
    for name, ids in (
        ("sites", [r.site_id for r in spec.sites]),
        ("campaigns", [r.campaign_id for r in spec.campaigns]),
    ):
        if len(ids) != len(set(ids)):
            raise Invalid(f"{name}: each id may appear once")


def copy_rights(session: Session, source: User, target: User, actor: str) -> None:
    """Gives ``target`` the same own rights as ``source``, additional rights included."""
    save_rights(session, target.rights_set, spec_of(source.rights_set), actor, materialize=False)


def assign_roles(session: Session, user: User, role_ids: list[int], actor: str) -> None:
    roles = [get_role(session, role_id) for role_id in dict.fromkeys(role_ids)]
    before = [r.id for r in user.roles]
    user.roles = roles
    session.flush()
    audit.record(session, actor, "update", "user_roles", user.id, before, [r.id for r in roles])


def effective_spec(rights: EffectiveRights) -> RightsSpec:
    """Effective rights in the shape of a rights set, for the cabinet to show."""
    return RightsSpec(
        full_access=rights.full_access,
        sites=[SiteRight(site_id=k, **p.model_dump()) for k, p in sorted(rights.sites.items())],
        campaigns=[
            CampaignRight(campaign_id=k, **p.model_dump())
            for k, p in sorted(rights.campaigns.items())
        ],
        interfaces={k: p for k, p in sorted(rights.interfaces.items()) if p != NO_RIGHTS},
        **{name: getattr(rights, name) for name in SINGLE_ROWS},
    )


EXPORT_COLUMNS = (
    "login",
    "email",
    "full_name",
    "is_active",
    "roles",
    "granted_by",
    "full_access",
    "scope",
    "object",
    "view",
    "edit",
    "create",
    "delete",
)


def export_rows(session: Session) -> list[dict[str, object]]:
    """Every user with every rights row, own and from roles, for the CSV export."""
    rows = []
    users = session.scalars(select(User).order_by(User.login)).all()
    for user in users:
        base = {
            "login": user.login,
            "email": user.email or "",
            "full_name": user.full_name or "",
            "is_active": user.is_active,
            "roles": "; ".join(role.name for role in user.roles),
        }
        holders = [("own", user.rights_set)] + [
            (f"role:{r.name}", r.rights_set) for r in user.roles
        ]
        for granted_by, rights_set in holders:
            entries = [(r.scope, r.object_key, r) for r in rights_set.rows]
            if not entries:
                entries = [("", "", None)]
            for scope, key, row in entries:
                rows.append(
                    {
                        **base,
                        "granted_by": granted_by,
                        "full_access": rights_set.full_access,
                        "scope": scope,
                        "object": key,
                        "view": bool(row and row.can_view),
                        "edit": bool(row and row.can_edit),
                        "create": bool(row and row.can_create),
                        "delete": bool(row and row.can_delete),
                    }
                )
    return rows
