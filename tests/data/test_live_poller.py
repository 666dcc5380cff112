"""Polling the local Data API: nothing lost, nothing written twice, errors contained."""

import datetime as dt

from sqlalchemy import select

from data.config.models.core import Campaign, Site
from data.config.models.live import LiveCursor, LiveSource, RecordingFetch
from data.recordings import NOT_AN_ID
from tests.data.live_world import MINUTE


def ids(world, table):
    return sorted(r["id"] if "id" in r else r["communication_id"] for r in world.rows(table))


def test_poll_processes_new_communications_once_across_restarts(world):
    account = world.account()
    calls = [account.call(world.now - i * 7 * MINUTE) for i in range(4)]
    lost = account.call(world.now - 30 * MINUTE, lost=True)
    account.chat(world.now - 3 * MINUTE)
    account.lead(world.now - 2 * MINUTE)
    first = world.poll()
    assert first["fetched"] == 7
    assert first["new"] == 7
    assert first["processed"] == 7
    assert first["errors"] == 0
    transcripts = {r["communication_id"]: r for r in world.rows("transcripts")}
    assert {transcripts[f"call:{c['id']}"]["status"] for c in calls} == {"ok"}
    assert transcripts[f"call:{lost['id']}"]["reason"] == "no recording"
    tags = {(r["communication_id"], r["tag"]) for r in world.rows("tag_assignments")}
    assert (f"call:{lost['id']}", "Потерянный") in tags
    assert any(tag == "Ипотека" for _, tag in tags)

    world.now += 5 * MINUTE  # a restart: new store session, new steps, same config store
    again = world.poll()
    assert again["fetched"] == 7
    assert again["new"] == 0
    assert again["processed"] == 0
    assert len(world.rows("calls")) == 5
    assert len(world.rows("communications")) == 7
    with world.store.session() as session:
        cursors = {c.report: c.position for c in session.scalars(select(LiveCursor))}
    assert cursors == dict.fromkeys(("calls", "chats", "offline_messages"), world.now)

    late = account.call(world.now - MINUTE)
    world.now += MINUTE
    third = world.poll()
    assert third["new"] == 1
    assert third["processed"] == 1
    windows = [r["params"]["date_from"] for r in world.api.requests
               if r.get("method") == "get.calls_report"]  # fmt: skip
    overlap_start = cursors["calls"] - dt.timedelta(hours=2)
    assert windows[-1] == overlap_start.strftime("%Y-%m-%d %H:%M:%S")
    assert ids(world, "calls").count(late["id"]) == 1


def test_updated_row_in_the_overlap_is_merged_by_id(world):
    account = world.account()
    call = account.call(world.now - 10 * MINUTE, lost=True)
    world.poll()
    assert {r["communication_id"]: r["reason"] for r in world.rows("transcripts")} == {
        f"call:{call['id']}": "no recording"
    }
    # the cabinet later attaches a recording and a talk: same id, updated row
    updated = dict(call, is_lost=False, talk_duration=40, total_duration=50,
                   call_records=["rec" + str(call["id"])])  # fmt: skip
    account.account.recordings["rec" + str(call["id"])] = account.account.recordings.get(
        "x", __import__("data.live.simulate", fromlist=["wav_bytes"]).wav_bytes(40, 1)
    )
    account._write_dialogue(call["id"], 40)
    account.account.upsert("calls", updated)
    world.now += MINUTE
    result = world.poll()
    assert result["new"] == 0
    assert result["updated"] == 1
    assert result["processed"] >= 1
    assert ids(world, "calls") == [call["id"]]
    transcript = world.rows("transcripts")
    assert len(transcript) == 1
    assert transcript[0]["status"] == "ok"
    tags = [r["tag"] for r in world.rows("tag_assignments")]
    assert "Потерянный" not in tags


