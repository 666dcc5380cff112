"""The installation secret and what is signed with it: recording links (``file_link``) and the
call platform's intake requests. Each purpose has its own key derived from the secret."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlencode

from data.settings import Settings

LINK_PATH = "/api/v1/recording-links/{communication_id}"


def installation_secret(settings: Settings) -> bytes:
    if settings.notifications_secret:
        return settings.notifications_secret.encode()
    path = Path(settings.home) / "notifications.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def key(settings: Settings, purpose: str) -> bytes:
    return hmac.new(installation_secret(settings), purpose.encode(), hashlib.sha256).digest()


def _link_signature(settings: Settings, communication_id: str, expires: int) -> str:
    message = f"{communication_id}\n{expires}".encode()
    return hmac.new(key(settings, "recording-link"), message, hashlib.sha256).hexdigest()


def file_link(settings: Settings, communication_id: str, now: dt.datetime) -> str:
    """A link to the call's recording that works without a token until it expires."""
    expires = int(now.timestamp()) + settings.notifications_link_ttl_hours * 3600
    query = urlencode(
        {"expires": expires, "signature": _link_signature(settings, communication_id, expires)}
    )
    base = settings.notifications_public_url.rstrip("/")
    return base + LINK_PATH.format(communication_id=communication_id) + "?" + query


def link_valid(
    settings: Settings, communication_id: str, expires: int, signature: str, now: dt.datetime
) -> bool:
    expected = _link_signature(settings, communication_id, expires)
    return hmac.compare_digest(expected, signature) and now.timestamp() < expires


def intake_signature(settings: Settings, body: bytes) -> str:
    return "sha256=" + hmac.new(key(settings, "intake"), body, hashlib.sha256).hexdigest()


def intake_valid(settings: Settings, body: bytes, signature: str | None) -> bool:
    return signature is not None and hmac.compare_digest(
        intake_signature(settings, body), signature
    )
