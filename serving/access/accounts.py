"""Users, API tokens, roles and rights sets in the config store."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config import audit
from data.config.models.access import AccessRight, ApiToken, RightsSet, Role, RoleMember, User
from data.config.models.core import Account, Campaign, Site
from serving.access.rights import (
    ACTIONS,
    NO_RIGHTS,
    UNDELETABLE_CAMPAIGN_TYPES,
    EffectiveRights,
    Perm,
    RightsSetData,
    perm_of,
)
from serving.errors import Conflict, Forbidden, Invalid, NotFound
from serving.schemas.rights import CampaignRight, RightsSpec, SiteRight
from serving.schemas.users import LOGIN_PATTERN

SINGLE_ROWS = ("new_sites", "new_campaigns", "recordings", "contact_data", "tags")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, label: str = "") -> str:
    """Creates a token for ``user``; the caller shows it once, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id, token_hash=hash_token(token), label=label, account_id=user.account_id
        )
    )
    session.flush()
    return token


def authenticate(session: Session, token: str) -> User | None:
    """The token's user, or None when the token is unknown or revoked, the user blocked,
    deleted or moved to another account since it was issued, or their account switched off
    (a user of no account must be an operator)."""
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active or row.account_id != user.account_id:
        return None
    if user.account_id is None:
        return user if user.is_operator else None
    account = session.get(Account, user.account_id)
    return user if account is not None and account.is_active else None


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
    *,
    account_id: int | None,
    operator: bool = False,
) -> User:
    """A user of ``account_id`` (``full_access`` within it), or a platform operator (no
    account: an operator acts across accounts, naming the account where it matters)."""
    if not re.fullmatch(LOGIN_PATTERN, login or ""):
        raise Invalid(f"login: {login!r} must be 1-100 letters, digits or _ . @ -")
    if operator == (account_id is not None):
        raise Invalid("account_id: a user belongs to exactly one account; operators to none")
    if account_id is not None:
        account = session.get(Account, account_id)
        if account is None:
            raise Invalid(f"account_id: account {account_id} does not exist")
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise Conflict(f"user {login!r} already exists")
    user = User(
        login=login,
        email=email,
        full_name=full_name,
        is_active=True,
        account_id=account_id,
        is_operator=operator,
        rights_set=RightsSet(full_access=full_access),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "user",
        user.id,
        None,
        {"login": login, "account_id": account_id, "operator": operator},
    )
    return user


def get_user(session: Session, user_id: int, account_id: int | None = None) -> User:
    """A user of ``account_id`` (any account when None: operators); others' are 404."""
    user = session.get(User, user_id)
    if user is None or (account_id is not None and user.account_id != account_id):
        raise NotFound(f"user {user_id} does not exist")
    return user


def get_role(session: Session, role_id: int, account_id: int | None = None) -> Role:
    role = session.get(Role, role_id)
    if role is None or (account_id is not None and role.account_id != account_id):
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
    """The user's own rights united with their roles', bounded by their account (a few small
    queries, no ORM objects). Operators have no account boundary."""
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
    holders = [_holder(full[i], rows[i]) for i in full]
    if user.account_id is None:
        # a platform operator holds every right, in every account (full access within one
        # account is never a way across accounts)
        return EffectiveRights.combine(
            [RightsSetData(full_access=bool(user.is_operator))], operator=bool(user.is_operator)
        )
    return EffectiveRights.combine(
        holders,
        account_id=user.account_id,
        account_sites=session.scalars(select(Site.id).where(Site.account_id == user.account_id)),
        account_campaigns=session.scalars(
            select(Campaign.id).where(Campaign.account_id == user.account_id)
        ),
    )


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


def _covers(have: Perm, wanted: Perm) -> bool:
    return all(have.allows(action) for action in ACTIONS if getattr(wanted, action))


def check_grantable(spec: RightsSpec, granter: EffectiveRights) -> None:
    """Nobody grants rights they do not hold themselves (403 naming the first one)."""
    if granter.operator:
        return

    def refuse(what: str):
        raise Forbidden(f"cannot grant {what}: you do not hold it yourself")

    if spec.full_access and not granter.full_access:
        refuse("full access")
    for row in spec.sites:
        if not _covers(granter.perm("site", row.site_id), row):
            refuse(f"rights on site {row.site_id}")
    for campaign in spec.campaigns:
        if not _covers(granter.perm("campaign", campaign.campaign_id), campaign):
            refuse(f"rights on campaign {campaign.campaign_id}")
    for name, perm in spec.interfaces.items():
        if not _covers(granter.perm("interface", name), perm):
            refuse(f"rights in the {name} interface")
    for single in SINGLE_ROWS:
        if not _covers(granter.perm(single), getattr(spec, single)):
            refuse(f"the «{single.replace('_', ' ')}» right")


def full_access_users(session: Session, account_id: int) -> int:
    """Active users of the account with full access, by their own set or a role's."""
    own = (
        select(User.id)
        .join(RightsSet, User.rights_set_id == RightsSet.id)
        .where(User.account_id == account_id, User.is_active, RightsSet.full_access)
    )
    via_role = (
        select(User.id)
        .join(RoleMember, RoleMember.user_id == User.id)
        .join(Role, Role.id == RoleMember.role_id)
        .join(RightsSet, Role.rights_set_id == RightsSet.id)
        .where(User.account_id == account_id, User.is_active, RightsSet.full_access)
    )
    return len(set(session.scalars(own)) | set(session.scalars(via_role)))


