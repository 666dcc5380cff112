"""Access rights as the cabinet describes them, and their evaluation.

A user's effective rights are the union of their own rights set and those of their roles. Sites
and campaigns without a row of their own follow the "new sites" / "new campaigns" row: saving a
rights set writes a row for every site and campaign that exists at that moment, so only the ones
created later fall through to those rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from data.config.models.access import INTERFACES

Action = Literal["view", "edit", "create", "delete"]
ACTIONS: tuple[Action, ...] = ("view", "edit", "create", "delete")
# Campaign types that can never be deleted: synced from an ad platform, and «Посетители без РК».
UNDELETABLE_CAMPAIGN_TYPES = frozenset({"integrated", "no_campaign"})


class Perm(BaseModel):
    """One row of the rights table: view, edit, create, delete."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    view: bool = False
    edit: bool = False
    create: bool = False
    delete: bool = False

    @model_validator(mode="after")
    def _delete_requires_edit(self) -> Perm:
        if self.delete and not self.edit:
            raise ValueError("delete requires edit: grant edit before delete")
        return self

    def allows(self, action: Action) -> bool:
        if action == "delete":
            return self.delete and self.edit
        return bool(getattr(self, action))

    def __or__(self, other: Perm) -> Perm:
        if other is self or not (other.view or other.edit or other.create or other.delete):
            return self
        # the union of two valid rows is valid (edit is kept wherever delete is)
        return perm_of(
            self.view or other.view,
            self.edit or other.edit,
            self.create or other.create,
            self.delete or other.delete,
        )


_INTERNED: dict[tuple[bool, bool, bool, bool], Perm] = {}


def perm_of(view: bool, edit: bool, create: bool, delete: bool) -> Perm:
    """A shared row for stored flags: there are only 16 combinations, and rights are read on
    every request. Stored rows were validated when saved (and by a check constraint)."""
    key = (bool(view), bool(edit), bool(create), bool(delete))
    perm = _INTERNED.get(key)
    if perm is None:
        perm = _INTERNED[key] = Perm.model_construct(
            view=key[0], edit=key[1], create=key[2], delete=key[3]
        )
    return perm


NO_RIGHTS = Perm()
ALL_RIGHTS = Perm(view=True, edit=True, create=True, delete=True)


@dataclass(frozen=True)
class RightsSetData:
    """One holder's rights (a user's own or a role's) as plain values."""

    full_access: bool = False
    sites: Mapping[int, Perm] = field(default_factory=dict)
    campaigns: Mapping[int, Perm] = field(default_factory=dict)
    new_sites: Perm = NO_RIGHTS
    new_campaigns: Perm = NO_RIGHTS
    interfaces: Mapping[str, Perm] = field(default_factory=dict)
    recordings: Perm = NO_RIGHTS
    contact_data: Perm = NO_RIGHTS
    tags: Perm = NO_RIGHTS


def _union_objects(
    holders: list[RightsSetData], explicit_of, default_of
) -> tuple[dict[int, Perm], Perm]:
    if len(holders) == 1:
        return dict(explicit_of(holders[0])), default_of(holders[0])
    keys = {key for holder in holders for key in explicit_of(holder)}
    merged = {}
    for key in keys:
        perm = NO_RIGHTS
        for holder in holders:
            perm = perm | explicit_of(holder).get(key, default_of(holder))
        merged[key] = perm
    default = NO_RIGHTS
    for holder in holders:
        default = default | default_of(holder)
    return merged, default


def _union(perms: Iterable[Perm]) -> Perm:
    result = NO_RIGHTS
    for perm in perms:
        result = result | perm
    return result


