import dagster as dg

from pipelines.definitions import defs
from pipelines.partitions import daily_partitions


def test_definitions_load_with_resources_job_and_schedule():
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {
        "calls",
        "chats",
        "offline_messages",
        "visitor_sessions",
        "deals",
        "ad_costs",
        "incoming_calls",
        "communications",
        "report_exclusions",
    } <= keys
    job = defs.resolve_job_def("nightly")
    assert job.partitions_def == daily_partitions
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert {"warehouse", "config_store"} <= set(defs.resources)


def test_every_asset_has_a_group_and_a_description():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            assert node.group_name, key
            assert node.group_name != "default", key
            assert node.description, key


def test_the_code_location_validates():
    dg.Definitions.validate_loadable(defs)
