import datetime as dt

import dagster as dg
import pandas as pd
import pytest

from antispam.lists import seed_feedback, set_switches
from antispam.policy import BLOCKED_TABLE, SPAM_TAGS_TABLE
from data.config import audit
from data.config.models.core import Account
from data.config.store import ConfigStore
from data.demo.incoming_calls import generate_incoming_calls, plant_feedback
from data.warehouse import Warehouse
from pipelines.defs.antispam import assets, defs
from pipelines.resources import (
    ConfigStoreResource,
    ModelsResource,
    QuarantineLimitResource,
    WarehouseResource,
)

START, END = dt.date(2026, 2, 1), dt.date(2026, 2, 21)
ACCOUNTS = [1, 2, 3, 4, 5]


@pytest.mark.slow
def test_rollup_model_verdicts_and_blocked_calls_materialise_with_passing_checks(tmp_path):
    root = tmp_path / "warehouse"
    url = f"sqlite:///{tmp_path / 'config.sqlite3'}"
    truth = generate_incoming_calls(
        root / "incoming_calls",
        START,
        END,
        ACCOUNTS,
        calls_per_day=3000,
        seed=5,
        platform_accounts=150,
    )
    store = ConfigStore(url)
    feedback = plant_feedback(
        truth, ACCOUNTS, START, END, seed=5, ordinary_not_spam_share=0.3, spam_complaint_share=0.8
    )
    with store.session() as s:
        s.add_all([Account(id=i, name=f"a{i}") for i in ACCOUNTS])
        s.flush()
        seed_feedback(s, feedback.lists, feedback.marks)
        set_switches(s, 1, "anna", tag=True, block=True)
    robocaller = sorted(truth.of_kind("robocaller"))[0]
    calls_day = END + dt.timedelta(days=1)
    Warehouse(root).write_partition(
        "communications",
        calls_day,
        pd.DataFrame(
            [
                {
                    "communication_id": "call:1",
                    "communication_type": "call",
                    "account_id": 1,
                    "contact_phone_number": robocaller,
                    "date_time": dt.datetime.combine(calls_day, dt.time(10)),
                },
                {
                    "communication_id": "call:2",
                    "communication_type": "call",
                    "account_id": 2,
                    "contact_phone_number": robocaller,
                    "date_time": dt.datetime.combine(calls_day, dt.time(11)),
                },
            ]
        ),
    )
    resources = {
        "warehouse": WarehouseResource(root=str(root)),
        "config_store": ConfigStoreResource(url=url),
        "models": ModelsResource(),
        "quarantine_limit": QuarantineLimitResource(),
    }
    every = [
        assets.spam_rollup_daily,
        assets.spam_rollup_monthly,
        assets.antispam_model,
        assets.antispam_model_promotion,
        assets.spam_verdicts,
        assets.blocked_calls,
    ]

    def run(selection, **kwargs):
        result = dg.materialize(every, selection=selection, resources=resources, **kwargs)
        assert result.success
        checks = result.get_asset_check_evaluations()
        assert all(c.passed for c in checks), [(c.check_name, c.metadata) for c in checks]
        return result

    rollups = run(
        [assets.spam_rollup_daily],
        tags={
            "dagster/asset_partition_range_start": START.isoformat(),
            "dagster/asset_partition_range_end": END.isoformat(),
        },
    )
    materialization = rollups.asset_materializations_for_node("spam_rollup_daily")[0]
    assert materialization.metadata["days"].value == 21
    assert materialization.metadata["quarantined"].value == sum(truth.planted_bad.values())

    # The window ending on 1 March holds February whole: its month is built, once.
    monthly = run([assets.spam_rollup_monthly], partition_key="2026-03-01")
    [tier] = monthly.asset_materializations_for_node("spam_rollup_monthly")
    assert tier.metadata["months_built"].value == {"2026-02": "not built"}
    assert tier.metadata["months_ready"].value == "2026-02"
    again = run([assets.spam_rollup_monthly], partition_key="2026-03-01")
    [tier] = again.asset_materializations_for_node("spam_rollup_monthly")
    assert tier.metadata["months_built"].value == {}

    model = run([assets.antispam_model])
    [trained] = model.asset_materializations_for_node("antispam_model")
    assert trained.metadata["held_out_spam"].value > 0
    # a candidate is not in effect until the promotion step (after the blocking check)
    promoted = run([assets.antispam_model_promotion])
    [current] = promoted.asset_materializations_for_node("antispam_model_promotion")
    assert current.metadata["version"].value == trained.metadata["version"].value
    with store.session() as s:
        [entry] = audit.history(s, "antispam_model")
        assert entry.action == "promote"
        assert entry.actor == "dagster"

    verdicts = run([assets.spam_verdicts], partition_key=END.isoformat())
    [scored] = verdicts.asset_materializations_for_node("spam_verdicts")
    assert scored.metadata["model_version"].value == trained.metadata["version"].value
    assert scored.metadata["flagged"].value > 0
    assert scored.metadata["rollup_rows_scanned"].value > 0
    assert "| number | score |" in scored.metadata["top_flagged"].value

    run([assets.blocked_calls], partition_key=calls_day.isoformat())
    wh = Warehouse(root)
    assert wh.read(BLOCKED_TABLE)["communication_id"].tolist() == ["call:1"]
    assert wh.read(SPAM_TAGS_TABLE)["communication_id"].tolist() == ["call:1"]
    store.dispose()


def test_definitions_load_with_the_rescoring_job(tmp_path):
    resources = {
        "warehouse": WarehouseResource(root=str(tmp_path)),
        "config_store": ConfigStoreResource(url=f"sqlite:///{tmp_path / 'c.sqlite3'}"),
        "models": ModelsResource(home=str(tmp_path)),
        "quarantine_limit": QuarantineLimitResource(),
    }
    full = dg.Definitions.merge(defs, dg.Definitions(resources=resources))
    job = full.resolve_job_def("antispam_nightly")
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == {
        "spam_rollup_daily",
        "spam_rollup_monthly",
        "spam_verdicts",
        "blocked_calls",
    }
    # No schedule of its own: the platform's nightly job runs these assets with everything else.
    assert not list(full.schedules or [])
