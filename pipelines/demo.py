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
        lines = [
            f"callscope demo: {self.spec.start} .. {self.spec.end}, {self.spec.accounts} accounts, "
            f"finished in {self.seconds:.0f} s",
            "",
            "rows per warehouse table:",
        ]
        width = max((len(t) for t in self.rows), default=10)
        for table, n in sorted(self.rows.items()):
            q = self.quarantined.get(table)
            lines.append(f"  {table:<{width}}  {n:>9}" + (f"   quarantined {q}" if q else ""))
        lines += [
            "",
            f"quarantined rows: {sum(self.quarantined.values())}",
            f"asset checks: {self.checks_passed} passed, {len(self.checks_failed)} failed",
        ]
        lines += [f"  failed check: {c}" for c in self.checks_failed]
        lines += [f"  failed step: {s}" for s in self.failed_steps]
        lines += [f"note: {n}" for n in self.notes]
        lines += [
            "",
            "Open the Dagster UI:  make ui     (http://127.0.0.1:3000)",
            "Open the API:        make serve  (http://127.0.0.1:8000/docs)",
        ]
        if self.admin_token:
            lines.append(
                f"API token of the demo's admin user (also in $CALLSCOPE_HOME/admin-token): "
                f"{self.admin_token}"
            )
        return "\n".join(lines)


