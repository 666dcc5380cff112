"""One live poll over every source with the per-communication steps: what ``callscope live run
--once`` and the Dagster sensor both call."""

from __future__ import annotations

from typing import Any

from data.config.store import ConfigStore
from data.live.poller import PollOptions, SourceResult, poll_all
from data.settings import Settings, get_settings
from data.warehouse import Warehouse
from pipelines.defs.live.steps import Steps
from speech.recognizer import Recognizer, VoskRecognizer


def steps_from_settings(
    store: ConfigStore,
    warehouse: Warehouse,
    recognizer: Recognizer | None = None,
    settings: Settings | None = None,
) -> Steps:
    """The micro-batch steps as ``settings`` (else the process's settings) describe them."""
    settings = settings or get_settings()
    return Steps(
        warehouse=warehouse,
        store=store,
        recognizer=recognizer
        or VoskRecognizer(settings.vosk_model_path, gate=settings.speech_gating),
        recordings_dir=settings.recordings_dir,
        workers=settings.speech_workers,
        scheduler=settings.dask_scheduler,
        notification_settings=settings,
    )


def run_once(
    store: ConfigStore | None = None,
    warehouse: Warehouse | None = None,
    steps: Steps | None = None,
    options: PollOptions | None = None,
    settings: Settings | None = None,
) -> list[SourceResult]:
    settings = settings or get_settings()
    store = store or ConfigStore.from_settings()
    warehouse = warehouse or Warehouse.from_settings()
    steps = steps or steps_from_settings(store, warehouse, settings=settings)
    options = options or PollOptions(timezone=settings.timezone, landing_dir=settings.landing_dir)
    return poll_all(store, warehouse, steps.recordings_dir, steps, options)


def summary(results: list[SourceResult]) -> dict[str, Any]:
    """One line for the whole poll: totals and each account's figures."""
    totals = {
        key: sum(getattr(r, key) for r in results)
        for key in ("fetched", "new", "updated", "processed", "quarantined")
    }
    totals["errors"] = sum(len(r.errors) for r in results)
    return {**totals, "sources": len(results), "accounts": [r.summary() for r in results]}
