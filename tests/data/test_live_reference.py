"""The account's reference data drives the live rows: employee ids and groups come from the
report's ``employees`` and ``get.employees``; SmartTag leaves switched-off sites alone."""

import pandas as pd

from data.config.models.core import Site
from models.inference import COLUMNS as SMARTTAG_COLUMNS
from pipelines.defs.live import steps as live_steps
from tests.data.live_world import MINUTE


def test_employee_ids_and_groups_come_from_the_api(world):
    account = world.account()
    first, second = account.employee_ids[0], account.employee_ids[1]
    call = account.call(world.now - 4 * MINUTE)
    two = [{"employee_id": first, "employee_full_name": "А", "is_answered": False},
           {"employee_id": second, "employee_full_name": "Б", "is_answered": True},
           {"employee_id": 99999, "employee_full_name": "Не из справочника"}]  # fmt: skip
    account.account.upsert("calls", dict(call, employees=two))
    lost = account.call(world.now - 3 * MINUTE, lost=True)
    account.account.upsert("calls", dict(lost, employees=[]))
    result = world.poll()
    assert result["errors"] == 0
    assert result["quarantined"] == 0
    rows = {r["communication_id"]: r for r in world.rows("communications")}
    answered = rows[f"call:{call['id']}"]
    assert list(answered["employee_ids"]) == [first, second, 99999]
    groups = sorted({*account.group_ids[first], *account.group_ids[second]})
    assert list(answered["employee_group_ids"]) == groups
    assert list(rows[f"call:{lost['id']}"]["employee_ids"]) == []


def test_smarttag_skips_calls_of_a_switched_off_site(world, monkeypatch):
    seen = []

    def fake_tagger(recognized, models, tags, stats):
        seen.extend(recognized["communication_id"])
        return pd.DataFrame(
            [{**dict.fromkeys(SMARTTAG_COLUMNS), "communication_id": c, "tag": "Ипотека",
              "probability": 0.9, "communication_type": "call", "account_id": 5}
             for c in recognized["communication_id"]],
            columns=SMARTTAG_COLUMNS,
        )  # fmt: skip

    monkeypatch.setattr(live_steps, "enabled_models", lambda session: {5: ("m", "smarttag:5@v1")})
    monkeypatch.setattr(live_steps, "account_tags", lambda session, models: {5: {"Ипотека"}})
    monkeypatch.setattr(live_steps, "tag_recognized", fake_tagger)
    account = world.account()
    world.poll()  # the sites arrive with the reference data
    off = account.site_ids[0]
    with world.store.session() as session:
        session.get(Site, off).is_active = False
    calls = [account.call(world.now + i * MINUTE) for i in range(1, 7)]
    world.now += 8 * MINUTE
    assert world.poll()["processed"] == 6
    on_site = {f"call:{c['id']}" for c in calls if c["site_id"] != off}
    assert on_site
    assert len(on_site) < 6
    statuses = {r["communication_id"]: r["reason"] for r in world.rows("transcripts")}
    assert {c for c, reason in statuses.items() if reason == "site inactive"} == (
        {f"call:{c['id']}" for c in calls} - on_site
    )
    assert set(seen) == on_site
    assert {r["communication_id"] for r in world.rows("smarttag_assignments")} == on_site


def test_the_smarttag_step_leaves_recognized_calls_of_a_switched_off_site_alone(world, monkeypatch):
    """A call recognized while its site was on, processed again after it was switched off."""
    seen = []

    def fake_tagger(recognized, models, tags, stats):
        seen.extend(recognized["communication_id"])
        return pd.DataFrame(columns=SMARTTAG_COLUMNS)

    monkeypatch.setattr(live_steps, "enabled_models", lambda session: {5: ("m", "smarttag:5@v1")})
    monkeypatch.setattr(live_steps, "account_tags", lambda session, models: {5: set()})
    monkeypatch.setattr(live_steps, "tag_recognized", fake_tagger)
    calls = pd.DataFrame({"communication_id": ["call:1", "call:2", "call:3"],
                          "communication_type": "call", "account_id": 5,
                          "site_is_active": [True, False, None]})  # fmt: skip
    transcripts = pd.DataFrame({"communication_id": ["call:1", "call:2", "call:3"],
                                "status": "ok", "turns": "[]", "prosody": None})  # fmt: skip
    world.steps().smarttag(world.now.date(), calls, transcripts)
    assert seen == ["call:1", "call:3"]  # an unknown flag counts as on, as nightly
