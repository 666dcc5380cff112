"""A warehouse and config store with an account's recognized, hand-tagged calls, and a real SMTP
server on loopback that keeps what it receives."""

from __future__ import annotations

import datetime as dt
import email
import json
import socket
from email.message import Message

import pandas as pd
from aiosmtpd.controller import Controller

from data.config.models.core import Account, Tag
from data.warehouse import Warehouse
from models.datasets import Example
from tagging.provenance import set_manual_tag


def write_calls(
    warehouse: Warehouse, day: dt.date, account_id: int, examples, start_id: int, empty: int = 0
) -> list[str]:
    """communications + transcripts for one day; `empty` extra calls have empty transcripts."""
    ids, comms, transcripts = [], [], []
    for offset, example in enumerate([*examples, *[None] * empty]):
        call_id = start_id + offset
        cid = f"call:{call_id}"
        ids.append(cid)
        turns = (
            []
            if example is None
            else [
                {"speaker": s, "text": t, "start": 0.0, "end": 1.0}
                for s, t in example.document.turns
            ]
        )
        comms.append(
            {
                "communication_id": cid,
                "communication_type": "call",
                "id": call_id,
                "account_id": account_id,
                "turns": "[]",
            }
        )
        transcripts.append(
            {
                "communication_id": cid,
                "call_id": call_id,
                "status": "ok",
                "error": None,
                "turns": json.dumps(turns, ensure_ascii=False),
                "prosody": json.dumps({}),
                "audio_seconds": 30.0,
                "recognizer": "vosk",
            }
        )
    for table, rows in (("communications", comms), ("transcripts", transcripts)):
        path = warehouse.partition_path(table, day)
        old = (
            pd.read_parquet(path).drop(columns=["date"], errors="ignore") if path.exists() else None
        )
        frame = pd.DataFrame(rows) if old is None else pd.concat([old, pd.DataFrame(rows)])
        warehouse.write_partition(table, day, frame)
    return ids


def tag_by_hand(store, ids: list[str], examples: list[Example], account_id: int) -> None:
    with store.session() as session:
        for cid, example in zip(ids, examples, strict=False):
            if not example.tags:  # a reviewed call without a tag: an explicit removal event
                set_manual_tag(session, cid, "call", "Проверено", "staff")
                from tagging.provenance import remove_tag

                remove_tag(session, cid, "call", "Проверено", "staff")
            for tag in example.tags:
                set_manual_tag(session, cid, "call", tag, "staff")
        if session.get(Account, account_id) is None:
            session.add(Account(id=account_id, name=f"account {account_id}"))
            session.flush()
        for name in sorted({t for e in examples for t in e.tags}):
            session.add(Tag(account_id=account_id, name=name))


class Mailbox:
    def __init__(self):
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp() -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, mailbox


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode(message.get_content_charset() or "utf-8")
