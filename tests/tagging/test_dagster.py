"""The daily asset writes the partition with hit counts in metadata and passes its checks; the
re-tag backfill job applies today's rules to a past range and is audited."""

import datetime as dt

import dagster as dg

from data.config import audit
from data.config.models.core import BackfillRequest
from pipelines.defs.tagging import defs
from pipelines.defs.tagging.assets import CONTRACT_CHECK, TagAssignmentsConfig, tag_assignments
from pipelines.defs.tagging.jobs import retag_backfill_requests, retag_run
from pipelines.resources import ConfigStoreResource, WarehouseResource
from tests.tagging.test_daily import DAY, _seed


def _resources(warehouse, store):
    return {
        "warehouse": WarehouseResource(root=str(warehouse.root)),
        "config_store": ConfigStoreResource(url=store.url),
    }


def test_definitions_load(warehouse, store):
    merged = dg.Definitions.merge(defs, dg.Definitions(resources=_resources(warehouse, store)))
    assert merged.resolve_job_def("retag_backfill").name == "retag_backfill"
    assert dg.AssetKey("tag_assignments") in merged.resolve_asset_graph().get_all_asset_keys()


def test_asset_materializes_partition_with_rule_hits(warehouse, store):
    _seed(warehouse, store)
    result = dg.materialize(
        [tag_assignments], partition_key=DAY.isoformat(), resources=_resources(warehouse, store)
    )
    assert result.success
    [materialization] = result.asset_materializations_for_node("tag_assignments")
    metadata = materialization.metadata
    assert metadata["rule_hits"].value == {"mortgage@1": 2, "mortgage@2": 3}
    assert metadata["tag_counts"].value == {"Ипотека": 5, "Нецелевой": 1}
    assert "| mortgage@2 | 3 |" in metadata["rule_hits_table"].value
    assert metadata["dagster/row_count"].value == 6
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks[CONTRACT_CHECK] is True
    assert warehouse.count("tag_assignments", DAY, DAY) == 6


def test_retag_backfill_materializes_the_asset_with_its_checks_and_is_audited(warehouse, store):
    _seed(warehouse, store)
    run_config, tags = retag_run(
        "2026-04-30",
        "2026-05-01",
        TagAssignmentsConfig(rules="now", actor="anna", reason="new rules"),
    )
    job = dg.Definitions.merge(
        defs, dg.Definitions(resources=_resources(warehouse, store))
    ).resolve_job_def("retag_backfill")
    result = job.execute_in_process(run_config=run_config, tags=tags)
    assert result.success
    materialized = {e.partition for e in result.get_asset_materialization_events() if e.partition}
    assert materialized == {"2026-04-30", "2026-05-01"}
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks[CONTRACT_CHECK] is True
    written = warehouse.read("tag_assignments", DAY, DAY)
    assert set(written.loc[written["source"] == "autotag", "source_ref"]) == {"mortgage@2"}
    with store.session() as session:
        [record] = audit.history(session, "tag_assignments")
    assert (record.actor, record.action, record.entity_id) == (
        "anna",
        "retag_backfill",
        "2026-04-30..2026-05-01",
    )
    assert record.after["assignments"] == {"2026-05-01": len(written)}


def test_sensor_turns_backfill_requests_into_runs(store):
    with store.session() as session:
        session.add(
            BackfillRequest(
                kind="autotag",
                date_from=dt.date(2026, 4, 1),
                date_to=dt.date(2026, 4, 3),
                requested_by="anna",
                status="pending",
            )
        )
    context = dg.build_sensor_context(
        resources={"config_store": ConfigStoreResource(url=store.url)}
    )
    [request] = list(retag_backfill_requests(context))
    config = request.run_config["ops"]["tag_assignments"]["config"]
    assert (config["rules"], config["actor"]) == ("now", "anna")
    assert (
        request.tags["dagster/asset_partition_range_start"],
        request.tags["dagster/asset_partition_range_end"],
    ) == ("2026-04-01", "2026-04-03")
    assert list(retag_backfill_requests(context)) == []
