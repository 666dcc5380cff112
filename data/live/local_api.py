"""A local Data API for demos, tests and benchmarks.

It speaks the CoMagic Data API v2.0 protocol: JSON-RPC 2.0 over HTTP POST at ``/v2.0``, the
real method and field names (``get.calls_report``, ``get.chats_report``,
``get.offline_messages_report``, ``get.sites``, ``get.campaigns``, ``get.virtual_numbers``,
``get.employees``, ``get.tags``), paging with ``offset``/``limit`` and
``metadata.total_items``, ``metadata.limits`` with minute and day budgets, the three-month
``date_from``/``date_till`` limit (``date_interval_limit_reached``), ``limit_exceeded`` and
``access_token_expired`` errors. Call recordings are served at the cabinet's recording links
(``/system/media/talk/<call id>/<record id>/``).

Faults can be injected (HTTP statuses, time-outs, malformed answers) so clients can be tested
against the failures a real account shows.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from data.ingest.comagic_api import TIME_FORMAT, add_months

REPORT_TIME_FIELDS = {
    "get.calls_report": ("calls", "start_time"),
    "get.chats_report": ("chats", "date_time"),
    "get.offline_messages_report": ("offline_messages", "date_time"),
}
REFERENCE_METHODS = {
    "get.sites": "sites",
    "get.campaigns": "campaigns",
    "get.virtual_numbers": "virtual_numbers",
    "get.employees": "employees",
    "get.tags": "tags",
}
RECORDING_PATH = "/system/media/talk/"
MAX_LIMIT = 10_000


@dataclass
class Account:
    """One account's data as the API would return it."""

    account_id: int
    token: str
    calls: list[dict] = field(default_factory=list)
    chats: list[dict] = field(default_factory=list)
    offline_messages: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    campaigns: list[dict] = field(default_factory=list)
    virtual_numbers: list[dict] = field(default_factory=list)
    employees: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    recordings: dict[str, bytes] = field(default_factory=dict)

    def upsert(self, report: str, row: dict) -> None:
        """Adds a row or replaces the one with its id (an updated call, a late recording)."""
        rows = getattr(self, report)
        for index, existing in enumerate(rows):
            if existing.get("id") == row.get("id"):
                rows[index] = row
                return
        rows.append(row)


