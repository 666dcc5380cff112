"""Call recordings: downloaded from each call's recording link into the recordings store
(``<recordings_dir>/<record id>.<wav|mp3|ogg>``), checked, and tracked per record so a failed
download is retried on the next poll, up to a limit.

A record id is an id: it must look like one before it names a file, and is never joined onto a
folder as a path. A download must be whole (``Content-Length``), match the server's checksum when
it sends one (``X-Checksum-Sha256``) and start like audio (RIFF/WAVE, MP3, Ogg).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session

from data.config.models.live import LiveSource, RecordingFetch

RECORD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_ATTEMPTS = 5
EXTENSIONS = ("wav", "mp3", "ogg", "opus")  # what the transcription step looks for
OK, ERROR, GAVE_UP = "ok", "error", "gave_up"


class RecordingError(Exception):
    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def in_store(recordings_dir: Path, record_id: str) -> bool:
    return any((recordings_dir / f"{record_id}.{ext}").is_file() for ext in EXTENSIONS)


def recording_link(api_url: str, call_id: int, record_id: str) -> str:
    """The cabinet's link for a record: the Data API host ``dataapi.X`` serves it as ``app.X``."""
    parts = urlsplit(api_url)
    host = parts.netloc
    if host.startswith("dataapi."):
        host = "app." + host.removeprefix("dataapi.")
    return f"{parts.scheme}://{host}/system/media/talk/{int(call_id)}/{record_id}/"


def audio_extension(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def download(
    http: httpx.Client,
    link: str,
    recordings_dir: Path,
    record_id: str,
    retries: int = 3,
    backoff_seconds: float = 0.5,
) -> tuple[Path, str]:
    """Downloads one record (retrying transient failures); returns its path and sha256."""
    if not RECORD_ID.match(record_id):
        raise RecordingError(f"record id {record_id!r} is not a plain id", permanent=True)
    body = b""
    for attempt in range(retries + 1):
        try:
            response = http.get(link)
        except httpx.TransportError as exc:
            reason = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code == 200:
                body = response.content
                break
            reason = f"HTTP {response.status_code}"
            if response.status_code not in RETRY_STATUSES:
                raise RecordingError(f"{reason} for {link}")
        if attempt == retries:
            raise RecordingError(f"{reason} for {link} after {retries + 1} attempts")
        time.sleep(backoff_seconds * 2**attempt)
    declared = response.headers.get("Content-Length")
    if declared is not None and int(declared) != len(body):
        raise RecordingError(f"cut download: {len(body)} of {declared} bytes")
    digest = hashlib.sha256(body).hexdigest()
    expected = response.headers.get("X-Checksum-Sha256")
    if expected and expected.lower() != digest:
        raise RecordingError("checksum mismatch")
    extension = audio_extension(body[:16])
    if extension is None:
        raise RecordingError(
            f"not audio (content type {response.headers.get('Content-Type', '?')})"
        )
    recordings_dir.mkdir(parents=True, exist_ok=True)
    target = recordings_dir / f"{record_id}.{extension}"
    tmp = recordings_dir / f".{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target, digest


@dataclass
class FetchResult:
    downloaded: int = 0
    failed: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)
    retried_calls: dict[int, dt.date] = field(default_factory=dict)  # now fetched on a retry


def fetch_recordings(
    session: Session,
    source: LiveSource,
    calls: list[tuple[int, dt.date, list[str]]],
    recordings_dir: Path,
    http: httpx.Client,
    max_attempts: int = MAX_ATTEMPTS,
    retry_backoff_seconds: float = 0.5,
) -> FetchResult:
    """Fetches the records of ``calls`` (call id, day, record ids) not yet in the store, and
    retries the source's earlier failures."""
    result = FetchResult()
    wanted: dict[str, tuple[int, dt.date]] = {}
    for call_id, day, records in calls:
        for record_id in records:
            wanted[str(record_id)] = (int(call_id), day)
    for earlier in session.query(RecordingFetch).filter_by(source_id=source.id, status=ERROR):
        wanted.setdefault(earlier.record_id, (earlier.call_id, earlier.call_date))
    for record_id, (call_id, day) in wanted.items():
        state = session.get(RecordingFetch, (source.id, record_id))
        if state is not None and state.status in (OK, GAVE_UP):
            continue
        if state is None and RECORD_ID.match(record_id) and in_store(recordings_dir, record_id):
            continue  # already in the store (landed with an export)
        if state is None:
            state = RecordingFetch(source_id=source.id, record_id=record_id, call_id=call_id,
                                   call_date=day, status=ERROR, attempts=0)  # fmt: skip
            session.add(state)
        state.attempts += 1
        state.updated_at = dt.datetime.now().replace(microsecond=0)
        try:
            link = recording_link(source.url, call_id, record_id)
            _, state.sha256 = download(
                http, link, recordings_dir, record_id, backoff_seconds=retry_backoff_seconds
            )
        except RecordingError as exc:
            state.error = str(exc)[:1000]
            final = exc.permanent or state.attempts >= max_attempts
            state.status = GAVE_UP if final else ERROR
            result.failed += 1
            result.gave_up += state.status == GAVE_UP
            result.errors.append(f"record {record_id} of call {call_id}: {exc}")
            continue
        if state.attempts > 1:
            result.retried_calls[call_id] = day
        state.status, state.error = OK, None
        result.downloaded += 1
    session.flush()
    return result
