"""Runs the whole pipeline on the demo account: generate, seed, materialize, summarize.

Runs go into the Dagster instance at ``DAGSTER_HOME`` (the Makefile points it at
``$CALLSCOPE_HOME/dagster``), so ``make ui`` shows the demo's materializations and checks.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from data.config.store import ConfigStore
from data.demo.generator import DemoSpec, generate_demo
from data.demo.seed import seed_config
from data.settings import get_settings
from data.warehouse import Warehouse

# The platform-wide call log spans months; it is ingested in one ranged run, not day by day.
HISTORY_ASSET_GROUPS = ("antispam",)
HISTORY_ASSETS = ("incoming_calls",)


@dataclass
class PreparedDemo:
    home: Path
    counts: dict[str, int]
    admin_token: str | None = None


@dataclass
class DemoSummary:
    spec: DemoSpec
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    admin_token: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed_steps

    def render(self) -> str:
        lines = [f"callscope demo: {self.spec.start} .. {self.spec.end}, {self.spec.accounts} accounts, "
                 f"finished in {self.seconds:.0f} s", "", "rows per warehouse table:"]
        width = max((len(t) for t in self.rows), default=10)
        for table, n in sorted(self.rows.items()):
            q = self.quarantined.get(table)
            lines.append(f"  {table:<{width}}  {n:>9}" + (f"   quarantined {q}" if q else ""))
        lines += ["", f"quarantined rows: {sum(self.quarantined.values())}",
                  f"asset checks: {self.checks_passed} passed, {len(self.checks_failed)} failed"]
        lines += [f"  failed check: {c}" for c in self.checks_failed]
        lines += [f"  failed step: {s}" for s in self.failed_steps]
        lines += [f"note: {n}" for n in self.notes]
        lines += ["", "Open the Dagster UI:  make ui     (http://127.0.0.1:3000)",
                  "Open the API:        make serve  (http://127.0.0.1:8000/docs)"]
        if self.admin_token:
            lines.append(f"API token of the demo's admin user (also in $CALLSCOPE_HOME/admin-token): "
                         f"{self.admin_token}")
        return "\n".join(lines)


def prepare_demo(spec: DemoSpec, home: Path | None = None) -> PreparedDemo:
    settings = get_settings()
    home = Path(home or settings.home)
    result = generate_demo(home, spec)
    url = settings.database_url if home == settings.home else f"sqlite:///{(home / 'config.sqlite3').resolve()}"
    store = ConfigStore(url)
    with store.session() as session:
        seed_config(session, result.reference, spec)
        _seed_spam_feedback(session, result, spec)
        token = _admin_token(session, home)
    store.dispose()
    return PreparedDemo(home, result.counts, token)


def _admin_token(session, home: Path) -> str:
    """The demo's full-access API user; its token is also kept in ``<home>/admin-token``."""
    from serving.access.accounts import create_user, issue_token

    user = create_user(session, "admin", "demo", full_name="Администратор", full_access=True)
    token = issue_token(session, user, "demo")
    path = home / "admin-token"
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token


def _seed_spam_feedback(session, result, spec: DemoSpec) -> None:
    """Accounts' complaints, spam marks and list entries: the labels the spam model learns from."""
    from antispam.lists import seed_feedback, set_switches
    from data.demo.incoming_calls import plant_feedback

    accounts = [a["id"] for a in result.reference.accounts]
    start = spec.end - dt.timedelta(days=spec.spam_days - 1)
    feedback = plant_feedback(result.incoming_truth, accounts, start, spec.end, spec.seed)
    seed_feedback(session, feedback.lists, feedback.marks)
    # One account tags and blocks spam; the others only tag it, so both policies show.
    set_switches(session, accounts[0], "demo", tag=True, block=True)
    for account in accounts[1:]:
        set_switches(session, account, "demo", tag=True, block=False)


def _instance() -> dg.DagsterInstance:
    if not os.environ.get("DAGSTER_HOME"):
        home = (get_settings().home / "dagster").resolve()
        home.mkdir(parents=True, exist_ok=True)
        os.environ["DAGSTER_HOME"] = str(home)
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        # callscope runs offline: no usage statistics leave the machine.
        config.write_text("telemetry:\n  enabled: false\n")
    return dg.DagsterInstance.get()


def _collect(result: dg.ExecuteInProcessResult, summary: DemoSummary, label: str) -> None:
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            summary.checks_passed += 1
        else:
            summary.checks_failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name} ({label})")
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            summary.failed_steps.append(f"{event.step_key} ({label}): {event.event_specific_data.error.message.strip()[:300]}")


