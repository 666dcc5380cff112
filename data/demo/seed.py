"""Writes the demo account's configuration into the config store: reference data, tags,
a transcription rule with an off-window, and keyword autotag rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config import rules
from data.config.models.core import (
    Account,
    Campaign,
    Employee,
    EmployeeGroup,
    Site,
    Tag,
    VirtualNumber,
)
from data.demo.generator import DemoSpec
from data.demo.reference import Reference

SYSTEM_TAGS = ("Нецелевой", "Повторный", "Потерянный", "спам")

# Keyword rules an analyst would write for the demo's industries.
AUTOTAG_RULES: dict[str, list[tuple[str, list[str], list[str]]]] = {
    "real_estate": [
        ("Ипотека", ["ипотека", "ипотечный кредит", "первоначальный взнос"], ["не нужна ипотека"]),
        ("Запись на просмотр", ["записаться на просмотр", "посмотреть квартиру", "показ"], []),
        ("Рассрочка", ["рассрочка"], []),
        ("Жалоба", ["жалоба", "недоволен", "безобразие"], []),
    ],
    "auto": [
        ("Тест-драйв", ["тест-драйв", "тест драйв", "прокатиться"], []),
        ("Кредит", ["кредит", "автокредит"], []),
        ("Трейд-ин", ["трейд-ин", "трейд ин", "сдать старую машину"], []),
        ("Сервис и ТО", ["техническое обслуживание", "записаться на ТО", "сервис"], []),
        ("Жалоба", ["жалоба", "недоволен", "безобразие"], []),
    ],
}


def seed_config(
    session: Session, reference: Reference, spec: DemoSpec, actor: str = "demo"
) -> None:
    if session.scalar(select(Account).limit(1)) is not None:
        return
    for a in reference.accounts:
        session.add(Account(id=a["id"], name=a["name"], industry=a["industry"]))
    session.flush()
    for s in reference.sites:
        session.add(Site(**s))
    session.flush()
    for c in reference.campaigns:
        session.add(Campaign(**{k: v for k, v in c.items() if k != "paid"}))
    groups = {}
    for g in reference.groups:
        groups[g["id"]] = EmployeeGroup(**g)
        session.add(groups[g["id"]])
    for e in reference.employees:
        session.add(
            Employee(
                id=e["id"],
                account_id=e["account_id"],
                full_name=e["full_name"],
                groups=[groups[g] for g in e["group_ids"]],
            )
        )
    session.flush()
    for v in reference.virtual_numbers:
        session.add(VirtualNumber(**v))
    for name in SYSTEM_TAGS:
        session.add(Tag(account_id=None, name=name, is_system=True))
    start = dt.datetime.combine(spec.start - dt.timedelta(days=30), dt.time(0))
    for account in reference.accounts:
        for tag, keywords, negatives in AUTOTAG_RULES[account["industry"]]:
            session.add(Tag(account_id=account["id"], name=tag, is_system=False))
            conditions = [{"op": "contains_any", "keywords": keywords}]
            if negatives:
                conditions.append({"op": "not_contains_any", "keywords": negatives})
            rule_id = f"a{account['id']}-{tag}"
            rules.put_rule(
                session,
                "autotag",
                rule_id,
                {
                    "id": rule_id,
                    "tag": tag,
                    "enabled": True,
                    "communication_types": ["call", "chat", "offline_message"],
                    "site_ids": None,
                    "speaker": "any",
                    "conditions": conditions,
                },
                actor,
                valid_from=start,
                account_id=account["id"],
            )
    _seed_transcription_rules(session, reference, spec, actor, start)


def _seed_transcription_rules(session, reference: Reference, spec: DemoSpec, actor, start) -> None:
    """Every active site's calls are transcribed, except a two-hour off-window on one day that
    shows the rules are applied as of call time."""
    for account in reference.accounts:
        sites = [
            s["id"] for s in reference.sites if s["account_id"] == account["id"] and s["is_active"]
        ]
        if not sites:
            continue
        payload: dict[str, Any] = {
            "id": f"t{account['id']}",
            "virtual_phone_numbers": None,
            "employee_ids": None,
            "employee_group_ids": None,
            "site_ids": sites,
            "campaign_ids": None,
            "enabled": True,
        }
        versions = [(start, payload)]
        if account["id"] == 1:
            off = dt.datetime.combine(spec.end - dt.timedelta(days=2), dt.time(14, 0))
            versions += [
                (off, {**payload, "enabled": False}),
                (off + dt.timedelta(hours=2), payload),
            ]
        for valid_from, version in versions:
            rules.put_rule(
                session,
                "transcription",
                payload["id"],
                version,
                actor,
                valid_from=valid_from,
                account_id=account["id"],
            )