def prepare_demo(spec: DemoSpec, home: Path | None = None) -> PreparedDemo:
    settings = get_settings()
    home = Path(home or settings.home)
    result = generate_demo(home, spec)
    url = (
        settings.database_url
        if home == settings.home
        else f"sqlite:///{(home / 'config.sqlite3').resolve()}"
    )
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
            summary.checks_failed.append(
                f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name} ({label})"
            )
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            summary.failed_steps.append(
                f"{event.step_key} ({label}): {event.event_specific_data.error.message.strip()[:300]}"
            )


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
        summary.notes.append(
            "no Vosk model configured (CALLSCOPE_VOSK_MODEL_PATH): call transcripts replay "
            "the demo generator's reference dialogues, marked recognizer=ground-truth"
        )
    plan = _plan(defs)
    everything = [*defs.assets, *(defs.asset_checks or [])]
    resources = defs.resources

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

    def materialize(keys, label, **kwargs):
        if not keys:
            return
        result = dg.materialize(
            everything,
            selection=keys,
            instance=instance,
            resources=resources,
            raise_on_error=False,
            run_config=quiet,
            **kwargs,
        )
        _collect(result, summary, label)

    if plan.on_request:
        summary.notes.append(
            "launched by their jobs with run config, not by the demo: "
            + ", ".join(k.to_user_string() for k in plan.on_request)
        )

    history_start = spec.end - dt.timedelta(days=spec.spam_days - 1)
    history_end = spec.start - dt.timedelta(days=1)
    if history_end >= history_start:
        materialize(
            plan.history,
            "history",
            tags={
                "dagster/asset_partition_range_start": history_start.isoformat(),
                "dagster/asset_partition_range_end": history_end.isoformat(),
            },
        )
    materialize(plan.before, "models")
    # SmartTag trains on everything up to the day before the last, so the last day is tagged
    smarttag_day = spec.dates[-2] if len(spec.dates) > 1 else None
    for day in spec.dates:
        materialize(plan.daily, day.isoformat(), partition_key=day.isoformat())
        if day == smarttag_day:
            _step(
                summary,
                "smarttag",
                lambda: smarttag_demo(instance, defs, summary, prepared.admin_token),
            )
    materialize(plan.after, "marts")
    from pipelines.defs.live.demo import live_demo  # the live path on a local Data API

    _step(summary, "live", lambda: summary.notes.append(live_demo(get_settings().home)))
    _tally(summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _step(summary: DemoSummary, label: str, action) -> None:
    try:
        action()
    except Exception as error:  # the demo reports a broken step and carries on with the rest
        summary.failed_steps.append(f"{label}: {type(error).__name__}: {error}"[:400])


# A small model and demo-sized gates keep `make demo` short; an account's real training uses the
# defaults (1,000 calls, 30 positives per tag, a 2-layer encoder).
SMARTTAG_DEMO_TRAINING = {
    "labels": "ground_truth",
    "min_calls": 100,
    "min_positives": 10,
    "epochs": 4,
    "hidden_size": 64,
    "num_layers": 1,
    "num_heads": 2,
    "vocab_size": 3000,
    "max_length": 192,
}
GATE_AND_LABEL_OPTIONS = (
    "labels",
    "min_calls",
    "recommended_calls",
    "min_positives",
    "test_share",
    "seed",
)
SMARTTAG_DEMO_PRESET = {"name": "auto", "calls": 600}
SMARTTAG_DEMO_EMAIL = "ml-team@demo.callscope.example"
API = "/api/v1"


def smarttag_demo(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    summary: DemoSummary,
    token: str,
    training: dict | None = None,
    preset: dict | None = None,
) -> dict:
    """The cabinet requests SmartTag training over the API; the sensor launches the training job,
    which e-mails a local SMTP server; the promoted model is switched on over the API. Another
    account gets a preset, which tags without training."""
    from fastapi.testclient import TestClient
    from transformers.utils import logging as transformers_logging

    from models.workflow import ground_truth_labels
    from serving.main import create_app

    transformers_logging.disable_progress_bar()  # weight save/load bars would flood the summary
    started = time.perf_counter()
    training = {**SMARTTAG_DEMO_TRAINING, **(training or {})}
    preset = {**SMARTTAG_DEMO_PRESET, **(preset or {})}
    settings = get_settings()
    mail_dir = settings.home / "mail"
    with loopback_smtp(mail_dir) as port, TestClient(create_app()) as api:
        headers = {"Authorization": f"Bearer {token}"}
        train_account, industries = _accounts(settings)
        tags = sorted(set().union(*ground_truth_labels(train_account).values()))
        created = api.post(
            f"{API}/smarttag/training-requests",
            headers=headers,
            json={"tags": tags, "email": SMARTTAG_DEMO_EMAIL},
        )
        created.raise_for_status()
        request_id = created.json()["id"]
        outcome = _run_training_job(instance, defs, request_id, training, summary)
        status = api.get(f"{API}/smarttag/training-requests/{request_id}", headers=headers).json()
        saved = sorted(mail_dir.glob("*.eml"))
        summary.notes.append(
            f"SmartTag: request {request_id} of account {train_account} "
            f"{status['status']}: {status['message']}"
        )
        summary.notes.append(
            f"SmartTag: e-mail to {SMARTTAG_DEMO_EMAIL} received by the SMTP "
            f"server on 127.0.0.1:{port}, saved to "
            + (", ".join(str(p) for p in saved) or "(nothing arrived)")
        )
        if status["status"] == "succeeded":
            api.put(
                f"{API}/smarttag/switch", headers=headers, json={"enabled": True}
            ).raise_for_status()
            summary.notes.append(
                f"SmartTag: account {train_account} switched on over the API; "
                "the next day's calls are tagged by its model"
            )
    preset_account = next(
        (
            a
            for a, industry in sorted(industries.items())
            if industry == preset["name"] and a != train_account
        ),
        None,
    )
    if preset_account is not None:
        model = {k: v for k, v in training.items() if k not in GATE_AND_LABEL_OPTIONS}
        _apply_demo_preset(preset["name"], preset["calls"], preset_account, summary, model)
    summary.notes.append(
        f"SmartTag: the demo's training and preset took {time.perf_counter() - started:.0f} s"
    )
    return {"request": status, "mail": saved, "job_ok": outcome, "preset_account": preset_account}


def _accounts(settings) -> tuple[int, dict[int, str | None]]:
    """The account the cabinet API works on (its default account), and every account's industry."""
    from sqlalchemy import select

    from data.config.models.core import Account
    from serving.access.catalog import default_account_id

    store = ConfigStore(settings.database_url)
    try:
        with store.session() as session:
            industries = dict(session.execute(select(Account.id, Account.industry)).all())
            return default_account_id(session), industries
    finally:
        store.dispose()


def _run_training_job(
    instance, defs, request_id: int, training: dict, summary: DemoSummary
) -> bool:
    """What the running sensor does every 30 s, done once: its run request, with the demo's
    small configuration merged into the run config."""
    from pipelines.defs.smarttag.training import PROMOTION_CHECK, smarttag_training_requests

    context = dg.build_sensor_context(instance=instance, resources=defs.resources)
    run_requests = [
        r
        for r in smarttag_training_requests(context) or []
        if isinstance(r, dg.RunRequest) and r.tags.get("smarttag/request_id") == str(request_id)
    ]
    if not run_requests:
        raise RuntimeError(f"the sensor did not pick up SmartTag request {request_id}")
    run = run_requests[0]
    run.run_config["ops"]["smarttag_candidate"]["config"].update(training)
    job = defs.resolve_job_def("smarttag_training")
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    result = job.execute_in_process(
        run_config={**run.run_config, **quiet},
        instance=instance,
        tags=run.tags,
        raise_on_error=False,
    )
    rejected = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == PROMOTION_CHECK and not e.passed
    ]
    if not rejected:
        _collect(result, summary, "smarttag training")
        return result.success
    # a candidate that does not beat the baseline is a legitimate outcome of training, not a
    # broken demo: the check did its job, the requester was told, nothing was promoted
    summary.checks_passed += sum(e.passed for e in result.get_asset_check_evaluations())
    summary.notes.append(
        "SmartTag: the blocking check kept the candidate out: "
        + (rejected[0].description or "it does not beat the baseline")
    )
    return False