class LocalDataApi:
    """Server-side state: accounts by token, limits, injected faults and a request log."""

    def __init__(self, minute_limit: int = 1000, day_limit: int = 100_000):
        self.accounts: dict[str, Account] = {}
        self.expired_tokens: set[str] = set()
        self.minute_limit, self.day_limit = minute_limit, day_limit
        self._minute_started = time.monotonic()
        self.minute_used = self.day_used = 0
        self.faults: list[Any] = []  # HTTP status ints, "timeout", "malformed", "not_json"
        self.page_hooks: list = []  # callables(method, params, result) -> result, for tests
        self.requests: list[dict] = []
        self.limit_errors = 0
        self.lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self.timeout_seconds = 5.0

    # -- state ---------------------------------------------------------------------------
    def add_account(self, account_id: int, token: str) -> Account:
        with self.lock:
            account = Account(account_id, token)
            self.accounts[token] = account
            return account

    def limits(self) -> dict[str, int]:
        elapsed = time.monotonic() - self._minute_started
        if elapsed >= 60:
            self._minute_started, self.minute_used, elapsed = time.monotonic(), 0, 0.0
        return {
            "minute_limit": self.minute_limit,
            "minute_remaining": max(self.minute_limit - self.minute_used, 0),
            "minute_reset": max(int(60 - elapsed), 1),
            "day_limit": self.day_limit,
            "day_remaining": max(self.day_limit - self.day_used, 0),
            "day_reset": 86_400,
        }

    def reset_minute(self) -> None:
        with self.lock:
            self._minute_started, self.minute_used = time.monotonic(), 0

    # -- JSON-RPC ------------------------------------------------------------------------
    def answer(self, request: Any) -> dict:
        with self.lock:
            self.requests.append(request)
            if not isinstance(request, dict) or request.get("jsonrpc") != "2.0":
                return _error(None, -32600, "invalid_request", "not a JSON-RPC 2.0 request")
            rid, method = request.get("id"), request.get("method")
            params = request.get("params") or {}
            account = self.accounts.get(params.get("access_token") or "")
            if params.get("access_token") in self.expired_tokens:
                return _error(rid, -32001, "access_token_expired", "Срок действия токена истёк")
            if account is None:
                return _error(rid, -32001, "access_token_invalid", "Неверный токен")
            limits = self.limits()
            if limits["minute_remaining"] <= 0 or limits["day_remaining"] <= 0:
                self.limit_errors += 1
                return _error(rid, -32029, "limit_exceeded", "Превышен лимит", limits=limits)
            self.minute_used += 1
            self.day_used += 1
            if method in REPORT_TIME_FIELDS:
                result = self._report(rid, method, params, account)
            elif method in REFERENCE_METHODS:
                rows = list(getattr(account, REFERENCE_METHODS[method]))
                result = self._page(rows, params)
            else:
                return _error(rid, -32601, "method_not_found", f"Метод {method} не найден")
            if "error" in result:
                return result
            for hook in list(self.page_hooks):
                result = hook(method, params, result)
            result["metadata"]["limits"] = self.limits()
            return {"jsonrpc": "2.0", "id": rid, "result": result}

    def _report(self, rid, method: str, params: dict, account: Account) -> dict:
        report, time_field = REPORT_TIME_FIELDS[method]
        try:
            start = datetime.strptime(params["date_from"], TIME_FORMAT)
            end = datetime.strptime(params["date_till"], TIME_FORMAT)
        except (KeyError, TypeError, ValueError):
            return _error(rid, -32602, "invalid_parameter_value", "date_from/date_till")
        if end > add_months(start, 3):
            return _error(rid, -32602, "date_interval_limit_reached", "Период больше 3 месяцев")
        rows = [
            r
            for r in getattr(account, report)
            if params["date_from"] <= str(r.get(time_field, "")) <= params["date_till"]
        ]
        rows.sort(key=lambda r: (str(r.get(time_field)), r.get("id") or 0))
        return self._page(rows, params, rid)

    def _page(self, rows: list[dict], params: dict, rid=None) -> dict:
        limit, offset = params.get("limit", 1000), params.get("offset", 0)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            return _error(rid, -32602, "invalid_parameter_value", "limit", field_name="limit")
        page = rows[offset : offset + limit]
        if params.get("fields"):
            page = [{k: r.get(k) for k in params["fields"]} for r in page]
        return {"data": json.loads(json.dumps(page)), "metadata": {"total_items": len(rows)}}

    # -- recordings ----------------------------------------------------------------------
    def recording(self, path: str) -> bytes | None:
        parts = [p for p in path[len(RECORDING_PATH) :].split("/") if p]
        if len(parts) != 2:
            return None
        with self.lock:
            for account in self.accounts.values():
                if parts[1] in account.recordings:
                    return account.recordings[parts[1]]
        return None

    # -- HTTP ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:  # noqa: C901 - the request handler is declared inline beside its server
        """Serves in a background thread; returns the endpoint URL (``…/v2.0``)."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status: int, payload: bytes, content_type: str, extra=()):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _fault(self) -> bool:
                with api.lock:
                    fault = api.faults.pop(0) if api.faults else None
                if fault is None:
                    return False
                if fault == "timeout":
                    time.sleep(api.timeout_seconds)
                    self.close_connection = True
                    return True
                if fault == "not_json":
                    self._send(200, b"<html>gateway</html>", "text/html")
                elif fault == "malformed":
                    self._send(200, b'{"jsonrpc": "2.0", "id": 1}', "application/json")
                else:
                    self._send(int(fault), b"", "text/plain")
                return True

            def do_POST(self):  # http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self._fault():
                    return
                try:
                    request = json.loads(body)
                except ValueError:
                    answer = _error(None, -32700, "parse_error", "request is not JSON")
                else:
                    answer = api.answer(request)
                payload = json.dumps(answer, ensure_ascii=False).encode()
                self._send(200, payload, "application/json; charset=utf-8")

            def do_GET(self):  # http.server's name
                if not self.path.startswith(RECORDING_PATH):
                    self._send(404, b"not found", "text/plain")
                    return
                if self._fault():
                    return
                audio = api.recording(self.path)
                if audio is None:
                    self._send(404, b"no such recording", "text/plain")
                    return
                digest = hashlib.sha256(audio).hexdigest()
                self._send(200, audio, "audio/wav", [("X-Checksum-Sha256", digest)])

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._httpd is not None, "the server is not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v2.0"  # type: ignore[str-bytes-safe]  # bound to a str host

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LocalDataApi:
        if self._httpd is None:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _error(rid, code: int, mnemonic: str, message: str, limits=None, field_name=None) -> dict:
    data: dict[str, Any] = {"mnemonic": mnemonic}
    if field_name:
        data["field"] = field_name
    if limits:
        data["metadata"] = {"limits": limits}
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message, "data": data}}


def methods() -> Iterable[str]:
    return [*REPORT_TIME_FIELDS, *REFERENCE_METHODS]
