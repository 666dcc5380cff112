"""The demo's SmartTag step: an API request, the sensor and training job, the e-mail saved by the
local SMTP server, the model switched on over the API, and a preset on another account."""

import datetime as dt
import email
import json

import dagster as dg
import pytest

from data.config.models.core import Account
from data.config.store import ConfigStore
from data.demo.generator import DemoSpec
from data.settings import get_settings
from data.warehouse import Warehouse
from models import registry
from pipelines.defs.smarttag import defs as smarttag_defs
from pipelines.demo.api_driver import smarttag_demo
from pipelines.demo.resources import GroundTruthLabelsResource
from pipelines.demo.seed import admin_token
from pipelines.demo.summary import DemoSummary
from pipelines.resources import ConfigStoreResource, WarehouseResource
from tests.models.synthetic import calls
from tests.models.workflow_fixtures import write_calls

TRAINING = {
    "min_calls": 150,
    "min_positives": 20,
    "epochs": 6,
    "hidden_size": 32,
    "num_layers": 1,
    "vocab_size": 400,
    "max_length": 64,
    "wide_features": 2**12,
}
PRESET = {"name": "auto", "calls": 160}
# the demo's resource, not run config, makes SmartTag learn the generator's reference tags


@pytest.mark.slow
def test_demo_trains_over_the_api_mails_locally_and_applies_a_preset():
    settings = get_settings()
    store = ConfigStore(settings.database_url)
    labelled = calls(220, seed=11)
    ids = write_calls(Warehouse.from_settings(), dt.date(2026, 5, 4), 1, labelled, start_id=1000)
    truth = settings.ground_truth_dir / "communication_tags.jsonl"
    truth.parent.mkdir(parents=True)
    truth.write_text(
        "".join(
            json.dumps(
                {"account_id": 1, "communication_id": cid, "tags": list(e.tags)}, ensure_ascii=False
            )
            + "\n"
            for cid, e in zip(ids, labelled, strict=True)
        )
    )
    with store.session() as session:
        session.add_all(
            [
                Account(id=1, name="Недвижимость", industry="real_estate"),
                Account(id=2, name="Авто", industry="auto"),
            ]
        )
        session.flush()
        token = admin_token(session, settings.home)
    defs = dg.Definitions.merge(
        smarttag_defs,
        dg.Definitions(
            resources={
                "warehouse": WarehouseResource(),
                "config_store": ConfigStoreResource(),
                "training_labels": GroundTruthLabelsResource(
                    ground_truth_dir=str(settings.ground_truth_dir)
                ),
            }
        ),
    )
    summary = DemoSummary(DemoSpec())

    outcome = smarttag_demo(
        dg.DagsterInstance.ephemeral(), defs, summary, token, training=TRAINING, preset=PRESET
    )

    assert outcome["job_ok"], summary.failed_steps
    assert not summary.failed_steps, summary.failed_steps
    assert outcome["request"]["status"] == "succeeded"
    assert summary.checks_passed == 1
    assert not summary.checks_failed
    [saved] = outcome["mail"]
    assert saved.parent == settings.home / "mail"
    message = email.message_from_bytes(saved.read_bytes())
    assert "ready" in message["Subject"]
    assert "macro-F1: SmartTag" in message.get_payload()
    with store.session() as session:
        trained, preset = registry.account_state(session, 1), registry.account_state(session, 2)
        assert trained["enabled"]
        assert trained["active"]["status"] == "promoted"
        assert preset["enabled"]
        assert preset["active"]["preset"] == "auto"
    assert outcome["preset_account"] == 2
    assert any(str(saved) in note for note in summary.notes)
    store.dispose()