@contextmanager
def keeping_full_access(session: Session, account_id: int | None) -> Iterator[None]:
    """Refuses (403) a change that leaves an account that had a full-access user without one."""
    before = full_access_users(session, account_id) if account_id is not None else 0
    yield
    session.flush()
    if before and account_id is not None and not full_access_users(session, account_id):
        raise Forbidden("the account's last full-access user cannot be removed, blocked or demoted")


def check_own_objects(session: Session, spec: RightsSpec, account_id: int | None) -> None:
    """Rows may name only the account's sites and campaigns (422 naming the field)."""
    if account_id is None:
        return
    sites = set(session.scalars(select(Site.id).where(Site.account_id == account_id)))
    campaigns = set(session.scalars(select(Campaign.id).where(Campaign.account_id == account_id)))
    for i, row in enumerate(spec.sites):
        if row.site_id not in sites:
            raise Invalid(f"sites[{i}].site_id: site {row.site_id} is not a site of this account")
    for i, campaign in enumerate(spec.campaigns):
        if campaign.campaign_id not in campaigns:
            raise Invalid(
                f"campaigns[{i}].campaign_id: campaign {campaign.campaign_id} is not a campaign "
                "of this account"
            )


def save_rights(
    session: Session,
    rights_set: RightsSet,
    spec: RightsSpec,
    actor: str,
    materialize: bool = True,
    account_id: int | None = None,
) -> None:
    """Replaces a rights set of ``account_id``'s user or role. Existing sites and campaigns
    of the account not in ``spec`` get an explicit no-rights row (``materialize``), so that
    the "new" rows govern only the ones created afterwards. A copy keeps the source's rows
    as they are instead."""
    _check_unique(spec)
    check_own_objects(session, spec, account_id)
    in_account = (lambda model: model.account_id == account_id) if account_id else None
    campaigns = select(Campaign.id, Campaign.type)
    site_ids = select(Site.id)
    if in_account is not None:
        campaigns, site_ids = (
            campaigns.where(in_account(Campaign)),
            site_ids.where(in_account(Site)),
        )
    campaign_types = dict(session.execute(campaigns).all())
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
        _row("site", str(i), NO_RIGHTS) for i in session.scalars(site_ids) if i not in listed_sites
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


def copyable_spec(session: Session, source: User) -> RightsSpec:
    """``source``'s own rights as they are, less rows of sites and campaigns deleted since."""
    spec = spec_of(source.rights_set)
    sites = set(session.scalars(select(Site.id).where(Site.account_id == source.account_id)))
    campaigns = set(
        session.scalars(select(Campaign.id).where(Campaign.account_id == source.account_id))
    )
    return spec.model_copy(
        update={
            "sites": [r for r in spec.sites if r.site_id in sites],
            "campaigns": [r for r in spec.campaigns if r.campaign_id in campaigns],
        }
    )


def copy_rights(session: Session, source: User, target: User, actor: str) -> None:
    """Gives ``target`` the same own rights as ``source``, additional rights included."""
    save_rights(
        session,
        target.rights_set,
        copyable_spec(session, source),
        actor,
        materialize=False,
        account_id=target.account_id,
    )


def assign_roles(
    session: Session,
    user: User,
    role_ids: list[int],
    actor: str,
    granter: EffectiveRights | None = None,
) -> None:
    """Makes ``user`` a member of exactly these roles (of the user's account); ``granter``
    must hold every right of a role newly given."""
    roles = [get_role(session, role_id, user.account_id) for role_id in dict.fromkeys(role_ids)]
    if granter is not None:
        held = {role.id for role in user.roles}
        for role in roles:
            if role.id not in held:
                check_grantable(spec_of(role.rights_set), granter)
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


def export_rows(session: Session, account_id: int | None = None) -> list[dict[str, object]]:
    """Every user (of ``account_id``, when given) with every rights row, own and from roles,
    for the CSV export."""
    rows = []
    query = select(User).order_by(User.login)
    if account_id is not None:
        query = query.where(User.account_id == account_id)
    users = session.scalars(query).all()
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
            entries: list[tuple[str, str, AccessRight | None]] = [
                (r.scope, r.object_key, r) for r in rights_set.rows
            ]
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


def create_account_admins(session: Session, home: Path) -> str:
    """A full-access user for every account: ``admin`` for the lowest account, ``admin-<id>``
    for the others, each seeing only its own account. Their tokens are written once to
    ``<home>/admin-tokens`` (``account_id login token`` per line, mode 600) and the lowest
    account's also to ``<home>/admin-token``; returns that one."""
    lines, first = [], None
    for account_id in session.scalars(select(Account.id).order_by(Account.id)):
        login = "admin" if first is None else f"admin-{account_id}"
        user = create_user(
            session,
            login,
            "demo",
            full_name="Администратор",
            full_access=True,
            account_id=account_id,
        )
        token = issue_token(session, user, "demo")
        first = first or token
        lines.append(f"{account_id} {login} {token}\n")
    if first is None:
        raise LookupError("no account to make an administrator for")
    for name, text in (("admin-tokens", "".join(lines)), ("admin-token", f"{first}\n")):
        path = Path(home) / name
        path.write_text(text)
        path.chmod(0o600)
    return first
