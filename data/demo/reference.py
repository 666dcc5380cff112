"""The demo account's reference data: accounts, sites, campaigns, employees, virtual numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ACCOUNT_NAMES = [
    ("Новострой Девелопмент", "real_estate"),
    ("АвтоМир Север", "auto"),
    ("Квартал Риэлти", "real_estate"),
    ("Драйв Моторс", "auto"),
]

# (channel, engine, campaign name, is paid, weight in visits)
CHANNELS = [
    ("advert", "yandex_direct", "Яндекс.Директ: поиск", True, 0.28),
    ("advert", "google_ads", "Google Ads: поиск", True, 0.12),
    ("display", "yandex_direct", "РСЯ: баннеры", True, 0.12),
    ("social", "vk_ads", "ВКонтакте: таргет", True, 0.10),
    ("email", None, "Email-рассылка", False, 0.06),
    ("referral", None, "Партнёрские сайты", False, 0.07),
    ("organic", None, "Посетители без РК", False, 0.15),
    ("direct", None, "Посетители без РК", False, 0.10),
]
NO_CAMPAIGN_NAME = "Посетители без РК"


@dataclass
class Reference:
    accounts: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    campaigns: list[dict] = field(default_factory=list)
    employees: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    virtual_numbers: list[dict] = field(default_factory=list)

    def site_campaigns(self, site_id: int) -> list[dict]:
        return [c for c in self.campaigns if c["site_id"] == site_id]

    def account(self, account_id: int) -> dict:
        return next(a for a in self.accounts if a["id"] == account_id)


def build_reference(n_accounts: int, rng: np.random.Generator) -> Reference:
    ref = Reference()
    for a in range(1, n_accounts + 1):
        name, industry = ACCOUNT_NAMES[(a - 1) % len(ACCOUNT_NAMES)]
        if a > len(ACCOUNT_NAMES):
            name = f"{name} {a}"
        ref.accounts.append({"id": a, "name": name, "industry": industry})
        group_ids = []
        for g, group_name in enumerate(
            ("Отдел продаж", "Ипотечный отдел" if industry == "real_estate" else "Сервис")
        ):
            gid = a * 10 + g + 1
            group_ids.append(gid)
            ref.groups.append({"id": gid, "account_id": a, "name": group_name})
        for e in range(5):
            ref.employees.append(
                {
                    "id": a * 100 + e + 1,
                    "account_id": a,
                    "full_name": f"Сотрудник {a}-{e + 1}",
                    "group_ids": [group_ids[e % 2]],
                }
            )
        n_sites = 2 if a % 2 == 1 else 1
        for s in range(n_sites):
            site_id = a * 10 + s + 1
            ref.sites.append(
                {
                    "id": site_id,
                    "account_id": a,
                    "domain_name": f"{'dom' if industry == 'real_estate' else 'auto'}{a}{s + 1}.example.ru",
                    "industry_name": industry,
                    # The last account's second site is switched off: statistics only, no speech.
                    "is_active": not (a == n_accounts and s == n_sites - 1 and n_sites > 1),
                    "target_call_min_duration": int(rng.choice([30, 40, 60])),
                    "second_communication_period": int(rng.choice([7, 14, 30])),
                    "cookie_lifetime": 90,
                    "campaign_lifetime": 30,
                    "sales_enabled": True,
                    "track_subdomains": bool(s == 0),
                }
            )
            no_campaign_id = None
            for c, (channel, engine, cname, paid, _w) in enumerate(CHANNELS):
                if cname == NO_CAMPAIGN_NAME and no_campaign_id is not None:
                    continue
                cid = site_id * 100 + c + 1
                if cname == NO_CAMPAIGN_NAME:
                    no_campaign_id = cid
                ref.campaigns.append(
                    {
                        "id": cid,
                        "account_id": a,
                        "site_id": site_id,
                        "name": cname,
                        "channel": channel,
                        "engine": engine,
                        "paid": paid,
                        "type": "no_campaign"
                        if cname == NO_CAMPAIGN_NAME
                        else ("integrated" if engine else "manual"),
                    }
                )
                ref.virtual_numbers.append(
                    {
                        "number": f"7495{site_id:03d}{c + 1:04d}",
                        "account_id": a,
                        "site_id": site_id,
                        "campaign_id": cid,
                    }
                )
    return ref


def campaign_for_channel(ref: Reference, site_id: int, channel_index: int) -> dict:
    channel, _engine, cname, _paid, _w = CHANNELS[channel_index]
    for c in ref.site_campaigns(site_id):
        if c["name"] == cname and (cname == NO_CAMPAIGN_NAME or c["channel"] == channel):
            return c
    raise LookupError(channel_index)
