"""`callscope notifications`: deliver the outbox, raise a day's events."""

import datetime as dt
import time

import typer

from pipelines.cli.common import emit, run_cli


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the main app."""
    group = typer.Typer(help="Notifications: raise events, deliver the outbox.")

    @group.command("deliver")
    @run_cli
    def deliver(
        once: bool = typer.Option(
            False, "--once", help="Deliver what is due now, then exit (else keep delivering)."
        ),
        interval: float = typer.Option(2.0, "--interval", min=0.1, help="Seconds between runs."),
    ) -> None:
        """Sends due deliveries (HTTP, e-mail, SMS) with retries; one JSON line per run."""
        from data.config.store import ConfigStore
        from data.notifications.delivery import Policy, deliver_due
        from data.settings import get_settings

        store = ConfigStore.from_settings()
        policy = Policy.from_settings(get_settings())
        while True:
            report = deliver_due(store, policy)
            emit(
                {
                    "claimed": report.claimed,
                    "delivered": report.delivered,
                    "retried": report.retried,
                    "failed": report.failed,
                }
            )
            if once:
                return
            time.sleep(interval)

    @group.command("raise")
    @run_cli
    def raise_events(
        day: str = typer.Option(..., "--day", help="Partition YYYY-MM-DD of the warehouse."),
    ) -> None:
        """Raises one day's events from the warehouse (the nightly asset's work); a day raised
        before raises nothing new."""
        from data.config.store import ConfigStore
        from data.errors import InputError
        from data.notifications.sources import raise_day, raise_spam_day
        from data.settings import get_settings
        from data.warehouse import Warehouse

        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise InputError("--day", None, "day", f"expected YYYY-MM-DD, got {day!r}") from None
        store, settings, warehouse = (
            ConfigStore.from_settings(),
            get_settings(),
            Warehouse.from_settings(),
        )
        raised = raise_day(store, settings, warehouse, date)
        raised.add(raise_spam_day(store, settings, warehouse, date))
        emit(raised.__dict__)

    app.add_typer(group, name="notifications")
