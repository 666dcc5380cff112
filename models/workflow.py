"""The retraining workflow: a cabinet request → training data → candidate → decision → e-mail.

Each step is a plain function over the config store and the warehouse, so the Dagster job, the
CLI and the tests run the same code.
"""

from __future__ import annotations

import json
import logging
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from data.config.store import ConfigStore
from data.warehouse import Warehouse
from models import registry, requests
from models.datasets import Example
from models.errors import NotEnoughDataError
from models.gates import Gates
from models.tagger import SmartTagger
from models.text import document_from_turns
from models.training import promotion_decision, train_with_gates

# Where a training run's labels come from: (config store, account, communication ids) →
# the tags of each labelled call. The product reads people's tag events (``manual_label_reader``).
LabelReader = Callable[[ConfigStore, int, list[str]], dict[str, set[str]]]
log = logging.getLogger(__name__)


def _json(value):
    if isinstance(value, str):
        try:
            return json.loads(value) if value else None
        except json.JSONDecodeError:
            return None
    return value


def recognized_calls(
    warehouse: Warehouse, account_ids: list[int] | None = None, start=None, end=None
) -> pd.DataFrame:
    """Calls whose transcript is ok, with account, turns and intonation features."""
    columns = ["communication_id", "communication_type", "account_id", "turns", "prosody"]
    if not warehouse.has_table("transcripts") or not warehouse.has_table("communications"):
        return pd.DataFrame(columns=columns)
    transcripts = warehouse.read(
        "transcripts",
        start,
        end,
        ["communication_id", "turns", "prosody", "status"],
        where="status = 'ok'",
    )
    where = "communication_type = 'call'"
    if account_ids is not None:
        if not account_ids:
            return pd.DataFrame(columns=columns)
        where += f" AND account_id IN ({', '.join(str(int(a)) for a in account_ids)})"
    communications = warehouse.read(
        "communications",
        start,
        end,
        ["communication_id", "communication_type", "account_id"],
        where=where,
    )
    merged = communications.drop(columns=["date"]).merge(
        transcripts.drop(columns=["date", "status"]), on="communication_id", how="inner"
    )
    return merged.drop_duplicates("communication_id")[columns].reset_index(drop=True)


def manual_labels(session, communication_ids: list[str]) -> dict[str, set[str]]:
    """Tags people set on each reviewed call (a call with any tag event counts as reviewed)."""
    from data.config.models.tagging import TagEvent

    labels: dict[str, set[str]] = {}
    for start in range(0, len(communication_ids), 500):
        chunk = communication_ids[start : start + 500]
        events = session.scalars(
            select(TagEvent)
            .where(TagEvent.communication_id.in_(chunk))
            .order_by(TagEvent.at, TagEvent.id)
        )
        for event in events:
            tags = labels.setdefault(event.communication_id, set())
            if event.action == "set":
                tags.add(event.tag)
            elif event.action == "remove":
                tags.discard(event.tag)
    return labels


def manual_label_reader(
    store: ConfigStore, account_id: int, communication_ids: list[str]
) -> dict[str, set[str]]:
    """The product's labels: the tags people set in the cabinet."""
    with store.session() as session:
        return manual_labels(session, communication_ids)


def labelled_examples(
    warehouse: Warehouse,
    store: ConfigStore,
    account_id: int,
    labels: LabelReader = manual_label_reader,
) -> list[Example]:
    calls = recognized_calls(warehouse, [account_id])
    tags_by_call = labels(store, account_id, calls["communication_id"].tolist())
    examples = []
    for row in calls.itertuples(index=False):
        if row.communication_id in tags_by_call:
            document = document_from_turns(_json(row.turns), _json(row.prosody))
            examples.append(
                Example(
                    row.communication_id,
                    document,
                    tuple(sorted(tags_by_call[row.communication_id])),
                )
            )
    return examples


@dataclass
class TrainingOptions:
    gates: Gates = field(default_factory=Gates)
    params: dict | None = None
    labels: LabelReader = manual_label_reader
    test_share: float = 0.2
    seed: int = 0


def _progress_writer(store: ConfigStore, request_id: int, echo: Callable[[str], None]):
    last = {"fraction": -1.0}

    def progress(stage: str, fraction: float, message: str) -> None:
        overall = {"pretrain": 0.05, "train": 0.1, "baseline": 0.9}.get(stage, 0.0)
        if stage == "train":
            overall += 0.8 * fraction
        if overall - last["fraction"] >= 0.02 or stage != "train":
            last["fraction"] = overall
            echo(f"request {request_id}: {stage} {overall:.0%} {message}")
            with store.session() as session:
                requests.update_progress(session, request_id, overall, f"{stage}: {message}")

    return progress


