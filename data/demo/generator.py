"""The seeded, scalable demo account: reference data, visitors with multi-visit paths, calls,
chats and leads with dialogue transcripts, CRM deals, daily ad costs and the platform-wide
incoming-call log. Everything lands as files in the landing folder, in the formats real exports
come in, and the ground truth is written beside it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from data.demo.reference import CHANNELS, Reference, build_reference, campaign_for_channel

if TYPE_CHECKING:
    from data.demo.incoming_calls import IncomingCallsTruth

CHAT_SHARE, LEAD_SHARE = 0.4, 0.25
SPAM_CALL_SHARE = 0.04  # calls to the demo accounts from the platform's planted spammers
LOST_CALL_SHARE, RETURNING_SHARE = 0.1, 0.2
BROWSING_VISITORS_PER_CONTACT = 4
SHORT_CALLS = (
    (("employee", "Добрый день, слушаю вас."), ("client", "Ой, извините, я ошибся номером.")),
    (("employee", "Здравствуйте!"), ("client", "Алло, мне сейчас неудобно, перезвоните позже.")),
    (
        ("employee", "Добрый день."),
        ("client", "Алло? Вас не слышно."),
        ("employee", "Перезвоните, пожалуйста."),
    ),
)


@dataclass(frozen=True)
class DemoSpec:
    days: int = 21
    calls_per_day: int = 40
    accounts: int = 3
    seed: int = 7
    end: dt.date = dt.date(2026, 5, 31)
    spam_days: int = 190
    incoming_calls_per_day: int = 3000
    audio_calls: int = 0

    @property
    def start(self) -> dt.date:
        return self.end - dt.timedelta(days=self.days - 1)

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


@dataclass
class DemoResult:
    spec: DemoSpec
    reference: Reference
    counts: dict[str, int]
    ground_truth_dir: Path
    incoming_truth: IncomingCallsTruth | None = None


def _fmt(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


class _Writer:
    """Collects rows per (table, day) and writes them in each table's landing format."""

    def __init__(self, landing: Path):
        self.landing = landing
        self.rows: dict[tuple[str, dt.date], list[dict]] = defaultdict(list)

    def add(self, table: str, day: dt.date, row: dict) -> None:
        self.rows[(table, day)].append(row)

    def flush(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for (table, day), rows in sorted(self.rows.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            folder = self.landing / table / day.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            counts[table] += len(rows)
            if table == "visitor_sessions":
                # Exported from a legacy system: cp1251 with semicolons.
                _write_csv(folder / "sessions.csv", rows, encoding="cp1251", delimiter=";")
            elif table in ("deals", "ad_costs"):
                _write_csv(folder / f"{table}.csv", rows, encoding="utf-8", delimiter=",")
            else:
                with open(folder / f"{table}.jsonl", "w", encoding="utf-8") as handle:
                    for row in rows:
                        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        return dict(counts)


def _write_csv(path: Path, rows: list[dict], encoding: str, delimiter: str) -> None:
    fields = list(rows[0])
    with open(path, "w", encoding=encoding, newline="", errors="replace") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


def _turn_times(turns, rng: np.random.Generator, start: float = 1.0) -> list[dict]:
    out, t = [], start
    for turn in turns:
        words = max(1, len(turn.text.split()))
        duration = words / rng.uniform(2.0, 3.0)
        out.append(
            {
                "speaker": turn.speaker,
                "text": turn.text,
                "start": round(t, 2),
                "end": round(t + duration, 2),
            }
        )
        t += duration + rng.uniform(0.2, 1.2)
    return out


class DemoGenerator:
    def __init__(self, home: Path, spec: DemoSpec):
        self.home, self.spec = Path(home), spec
        self.rng = np.random.default_rng(spec.seed)
        self.reference = build_reference(spec.accounts, self.rng)
        self.writer = _Writer(self.home / "landing")
        self.truth_dir = self.home / "ground_truth"
        self.next_id: defaultdict[str, int] = defaultdict(lambda: 1)
        self.truth_tags: list[dict] = []
        self.call_dialogues: list[dict] = []
        self.visitors: dict[int, list[dict]] = defaultdict(list)  # site -> known visitors
        self.contacts: list[dict] = []  # target communications that may become deals
        self.spam_numbers: np.ndarray | None = None
        self.spam_calls = 0
        self.incoming_truth: IncomingCallsTruth | None = None

    def _id(self, kind: str) -> int:
        value = self.next_id[kind]
        self.next_id[kind] += 1
        return value

    # -- visitors and their sessions --------------------------------------------------------
    def _new_visitor(self, site_id: int, contact_time: dt.datetime) -> dict:
        weights = np.array([c[4] for c in CHANNELS])
        n_sessions = int(self.rng.choice([1, 2, 3, 4, 5], p=[0.3, 0.3, 0.2, 0.12, 0.08]))
        earliest = dt.datetime.combine(self.spec.start, dt.time(0, 0))
        span_days = max(0.0, min(28.0, (contact_time - earliest).total_seconds() / 86400 - 0.01))
        offsets = sorted(self.rng.uniform(0, span_days, size=n_sessions - 1), reverse=True)
        times = [contact_time - dt.timedelta(days=float(o)) for o in offsets]
        times.append(contact_time - dt.timedelta(minutes=float(self.rng.uniform(1, 30))))
        times = [max(t, earliest) for t in times]
        visitor = {"visitor_id": self._id("visitor"), "site_id": site_id, "phone": self._phone()}
        last = None
        for t in times:
            channel_index = int(self.rng.choice(len(CHANNELS), p=weights / weights.sum()))
            last = self._session(visitor, t, channel_index)
        visitor["last_session"] = last
        self.visitors[site_id].append(visitor)
        return visitor

    def _phone(self) -> str:
        return "79" + "".join(str(d) for d in self.rng.integers(0, 10, size=9))

    def _session(self, visitor: dict, t: dt.datetime, channel_index: int) -> dict:
        campaign = campaign_for_channel(self.reference, visitor["site_id"], channel_index)
        channel = CHANNELS[channel_index][0]
        site = next(s for s in self.reference.sites if s["id"] == visitor["site_id"])
        session = {
            "visitor_session_id": self._id("session"),
            "visitor_id": visitor["visitor_id"],
            "date_time": _fmt(t),
            "site_id": visitor["site_id"],
            "site_domain_name": site["domain_name"],
            "campaign_id": campaign["id"],
            "channel": channel,
            "utm_source": {
                "advert": "yandex",
                "display": "yandex",
                "social": "vk",
                "email": "newsletter",
                "referral": "partner",
            }.get(channel, ""),
            "utm_medium": {
                "advert": "cpc",
                "display": "banner",
                "social": "cpc",
                "email": "email",
                "referral": "referral",
            }.get(channel, ""),
            "utm_campaign": f"c{campaign['id']}" if campaign["paid"] else "",
            "utm_term": "",
            "utm_content": "",
            "referrer": {
                "organic": "https://yandex.ru/search",
                "referral": "https://partner.example.ru",
            }.get(channel, ""),
            "entrance_page": f"https://{site['domain_name']}/"
            + ("" if channel == "direct" else f"?src={channel}"),
            "search_engine": "yandex" if channel in ("advert", "organic") else "",
            "visitor_device": str(
                self.rng.choice(["desktop", "mobile", "tablet"], p=[0.45, 0.5, 0.05])
            ),
        }
        if t.date() >= self.spec.start:
            self.writer.add("visitor_sessions", t.date(), session)
        return session

    def _browsing_visitors(self, site_id: int, day: dt.date, n: int) -> None:
        weights = np.array([c[4] for c in CHANNELS])
        for _ in range(n):
            visitor = {"visitor_id": self._id("visitor"), "site_id": site_id}
            t = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(
                minutes=float(self.rng.uniform(0, 900))
            )
            self._session(
                visitor, t, int(self.rng.choice(len(CHANNELS), p=weights / weights.sum()))
            )

    # -- communications ---------------------------------------------------------------------
    def _contact_visitor(self, site_id: int, t: dt.datetime) -> dict:
        known = self.visitors[site_id]
        if known and self.rng.random() < RETURNING_SHARE:
            visitor = known[int(self.rng.integers(len(known)))]
            # A return visit just before the repeat contact.
            last = visitor["last_session"]
            channel_index = next(i for i, c in enumerate(CHANNELS) if c[0] == "direct")
            visitor["last_session"] = (
                self._session(visitor, t - dt.timedelta(minutes=3), channel_index)
                if self.rng.random() < 0.6
                else last
            )
            return visitor
        return self._new_visitor(site_id, t)

    def _dialogue(self, industry: str, style: str = "call"):
        from data.demo import dialogues

        make = {
            "call": dialogues.generate_dialogues,
            "chat": dialogues.generate_chat_messages,
            "lead": dialogues.generate_lead_text,
        }[style]
        return make(1, industry, self.rng)[0]

    def _truth(self, ctype: str, cid: int, account_id: int, dialogue) -> None:
        self.truth_tags.append(
            {
                "communication_id": f"{ctype}:{cid}",
                "account_id": account_id,
                "industry": dialogue.industry,
                "tags": list(dialogue.tags),
            }
        )

    def _spam_call(self, site: dict, t: dt.datetime) -> None:
        """A robocall or a silent hang-up from one of the platform's spam numbers: no visit behind
        it, a few seconds long, so antispam can tag and block it and analytics can leave it out."""
        spam = self.spam_numbers
        if spam is None:
            raise RuntimeError("spam calls need the planted spam numbers")
        campaigns = self.reference.site_campaigns(site["id"])
        campaign = campaigns[int(self.rng.integers(len(campaigns)))]
        number = next(
            v["number"]
            for v in self.reference.virtual_numbers
            if v["campaign_id"] == campaign["id"]
        )
        call_id = self._id("call")
        lost = bool(self.rng.random() < 0.5)
        talk = 0 if lost else int(self.rng.integers(1, 9))
        wait = int(self.rng.integers(1, 6))
        self.writer.add(
            "calls",
            t.date(),
            {
                "id": call_id,
                "start_time": _fmt(t),
                "finish_time": _fmt(t + dt.timedelta(seconds=wait + talk)),
                "direction": "in",
                "is_lost": lost,
                "finish_reason": "subscriber_hangup",
                "source": "call_tracking",
                "virtual_phone_number": number,
                "contact_phone_number": str(spam[int(self.rng.integers(len(spam)))]),
                "site_id": site["id"],
                "campaign_id": campaign["id"],
                "visitor_id": None,
                "visitor_session_id": None,
                "wait_duration": wait,
                "talk_duration": talk,
                "total_duration": wait + talk,
                "employees": [],
                "employee_ids": [],
                "employee_group_ids": [],
                "legs": [],
                "call_records": [],
                "is_stereo": False,
                "channel": campaign["channel"],
                "utm_source": "",
                "utm_medium": "",
                "utm_campaign": "",
            },
        )
        self.spam_calls += 1

    def _call(self, site: dict, t: dt.datetime) -> None:
        if (
            self.spam_numbers is not None
            and len(self.spam_numbers)
            and self.rng.random() < SPAM_CALL_SHARE
        ):
            self._spam_call(site, t)
            return
        account = self.reference.account(site["account_id"])
        visitor = self._contact_visitor(site["id"], t)
        session = visitor["last_session"]
        employees = [e for e in self.reference.employees if e["account_id"] == site["account_id"]]
        employee = employees[int(self.rng.integers(len(employees)))]
        lost = self.rng.random() < LOST_CALL_SHARE
        wait = int(self.rng.integers(3, 25))
        short = self.rng.random() < 0.15
        talk = (
            0
            if lost
            else int(
                self.rng.integers(5, site["target_call_min_duration"])
                if short
                else min(1800, self.rng.lognormal(np.log(150), 0.6))
            )
        )
        call_id = self._id("call")
        number = next(
            v["number"]
            for v in self.reference.virtual_numbers
            if v["campaign_id"] == session["campaign_id"]
        )
        row = {
            "id": call_id,
            "start_time": _fmt(t),
            "finish_time": _fmt(t + dt.timedelta(seconds=wait + talk)),
            "direction": "in",
            "is_lost": lost,
            "finish_reason": "no_operators" if lost else "success_finish",
            "source": "dynamic_call_tracking",
            "virtual_phone_number": number,
            "contact_phone_number": visitor["phone"],
            "site_id": site["id"],
            "campaign_id": session["campaign_id"],
            "visitor_id": visitor["visitor_id"],
            "visitor_session_id": session["visitor_session_id"],
            "wait_duration": wait,
            "talk_duration": talk,
            "total_duration": wait + talk,
            "employees": []
            if lost
            else [
                {
                    "employee_id": employee["id"],
                    "employee_full_name": employee["full_name"],
                    "is_answered": True,
                    "is_talked": True,
                }
            ],
            "employee_ids": [] if lost else [employee["id"]],
            "employee_group_ids": [] if lost else employee["group_ids"],
            "legs": [
                {
                    "leg_id": call_id * 10 + 1,
                    "employee_id": None if lost else employee["id"],
                    "start_time": _fmt(t),
                    "duration": wait + talk,
                    "is_talked": not lost,
                }
            ],
            "call_records": [] if lost else [f"rec-{call_id}"],
            "is_stereo": bool(self.rng.random() < 0.9) if not lost else False,
            "channel": session["channel"],
            "utm_source": session["utm_source"],
            "utm_medium": session["utm_medium"],
            "utm_campaign": session["utm_campaign"],
        }
        self.writer.add("calls", t.date(), row)
        if lost:
            return
        dialogue = (
            self._short_dialogue(account["industry"])
            if short
            else self._dialogue(account["industry"])
        )
        self._truth("call", call_id, account["id"], dialogue)
        turns = _turn_times(dialogue.turns, self.rng)
        self.call_dialogues.append(
            {
                "call_id": call_id,
                "account_id": account["id"],
                "turns": turns,
                "tags": list(dialogue.tags),
                "is_stereo": row["is_stereo"],
            }
        )
        if not short:
            self.contacts.append(
                {
                    "type": "call",
                    "id": call_id,
                    "time": t,
                    "site": site,
                    "visitor_id": visitor["visitor_id"],
                    "tags": dialogue.tags,
                }
            )

    def _short_dialogue(self, industry: str):
        """A call too short to be a target call: a wrong number or a call-back request."""
        from data.demo.dialogues import Dialogue, Turn

        lines = SHORT_CALLS[int(self.rng.integers(len(SHORT_CALLS)))]
        return Dialogue(industry, tuple(Turn(speaker, text) for speaker, text in lines), ())

    def _chat(self, site: dict, t: dt.datetime) -> None:
        account = self.reference.account(site["account_id"])
        visitor = self._contact_visitor(site["id"], t)
        session = visitor["last_session"]
        chat_id = self._id("chat")
        dialogue = self._dialogue(account["industry"], "chat")
        lost = self.rng.random() < 0.1
        messages, clock = [], t
        for turn in dialogue.turns:
            if lost and turn.speaker == "employee":
                continue
            clock += dt.timedelta(seconds=float(self.rng.uniform(10, 60)))
            messages.append(
                {
                    "date_time": _fmt(clock),
                    "source": "visitor" if turn.speaker == "client" else "operator",
                    "text": turn.text,
                }
            )
        employees = [e for e in self.reference.employees if e["account_id"] == site["account_id"]]
        row = {
            "id": chat_id,
            "date_time": _fmt(t),
            "status": "lost" if lost else "closed",
            "site_id": site["id"],
            "campaign_id": session["campaign_id"],
            "visitor_id": visitor["visitor_id"],
            "visitor_session_id": session["visitor_session_id"],
            "employee_id": None
            if lost
            else employees[int(self.rng.integers(len(employees)))]["id"],
            "duration": int((clock - t).total_seconds()),
            "messages": messages,
            "channel": session["channel"],
            "utm_source": session["utm_source"],
            "utm_medium": session["utm_medium"],
            "utm_campaign": session["utm_campaign"],
        }
        self.writer.add("chats", t.date(), row)
        if not lost:
            self._truth("chat", chat_id, account["id"], dialogue)
            self.contacts.append(
                {
                    "type": "chat",
                    "id": chat_id,
                    "time": t,
                    "site": site,
                    "visitor_id": visitor["visitor_id"],
                    "tags": dialogue.tags,
                }
            )

    def _lead(self, site: dict, t: dt.datetime) -> None:
        account = self.reference.account(site["account_id"])
        visitor = self._contact_visitor(site["id"], t)
        session = visitor["last_session"]
        lead_id = self._id("lead")
        dialogue = self._dialogue(account["industry"], "lead")
        text = " ".join(turn.text for turn in dialogue.turns if turn.speaker == "client")
        row = {
            "id": lead_id,
            "date_time": _fmt(t),
            "site_id": site["id"],
            "campaign_id": session["campaign_id"],
            "visitor_id": visitor["visitor_id"],
            "visitor_session_id": session["visitor_session_id"],
            "form_type": "feedback",
            "form_name": "Обратная связь",
            "status": "processed",
            "text": text,
            "visitor_name": "Клиент",
            "visitor_phone_number": visitor["phone"],
            "visitor_email": f"client{visitor['visitor_id']}@example.ru",
            "channel": session["channel"],
            "utm_source": session["utm_source"],
            "utm_medium": session["utm_medium"],
            "utm_campaign": session["utm_campaign"],
        }
        self.writer.add("offline_messages", t.date(), row)
        self._truth("offline_message", lead_id, account["id"], dialogue)
        self.contacts.append(
            {
                "type": "offline_message",
                "id": lead_id,
                "time": t,
                "site": site,
                "visitor_id": visitor["visitor_id"],
                "tags": dialogue.tags,
            }
        )

    # -- deals and costs --------------------------------------------------------------------
    def _deals(self) -> None:
        for contact in self.contacts:
            industry = self.reference.account(contact["site"]["account_id"])["industry"]
            if self.rng.random() > (0.12 if industry == "real_estate" else 0.2):
                continue
            created = contact["time"] + dt.timedelta(hours=float(self.rng.uniform(1, 24 * 6)))
            if created.date() > self.spec.end:
                continue
            service = "Сервис и ТО" in contact["tags"] or "Запчасти" in contact["tags"]
            amount = (
                self.rng.uniform(3e6, 15e6)
                if industry == "real_estate"
                else self.rng.uniform(5e3, 6e4)
                if service
                else self.rng.uniform(8e5, 4e6)
            )
            status = str(self.rng.choice(["won", "lost", "open"], p=[0.6, 0.25, 0.15]))
            link = self.rng.random()
            self.writer.add(
                "deals",
                created.date(),
                {
                    "id": self._id("deal"),
                    "date_time": _fmt(created),
                    "closed_at": _fmt(created + dt.timedelta(days=float(self.rng.uniform(0, 3))))
                    if status != "open"
                    else "",
                    "amount": round(float(amount), 2),
                    "stage": {"won": "Оплачено", "lost": "Отказ", "open": "Переговоры"}[status],
                    "funnel": "Продажи" if not service else "Сервис",
                    "status": status,
                    "site_id": contact["site"]["id"],
                    # Most deals link to their communication; some only to the visitor; a few to nothing.
                    "communication_id": f"{contact['type']}:{contact['id']}" if link < 0.85 else "",
                    "visitor_id": contact["visitor_id"] if link < 0.97 else "",
                },
            )

    def _costs(self, day: dt.date) -> None:
        for campaign in self.reference.campaigns:
            if not campaign["paid"]:
                continue
            clicks = int(self.rng.poisson(40))
            self.writer.add(
                "ad_costs",
                day,
                {
                    "date": day.isoformat(),
                    "campaign_id": campaign["id"],
                    "site_id": campaign["site_id"],
                    "cost_sum": round(clicks * float(self.rng.uniform(25, 90)), 2),
                    "shows_count": clicks * int(self.rng.integers(20, 60)),
                    "clicks_count": clicks,
                },
            )

    def _plant_bad_rows(self) -> None:
        """Real exports carry broken lines; these show quarantine at work in the demo."""
        day = self.spec.end
        rows = self.writer.rows[("visitor_sessions", day)]
        if rows:
            bad = dict(rows[0])
            self.writer.rows[("visitor_sessions", day)] += [
                {**bad, "visitor_session_id": self._id("session"), "date_time": "31.05.2026 25:61"},
                {**bad, "visitor_session_id": self._id("session"), "site_id": 999},
                {**bad, "visitor_session_id": "", "visitor_id": ""},
            ]

    # -- run ----------------------------------------------------------------------------------
    def run(self) -> DemoResult:
        self.incoming_truth = self._incoming_calls()
        incoming = self.incoming_truth.rows
        truth = self.incoming_truth.numbers
        self.spam_numbers = truth.loc[
            truth["kind"].isin(("robocaller", "bursty")), "number"
        ].to_numpy()
        active_sites = self.reference.sites
        per_site = self.spec.calls_per_day / len(active_sites)
        for day in self.spec.dates:
            for site in active_sites:
                for kind, share in (("call", 1.0), ("chat", CHAT_SHARE), ("lead", LEAD_SHARE)):
                    for _ in range(int(self.rng.poisson(per_site * share))):
                        hour = float(self.rng.normal(14, 3))
                        t = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(
                            hours=min(21.9, max(8.0, hour))
                        )
                        t = t.replace(microsecond=0)
                        {"call": self._call, "chat": self._chat, "lead": self._lead}[kind](site, t)
                self._browsing_visitors(
                    site["id"], day, int(per_site * BROWSING_VISITORS_PER_CONTACT)
                )
            self._costs(day)
        self._deals()
        self._plant_bad_rows()
        counts = self.writer.flush()
        counts.update(self._write_ground_truth())
        counts["incoming_calls"] = incoming
        counts["spam_calls_planted"] = self.spam_calls
        if self.spec.audio_calls:
            counts["recordings"] = self._audio()
        return DemoResult(self.spec, self.reference, counts, self.truth_dir, self.incoming_truth)

    def _write_ground_truth(self) -> dict[str, int]:
        self.truth_dir.mkdir(parents=True, exist_ok=True)
        with open(self.truth_dir / "communication_tags.jsonl", "w", encoding="utf-8") as handle:
            for row in self.truth_tags:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        with open(self.truth_dir / "call_dialogues.jsonl", "w", encoding="utf-8") as handle:
            for row in self.call_dialogues:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        return {
            "ground_truth_tags": len(self.truth_tags),
            "call_dialogues": len(self.call_dialogues),
        }

    def _incoming_calls(self) -> IncomingCallsTruth:
        from data.demo.incoming_calls import generate_incoming_calls

        start = self.spec.end - dt.timedelta(days=self.spec.spam_days - 1)
        return generate_incoming_calls(
            self.home / "landing" / "incoming_calls",
            start,
            self.spec.end,
            accounts=[a["id"] for a in self.reference.accounts],
            calls_per_day=self.spec.incoming_calls_per_day,
            seed=self.spec.seed,
            truth_path=self.truth_dir / "spam_numbers.csv",
        )

    def _audio(self) -> int:
        from data.demo.audio import synthesize_call
        from data.demo.dialogues import Turn

        folder = self.home / "recordings"
        folder.mkdir(parents=True, exist_ok=True)
        made = 0
        stereo = [d for d in self.call_dialogues if d["is_stereo"]]
        for dialogue in stereo[: self.spec.audio_calls]:
            turns = [Turn(t["speaker"], t["text"]) for t in dialogue["turns"]]
            placed = synthesize_call(
                turns, folder / f"rec-{dialogue['call_id']}.wav", seed=dialogue["call_id"]
            )
            # The reference keeps the times the audio actually has.
            dialogue["turns"] = [
                {**turn, "start": round(p["start"], 2), "end": round(p["end"], 2)}
                for turn, p in zip(dialogue["turns"], placed, strict=True)
            ]
            made += 1
        if made:
            self._write_ground_truth()
        return made


def generate_demo(home: Path, spec: DemoSpec | None = None) -> DemoResult:
    return DemoGenerator(home, spec or DemoSpec()).run()