def test_rate_limits_and_transient_failures_are_retried(world):
    account = world.account()
    for i in range(12):
        account.call(world.now - i * MINUTE)
    world.api.minute_limit = 3
    world.api.faults = [503, "timeout", 502]
    world.api.timeout_seconds = 3.0
    result = world.poll(page_size=5)
    assert result["errors"] == 0
    assert result["new"] == 12
    assert result["processed"] == 12
    assert world.clock.sleeps, "waited for the minute budget or backed off"
    assert world.api.limit_errors == 0


def test_an_expired_token_stops_only_its_source(world):
    good, bad = world.account(5), world.account(6)
    good.call(world.now - MINUTE)
    bad.call(world.now - MINUTE)
    world.api.expired_tokens.add(bad.account.token)
    result = world.poll()
    by_account = {a["account"]: a for a in result["accounts"]}
    assert by_account[5]["status"] == "active"
    assert by_account[5]["new"] == 1
    assert by_account[6]["status"] == "token_expired"
    assert "new token" in by_account[6]["error_reasons"][0]
    with world.store.session() as session:
        status = {s.account_id: s.status for s in session.scalars(select(LiveSource))}
        assert status == {5: "active", 6: "token_expired"}
    assert [a["account"] for a in world.poll()["accounts"]] == [5]


def test_bad_rows_and_pages_go_to_quarantine_and_the_next_poll_goes_on(world):
    account = world.account()
    good = account.call(world.now - MINUTE)
    missing = dict(account.call(world.now - 2 * MINUTE))
    del missing["talk_duration"]
    account.account.upsert("calls", missing)
    odd = dict(account.call(world.now - 3 * MINUTE), direction="sideways")
    account.account.upsert("calls", odd)
    twin = account.call(world.now - 4 * MINUTE)

    def duplicate(method, params, result):
        if method == "get.calls_report":
            result["data"] = result["data"] + [r for r in result["data"] if r["id"] == twin["id"]]
        return result

    world.api.page_hooks.append(duplicate)
    result = world.poll()
    reasons = {r["reason"] for r in world.rows("quarantine_calls")}
    assert "missing field talk_duration" in reasons
    assert any("field direction: unknown value" in r for r in reasons)
    assert f"duplicate id {twin['id']} in one page" in reasons
    assert result["new"] == 1
    assert ids(world, "calls") == [good["id"]]
    quarantined = len(world.rows("quarantine_calls"))
    world.now += MINUTE
    world.poll()
    assert len(world.rows("quarantine_calls")) == quarantined, "re-fetched bad rows once"

    # total_items moving between pages: the window stays open, nothing is written twice
    world.api.page_hooks = []
    state = {"n": 0}

    def moving_total(method, params, result):
        if method == "get.calls_report":
            state["n"] += 1
            result["metadata"]["total_items"] += state["n"]
        return result

    world.api.page_hooks.append(moving_total)
    with world.store.session() as session:
        before = session.get(LiveCursor, (1, "calls")).position
    world.now += MINUTE
    moved = world.poll(page_size=1)
    assert any("total_items changed" in r for r in moved["accounts"][0]["error_reasons"])
    with world.store.session() as session:
        assert session.get(LiveCursor, (1, "calls")).position == before
    # the twin, now alone in its page, is written once; nothing else twice
    assert ids(world, "calls") == sorted([good["id"], twin["id"]])

    world.api.page_hooks = []
    world.api.faults = ["malformed"]
    failing = world.poll()
    assert failing["accounts"][0]["status"] == "failing"
    assert "not a JSON-RPC answer" in failing["accounts"][0]["error_reasons"][0]
    recovered = world.poll()
    assert recovered["accounts"][0]["status"] == "active"
    with world.store.session() as session:
        assert session.get(LiveCursor, (1, "calls")).position == world.now