def train_candidate(
    store: ConfigStore,
    warehouse: Warehouse,
    request_id: int,
    options: TrainingOptions = TrainingOptions(),
    run_id: str | None = None,
    echo: Callable[[str], None] = log.info,
) -> int:
    """Trains a candidate for a request and registers it; returns the version id.

    On any failure the request is marked failed, the requester gets an e-mail, and the error
    propagates.
    """
    with store.session() as session:
        request = requests.get_request(session, request_id)
        account_id, tags, preset = request.account_id, list(request.tags), request.preset
        requests.mark_running(session, request_id, run_id)
        active = registry.active_version(session, account_id)
        active_path = active.path if active else None
    try:
        echo(f"request {request_id}: loading labelled calls of account {account_id}")
        examples = labelled_examples(warehouse, store, account_id, options.labels)
        params = dict(options.params or {})
        if preset:
            from models.presets import preset_dir

            params.setdefault("checkpoint_dir", str(preset_dir(preset) / "encoder"))
        active_model = SmartTagger.load(active_path) if active_path else None
        result = train_with_gates(
            examples,
            tags=tags,
            gates=options.gates,
            params=params,
            test_share=options.test_share,
            seed=options.seed,
            active_model=active_model,
            progress=_progress_writer(store, request_id, echo),
        )
        result.report["request_id"] = request_id
        with tempfile.TemporaryDirectory() as tmp:
            result.model.save(Path(tmp) / "model")
            with store.session() as session:
                row = registry.register_version(
                    session,
                    account_id,
                    Path(tmp) / "model",
                    result.report,
                    f"training-request:{request_id}",
                    preset=preset,
                    request_id=request_id,
                )
                requests.update_progress(session, request_id, 0.95, "candidate registered")
                version_id = row.id
        echo(f"request {request_id}: candidate version registered (id {version_id})")
        return version_id
    except Exception as error:
        reason = (
            str(error)
            if isinstance(error, NotEnoughDataError)
            else (f"{type(error).__name__}: {error}")
        )
        echo(f"request {request_id}: failed: {reason}")
        log.debug("training failed\n%s", traceback.format_exc())
        fail_request(store, request_id, reason)
        raise


def candidate_of(store: ConfigStore, request_id: int) -> tuple[int, dict]:
    from data.config.models.smarttag import SmartTagVersion

    with store.session() as session:
        row = session.scalar(
            select(SmartTagVersion)
            .where(SmartTagVersion.request_id == request_id)
            .order_by(SmartTagVersion.id.desc())
        )
        if row is None:
            raise LookupError(f"training request {request_id} has no candidate model")
        return row.id, dict(row.metrics)


def judge(store: ConfigStore, request_id: int) -> tuple[bool, str, dict]:
    """The promotion rule applied to the request's candidate (the blocking check's logic)."""
    _, report = candidate_of(store, request_id)
    passed, reason = promotion_decision(report)
    return passed, reason, report


def conclude(store: ConfigStore, request_id: int, *, promoted: bool, reason: str) -> dict:
    """Promotes or rejects the candidate, closes the request and e-mails the requester."""
    from data.config.models.smarttag import SmartTagVersion
    from models.notify import send, training_message

    version_id, report = candidate_of(store, request_id)
    with store.session() as session:
        row = session.get(SmartTagVersion, version_id)
        if row is None:
            raise LookupError(f"training request {request_id}: candidate {version_id} is gone")
        request = requests.get_request(session, request_id)
        actor = f"training-request:{request_id}"
        if promoted:
            registry.promote(session, row, actor, reason)
        else:
            registry.reject(session, row, actor, reason)
        requests.finish(
            session,
            request_id,
            succeeded=promoted,
            message=reason,
            failure_reason=None if promoted else reason,
            version_id=version_id,
        )
        email, account_id, version = request.email, request.account_id, row.version
    message = training_message(
        email, account_id, report=report, promoted=promoted, reason=f"Version {version}: {reason}"
    )
    try:
        send(message)
    except OSError as error:  # the outcome is recorded even when mail is down
        log.warning("could not send the e-mail for request %s: %s", request_id, error)
    return {"version_id": version_id, "version": version, "promoted": promoted, "reason": reason}


def fail_request(store: ConfigStore, request_id: int, reason: str) -> None:
    from models.notify import send, training_message

    with store.session() as session:
        request = requests.get_request(session, request_id)
        requests.finish(session, request_id, succeeded=False, message=reason, failure_reason=reason)
        email, account_id = request.email, request.account_id
    try:
        send(
            training_message(
                email, account_id, report=None, promoted=False, reason=f"Training failed: {reason}"
            )
        )
    except OSError as error:  # the failure is recorded even when mail is down
        log.warning("could not send the failure e-mail for request %s: %s", request_id, error)


def run_request(
    store: ConfigStore,
    warehouse: Warehouse,
    request_id: int,
    options: TrainingOptions = TrainingOptions(),
    echo: Callable[[str], None] = log.info,
) -> dict:
    """The whole workflow in one process (the CLI's path; Dagster runs the same steps)."""
    train_candidate(store, warehouse, request_id, options, echo=echo)
    passed, reason, _ = judge(store, request_id)
    return conclude(store, request_id, promoted=passed, reason=reason)
