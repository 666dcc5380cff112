"""The local Data API speaks the CoMagic protocol that the client and the poller rely on."""

import datetime as dt

import pytest

from data.ingest.comagic_api import AuthError, ComagicDataApi, DateIntervalLimitError
from data.live.local_api import LocalDataApi
from data.live.simulate import SimulatedAccount


class NoSleep:
    def __init__(self, api):
        self.api, self.sleeps = api, []

    def monotonic(self):
        return 0.0

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.api.reset_minute()


@pytest.fixture
def api():
    with LocalDataApi() as server:
        yield server


def test_pages_split_and_errors(api):
    account = SimulatedAccount(api, 3, "tok-3")
    start = dt.datetime(2026, 1, 1, 10)
    for i in range(25):
        account.call(start + dt.timedelta(days=8 * i))
    client = ComagicDataApi(api.url, access_token="tok-3", page_size=10, clock=NoSleep(api))
    rows = list(client.calls_report("2026-01-01", "2026-08-01"))
    assert len(rows) == 25
    assert len({r["id"] for r in rows}) == 25
    windows = {(r["params"]["date_from"], r["params"]["date_till"]) for r in api.requests}
    assert ("2026-01-01 00:00:00", "2026-03-31 23:59:59") in windows
    assert ("2026-07-01 00:00:00", "2026-08-01 23:59:59") in windows
    offsets = [
        r["params"]["offset"]
        for r in api.requests
        if r["params"]["date_from"] == "2026-01-01 00:00:00"
    ]
    assert offsets == [0, 10]
    with pytest.raises(DateIntervalLimitError):
        client.call("get.calls_report", {"date_from": "2026-01-01 00:00:00",
                                         "date_till": "2026-06-01 00:00:00", "limit": 10, "offset": 0})  # fmt: skip
    answer = client.call("get.sites", {"limit": 10, "offset": 0})
    assert answer["metadata"]["total_items"] == 2
    assert {"minute_limit", "minute_remaining", "minute_reset"} <= set(answer["metadata"]["limits"])
    api.expired_tokens.add("tok-3")
    with pytest.raises(AuthError, match="access_token_expired"):
        client.call("get.tags", {})


def test_minute_limit_is_honoured(api):
    account = SimulatedAccount(api, 3, "tok-3")
    for i in range(30):
        account.call(dt.datetime(2026, 5, 1, 9) + dt.timedelta(minutes=i))
    api.minute_limit = 2
    clock = NoSleep(api)
    client = ComagicDataApi(api.url, access_token="tok-3", page_size=5, clock=clock)
    assert len(list(client.calls_report("2026-05-01", "2026-05-01"))) == 30
    assert clock.sleeps, "the client waited for the minute to reset"
    assert api.limit_errors == 0, "the client waited instead of running into limit_exceeded"

    api.minute_used = api.minute_limit  # spent elsewhere: the server answers limit_exceeded
    client = ComagicDataApi(api.url, access_token="tok-3", page_size=50, clock=clock)
    assert len(list(client.calls_report("2026-05-01", "2026-05-01"))) == 30
    assert api.limit_errors == 1