def test_recordings_are_checked_retried_and_never_paths(world, tmp_path):
    account = world.account()
    call = account.call(world.now - MINUTE)
    record = call["call_records"][0]
    audio = account.account.recordings[record]
    account.account.recordings[record] = b"<html>login</html>"
    evil = dict(account.call(world.now - 2 * MINUTE), call_records=["../../outside"])
    account.account.upsert("calls", evil)
    result = world.poll()
    assert any("not audio" in r for r in result["accounts"][0]["error_reasons"])
    rows = {r["communication_id"]: r for r in world.rows("transcripts")}
    assert rows[f"call:{call['id']}"]["status"] == "error"
    # a call whose recording id is a path is quarantined by the calls contract, never fetched
    assert f"call:{evil['id']}" not in rows
    quarantined = [r for r in world.rows("quarantine_calls") if str(evil["id"]) in r["payload"]]
    assert quarantined
    assert NOT_AN_ID in quarantined[0]["reason"]
    assert not (tmp_path / "outside.wav").exists()
    assert not list(tmp_path.glob("*.wav"))
    with world.store.session() as session:
        fetches = {f.record_id: f for f in session.scalars(select(RecordingFetch))}
        assert fetches[record].status == "error"
        assert fetches[record].attempts == 1
        assert "../../outside" not in fetches

    account.account.recordings[record] = audio  # the link works again
    world.now += 3 * 60 * MINUTE  # far past the overlap: the retry comes from the fetch table
    retried = world.poll()
    assert retried["accounts"][0]["recordings"] == 1
    rows = {r["communication_id"]: r for r in world.rows("transcripts")}
    assert rows[f"call:{call['id']}"]["status"] == "ok"
    assert len(world.rows("transcripts")) == 1  # the quarantined call has none


def test_reference_sync_keeps_local_settings(world):
    account = world.account()
    world.poll()
    site_id, campaign_id = account.site_ids[0], account.campaign_ids[0]
    with world.store.session() as session:
        site = session.get(Site, site_id)
        assert site.domain_name == f"site{site_id}.example.ru"
        assert site.account_id == 5
        site.is_active = False
        session.get(Campaign, campaign_id).channel = "social"
    account.account.sites[0]["target_call_min_duration"] = 45
    world.now += MINUTE
    world.poll()
    with world.store.session() as session:
        site = session.get(Site, site_id)
        assert site.target_call_min_duration == 45
        assert site.is_active is False
        assert session.get(Campaign, campaign_id).channel == "social"


def test_malformed_pages_are_error_rows_or_quarantine_and_the_next_poll_goes_on(world):
    account = world.account()
    call = account.call(world.now - MINUTE)

    def garbage_row(method, params, result):
        if method == "get.calls_report":
            result["data"] = ["не объект", *result["data"]]
        return result

    world.api.page_hooks.append(garbage_row)
    first = world.poll()
    assert first["new"] == 1
    assert ids(world, "calls") == [call["id"]]
    assert "row is not a JSON object" in {r["reason"] for r in world.rows("quarantine_calls")}

    for broken, reason in (
        ({"data": "нет"}, "result.data is not a list"),
        ({"data": [], "metadata": {"total_items": "много"}}, "total_items is not an integer"),
    ):
        world.api.page_hooks = [
            lambda method, params, result, broken=broken: {**result, **broken}
            if method == "get.calls_report" else result
        ]  # fmt: skip
        with world.store.session() as session:
            before = session.get(LiveCursor, (1, "calls")).position
        world.now += MINUTE
        failing = world.poll()
        reasons = failing["accounts"][0]["error_reasons"]
        assert any(reason in r for r in reasons), reasons
        with world.store.session() as session:
            assert session.get(LiveCursor, (1, "calls")).position == before
    world.api.page_hooks = []
    late = account.call(world.now - MINUTE)
    world.now += MINUTE
    recovered = world.poll()
    assert recovered["accounts"][0]["status"] == "active"
    assert recovered["errors"] == 0
    assert ids(world, "calls") == sorted([call["id"], late["id"]])
