"""A simulated account on the local Data API: reference data, and calls (with WAV recordings
and the dialogue spoken in them), chats and leads created on demand with the API's field names.
Used by the demo, the tests and ``bench_live``."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import wave
from pathlib import Path

import numpy as np

from data.ingest.comagic_api import TIME_FORMAT
from data.live.local_api import Account, LocalDataApi

RATE = 8000
DIALOGUES = [
    [("client", "Здравствуйте, хочу узнать про ипотеку на квартиру"),
     ("employee", "Добрый день, какой первоначальный взнос планируете"),
     ("client", "Около двадцати процентов, ставка интересует")],
    [("client", "Добрый день, когда будет доставка моего заказа"),
     ("employee", "Доставка запланирована на завтра после обеда")],
    [("client", "Хочу записаться на тест-драйв в субботу"),
     ("employee", "Записал вас на субботу на одиннадцать часов")],
    [("client", "Подскажите цену на двухкомнатную квартиру"),
     ("employee", "Цены начинаются от восьми миллионов рублей")],
]  # fmt: skip


def wav_bytes(seconds: float, seed: int) -> bytes:
    """A mono 8 kHz recording of ``seconds`` (quiet noise with a tone)."""
    rng = np.random.default_rng(seed)
    n = max(int(seconds * RATE), RATE // 10)
    t = np.arange(n) / RATE
    samples = 0.2 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(n)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(pcm)
    return buffer.getvalue()


class SimulatedAccount:
    """Reference data and communications of one account, served by ``api`` under ``token``."""

    def __init__(
        self,
        api: LocalDataApi,
        account_id: int,
        token: str,
        seed: int = 0,
        dialogues_path: Path | None = None,
        talk_seconds: tuple[int, int] = (20, 60),
    ):
        self.api, self.account_id = api, account_id
        self.account: Account = api.add_account(account_id, token)
        self.random = random.Random(seed)
        self.dialogues_path = dialogues_path
        self.talk_seconds = talk_seconds
        self._next_id = account_id * 1_000_000
        base = account_id * 100
        self.site_ids = [base + 1, base + 2]
        self.campaign_ids = [base + 11, base + 12]
        self.numbers = [f"7495{account_id:03d}000{i}" for i in (1, 2)]
        self.employee_ids = [base + 21, base + 22, base + 23]
        a = self.account
        a.sites = [
            {"id": s, "domain_name": f"site{s}.example.ru", "target_call_min_duration": 30,
             "second_communication_period": 7, "cookie_lifetime": 90, "campaign_lifetime": 30,
             "sales_enabled": True, "track_subdomains": False, "industry_name": "Недвижимость"}
            for s in self.site_ids
        ]  # fmt: skip
        a.campaigns = [
            {"id": c, "name": f"Кампания {c}", "status": "active", "engine": "yandex_direct",
             "type": "manual", "site_id": s, "creation_time": "2026-01-01 00:00:00"}
            for c, s in zip(self.campaign_ids, self.site_ids, strict=True)
        ]  # fmt: skip
        a.virtual_numbers = [
            {"virtual_phone_number": n, "site_id": s, "campaign_id": c}
            for n, s, c in zip(self.numbers, self.site_ids, self.campaign_ids, strict=True)
        ]
        self.group_ids = {e: [base + 41 + i % 2] for i, e in enumerate(self.employee_ids)}
        a.employees = [
            {"id": e, "full_name": f"Сотрудник {e}",
             "groups": [{"group_id": g, "group_name": f"Отдел {g}"} for g in self.group_ids[e]]}
            for e in self.employee_ids
        ]  # fmt: skip
        a.tags = [{"id": base + 31, "name": "Ипотека", "is_system": False}]

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def call(self, finish: dt.datetime, lost: bool = False, contact: str | None = None) -> dict:
        """A call that ended at ``finish``, with its recording and dialogue unless lost."""
        call_id = self.new_id()
        talk = 0 if lost else self.random.randint(*self.talk_seconds)
        wait = self.random.randint(3, 15)
        start = finish - dt.timedelta(seconds=talk + wait)
        site = self.random.randrange(len(self.site_ids))
        employee = self.random.choice(self.employee_ids)
        records = [] if lost else [f"r{call_id}x{self.random.getrandbits(32):08x}"]
        row = {
            "id": call_id,
            "start_time": start.strftime(TIME_FORMAT),
            "finish_time": finish.strftime(TIME_FORMAT),
            "direction": "in",
            "is_lost": lost,
            "finish_reason": "subscriber_disconnects" if not lost else "numa_ended_call",
            "source": "call_tracking",
            "virtual_phone_number": self.numbers[site],
            "contact_phone_number": contact or f"7916{self.random.randint(0, 9_999_999):07d}",
            "site_id": self.site_ids[site],
            "campaign_id": self.campaign_ids[site],
            "visitor_id": self.random.randint(1, 10**9),
            "wait_duration": wait,
            "talk_duration": talk,
            "total_duration": talk + wait,
            "employees": [{"employee_id": employee, "employee_full_name": f"Сотрудник {employee}",
                           "is_answered": not lost, "is_talked": not lost}],
            "call_records": records,
            "channel": "advert",
            "utm_source": "yandex",
            "tags": [],
        }  # fmt: skip
        for record in records:
            self.account.recordings[record] = wav_bytes(talk, call_id)
        if records and self.dialogues_path is not None:
            self._write_dialogue(call_id, talk)
        with self.api.lock:
            self.account.upsert("calls", row)
        return row

    def _write_dialogue(self, call_id: int, talk: float) -> None:
        if self.dialogues_path is None:
            return
        lines = self.random.choice(DIALOGUES)
        step = talk / len(lines)
        turns = [
            {"speaker": who, "text": text, "start": round(i * step, 2),
             "end": round((i + 1) * step - 0.2, 2)}
            for i, (who, text) in enumerate(lines)
        ]  # fmt: skip
        self.dialogues_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.dialogues_path, "a", encoding="utf-8") as handle:
            handle.write(
                json.dumps({"call_id": call_id, "turns": turns}, ensure_ascii=False) + "\n"
            )

    def chat(self, at: dt.datetime) -> dict:
        site = self.random.randrange(len(self.site_ids))
        messages = [
            {"date_time": at.strftime(TIME_FORMAT), "source": "visitor",
             "text": "Есть ли доставка в выходные?"},
            {"date_time": (at + dt.timedelta(seconds=40)).strftime(TIME_FORMAT),
             "source": "operator", "text": "Да, доставка работает без выходных"},
        ]  # fmt: skip
        row = {
            "id": self.new_id(), "date_time": at.strftime(TIME_FORMAT), "status": "answered",
            "site_id": self.site_ids[site], "campaign_id": self.campaign_ids[site],
            "visitor_id": self.random.randint(1, 10**9), "employee_id": self.employee_ids[0],
            "duration": 60, "messages": messages, "channel": "organic",
        }  # fmt: skip
        with self.api.lock:
            self.account.upsert("chats", row)
        return row

    def lead(self, at: dt.datetime) -> dict:
        site = self.random.randrange(len(self.site_ids))
        row = {
            "id": self.new_id(), "date_time": at.strftime(TIME_FORMAT),
            "site_id": self.site_ids[site], "campaign_id": self.campaign_ids[site],
            "form_type": "offline_message", "text": "Перезвоните мне по поводу ипотеки",
            "visitor_phone_number": f"7926{self.random.randint(0, 9_999_999):07d}",
            "channel": "advert",
        }  # fmt: skip
        with self.api.lock:
            self.account.upsert("offline_messages", row)
        return row