def _apply_demo_preset(
    name: str, calls: int, account_id: int, summary: DemoSummary, params: dict
) -> None:
    from models.presets import apply_preset, build_preset, preset_dir

    if not (preset_dir(name) / "manifest.json").is_file():
        build_preset(name, n=calls, params=params)
        summary.notes.append(
            f"SmartTag: preset {name} built from {calls} generated dialogues "
            "(demo size; `callscope smarttag presets build` builds the full one)"
        )
    store = ConfigStore(get_settings().database_url)
    try:
        with store.session() as session:
            apply_preset(session, account_id, name, "demo")
    finally:
        store.dispose()
    summary.notes.append(
        f"SmartTag: preset {name} applied to account {account_id}, which is tagged without training"
    )


class _SavingHandler:
    """An aiosmtpd handler that saves every message it receives as an .eml file."""

    def __init__(self, directory: Path):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        self.directory.mkdir(parents=True, exist_ok=True)
        number = len(list(self.directory.glob("*.eml"))) + 1
        (self.directory / f"{number:04d}.eml").write_bytes(envelope.content)
        return "250 OK"


class loopback_smtp:  # noqa: N801 (used as a context manager)
    """A local SMTP server on 127.0.0.1 for the demo; the platform's mail settings point at it."""

    def __init__(self, directory: Path):
        self.directory = directory

    def __enter__(self) -> int:
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.controller = Controller(
            _SavingHandler(self.directory), hostname="127.0.0.1", port=port
        )
        self.controller.start()
        self.saved_env = {
            k: os.environ.get(k) for k in ("CALLSCOPE_SMTP_HOST", "CALLSCOPE_SMTP_PORT")
        }
        os.environ["CALLSCOPE_SMTP_HOST"], os.environ["CALLSCOPE_SMTP_PORT"] = (
            "127.0.0.1",
            str(port),
        )
        get_settings.cache_clear()
        return port

    def __exit__(self, *exc) -> None:
        self.controller.stop()
        for key, value in self.saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


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
        if (
            not node.is_materializable
            or key in on_request
            or _downstream_of(graph, key, on_request)
        ):
            continue
        (daily if node.partitions_def is not None else unpartitioned).append(key)
    history = [
        k
        for k in daily
        if k.to_user_string() in HISTORY_ASSETS
        or graph.get(k).group_name in HISTORY_ASSET_GROUPS
        and not _has_unpartitioned_parent(graph, k)
    ]

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
    return _Plan(
        history=history,
        before=before,
        daily=daily,
        after=after,
        on_request=sorted(
            on_request
            | {k for k in graph.get_all_asset_keys() if _downstream_of(graph, k, on_request)}
        ),
    )


def _downstream_of(graph, key, roots: set) -> bool:
    parents = graph.get(key).parent_keys
    return any(p in roots or (graph.has(p) and _downstream_of(graph, p, roots)) for p in parents)


def _has_unpartitioned_parent(graph, key) -> bool:
    return any(
        graph.has(p) and graph.get(p).partitions_def is None for p in graph.get(key).parent_keys
    )


def _tally(summary: DemoSummary) -> None:
    wh = Warehouse.from_settings()
    for table in wh.tables():
        n = wh.count(table)
        if table.startswith("quarantine_"):
            summary.quarantined[table.removeprefix("quarantine_")] = n
        else:
            summary.rows[table] = n
