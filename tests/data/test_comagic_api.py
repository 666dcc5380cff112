"""The Data API client against a real HTTP server on 127.0.0.1 that plays the CoMagic API."""

import itertools
import json
import threading
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from data.ingest.comagic_api import (
    AuthError,
    ComagicDataApi,
    DataApiError,
    DataApiTransportError,
    DateIntervalLimitError,
    add_months,
    download_day,
    split_date_range,
)

TOKEN = "token-1"


class FakeDataApi:
    """Server-side state: the rows, the limits, and everything the client sent."""

    def __init__(self, rows, minute_limit=1000, strict_months=3):
        self.rows = rows
        self.minute_limit = minute_limit
        self.minute_used = 0
        self.strict_months = strict_months
        self.requests: list[dict] = []
        self.fail_next_with: list[int] = []
        self.limit_errors = 0
        self.expire_token_once = False
        self.valid_tokens = {TOKEN}
        self.logins = 0
        self.interval_errors = 0

    def limits(self):
        return {
            "minute_limit": self.minute_limit,
            "minute_remaining": self.minute_limit - self.minute_used,
            "minute_reset": 42,
            "day_limit": 100000,
            "day_remaining": 99000,
            "day_reset": 3600,
        }

    def answer(self, request: dict) -> tuple[int, dict]:
        self.requests.append(request)
        if self.fail_next_with:
            return self.fail_next_with.pop(0), {}
        method, params = request["method"], request["params"]
        if method == "login.user":
            if params == {"login": "analyst", "password": "secret"}:
                self.logins += 1
                token = f"session-{self.logins}"
                self.valid_tokens.add(token)
                return 200, self.result(request, {"data": {"access_token": token, "expire_at": 1}})
            return 200, self.error(request, -32001, "auth_error", "Неправильный логин или пароль")
        if self.expire_token_once:
            self.expire_token_once = False
            self.valid_tokens.discard(params.get("access_token"))
        if params.get("access_token") not in self.valid_tokens:
            return 200, self.error(request, -32001, "access_token_expired", "token expired")
        if self.minute_used >= self.minute_limit:
            self.limit_errors += 1
            return 200, self.error(request, -32029, "limit_exceeded", "Лимит превышен")
        self.minute_used += 1
        if params["limit"] > 10000:
            return 200, self.error(
                request, -32602, "invalid_parameter_value", "limit", field="limit"
            )
        start = datetime.strptime(params["date_from"], "%Y-%m-%d %H:%M:%S")
        end = datetime.strptime(params["date_till"], "%Y-%m-%d %H:%M:%S")
        if end > add_months(start, self.strict_months):
            self.interval_errors += 1
            return 200, self.error(
                request, -32602, "date_interval_limit_reached", "period too long"
            )
        matching = [
            r for r in self.rows if params["date_from"] <= r["start_time"] <= params["date_till"]
        ]
        page = matching[params["offset"] : params["offset"] + params["limit"]]
        if "fields" in params:
            page = [{k: r[k] for k in params["fields"]} for r in page]
        return 200, self.result(
            request,
            {"data": page, "metadata": {"total_items": len(matching), "limits": self.limits()}},
        )

    def result(self, request, result):
        return {"jsonrpc": "2.0", "id": request["id"], "result": result}

    def error(self, request, code, mnemonic, message, field=None):
        data = {"mnemonic": mnemonic, "field": field, "metadata": {"limits": self.limits()}}
        return {
            "jsonrpc": "2.0",
            "id": request["id"],
            "error": {"code": code, "message": message, "data": data},
        }


@pytest.fixture
def server():
    servers = []

    def start(rows, **options):
        api = FakeDataApi(rows, **options)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, body = api.answer(request)
                payload = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        servers.append(httpd)
        return api, f"http://127.0.0.1:{httpd.server_address[1]}/v2.0"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


class FakeClock:
    def __init__(self, on_sleep=None):
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep()


def calls(start: datetime, count: int, step: timedelta):
    return [
        {
            "id": i + 1,
            "start_time": (start + i * step).strftime("%Y-%m-%d %H:%M:%S"),
            "is_lost": i % 3 == 0,
        }
        for i in range(count)
    ]


