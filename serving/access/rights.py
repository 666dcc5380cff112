"""Access rights as the cabinet describes them, and their evaluation.

A user's effective rights are the union of their own rights set and those of their roles. Sites
and campaigns without a row of their own follow the "new sites" / "new campaigns" row: saving a
rights set writes a row for every site and campaign that exists at that moment, so only the ones
created later fall through to those rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from data.config.models.access import INTERFACES
from serving.access import visibility

Action = Literal["view", "edit", "create", "delete"]
ACTIONS: tuple[Action, ...] = ("view", "edit", "create", "delete")
# Campaign types that can never be deleted: synced from an ad platform, and «Посетители без РК».
UNDELETABLE_CAMPAIGN_TYPES = frozenset({"integrated", "no_campaign"})


@dataclass(frozen=True)
class Report:
    """A report of the cabinet, the interface right that opens it, and the warehouse tables
    it reads (the first is the report itself)."""

    name: str
    right: str
    tables: tuple[str, ...]
    title: str


# Each report is opened by its own interface right, as in the cabinet («открыть доступ всем
# подрядчикам к новому отчету»); a report table declared nowhere is for full access only.
REPORTS: tuple[Report, ...] = (
    Report(
        "end-to-end",
        "report_end_to_end",
        ("report_end_to_end", "report_exclusions"),
        "Сквозная аналитика",
    ),
    Report(
        "attribution",
        "report_attribution",
        ("attribution_by_model", "attribution_paths"),
        "Модели атрибуции",
    ),
    Report(
        "associated-conversions",
        "report_associated_conversions",
        ("report_associated_conversions",),
        "Ассоциированные конверсии",
    ),
    Report("deals", "report_deals", ("deals", "report_deals"), "Анализ сделок"),
)
REPORT_RIGHTS = tuple(report.right for report in REPORTS)
# every interface row a rights set may hold: the cabinet's interfaces, then one per report
ALL_INTERFACES = (*INTERFACES, *REPORT_RIGHTS)


def report_named(name: str) -> Report | None:
    """The report by its URL name or by any table it reads."""
    return next((r for r in REPORTS if name == r.name or name in r.tables), None)


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


_ABSENT: Any = object()


@dataclass(frozen=True)
class EffectiveRights:
    """A caller's rights within their account. ``account_id`` None means no account boundary:
    a platform operator (``operator``), or rights evaluated outside any caller."""

    full_access: bool
    sites: Mapping[int, Perm]
    new_sites: Perm
    campaigns: Mapping[int, Perm]
    new_campaigns: Perm
    interfaces: Mapping[str, Perm]
    recordings: Perm
    contact_data: Perm
    tags: Perm
    account_id: int | None = None
    operator: bool = False
    # the account's sites and campaigns in the config store (ids are unique across accounts)
    account_sites: frozenset[int] = frozenset()
    account_campaigns: frozenset[int] = frozenset()
    _rules: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def combine(
        cls,
        holders: list[RightsSetData],
        account_id: int | None = None,
        account_sites: Iterable[int] = (),
        account_campaigns: Iterable[int] = (),
        operator: bool = False,
    ) -> EffectiveRights:
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
                for name in ALL_INTERFACES
            },
            recordings=_union(h.recordings for h in holders),
            contact_data=_union(h.contact_data for h in holders),
            tags=_union(h.tags for h in holders),
            account_id=account_id,
            operator=operator,
            account_sites=frozenset(account_sites),
            account_campaigns=frozenset(account_campaigns),
        )

    def owns(self, scope: str, object_id: int) -> bool:
        """Whether a site or campaign is of the caller's account (always, for operators)."""
        if self.account_id is None:
            return True
        ids = self.account_sites if scope == "site" else self.account_campaigns
        return int(object_id) in ids

    def perm(self, scope: str, object_id: int | str | None = None) -> Perm:
        """The row that governs ``scope`` (and its object, for sites, campaigns, interfaces)."""
        if scope in ("site", "campaign"):
            if object_id is None:
                return NO_RIGHTS  # no object named: nothing to allow
            if not self.owns(scope, int(object_id)):
                return NO_RIGHTS  # another account's object: as if it did not exist
        if self.full_access:
            return ALL_RIGHTS
        if scope == "site":
            return self.sites.get(int(object_id), self.new_sites)  # type: ignore[arg-type]  # checked above
        if scope == "campaign":
            return self.campaigns.get(int(object_id), self.new_campaigns)  # type: ignore[arg-type]  # checked above
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

    def may_read_report(self, name: str) -> bool:
        """Whether the caller's rights open a report (by URL name or table): its interface
        right; a report table declared nowhere needs full access."""
        report = report_named(name)
        if report is None:
            return self.full_access
        return self.can("interface", "view", report.right)

    def rule(self, with_account_column: bool) -> visibility.Rule:
        """The visibility rule (:mod:`serving.access.visibility`), built once per rights."""
        rule = self._rules.get(with_account_column)
        if rule is None:
            rule = self._rules[with_account_column] = visibility.build(self, with_account_column)
        return rule

    def sees(
        self, site_id: int | None, campaign_id: int | None, account_id: int | None = _ABSENT
    ) -> bool:
        """Whether a communication or report row of this site and campaign (and account, when
        the row has one) is visible."""
        with_account = account_id is not _ABSENT
        row = {visibility.SITE: site_id, visibility.CAMPAIGN: campaign_id}
        if with_account:
            row[visibility.ACCOUNT] = account_id
        return visibility.allows(self.rule(with_account), row)

    def visibility_sql(
        self,
        site_column: str | None = "site_id",
        campaign_column: str | None = "campaign_id",
        account_column: str | None = None,
    ) -> str:
        """The SQL condition equivalent to :meth:`sees` over a table's columns."""
        columns = {
            visibility.SITE: site_column,
            visibility.CAMPAIGN: campaign_column,
            visibility.ACCOUNT: account_column,
        }
        return visibility.to_sql(self.rule(account_column is not None), columns)

    def sees_whole_platform(self) -> bool:
        """Platform-wide data (tables with no account, site or campaign) is for operators."""
        return self.account_id is None

    def sees_every_campaign(self) -> bool:
        """True when nothing of the account is hidden: account-wide aggregates of the account
        are then safe to show."""
        if self.full_access:
            return True
        return (
            self.new_campaigns.view
            and self.new_sites.view
            and all(p.view for p in self.campaigns.values())
            and all(p.view for p in self.sites.values())
        )


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


# Fields that carry contact data, wherever a serializer shows them, and how each is masked.
CONTACT_FIELDS = {
    "contact_phone_number": mask_phone,
    "visitor_phone_number": mask_phone,
    "phone_number": mask_phone,
    "number": mask_phone,
    "caller": mask_phone,
    "email": mask_email,
    "visitor_email": mask_email,
}


def shown_contacts(record: dict, rights: EffectiveRights) -> dict:
    """The one place contact data is masked: every serializer (list, CSV, detail, antispam
    lists and tables) passes its record through here. Without «contact data: view», phone
    numbers and e-mails are masked; other fields are left as they are."""
    if rights.can("contact_data", "view"):
        return record
    return {
        key: CONTACT_FIELDS[key](str(value))
        if key in CONTACT_FIELDS and value is not None
        else value
        for key, value in record.items()
    }
