"""The nightly asset raises a day's events once; the sensor and `callscope notifications
deliver --once` deliver them with the same code."""

import datetime as dt
import json

import dagster as dg
from typer.testing import CliRunner

from data.config.store import ConfigStore
from data.settings import get_settings
from data.warehouse import Warehouse
from pipelines.cli.main import app
from pipelines.defs.notifications import assets, sensors
from pipelines.resources import ConfigStoreResource, NotificationsResource, WarehouseResource
from tests.notifications.conftest import add_rule, seed
from tests.notifications.test_outbox import DAY, communications


def test_the_nightly_asset_raises_once_and_the_cli_and_sensor_deliver(
    callscope_home, monkeypatch, receiver
):
    monkeypatch.setenv("CALLSCOPE_NOTIFICATIONS_ALLOW_PRIVATE_HOSTS", "1")
    get_settings.cache_clear()
    settings = get_settings()
    store = ConfigStore(settings.database_url)
    seed(store)
    add_rule(
        store,
        {
            "name": "CRM",
            "event": "call_finished",
            "http": {"url": receiver.url + "/crm", "method": "POST"},
        },
    )
    Warehouse(settings.warehouse_dir).write_partition("communications", DAY, communications())
    resources = {
        "warehouse": WarehouseResource(root=str(settings.warehouse_dir)),
        "config_store": ConfigStoreResource(url=settings.database_url),
        "notifications": NotificationsResource(),
    }

    def materialize():
        result = dg.materialize(
            [assets.notification_events], resources=resources, partition_key=DAY.isoformat()
        )
        assert result.success
        (event,) = result.get_asset_materialization_events()
        return {k: v.value for k, v in event.materialization.metadata.items()}

    assert materialize() == {"events": 12, "duplicates": 0, "deliveries": 3, "outside_schedule": 0}
    assert materialize()["events"] == 0  # a re-run raises nothing new

    result = CliRunner().invoke(app, ["notifications", "deliver", "--once"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["delivered"] == 3
    assert len(receiver.applied) == 3

    add_rule(
        store,
        {
            "name": "Ещё",
            "event": "call_finished",
            "http": {"url": receiver.url + "/more", "method": "POST"},
        },
    )
    Warehouse(settings.warehouse_dir).write_partition(
        "communications",
        DAY + dt.timedelta(days=1),
        communications().assign(
            communication_id=lambda f: f["communication_id"] + "0",
            id=lambda f: f["id"] * 10,
            date_time=lambda f: f["date_time"] + dt.timedelta(days=1),
        ),
    )
    dg.materialize(
        [assets.notification_events],
        resources=resources,
        partition_key=(DAY + dt.timedelta(days=1)).isoformat(),
    )
    with dg.build_sensor_context(resources=resources) as context:
        skip = sensors.notification_delivery(context)
    assert "delivered 6" in skip.skip_message
    assert len(receiver.applied) == 9
    store.dispose()


def test_bad_day_is_exit_2():
    result = CliRunner().invoke(app, ["notifications", "raise", "--day", "yesterday"])
    assert result.exit_code == 2
