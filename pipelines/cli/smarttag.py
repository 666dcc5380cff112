"""`callscope smarttag`: train, evaluate (INTERFACES.md §3), presets and the registry."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from data.errors import InputError
from pipelines.cli.common import emit, run_cli

smarttag_app = typer.Typer(help="SmartTag: the trainable neural call tagger.", no_args_is_help=True)
presets_app = typer.Typer(help="Ready models for real estate and auto.", no_args_is_help=True)
smarttag_app.add_typer(presets_app, name="presets")


def registry_cli(func):
    """Registry refusals (unknown version, no model yet, a request already open) as one line."""
    import functools

    from models.errors import CorruptModelError, RegistryError, TrainingAlreadyRunning

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (RegistryError, TrainingAlreadyRunning, CorruptModelError, ValueError) as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from None

    return wrapper


class ProgressBar:
    """A tqdm bar on stderr fed by the training progress callback (stage, fraction, message)."""

    def __init__(self, enabled: bool = True):
        from tqdm import tqdm

        self.bar = tqdm(total=1000, file=sys.stderr, disable=not enabled, unit="‰")
        self.stage: str | None = None

    def __call__(self, stage: str, fraction: float, message: str) -> None:
        if stage != self.stage:
            self.stage = stage
            self.bar.reset()
            self.bar.set_description(stage)
        self.bar.n = int(min(1.0, fraction) * 1000)
        self.bar.set_postfix_str(message, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _params(epochs: int | None, checkpoint: Path | None, pretrain_epochs: int, seed: int) -> dict:
    params: dict = {"random_state": seed, "pretrain_epochs": pretrain_epochs}
    if epochs is not None:
        params["epochs"] = epochs
    if checkpoint is not None:
        params["checkpoint_dir"] = str(checkpoint)
    return params


@smarttag_app.command("evaluate")
@run_cli
def evaluate_command(
    train: Path = typer.Option(..., "--train", help="TRAIN.jsonl: {id, text|turns, tags}"),
    test: Path = typer.Option(..., "--test", help="TEST.jsonl in the same format"),
    epochs: int | None = typer.Option(None, help="Training epochs (default: the model's)."),
    checkpoint: Path | None = typer.Option(None, help="Start from a local BERT checkpoint."),
    pretrain_epochs: int = typer.Option(0, help="Masked-LM epochs on TRAIN texts first."),
    seed: int = typer.Option(0),
    progress: bool = typer.Option(False, help="Show a progress bar on stderr."),
) -> None:
    """Trains SmartTag and the baseline on TRAIN, scores both on TEST, prints one JSON object."""
    from models.datasets import read_jsonl
    from models.training import fit_and_score

    train_set, test_set = read_jsonl(train), read_jsonl(test)
    if not train_set:
        raise InputError(train, None, None, "no examples")
    if not any(e.tags for e in train_set):
        raise InputError(train, None, "tags", "no example carries a tag")
    if not test_set:
        raise InputError(test, None, None, "no examples")
    bar = ProgressBar(progress)
    try:
        result = fit_and_score(
            train_set, test_set, _params(epochs, checkpoint, pretrain_epochs, seed), bar
        )
    finally:
        bar.close()
    report = result.report
    emit(
        {
            "smarttag": report["smarttag"],
            "baseline": report["baseline"],
            "train_seconds": report["train_seconds"],
            "n_train": len(train_set),
            "n_test": len(test_set),
        }
    )


@smarttag_app.command("train")
@run_cli
@registry_cli
def train_command(
    data: Path | None = typer.Option(None, help="Labelled calls in JSONL: {id, text|turns, tags}."),
    out: Path | None = typer.Option(None, help="Where to save the model (with --data)."),
    account: int | None = typer.Option(None, help="Train from the warehouse for this account."),
    tag: list[str] = typer.Option([], "--tag", help="A tag to train (repeat); default: all."),
    email: str | None = typer.Option(None, help="Send the report to this address (--account)."),
    preset: str | None = typer.Option(None, help="Retrain from a preset (--account)."),
    min_calls: int = typer.Option(1000, help="Gate: labelled calls needed."),
    min_positives: int = typer.Option(30, help="Gate: positive examples needed per tag."),
    epochs: int | None = typer.Option(None),
    checkpoint: Path | None = typer.Option(None, help="Start from a local BERT checkpoint."),
    pretrain_epochs: int = typer.Option(0, help="Masked-LM epochs before fine-tuning."),
    seed: int = typer.Option(0),
) -> None:
    """Trains SmartTag with a progress bar, beside the baseline, and reports both."""
    from models.errors import NotEnoughDataError
    from models.gates import Gates
    from models.training import summary_lines

    gates = Gates(min_calls=min_calls, min_positives=min_positives)
    params = _params(epochs, checkpoint, pretrain_epochs, seed)
    bar = ProgressBar()
    try:
        if data is not None:
            from models.datasets import read_jsonl
            from models.training import train_with_gates

            if out is None:
                raise typer.BadParameter("--out is required with --data")
            result = train_with_gates(
                read_jsonl(data),
                tags=tag or None,
                gates=gates,
                params=params,
                seed=seed,
                progress=bar,
            )
            result.model.save(out)
            report = result.report
        elif account is not None:
            report = _train_account(account, tag, email, preset, gates, params, seed, bar)
        else:
            raise typer.BadParameter("give --data FILE --out DIR, or --account ID")
    except NotEnoughDataError as error:
        bar.close()
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    bar.close()
    for line in summary_lines(report):
        typer.echo(line, err=True)
    emit(
        {
            k: report[k]
            for k in (
                "smarttag",
                "baseline",
                "n_train",
                "n_test",
                "train_seconds",
                "data_snapshot_id",
                "dropped_tags",
            )
            if k in report
        }
        | {k: report[k] for k in ("promoted", "reason", "version") if k in report}
    )


def _train_account(account, tags, email, preset, gates, params, seed, bar) -> dict:
    """Trains on the tags people set in the cabinet (the product's only labels)."""
    from data.config.store import ConfigStore
    from data.warehouse import Warehouse
    from models.requests import request_training
    from models.workflow import TrainingOptions, candidate_of, run_request

    store, warehouse = ConfigStore.from_settings(), Warehouse.from_settings()
    if not tags:
        from models.workflow import labelled_examples

        tags = sorted({t for e in labelled_examples(warehouse, store, account) for t in e.tags})
    with store.session() as session:
        request_id = request_training(
            session, account, tags, email or "ml@localhost", "cli", preset=preset
        ).id
    options = TrainingOptions(gates=gates, params=params, seed=seed)
    outcome = run_request(store, warehouse, request_id, options, echo=lambda m: bar.bar.write(m))
    _, report = candidate_of(store, request_id)
    return report | outcome


@smarttag_app.command("pretrain")
@run_cli
def pretrain_command(
    out: Path = typer.Option(..., help="Checkpoint directory to write."),
    epochs: int = typer.Option(1),
    vocab_size: int = typer.Option(8000),
    limit: int | None = typer.Option(None, help="At most this many transcripts."),
) -> None:
    """Masked-LM pre-training on every recognized call of the platform (no labels needed)."""
    from data.warehouse import Warehouse
    from models.pretrain import build_checkpoint
    from models.text import document_from_turns
    from models.workflow import _json, recognized_calls

    calls = recognized_calls(Warehouse.from_settings())
    if limit:
        calls = calls.head(limit)
    docs = [document_from_turns(_json(t), None) for t in calls["turns"]]
    if not docs:
        raise InputError("warehouse/transcripts", None, None, "no recognized calls to pre-train on")
    bar = ProgressBar()
    build_checkpoint(docs, out, vocab_size=vocab_size, epochs=epochs, progress=bar)
    bar.close()
    emit({"checkpoint": str(out), "transcripts": len(docs)})


@presets_app.command("build")
@run_cli
def presets_build_command(
    name: list[str] = typer.Option([], "--name", help="real_estate and/or auto; default both."),
    calls: int = typer.Option(2000, help="Dialogues generated per industry."),
    seed: int = typer.Option(20160),
    epochs: int | None = typer.Option(None),
) -> None:
    """Trains the presets reproducibly from the demo generator's industry dialogues."""
    from models.presets import PRESETS, build_preset, preset_dir

    for preset in name or list(PRESETS):
        if preset not in PRESETS:
            raise InputError("--name", None, "name", f"unknown preset {preset!r}")
        bar = ProgressBar()
        params = {"epochs": epochs} if epochs else None
        report = build_preset(preset, n=calls, seed=seed, params=params, progress=bar)
        bar.close()
        emit(
            {
                "preset": preset,
                "path": str(preset_dir(preset)),
                "smarttag_macro_f1": report["smarttag"]["macro_f1"],
                "baseline_macro_f1": report["baseline"]["macro_f1"],
                "tags": report["tags"],
            }
        )


@presets_app.command("list")
def presets_list_command() -> None:
    from models.presets import list_presets

    for entry in list_presets():
        emit(entry)


@presets_app.command("apply")
@run_cli
@registry_cli
def presets_apply_command(account: int = typer.Option(...), name: str = typer.Option(...)) -> None:
    """Gives an account a preset model, switched on: tagging without training."""
    from data.config.store import ConfigStore
    from models.presets import apply_preset

    with ConfigStore.from_settings().session() as session:
        emit(apply_preset(session, account, name, "cli"))


@smarttag_app.command("versions")
def versions_command(account: int = typer.Option(...)) -> None:
    """The account's versions with their held-out metrics, and which one is active."""
    from data.config.store import ConfigStore
    from models.registry import account_state, list_versions

    with ConfigStore.from_settings().session() as session:
        emit(
            {"state": account_state(session, account), "versions": list_versions(session, account)}
        )


@smarttag_app.command("activate")
@registry_cli
def activate_command(account: int = typer.Option(...), version: int = typer.Option(...)) -> None:
    """Rollback (or forward) to a promoted version."""
    from data.config.store import ConfigStore
    from models.registry import activate

    with ConfigStore.from_settings().session() as session:
        emit(activate(session, account, version, "cli"))


@smarttag_app.command("switch")
@registry_cli
def switch_command(
    account: int = typer.Option(...), on: bool = typer.Option(..., "--on/--off")
) -> None:
    """The cabinet's switch: SmartTag on or off for an account."""
    from data.config.store import ConfigStore
    from models.registry import set_enabled

    with ConfigStore.from_settings().session() as session:
        emit(set_enabled(session, account, on, "cli"))


def register(app: typer.Typer) -> None:
    """Adds the `smarttag` group to the main app."""
    app.add_typer(smarttag_app, name="smarttag")
