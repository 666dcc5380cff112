"""Keeps an account's configuration in step with its Data API: sites, campaigns, virtual
numbers, employees and tags. Only the fields the API returns are written; settings the API does
not own (a site's ``is_active``, a campaign's channel, rules) keep their local values."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.models.core import (
    Campaign,
    Employee,
    EmployeeGroup,
    Site,
    Tag,
    VirtualNumber,
)
from data.ingest.comagic_api import ComagicDataApi

SITE_FIELDS = {
    "domain_name": "domain_name",
    "site_domain_name": "domain_name",
    "industry_name": "industry_name",
    "target_call_min_duration": "target_call_min_duration",
    "second_communication_period": "second_communication_period",
    "cookie_lifetime": "cookie_lifetime",
    "campaign_lifetime": "campaign_lifetime",
    "sales_enabled": "sales_enabled",
    "track_subdomains": "track_subdomains",
}
CAMPAIGN_FIELDS = {"name": "name", "status": "status", "engine": "engine", "type": "type"}
NEW_CAMPAIGN_CHANNEL = "advert"  # the API has no channel per campaign; edit it locally


def fetch_all(client: ComagicDataApi, method: str, key: str = "id") -> list[dict]:
    """Every row of a reference method that carries ``key``."""
    rows: list[dict] = []
    while True:
        result = client.call(method, {"limit": client.page_size, "offset": len(rows)})
        page = result.get("data") if isinstance(result, dict) else None
        if not isinstance(page, list):
            raise ValueError(f"{method}: result.data is not a list")
        rows += [r for r in page if isinstance(r, dict)]
        total = (result.get("metadata") or {}).get("total_items")
        if not page or len(page) < client.page_size or (total is not None and len(rows) >= total):
            return [r for r in rows if r.get(key) is not None]


def _apply(obj: Any, row: dict, fields: dict[str, str]) -> bool:
    changed = False
    for api_name, attribute in fields.items():
        if (
            api_name in row
            and row[api_name] is not None
            and getattr(obj, attribute) != row[api_name]
        ):
            setattr(obj, attribute, row[api_name])
            changed = True
    return changed


def sync_reference(client: ComagicDataApi, session: Session, account_id: int) -> dict[str, int]:  # noqa: C901 - one loop per reference kind, in the order they depend on
    """Creates and updates the account's reference rows; returns counts per kind."""
    counts: Counter = Counter()
    for row in fetch_all(client, "get.sites"):
        site = session.get(Site, int(row["id"]))
        if site is None:
            site = Site(id=int(row["id"]), account_id=account_id, domain_name="")
            session.add(site)
            counts["sites_new"] += 1
        elif site.account_id != account_id:
            counts["sites_of_other_accounts"] += 1
            continue
        counts["sites_updated"] += _apply(site, row, SITE_FIELDS) and site in session.dirty
    session.flush()
    known_sites = set(session.scalars(select(Site.id).where(Site.account_id == account_id)))
    for row in fetch_all(client, "get.campaigns"):
        campaign = session.get(Campaign, int(row["id"]))
        if campaign is None:
            campaign = Campaign(id=int(row["id"]), account_id=account_id, name="",
                                channel=NEW_CAMPAIGN_CHANNEL)  # fmt: skip
            session.add(campaign)
            counts["campaigns_new"] += 1
        elif campaign.account_id != account_id:
            continue
        _apply(campaign, row, CAMPAIGN_FIELDS)
        if row.get("site_id") in known_sites:
            campaign.site_id = row["site_id"]
    session.flush()
    known_campaigns = set(
        session.scalars(select(Campaign.id).where(Campaign.account_id == account_id))
    )
    for row in fetch_all(client, "get.virtual_numbers", "virtual_phone_number"):
        number = str(row["virtual_phone_number"])
        if not number:
            continue
        entry = session.get(VirtualNumber, number)
        if entry is None:
            entry = VirtualNumber(number=number, account_id=account_id)
            session.add(entry)
            counts["virtual_numbers_new"] += 1
        elif entry.account_id != account_id:
            continue
        if row.get("site_id") in known_sites:
            entry.site_id = row["site_id"]
        if row.get("campaign_id") in known_campaigns:
            entry.campaign_id = row["campaign_id"]
    for row in fetch_all(client, "get.employees"):
        employee = session.get(Employee, int(row["id"]))
        name = row.get("full_name") or " ".join(
            str(row[k]) for k in ("last_name", "first_name", "patronymic") if row.get(k)
        )
        if employee is None:
            employee = Employee(id=int(row["id"]), account_id=account_id, full_name=name)
            session.add(employee)
            counts["employees_new"] += 1
        elif employee.account_id != account_id:
            continue
        elif name:
            employee.full_name = name
        if isinstance(row.get("groups"), list):
            employee.groups = _groups(session, account_id, row["groups"], counts)
    session.flush()
    for row in fetch_all(client, "get.tags"):
        tag = session.get(Tag, int(row["id"]))
        if tag is None:
            clash = session.scalar(
                select(Tag).where(Tag.account_id == account_id, Tag.name == row.get("name"))
            )
            if clash is not None:
                counts["tags_kept_local"] += 1
                continue
            session.add(Tag(id=int(row["id"]), account_id=account_id, name=str(row["name"]),
                            is_system=bool(row.get("is_system", False))))  # fmt: skip
            counts["tags_new"] += 1
            session.flush()
        elif tag.account_id == account_id and row.get("name"):
            tag.name = row["name"]
    session.flush()
    return dict(counts)


def _groups(session: Session, account_id: int, rows: list, counts: Counter) -> list[EmployeeGroup]:
    """An employee's groups as ``get.employees`` lists them (``{group_id, group_name}``)."""
    groups = []
    for item in rows:
        if not isinstance(item, dict) or item.get("group_id") is None:
            continue
        group = session.get(EmployeeGroup, int(item["group_id"]))
        if group is None:
            group = EmployeeGroup(id=int(item["group_id"]), account_id=account_id,
                                  name=str(item.get("group_name") or item["group_id"]))  # fmt: skip
            session.add(group)
            counts["employee_groups_new"] += 1
        elif group.account_id != account_id:
            continue
        elif item.get("group_name"):
            group.name = str(item["group_name"])
        groups.append(group)
    return groups


def employee_groups(session: Session, account_id: int) -> dict[int, list[int]]:
    """Each of the account's employees' group ids, as the last ``get.employees`` gave them."""
    found: dict[int, list[int]] = {}
    for employee in session.scalars(select(Employee).where(Employee.account_id == account_id)):
        found[employee.id] = sorted(group.id for group in employee.groups)
    return found
