"""The SmartTag training job: candidate → blocking promotion check → promotion.

The cabinet's request (tags + e-mail) is picked up by `smarttag_training_requests`, which
launches this job with the request id in the run config.
"""

from typing import Any

import dagster as dg
from sqlalchemy import select

from data.config.models.smarttag import SmartTagTrainingRequest
from models.gates import MIN_CALLS, MIN_POSITIVES, RECOMMENDED_CALLS, Gates
from models.workflow import (
    LabelReader,
    TrainingOptions,
    conclude,
    judge,
    manual_label_reader,
    train_candidate,
)
from pipelines.resources import ConfigStoreResource, TrainingLabelsResource, WarehouseResource

PROMOTION_CHECK = "beats_baseline_and_active"


class SmartTagTrainingConfig(dg.Config):
    request_id: int
    min_calls: int = MIN_CALLS
    recommended_calls: int = RECOMMENDED_CALLS
    min_positives: int = MIN_POSITIVES
    epochs: int = 12
    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 2
    vocab_size: int = 8000
    max_length: int = 256
    wide_features: int = 2**18
    pretrain_epochs: int = 0
    checkpoint_dir: str | None = None
    test_share: float = 0.2
    seed: int = 0

    def options(self, labels: LabelReader = manual_label_reader) -> TrainingOptions:
        params: dict[str, Any] = {
            "epochs": self.epochs,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "vocab_size": self.vocab_size,
            "max_length": self.max_length,
            "wide_features": self.wide_features,
            "pretrain_epochs": self.pretrain_epochs,
            "random_state": self.seed,
        }
        if self.checkpoint_dir:
            params["checkpoint_dir"] = self.checkpoint_dir
        return TrainingOptions(
            gates=Gates(self.min_calls, self.recommended_calls, self.min_positives),
            params=params,
            labels=labels,
            test_share=self.test_share,
            seed=self.seed,
        )


def _report_table(report: dict) -> str:
    lines = [
        "| tag | SmartTag P | SmartTag R | SmartTag F1 | baseline F1 | support |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for tag in report["tags"]:
        ours, base = report["smarttag"]["per_tag"][tag], report["baseline"]["per_tag"][tag]
        lines.append(
            f"| {tag} | {ours['precision']:.3f} | {ours['recall']:.3f} | "
            f"{ours['f1']:.3f} | {base['f1']:.3f} | {ours['support']} |"
        )
    return "\n".join(lines)


def _request_of_run(store, run_id: str) -> int:
    with store.session() as session:
        request_id = session.scalar(
            select(SmartTagTrainingRequest.id).where(SmartTagTrainingRequest.run_id == run_id)
        )
    if request_id is None:
        raise dg.Failure(f"run {run_id} trained no SmartTag candidate")
    return request_id


@dg.asset(
    group_name="smarttag",
    kinds={"pytorch"},
    description="A SmartTag candidate trained on the account's labelled calls beside the "
    "TF-IDF baseline; both are scored on the same held-out calls.",
)
def smarttag_candidate(
    context: dg.AssetExecutionContext,
    config: SmartTagTrainingConfig,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
    training_labels: TrainingLabelsResource,
) -> dg.MaterializeResult:
    store, wh = config_store.get(), warehouse.get()
    training_labels.check_transcripts(wh)
    version_id = train_candidate(
        store,
        wh,
        config.request_id,
        config.options(training_labels.reader()),
        run_id=context.run_id,
        echo=context.log.info,
    )
    _, _, report = judge(store, config.request_id)
    active = report.get("active")
    return dg.MaterializeResult(
        metadata={
            "request_id": config.request_id,
            "version_id": version_id,
            "smarttag_macro_f1": report["smarttag"]["macro_f1"],
            "baseline_macro_f1": report["baseline"]["macro_f1"],
            "active_macro_f1": active["macro_f1"] if active else None,
            "smarttag_micro_f1": report["smarttag"]["micro_f1"],
            "baseline_micro_f1": report["baseline"]["micro_f1"],
            "n_train": report["n_train"],
            "n_test": report["n_test"],
            "train_seconds": report["train_seconds"],
            "per_tag": dg.MetadataValue.md(_report_table(report)),
            "dropped_tags": dg.MetadataValue.json(report.get("dropped_tags") or {}),
            "data_snapshot_id": report["data_snapshot_id"],
        }
    )


@dg.asset_check(
    asset=smarttag_candidate,
    name=PROMOTION_CHECK,
    blocking=True,
    description="The candidate's held-out macro-F1 beats the baseline's and the "
    "active model's; otherwise it is rejected and never promoted.",
)
def candidate_beats_baseline_and_active(
    context: dg.AssetCheckExecutionContext, config_store: ConfigStoreResource
) -> dg.AssetCheckResult:
    store = config_store.get()
    request_id = _request_of_run(store, context.op_execution_context.run_id)
    passed, reason, report = judge(store, request_id)
    if not passed:
        conclude(store, request_id, promoted=False, reason=reason)
    context.log.info(reason)
    active = report.get("active")
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=reason,
        metadata={
            "smarttag_macro_f1": report["smarttag"]["macro_f1"],
            "baseline_macro_f1": report["baseline"]["macro_f1"],
            "active_macro_f1": active["macro_f1"] if active else None,
        },
    )


@dg.asset(
    group_name="smarttag",
    deps=[smarttag_candidate],
    description="The promoted candidate: the account's active SmartTag version.",
)
def smarttag_promotion(
    context: dg.AssetExecutionContext, config_store: ConfigStoreResource
) -> dg.MaterializeResult:
    store = config_store.get()
    request_id = _request_of_run(store, context.run_id)
    passed, reason, _ = judge(store, request_id)
    if not passed:  # the blocking check stops this; re-checked so nothing slips through
        raise dg.Failure(reason)
    outcome = conclude(store, request_id, promoted=True, reason=reason)
    context.log.info(f"request {request_id}: version {outcome['version']} promoted; {reason}")
    return dg.MaterializeResult(metadata={"request_id": request_id, **outcome})


smarttag_training = dg.define_asset_job(
    "smarttag_training",
    selection=dg.AssetSelection.assets(smarttag_candidate, smarttag_promotion),
    description="Train a SmartTag candidate for one request, gate it, promote it.",
)


def run_config_for(request_id: int) -> dict:
    return {"ops": {"smarttag_candidate": {"config": {"request_id": request_id}}}}


@dg.sensor(
    job=smarttag_training,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Launches the training job for every pending SmartTag request.",
)
def smarttag_training_requests(
    context: dg.SensorEvaluationContext, config_store: ConfigStoreResource
):
    from models.requests import pending_requests

    with config_store.get().session() as session:
        pending = [(r.id, r.account_id) for r in pending_requests(session)]
    if not pending:
        return dg.SkipReason("no pending SmartTag training requests")
    return [
        dg.RunRequest(
            run_key=f"smarttag-request-{request_id}",
            run_config=run_config_for(request_id),
            tags={"smarttag/request_id": str(request_id), "smarttag/account_id": str(account)},
        )
        for request_id, account in pending
    ]
