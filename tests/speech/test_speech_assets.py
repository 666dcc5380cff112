"""The Dagster side: the nightly `transcripts` partition selects calls as of call time, writes
one row per call with error rows for bad audio, and the audited backfill fills the off-window."""

import datetime as dt
import json

import dagster as dg
import pandas as pd
import pytest

from data.config import audit
from data.config.store import ConfigStore
from data.settings import get_settings
from data.warehouse import Warehouse
from pipelines.defs.speech import defs
from pipelines.defs.speech.assets import TranscriptsConfig, transcripts
from pipelines.defs.speech.jobs import backfill_run
from pipelines.defs.speech.sensors import transcription_backfill_requests
from pipelines.demo.resources import GroundTruthRecognizerResource
from pipelines.resources import ConfigStoreResource, WarehouseResource
from speech.config import import_rule, request_backfill, set_layout

DAY = dt.date(2026, 5, 3)
RULE = {
    "id": "t1",
    "virtual_phone_numbers": ["74951234567"],
    "campaign_ids": None,
    "history": [
        {"from": "2026-05-01 00:00:00", "enabled": True},
        {"from": "2026-05-03 14:00:00", "enabled": False},
        {"from": "2026-05-03 16:00:00", "enabled": True},
    ],
}
CALLS = [  # id, time, virtual number, record id
    (1, "2026-05-03 10:00:00", "74951234567", "rec-1"),
    (2, "2026-05-03 15:00:00", "74951234567", "rec-2"),  # rule off at call time
    (3, "2026-05-03 17:00:00", "74951234567", "garbage"),  # bad audio
    (4, "2026-05-03 17:10:00", "74959999999", "rec-2"),  # no rule matches
    (5, "2026-05-03 17:20:00", "74951234567", None),  # lost call: no recording
    (6, "2026-05-03 17:30:00", "74951234567", "swapped"),  # client on the right for this number
]


@pytest.fixture
def home(callscope_home, recordings, monkeypatch):
    monkeypatch.setenv("CALLSCOPE_SPEECH_WORKERS", "1")
    get_settings.cache_clear()
    settings = get_settings()
    settings.recordings_dir.symlink_to(recordings.folder, target_is_directory=True)
    settings.ground_truth_dir.mkdir(parents=True)
    with open(settings.ground_truth_dir / "call_dialogues.jsonl", "w", encoding="utf-8") as handle:
        for call_id, _, _, record in CALLS:
            turns = recordings.references.get(record or "", [])
            handle.write(
                json.dumps({"call_id": call_id, "turns": turns}, ensure_ascii=False) + "\n"
            )
    wh = Warehouse(settings.warehouse_dir)
    comms = pd.DataFrame(
        {
            "communication_id": [f"call:{c[0]}" for c in CALLS],
            "communication_type": "call",
            "id": [c[0] for c in CALLS],
            "account_id": 10,
            "site_id": 1,
            "campaign_id": 12,
            "date_time": [pd.Timestamp(c[1]) for c in CALLS],
            "duration": 30,
            "virtual_phone_number": [c[2] for c in CALLS],
            "employee_ids": [[5]] * len(CALLS),
            "employee_group_ids": [[]] * len(CALLS),
            "site_is_active": True,
        }
    )
    wh.write_partition("communications", DAY, comms)
    calls = pd.DataFrame(
        {"id": [c[0] for c in CALLS], "call_records": [[c[3]] if c[3] else [] for c in CALLS]}
    )
    wh.write_partition("calls", DAY, calls)
    store = ConfigStore(settings.database_url)
    with store.session() as session:
        set_layout(session, 10, "right", actor="admin", virtual_phone_number="74951234567")
    yield settings, wh, store
    store.dispose()


def resources(settings):
    return {"warehouse": WarehouseResource(root=str(settings.warehouse_dir)),
            "config_store": ConfigStoreResource(url=settings.database_url),
            "recognizer": GroundTruthRecognizerResource(
                ground_truth_dir=str(settings.ground_truth_dir))}  # fmt: skip


def materialize(settings):
    return dg.materialize(
        [transcripts], partition_key=DAY.isoformat(), resources=resources(settings)
    )


def by_call(wh):
    return {r["call_id"]: r for r in wh.read("transcripts", DAY, DAY).to_dict("records")}


def test_without_rules_nothing_is_transcribed_and_metadata_says_so(home):
    settings, wh, _ = home
    result = materialize(settings)
    assert result.success
    rows = by_call(wh)
    assert {r["status"] for r in rows.values()} == {"not_selected"}
    assert {r["reason"] for r in rows.values()} == {"no transcription rule"}
    metadata = result.asset_materializations_for_node("transcripts")[0].metadata
    assert "no transcription rules configured" in metadata["note"].value
    assert metadata["selected"].value == 0


