"""A local HTTP receiver for tests, the benchmark and the demo: it records every request,
applies each idempotency key once (as a well-behaved receiver should) and can be told to fail
the first tries of a request, hang, redirect or answer with a huge body."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Received:
    method: str
    path: str
    key: str | None
    body: bytes
    at: float


@dataclass
class Behaviour:
    fail_first: int = 0  # answer 503 to the first N tries of each key
    fail_share: float = 0.0  # answer 503 to this share of first tries (by key hash)
    status: int = 200
    hang_seconds: float = 0.0
    redirect_to: str | None = None
    body_bytes: int = 0


@dataclass
class Receiver:
    behaviour: Behaviour = field(default_factory=Behaviour)
    requests: list[Received] = field(default_factory=list)
    applied: dict[str, Received] = field(default_factory=dict)  # key -> first accepted request
    duplicates: int = 0
    duplicate_keys: list[str] = field(default_factory=list)
    on_request: object = None  # called with the number of requests so far

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._tries: dict[str, int] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload, headers = receiver._answer(
                    self.command, self.path, self.headers.get("Idempotency-Key"), body
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(payload)

            do_GET = do_POST = _handle  # http.server hook names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _answer(self, method, path, key, body):
        behaviour = self.behaviour
        with self._lock:
            self.requests.append(Received(method, path, key, body, time.time()))
            tries = self._tries[key] = self._tries.get(key, 0) + 1
            count = len(self.requests)
        if self.on_request is not None:
            self.on_request(count)
        if behaviour.hang_seconds:
            time.sleep(behaviour.hang_seconds)
        if behaviour.redirect_to:
            return 301, b"", {"Location": behaviour.redirect_to}
        first_fails = tries <= behaviour.fail_first or (
            tries == 1 and key and int(key[:8], 16) / 0xFFFFFFFF < behaviour.fail_share
        )
        if first_fails:
            return 503, b"try later", {}
        if behaviour.status >= 300:
            return behaviour.status, b"no", {}
        with self._lock:
            if key in self.applied:
                self.duplicates += 1
                self.duplicate_keys.append(key)
            else:
                self.applied[key or f"nokey-{len(self.applied)}"] = self.requests[-1]
        return behaviour.status, b"x" * behaviour.body_bytes or b"ok", {}

    def paths(self) -> list[str]:
        return [urlsplit(r.path).path for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """A local SMTP server (aiosmtpd) keeping every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[str, list[str], bytes]] = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook
                mailbox.messages.append(
                    (envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
                )
                return "250 OK"

        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()