def test_pages_through_a_report_with_fields_filter_and_sort(server):
    api, url = server(calls(datetime(2026, 5, 1, 9), 25, timedelta(minutes=7)))
    query_filter = {
        "filters": [{"field": "is_lost", "operator": "=", "value": False}],
        "condition": "and",
    }
    with ComagicDataApi(url, access_token=TOKEN, page_size=10, clock=FakeClock()) as client:
        rows = list(
            client.calls_report(
                "2026-05-01",
                "2026-05-01",
                fields=["id", "start_time"],
                filter=query_filter,
                sort=[{"field": "start_time", "order": "asc"}],
            )
        )
    assert [r["id"] for r in rows] == list(range(1, 26))
    assert set(rows[0]) == {"id", "start_time"}
    sent = [r["params"] for r in api.requests]
    assert [p["offset"] for p in sent] == [0, 10, 20]
    assert all(r["jsonrpc"] == "2.0" and r["method"] == "get.calls_report" for r in api.requests)
    assert sent[0]["date_from"] == "2026-05-01 00:00:00"
    assert sent[0]["date_till"] == "2026-05-01 23:59:59"
    assert sent[0]["filter"] == query_filter
    assert sent[0]["sort"][0]["field"] == "start_time"
    assert sent[0]["access_token"] == TOKEN
    assert sent[0]["limit"] == 10
    assert len({r["id"] for r in api.requests}) == 3


def test_each_report_uses_its_method(server):
    api, url = server([])
    client = ComagicDataApi(url, access_token=TOKEN, clock=FakeClock())
    for name in ("chats", "offline_messages", "visitor_sessions"):
        assert list(getattr(client, f"{name}_report")("2026-05-01", "2026-05-02")) == []
    assert [r["method"] for r in api.requests] == [
        "get.chats_report",
        "get.offline_messages_report",
        "get.visitor_sessions_report",
    ]


def test_long_range_is_split_at_three_months(server):
    rows = calls(datetime(2026, 1, 1), 227, timedelta(days=1))
    api, url = server(rows)
    client = ComagicDataApi(url, access_token=TOKEN, clock=FakeClock())
    got = list(client.calls_report("2026-01-01", "2026-08-15"))
    assert [r["id"] for r in got] == [r["id"] for r in rows]
    windows = [(r["params"]["date_from"], r["params"]["date_till"]) for r in api.requests]
    assert windows == [
        ("2026-01-01 00:00:00", "2026-03-31 23:59:59"),
        ("2026-04-01 00:00:00", "2026-06-30 23:59:59"),
        ("2026-07-01 00:00:00", "2026-08-15 23:59:59"),
    ]


def test_split_windows_are_contiguous():
    start, end = datetime(2025, 11, 30, 12), datetime(2026, 9, 2, 8, 30)
    windows = split_date_range(start, end)
    assert windows[0][0] == start
    assert windows[-1][1] == end
    for (a_start, a_end), (b_start, _) in itertools.pairwise(windows):
        assert b_start - a_end == timedelta(seconds=1)
        assert a_end < add_months(a_start, 3)
    assert add_months(datetime(2026, 11, 30), 3) == datetime(2027, 2, 28)


def test_server_stricter_than_three_months_gets_halved_windows(server):
    rows = calls(datetime(2026, 1, 1), 90, timedelta(days=1))
    api, url = server(rows, strict_months=1)
    client = ComagicDataApi(url, access_token=TOKEN, clock=FakeClock())
    assert [r["id"] for r in client.calls_report("2026-01-01", "2026-03-31")] == list(range(1, 91))
    assert api.interval_errors >= 1


def test_waits_for_the_minute_limit_to_reset(server):
    api, url = server(calls(datetime(2026, 5, 1, 9), 50, timedelta(minutes=1)), minute_limit=2)

    def reset_minute():
        api.minute_used = 0

    clock = FakeClock(on_sleep=reset_minute)
    client = ComagicDataApi(url, access_token=TOKEN, page_size=10, clock=clock)
    assert len(list(client.calls_report("2026-05-01", "2026-05-01"))) == 50
    assert api.limit_errors == 0
    assert len(clock.sleeps) == 2
    assert all(42 <= s <= 43 for s in clock.sleeps)


def test_limit_exceeded_error_waits_and_retries(server):
    api, url = server(calls(datetime(2026, 5, 1, 9), 5, timedelta(minutes=1)), minute_limit=1)
    api.minute_used = 1
    clock = FakeClock(on_sleep=lambda: setattr(api, "minute_used", 0))
    client = ComagicDataApi(url, access_token=TOKEN, clock=clock)
    assert len(list(client.calls_report("2026-05-01", "2026-05-01"))) == 5
    assert api.limit_errors == 1
    assert 42 <= clock.sleeps[0] <= 43