@pytest.mark.slow
def test_nightly_run_transcribes_what_the_rules_selected_at_call_time(home):
    settings, wh, store = home
    with store.session() as session:
        set_layout(session, 10, "left", actor="admin")  # account default; the number overrides it
        import_rule(session, RULE, actor="analyst")
    result = materialize(settings)
    assert result.success
    rows = by_call(wh)
    assert len(rows) == len(CALLS)
    assert rows[1]["status"] == "ok"
    assert rows[1]["rule_id"] == "t1"
    assert rows[2]["status"] == "not_selected"
    assert rows[2]["reason"] == "rule t1 disabled at call time"
    assert rows[3]["status"] == "error"
    assert rows[3]["error"].startswith("corrupt")
    assert rows[4]["reason"] == "no rule matches"
    assert rows[5]["reason"] == "no recording"
    assert rows[6]["status"] == "ok"
    assert rows[6]["is_stereo"]
    assert rows[1]["recognizer"] == "ground-truth"
    # the number's layout says client on the right: the swapped recording reads like the normal one
    swapped = json.loads(rows[6]["prosody"])["call"]["speakers"]
    assert swapped["client"]["f0_median_hz"] < swapped["employee"]["f0_median_hz"]
    metadata = result.asset_materializations_for_node("transcripts")[0].metadata
    assert metadata["selected"].value == 3
    assert metadata["errors"].value == 1
    assert metadata["transcribed"].value == 2
    assert metadata["audio_minutes"].value > 0
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["transcription_errors"].metadata["error_count"].value == 1
    assert checks["every_call_decided"].passed


def run_backfill(settings, rule_id: str, actor: str):
    run_config, tags = backfill_run(
        DAY.isoformat(), DAY.isoformat(), TranscriptsConfig(backfill_rule_id=rule_id, actor=actor)
    )
    job = dg.Definitions.merge(defs, dg.Definitions(resources=resources(settings)))
    return job.resolve_job_def("transcription_backfill").execute_in_process(
        run_config=run_config, tags=tags, raise_on_error=False
    )


def test_backfill_job_transcribes_the_off_window_and_is_audited(home):
    settings, wh, store = home
    with store.session() as session:
        import_rule(session, RULE, actor="analyst")
    assert materialize(settings).success
    first = by_call(wh)
    result = run_backfill(settings, "t1", "analyst")
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["every_call_decided"]  # the asset's checks run on a backfill too
    rows = by_call(wh)
    assert rows[2]["status"] == "ok"
    assert rows[2]["rule_id"] == "t1"
    assert rows[1]["turns"] == first[1]["turns"]  # already transcribed: kept, not redone
    assert rows[4]["status"] == "not_selected"  # the rule's filters still hold
    with store.session() as session:
        entries = audit.history(session, "transcription_rule", "t1")
    backfill = [e for e in entries if e.action == "backfill"]
    assert len(backfill) == 1
    assert backfill[0].actor == "analyst"
    assert backfill[0].after["days"] == [DAY.isoformat()]
    assert backfill[0].after["kept_existing"] == 2


def test_backfill_of_an_unknown_rule_fails_clearly(home):
    settings, _, _ = home
    result = run_backfill(settings, "nope", "a")
    assert not result.success
    failure = result.get_step_failure_events()[0]
    assert "transcription rule 'nope' does not exist" in failure.event_specific_data.error.message


def test_sensor_launches_pending_backfill_requests(home):
    settings, _, store = home
    with store.session() as session:
        request = request_backfill(session, "t1", DAY, DAY, actor="analyst")
        request_id = request.id
    context = dg.build_sensor_context(resources=resources(settings))
    runs = list(transcription_backfill_requests(context))
    assert len(runs) == 1
    op_config = runs[0].run_config["ops"]["transcripts"]["config"]
    assert op_config["backfill_rule_id"] == "t1"
    assert op_config["request_id"] == request_id
    assert runs[0].tags["dagster/asset_partition_range_start"] == DAY.isoformat()
    assert (
        list(
            transcription_backfill_requests(dg.build_sensor_context(resources=resources(settings)))
        )
        == []
    )


def test_definitions_load_with_the_shared_resources(home):
    settings, _, _ = home
    merged = dg.Definitions.merge(defs, dg.Definitions(resources=resources(settings)))
    dg.Definitions.validate_loadable(merged)
    assert merged.resolve_job_def("transcription_backfill") is not None