def run_demo(spec: DemoSpec, fresh: bool = True) -> DemoSummary:
    from pipelines.definitions import defs

    started = time.perf_counter()
    settings = get_settings()
    if fresh and settings.home.exists():
        shutil.rmtree(settings.home)
    settings.home.mkdir(parents=True, exist_ok=True)
    if settings.vosk_model_path is None and settings.recognizer == "vosk":
        os.environ["CALLSCOPE_RECOGNIZER"] = "ground-truth"
        get_settings.cache_clear()
    prepared = prepare_demo(spec)
    instance = _instance()
    summary = DemoSummary(spec)
    summary.admin_token = prepared.admin_token
    if get_settings().recognizer == "ground-truth":
        summary.notes.append("no Vosk model configured (CALLSCOPE_VOSK_MODEL_PATH): call transcripts replay "
                             "the demo generator's reference dialogues, marked recognizer=ground-truth")
    plan = _plan(defs)
    everything = [*defs.assets, *(defs.asset_checks or [])]
    resources = defs.resources

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

    def materialize(keys, label, **kwargs):
        if not keys:
            return
        result = dg.materialize(everything, selection=keys, instance=instance, resources=resources,
                                raise_on_error=False, run_config=quiet, **kwargs)
        _collect(result, summary, label)

    if plan.on_request:
        summary.notes.append(
            "launched by their jobs with run config, not by the demo: "
            + ", ".join(k.to_user_string() for k in plan.on_request)
        )

    history_start = spec.end - dt.timedelta(days=spec.spam_days - 1)
    history_end = spec.start - dt.timedelta(days=1)
    if history_end >= history_start:
        materialize(plan.history, "history", tags={
            "dagster/asset_partition_range_start": history_start.isoformat(),
            "dagster/asset_partition_range_end": history_end.isoformat(),
        })
    materialize(plan.before, "models")
    for day in spec.dates:
        materialize(plan.daily, day.isoformat(), partition_key=day.isoformat())
    materialize(plan.after, "marts")
    _tally(summary)
    summary.seconds = time.perf_counter() - started
    return summary


@dataclass
class _Plan:
    history: list[dg.AssetKey]
    before: list[dg.AssetKey]
    daily: list[dg.AssetKey]
    after: list[dg.AssetKey]
    on_request: list[dg.AssetKey]


def _needs_run_config(node) -> bool:
    field = node.assets_def.node_def.config_field
    return field is not None and field.is_required


def _plan(defs: dg.Definitions) -> _Plan:
    graph = defs.resolve_asset_graph()
    on_request = set()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable and _needs_run_config(node):
            on_request.add(key)
    daily, unpartitioned = [], []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable or key in on_request or _downstream_of(graph, key, on_request):
            continue
        (daily if node.partitions_def is not None else unpartitioned).append(key)
    history = [k for k in daily if k.to_user_string() in HISTORY_ASSETS
               or graph.get(k).group_name in HISTORY_ASSET_GROUPS and not _has_unpartitioned_parent(graph, k)]

    def upstream(key, seen=None):
        seen = seen if seen is not None else set()
        for parent in graph.get(key).parent_keys:
            if parent not in seen:
                seen.add(parent)
                upstream(parent, seen)
        return seen

    needed_by_daily = set().union(*(upstream(k) for k in daily)) if daily else set()
    before = [k for k in unpartitioned if k in needed_by_daily]
    after = [k for k in unpartitioned if k not in needed_by_daily]
    return _Plan(history=history, before=before, daily=daily, after=after,
                 on_request=sorted(on_request | {k for k in graph.get_all_asset_keys()
                                                 if _downstream_of(graph, k, on_request)}))


def _downstream_of(graph, key, roots: set) -> bool:
    parents = graph.get(key).parent_keys
    return any(p in roots or (graph.has(p) and _downstream_of(graph, p, roots)) for p in parents)


def _has_unpartitioned_parent(graph, key) -> bool:
    return any(graph.has(p) and graph.get(p).partitions_def is None for p in graph.get(key).parent_keys)


def _tally(summary: DemoSummary) -> None:
    wh = Warehouse.from_settings()
    for table in wh.tables():
        n = wh.count(table)
        if table.startswith("quarantine_"):
            summary.quarantined[table.removeprefix("quarantine_")] = n
        else:
            summary.rows[table] = n
