"""Communications from the open JSONL format of `callscope autotag` (INTERFACES.md §1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tagging.autotag import TurnsError, parse_turns
from tagging.matcher import Communication, Turn
from tagging.rules import COMMUNICATION_TYPES

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class RecordError(ValueError):
    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"field {field}: {reason}")


def _turns(record: dict[str, Any], kind: str) -> tuple[Turn, ...]:
    if "turns" in record and record["turns"] is not None:
        if isinstance(record["turns"], str):
            raise RecordError("turns", "must be a JSON list, not a string")
        try:
            return parse_turns(record["turns"])
        except TurnsError as error:
            raise RecordError(error.field, error.reason) from None
    if "text" in record and record["text"] is not None:
        if kind != "offline_message":
            raise RecordError("text", "plain text is for offline_message (leads); use turns")
        if not isinstance(record["text"], str):
            raise RecordError("text", "must be a string")
        return (Turn("client", record["text"]),)
    return ()


def communication_from_record(record: dict[str, Any]) -> Communication:
    """One JSONL line as a Communication; raises RecordError naming the field."""
    identifier = record.get("id")
    if identifier is None or isinstance(identifier, bool) or not isinstance(identifier, str | int):
        raise RecordError("id", "a string or integer id is required")
    kind = record.get("communication_type")
    if kind not in COMMUNICATION_TYPES:
        raise RecordError(
            "communication_type", f"must be one of {list(COMMUNICATION_TYPES)}, got {kind!r}"
        )
    site_id = record.get("site_id")
    if site_id is not None and (isinstance(site_id, bool) or not isinstance(site_id, int)):
        raise RecordError("site_id", f"must be an integer or null, got {site_id!r}")
    date_time = record.get("date_time")
    if date_time is not None:
        try:
            dt.datetime.strptime(str(date_time), TIME_FORMAT)
        except ValueError:
            raise RecordError(
                "date_time", f"expected YYYY-MM-DD hh:mm:ss, got {date_time!r}"
            ) from None
    return Communication(
        communication_id=str(identifier),
        communication_type=kind,
        site_id=site_id,
        turns=_turns(record, kind),
    )