@dataclass(frozen=True)
class EffectiveRights:
    full_access: bool
    sites: Mapping[int, Perm]
    new_sites: Perm
    campaigns: Mapping[int, Perm]
    new_campaigns: Perm
    interfaces: Mapping[str, Perm]
    recordings: Perm
    contact_data: Perm
    tags: Perm

    @classmethod
    def combine(cls, holders: list[RightsSetData]) -> EffectiveRights:
        sites, new_sites = _union_objects(holders, lambda h: h.sites, lambda h: h.new_sites)
        campaigns, new_campaigns = _union_objects(
            holders, lambda h: h.campaigns, lambda h: h.new_campaigns
        )
        return cls(
            full_access=any(h.full_access for h in holders),
            sites=sites,
            new_sites=new_sites,
            campaigns=campaigns,
            new_campaigns=new_campaigns,
            interfaces={
                name: _union(h.interfaces.get(name, NO_RIGHTS) for h in holders)
                for name in INTERFACES
            },
            recordings=_union(h.recordings for h in holders),
            contact_data=_union(h.contact_data for h in holders),
            tags=_union(h.tags for h in holders),
        )

    def perm(self, scope: str, object_id: int | str | None = None) -> Perm:
        """The row that governs ``scope`` (and its object, for sites, campaigns, interfaces)."""
        if self.full_access:
            return ALL_RIGHTS
        if scope == "site":
            return self.sites.get(int(object_id), self.new_sites)
        if scope == "campaign":
            return self.campaigns.get(int(object_id), self.new_campaigns)
        if scope == "new_sites":
            return self.new_sites
        if scope == "new_campaigns":
            return self.new_campaigns
        if scope == "interface":
            return self.interfaces.get(str(object_id), NO_RIGHTS)
        if scope in ("recordings", "contact_data", "tags"):
            return getattr(self, scope)
        raise ValueError(f"unknown rights scope {scope!r}")

    def can(self, scope: str, action: Action, object_id: int | str | None = None) -> bool:
        return self.perm(scope, object_id).allows(action)

    def sees(self, site_id: int | None, campaign_id: int | None) -> bool:
        """Whether a communication or report row of this site and campaign is visible.

        The campaign decides when there is one, else the site; rows tied to neither are
        always visible (the cabinet shows such calls to everyone)."""
        if self.full_access:
            return True
        if campaign_id is not None:
            return self.can("campaign", "view", campaign_id)
        if site_id is not None:
            return self.can("site", "view", site_id)
        return True

    def visibility_sql(self, site_column: str = "site_id", campaign_column: str = "campaign_id"):
        """The SQL condition equivalent to :meth:`sees` over a table's columns."""
        if self.full_access:
            return "TRUE"
        campaign = _id_condition(campaign_column, self.campaigns, self.new_campaigns)
        site = _id_condition(site_column, self.sites, self.new_sites)
        return (
            f"(CASE WHEN {campaign_column} IS NOT NULL THEN {campaign} "
            f"WHEN {site_column} IS NOT NULL THEN {site} ELSE TRUE END)"
        )

    def sees_every_campaign(self) -> bool:
        """True when nothing is hidden: account-wide aggregates are then safe to show."""
        if self.full_access:
            return True
        return (
            self.new_campaigns.view
            and self.new_sites.view
            and all(p.view for p in self.campaigns.values())
            and all(p.view for p in self.sites.values())
        )


def _id_condition(column: str, explicit: Mapping[int, Perm], default: Perm) -> str:
    if default.view:
        hidden = sorted(int(key) for key, perm in explicit.items() if not perm.view)
        return f"{column} NOT IN ({', '.join(map(str, hidden))})" if hidden else "TRUE"
    shown = sorted(int(key) for key, perm in explicit.items() if perm.view)
    return f"{column} IN ({', '.join(map(str, shown))})" if shown else "FALSE"


def mask_phone(number: str | None) -> str | None:
    """Keeps the country and area code and the last two digits: 7495*****67."""
    if not number:
        return number
    digits = str(number)
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return "***" if email else email
    name, domain = email.split("@", 1)
    return f"{name[:1]}***@{domain}"
