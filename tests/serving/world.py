"""Two small accounts for the API tests.

Account 1 has two agencies with disjoint campaigns on shared sites. Site 1 carries campaigns
of both agencies and «Посетители без РК»; site 2 only agency B's. Agency A may see campaigns
11 and 12, agency B campaigns 21, 22 and 23; both may see site 1.

Account 2 has its own site 3 with campaign 31, its own tags (one spelled like account 1's),
communications of its own (one tied to nothing, like account 1's) and a full-access user
``admin2``. Nothing of it may show to account 1's users, nor the reverse. ``operator`` is a
platform operator.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data.config.models.core import Account, Campaign, Site, Tag
from data.config.store import ConfigStore
from data.settings import Settings
from data.warehouse import Warehouse
from serving.access import accounts
from serving.schemas.rights import RightsSpec

DAYS = [dt.date(2026, 5, 1), dt.date(2026, 5, 2), dt.date(2026, 5, 3)]
CAMPAIGNS = {
    # id: (site, agency, type)
    11: (1, "a", "manual"),
    12: (1, "a", "integrated"),
    13: (1, None, "no_campaign"),
    21: (1, "b", "manual"),
    22: (1, "b", "manual"),
    23: (2, "b", "manual"),
}
# the second account's campaigns: id → site
OTHER_ACCOUNT = 2
OTHER_CAMPAIGNS = {31: 3}
TEXTS = {
    "a": "Здравствуйте, интересует ипотека на квартиру",
    "b": "Хочу узнать про ипотеку и первоначальный взнос",
    None: "Добрый день, ёлки, где ваш офис",
}


@dataclass
class World:
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    # communication ids by owner: agency "a" or "b", "no_campaign" («Посетители без РК»),
    # "site_only" (site 2, no campaign) or "none" (tied to nothing); "other" for the second
    # account's
    communications: dict[str, list[str]] = field(default_factory=dict)


def of_account(world: World, account_id: int = 1) -> set[str]:
    """Every communication id of one account."""
    owners = {"other"} if account_id == OTHER_ACCOUNT else set(world.communications) - {"other"}
    return {c for owner in owners for c in world.communications.get(owner, [])}


def _communications() -> pd.DataFrame:
    rows = []
    next_id = 1
    for day in DAYS:
        for campaign_id, (site_id, agency, _type) in CAMPAIGNS.items():
            for k in range(2):
                kind = "call" if k == 0 else "chat"
                when = dt.datetime.combine(day, dt.time(9 + k, campaign_id % 60))
                rows.append(_row(next_id, kind, site_id, campaign_id, when, agency))
                next_id += 1
        # tied to a site but no campaign, and tied to nothing
        rows.append(_row(next_id, "call", 2, None, dt.datetime.combine(day, dt.time(15)), None))
        next_id += 1
        rows.append(
            _row(
                next_id, "offline_message", None, None, dt.datetime.combine(day, dt.time(16)), None
            )
        )
        next_id += 1
        for campaign_id, site_id in OTHER_CAMPAIGNS.items():
            when = dt.datetime.combine(day, dt.time(11, 5))
            rows.append(_row(next_id, "call", site_id, campaign_id, when, None, OTHER_ACCOUNT))
            next_id += 1
        when = dt.datetime.combine(day, dt.time(17))
        rows.append(_row(next_id, "chat", None, None, when, None, OTHER_ACCOUNT))
        next_id += 1
    return pd.DataFrame(rows)


def _row(cid, kind, site_id, campaign_id, when, agency, account_id=1):
    text = TEXTS[agency]
    turns = [] if kind == "call" else [{"speaker": "client", "text": text, "start": 0, "end": 1}]
    # calls get their text from transcripts; chats and leads carry it themselves
    return {
        "communication_id": f"{kind}:{cid}",
        "communication_type": kind,
        "id": cid,
        "account_id": account_id,
        "site_id": site_id,
        "campaign_id": campaign_id,
        "visitor_id": 1000 + cid,
        "date_time": when,
        "finish_time": when + dt.timedelta(minutes=2),
        "duration": 120,
        "is_lost": False,
        "is_primary": True,
        "is_target": True,
        "is_repeat": False,
        "contact_phone_number": f"7916{cid:07d}",
        "virtual_phone_number": "74951234567",
        "employee_ids": [5],
        "employee_group_ids": [],
        "call_records": [f"rec-{cid}"] if kind == "call" else [],
        "site_is_active": True,
        "channel": "advert",
        "turns": json.dumps(turns, ensure_ascii=False),
    }


def _spoken(campaign_id) -> str:
    agency = None if pd.isna(campaign_id) else CAMPAIGNS.get(int(campaign_id), (0, None))[1]
    turns = [{"speaker": "client", "text": TEXTS[agency], "start": 0.0, "end": 2.5}]
    return json.dumps(turns, ensure_ascii=False)


def owner_of(row) -> str:
    if row["account_id"] == OTHER_ACCOUNT:
        return "other"
    if pd.isna(row["campaign_id"]):
        return "none" if pd.isna(row["site_id"]) else "site_only"
    agency = CAMPAIGNS[int(row["campaign_id"])][1]
    return agency or "no_campaign"


def _write_warehouse(warehouse: Warehouse, comms: pd.DataFrame) -> None:
    comms = comms.astype({"site_id": "Int64", "campaign_id": "Int64"})
    for day in DAYS:
        part = comms[comms["date_time"].dt.date == day]
        warehouse.write_partition("communications", day, part)
        calls = part[part["communication_type"] == "call"]
        warehouse.write_partition(
            "transcripts",
            day,
            pd.DataFrame(
                {
                    "communication_id": calls["communication_id"],
                    "call_id": calls["id"],
                    "status": "ok",
                    "error": None,
                    "rule_id": "t1",
                    "recognizer": "vosk",
                    "is_stereo": True,
                    "turns": [_spoken(c) for c in calls["campaign_id"]],
                    "prosody": json.dumps({"client": {"pitch_mean": 180.0}}),
                    "audio_seconds": 120.0,
                }
            ),
        )
        tagged = part[part["campaign_id"].isin([11, 21, 31])]
        warehouse.write_partition(
            "tag_assignments",
            day,
            pd.DataFrame(
                {
                    "communication_id": tagged["communication_id"],
                    "communication_type": tagged["communication_type"],
                    "tag": "Ипотека",
                    "source": "autotag",
                    "source_ref": "r1@1",
                    "probability": None,
                    "evidence": json.dumps([{"word": "ипотека"}], ensure_ascii=False),
                }
            ),
        )
        leads = part[part["communication_type"] == "offline_message"]
        warehouse.write_partition(
            "offline_messages",
            day,
            pd.DataFrame(
                {
                    "id": leads["id"],
                    "date_time": leads["date_time"],
                    "site_id": leads["site_id"],
                    "text": TEXTS[None],
                    "visitor_name": "Иван",
                    "visitor_phone_number": leads["contact_phone_number"],
                    "visitor_email": "ivan@example.ru",
                }
            ),
        )
        deals = calls[calls["campaign_id"].notna()]
        warehouse.write_partition(
            "deals",
            day,
            pd.DataFrame(
                {
                    "id": deals["id"] + 5000,
                    "date_time": deals["date_time"],
                    "amount": 1000.0,
                    "status": "won",
                    "site_id": deals["site_id"],
                    "communication_id": deals["communication_id"],
                }
            ),
        )
        report = pd.DataFrame(
            [
                {
                    "campaign_id": c,
                    "site_id": s,
                    "visits": 10,
                    "communications": 4,
                    "deals": 1,
                    "revenue": 1000.0,
                    "cost": 300.0,
                }
                for c, s in [*((c, s) for c, (s, _, _) in CAMPAIGNS.items()), (31, 3)]
            ]
        )
        warehouse.write_partition("report_end_to_end", day, report)
        # analytics writes campaign_id as a float when some deals have none
        deals_report = pd.DataFrame(
            {
                "deal_id": [f"d{day.day}-{c}" for c in [11, 21, 31]] + [f"d{day.day}-none"],
                "site_id": [1, 1, 3, 1],
                "campaign_id": [11.0, 21.0, 31.0, float("nan")],
                "revenue": 1000.0,
            }
        )
        warehouse.write_partition("report_deals", day, deals_report)
        warehouse.write_partition(
            "attribution_by_model",
            day,
            pd.DataFrame(
                [
                    {
                        "model": "last",
                        "channel_name": "advert",
                        "total_conversions": 3.0,
                        "total_conversion_value": 900.0,
                    }
                ]
            ),
        )


def _seed_store(store: ConfigStore) -> None:
    with store.session() as session:
        session.add(Account(id=1, name="Агентский аккаунт"))
        session.add(Site(id=1, account_id=1, domain_name="shared.ru"))
        session.add(Site(id=2, account_id=1, domain_name="b-only.ru"))
        session.flush()
        for campaign_id, (site_id, agency, kind) in CAMPAIGNS.items():
            name = "Посетители без РК" if kind == "no_campaign" else f"{agency}-{campaign_id}"
            session.add(
                Campaign(
                    id=campaign_id,
                    account_id=1,
                    site_id=site_id,
                    name=name,
                    channel="advert",
                    type=kind,
                )
            )
        session.add(Tag(account_id=1, name="Ипотека"))
        session.add(Tag(account_id=1, name="Целевой клиент"))
        session.add(Tag(account_id=1, name="Спам", is_system=True))
        session.add(Account(id=OTHER_ACCOUNT, name="Другой аккаунт"))
        session.flush()
        session.add(Site(id=3, account_id=OTHER_ACCOUNT, domain_name="other.ru"))
        session.flush()
        for campaign_id, site_id in OTHER_CAMPAIGNS.items():
            session.add(
                Campaign(
                    id=campaign_id,
                    account_id=OTHER_ACCOUNT,
                    site_id=site_id,
                    name=f"other-{campaign_id}",
                    channel="advert",
                )
            )
        session.add(Tag(id=901, account_id=OTHER_ACCOUNT, name="Ипотека"))
        session.add(Tag(id=902, account_id=OTHER_ACCOUNT, name="Только второй"))


def _perm(view=True, edit=False, create=False, delete=False):
    return {"view": view, "edit": edit, "create": create, "delete": delete}


# the agencies' reports: attribution is not opened to them
REPORTS_SEEN = {"report_end_to_end": _perm(), "report_deals": _perm()}
RIGHTS = {
    "agency_a": RightsSpec(
        sites=[{"site_id": 1, **_perm(create=True)}],
        campaigns=[
            {"campaign_id": 11, **_perm(edit=True, delete=True)},
            {"campaign_id": 12, **_perm(edit=True)},
        ],
        contact_data=_perm(),
        recordings=_perm(),
        tags=_perm(edit=True),
        interfaces=REPORTS_SEEN,
    ),
    "agency_b": RightsSpec(
        sites=[{"site_id": 1, **_perm()}, {"site_id": 2, **_perm(edit=True)}],
        campaigns=[{"campaign_id": c, **_perm(edit=True)} for c in (21, 22, 23)],
        interfaces=REPORTS_SEEN,
    ),
}


def build(root: Path, config_url: str | None = None) -> World:
    """The two agencies' account under ``root``, its config store in SQLite there unless
    ``config_url`` names another (PostgreSQL)."""
    settings = Settings(home=root, config_url=config_url or f"sqlite:///{root / 'config.sqlite3'}")
    store = ConfigStore(settings.database_url)
    _seed_store(store)
    comms = _communications()
    _write_warehouse(Warehouse(settings.warehouse_dir), comms)
    world = World(settings=settings)
    for _, row in comms.iterrows():
        world.communications.setdefault(owner_of(row), []).append(row["communication_id"])
    with store.session() as session:
        admin = accounts.create_user(session, "admin", "test", full_access=True, account_id=1)
        world.tokens["admin"] = accounts.issue_token(session, admin)
        world.user_ids["admin"] = admin.id
        for login, spec in RIGHTS.items():
            user = accounts.create_user(
                session, login, "test", email=f"{login}@agency.ru", account_id=1
            )
            accounts.save_rights(session, user.rights_set, spec, "test", account_id=1)
            world.tokens[login] = accounts.issue_token(session, user)
            world.user_ids[login] = user.id
        admin2 = accounts.create_user(
            session, "admin2", "test", full_access=True, account_id=OTHER_ACCOUNT
        )
        world.tokens["admin2"] = accounts.issue_token(session, admin2)
        world.user_ids["admin2"] = admin2.id
        operator = accounts.create_user(session, "operator", "test", account_id=None, operator=True)
        world.tokens["operator"] = accounts.issue_token(session, operator)
        world.user_ids["operator"] = operator.id
    store.dispose()
    recordings = settings.recordings_dir
    recordings.mkdir(parents=True, exist_ok=True)
    for cid in (
        world.communications["a"] + world.communications["b"] + world.communications["other"]
    ):
        if cid.startswith("call:"):
            (recordings / f"rec-{cid.split(':')[1]}.wav").write_bytes(b"RIFF0000WAVE")
    return world
