"""The cabinet's SmartTag calls, driven over the API: a training request, the sensor's run (see
``replay``), the e-mail to a loopback SMTP server, the promoted model switched on; another account
gets a preset, which tags without training."""

from __future__ import annotations

import time

import dagster as dg

from data.config.store import ConfigStore
from data.settings import get_settings
from pipelines.demo.replay import run_training_job
from pipelines.demo.smtp import loopback_smtp
from pipelines.demo.summary import DemoSummary

# A small model and demo-sized gates keep `make demo` short; an account's real training uses the
# defaults (1,000 calls, 30 positives per tag, a 2-layer encoder). The labels come from the demo's
# own `training_labels` resource (the generator's reference tags).
SMARTTAG_DEMO_TRAINING = {
    "min_calls": 100,
    "min_positives": 10,
    "epochs": 4,
    "hidden_size": 64,
    "num_layers": 1,
    "num_heads": 2,
    "vocab_size": 3000,
    "max_length": 192,
}
GATE_OPTIONS = ("min_calls", "recommended_calls", "min_positives", "test_share", "seed")
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
    from fastapi.testclient import TestClient
    from transformers.utils import logging as transformers_logging

    from pipelines.demo.labels import ground_truth_labels
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
        truth = ground_truth_labels(settings.ground_truth_dir, train_account)
        tags = sorted(set().union(*truth.values()))
        created = api.post(
            f"{API}/smarttag/training-requests",
            headers=headers,
            json={"tags": tags, "email": SMARTTAG_DEMO_EMAIL},
        )
        created.raise_for_status()
        request_id = created.json()["id"]
        outcome = run_training_job(instance, defs, request_id, training, summary)
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
        model = {k: v for k, v in training.items() if k not in GATE_OPTIONS}
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
            account = default_account_id(session)
            if account is None:
                raise LookupError("the demo's database has no account")
            return account, industries
    finally:
        store.dispose()


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
