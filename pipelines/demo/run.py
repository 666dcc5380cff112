"""Runs the whole pipeline on the demo account: claim the demo home, generate, seed,
materialize, summarize.

Runs go into the Dagster instance at ``DAGSTER_HOME`` (the Makefile points it at
``$CALLSCOPE_HOME/dagster``), so ``make ui`` shows the demo's materializations and checks.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg

from data.demo.generator import DemoSpec
from data.settings import get_settings
from data.warehouse import Warehouse
from pipelines.demo.api_driver import smarttag_demo
from pipelines.demo.definitions import demo_definitions
from pipelines.demo.live import live_demo
from pipelines.demo.notifications import NotificationsDemo
from pipelines.demo.plan import plan as make_plan
from pipelines.demo.progress import Progress
from pipelines.demo.replay import QUIET
from pipelines.demo.resources import GroundTruthRecognizerResource
from pipelines.demo.seed import prepare_demo
from pipelines.demo.summary import DemoSummary, collect, tally, warehouse_rows
from pipelines.partitions import range_tags


def _instance(home: Path) -> dg.DagsterInstance:
    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str((home / "dagster").resolve())
    dagster_home = Path(os.environ["DAGSTER_HOME"])
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        # callscope runs offline: no usage statistics leave the machine.
        config.write_text("telemetry:\n  enabled: false\n")
    return dg.DagsterInstance.get()


def _use_home(home: Path) -> None:
    """Everything the demo starts in this process (assets, the API) reads this home."""
    os.environ["CALLSCOPE_HOME"] = str(home)
    get_settings.cache_clear()


def run_demo(
    spec: DemoSpec,
    fresh: bool = True,
    home: Path | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    progress = progress or Progress()
    summary = DemoSummary(spec)
    with progress.step("generate and seed the demo account") as counts:
        prepared = prepare_demo(spec, home, fresh=fresh)
        counts.update(prepared.counts)
    _use_home(prepared.home)
    summary.admin_token = prepared.admin_token
    tokens = prepared.home / "admin-tokens"
    if tokens.exists():
        summary.admin_tokens = tokens.read_text().split("\n")[:-1]
    defs = demo_definitions(prepared.home)
    notifications = NotificationsDemo().start(summary, prepared.admin_token)
    if isinstance((defs.resources or {}).get("recognizer"), GroundTruthRecognizerResource):
        summary.notes.append(
            "no Vosk model configured (CALLSCOPE_VOSK_MODEL_PATH): call transcripts replay "
            "the demo generator's reference dialogues, marked recognizer=ground-truth"
        )
    instance = _instance(prepared.home)
    plan = make_plan(defs)
    everything = [
        *(
            a
            for a in defs.assets or []
            if isinstance(a, dg.AssetsDefinition | dg.AssetSpec | dg.SourceAsset)
        ),
        *(defs.asset_checks or []),
    ]

    warehouse = Warehouse(prepared.home / "warehouse")

    def materialize(keys, label, **kwargs) -> int:
        """Runs the assets; returns how many warehouse rows the run added."""
        if not keys:
            return 0
        before = warehouse_rows(warehouse)
        result = dg.materialize(
            everything,
            selection=keys,
            instance=instance,
            resources=defs.resources,
            raise_on_error=False,
            run_config=QUIET,
            **kwargs,
        )
        collect(result, summary, label)
        return warehouse_rows(warehouse) - before

    if plan.on_request:
        summary.notes.append(
            "launched by their jobs with run config, not by the demo: "
            + ", ".join(k.to_user_string() for k in plan.on_request)
        )

    history_start = spec.end - dt.timedelta(days=spec.spam_days - 1)
    history_end = spec.start - dt.timedelta(days=1)
    if history_end >= history_start:
        with progress.step(f"call history {history_start} .. {history_end} (one ranged run)") as c:
            c["assets"] = len(plan.history)
            c["rows written"] = materialize(
                plan.history,
                "history",
                tags=range_tags(history_start.isoformat(), history_end.isoformat()),
            )
    with progress.step("models") as c:
        c["assets"] = len(plan.before)
        c["rows written"] = materialize(plan.before, "models")
    # SmartTag trains on everything up to the day before the last, so the last day is tagged
    smarttag_day = spec.dates[-2] if len(spec.dates) > 1 else None
    with progress.step(f"{len(spec.dates)} demo days, {len(plan.daily)} assets each") as c:
        c["rows written"] = 0
        days = progress.bar(spec.dates, "demo days", "day")
        for day in days:
            c["rows written"] += materialize(
                plan.daily, day.isoformat(), partition_key=day.isoformat()
            )
            days.set_postfix(rows=c["rows written"])
            if day == smarttag_day:
                days.clear()
                _step(
                    summary,
                    "smarttag",
                    lambda: smarttag_demo(instance, defs, summary, prepared.admin_token),
                    progress,
                )
                days.refresh()
        days.close()
    with progress.step("marts") as c:
        c["assets"] = len(plan.after)
        c["rows written"] = materialize(plan.after, "marts")
    with progress.step("notifications"):
        notifications.finish(summary)
    with progress.step("live path on a local Data API"):
        try:
            summary.notes.append(live_demo(prepared.home))
        except Exception as error:  # noqa: BLE001 - the demo reports a broken step and carries on
            summary.failed_steps.append(f"live: {type(error).__name__}: {error}"[:400])
    tally(summary, warehouse)
    summary.seconds = progress.total()
    return summary


def _step(summary: DemoSummary, label: str, action, progress: Progress) -> None:
    with progress.step("SmartTag: request over the API, training job, e-mail, preset") as counts:
        before = len(summary.refusals)
        try:
            action()
        except Exception as error:  # noqa: BLE001 - the demo reports a broken step and carries on with the rest
            summary.failed_steps.append(f"{label}: {type(error).__name__}: {error}"[:400])
        counts["gate refusals"] = len(summary.refusals) - before