def test_transient_http_errors_are_retried_with_backoff(server):
    api, url = server(calls(datetime(2026, 5, 1, 9), 3, timedelta(minutes=1)))
    api.fail_next_with = [503, 502]
    clock = FakeClock()
    client = ComagicDataApi(url, access_token=TOKEN, clock=clock, backoff_seconds=0.5)
    assert len(list(client.calls_report("2026-05-01", "2026-05-01"))) == 3
    assert clock.sleeps == [0.5, 1.0]

    api.fail_next_with = [500] * 10
    client = ComagicDataApi(url, access_token=TOKEN, clock=FakeClock(), max_retries=2)
    with pytest.raises(DataApiTransportError, match=r"HTTP 500 after 3 attempts"):
        list(client.calls_report("2026-05-01", "2026-05-01"))


def test_unreachable_server_is_a_transport_error():
    clock = FakeClock()
    client = ComagicDataApi(
        "http://127.0.0.1:9/v2.0", access_token=TOKEN, clock=clock, max_retries=1
    )
    with pytest.raises(DataApiTransportError, match="ConnectError"):
        client.call("get.calls_report", {})
    assert clock.sleeps == [1.0]


def test_login_and_relogin_on_expired_token(server):
    api, url = server(calls(datetime(2026, 5, 1, 9), 3, timedelta(minutes=1)))
    client = ComagicDataApi(url, login="analyst", password="secret", clock=FakeClock())
    assert len(list(client.calls_report("2026-05-01", "2026-05-01"))) == 3
    assert api.requests[0]["method"] == "login.user"
    first_token = client.access_token
    api.expire_token_once = True
    assert len(list(client.calls_report("2026-05-01", "2026-05-01"))) == 3
    assert client.access_token != first_token
    assert api.logins == 2
    bad = ComagicDataApi(url, login="analyst", password="wrong", clock=FakeClock())
    with pytest.raises(AuthError, match="auth_error"):
        list(bad.calls_report("2026-05-01", "2026-05-01"))


def test_json_rpc_errors_map_to_clear_exceptions(server):
    _api, url = server([])
    client = ComagicDataApi(url, access_token=TOKEN, clock=FakeClock(), max_range_months=6)
    with pytest.raises(DateIntervalLimitError, match="date_interval_limit_reached"):
        client.call(
            "get.calls_report",
            {
                "date_from": "2026-01-01 00:00:00",
                "date_till": "2026-06-01 00:00:00",
                "limit": 10,
                "offset": 0,
            },
        )
    with pytest.raises(DataApiError, match=r"invalid_parameter_value: limit \(field limit\)"):
        client.call(
            "get.calls_report",
            {
                "date_from": "2026-01-01 00:00:00",
                "date_till": "2026-01-02 00:00:00",
                "limit": 20000,
                "offset": 0,
            },
        )
    with pytest.raises(AuthError, match="access_token_expired"):
        ComagicDataApi(url, access_token="stale", clock=FakeClock()).call("get.calls_report", {})


def test_bad_arguments():
    with pytest.raises(ValueError, match="page_size"):
        ComagicDataApi(access_token=TOKEN, page_size=20000)
    with pytest.raises(ValueError, match="access_token"):
        ComagicDataApi()
    client = ComagicDataApi(access_token=TOKEN)
    with pytest.raises(ValueError, match="before date_from"):
        list(client.calls_report("2026-05-02", "2026-05-01"))
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        list(client.calls_report("01.05.2026", "2026-05-01"))


def test_download_day_lands_one_jsonl_file(server, tmp_path):
    rows = calls(datetime(2026, 5, 1, 20), 12, timedelta(hours=1))
    api, url = server(rows)
    client = ComagicDataApi(url, access_token=TOKEN, page_size=3, clock=FakeClock())
    path, count = download_day(client, "calls", date(2026, 5, 2), tmp_path / "landing")
    assert path == tmp_path / "landing" / "calls" / "2026-05-02" / "comagic_api.jsonl"
    landed = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert count == len(landed) == 8
    assert landed == [r for r in rows if r["start_time"].startswith("2026-05-02")]

    api.fail_next_with = [503] * 5
    failing = ComagicDataApi(url, access_token=TOKEN, clock=FakeClock(), max_retries=1)
    with pytest.raises(DataApiTransportError):
        download_day(failing, "chats", date(2026, 5, 2), tmp_path / "landing")
    assert list((tmp_path / "landing" / "chats" / "2026-05-02").iterdir()) == []
