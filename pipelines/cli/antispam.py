"""`callscope antispam`: score a Parquet file of incoming calls, train a candidate model,
roll back the model in effect."""

import datetime as dt
import json
from pathlib import Path

import typer

from pipelines.cli.common import emit, run_cli


def _window(as_of: str, window_days: int) -> dt.date:
    """The scoring date, checked with its window: a bad one exits 2 with one line."""
    from antispam.window import window_bounds
    from data.errors import InputError

    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        raise InputError("--as-of", None, None, f"expected YYYY-MM-DD, got {as_of!r}") from None
    try:
        window_bounds(day, window_days)
    except ValueError as error:
        raise InputError("--window-days", None, None, str(error)) from None
    return day


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the main app."""
    group = typer.Typer(help="Spam scoring of callers over a window of incoming calls.")

    @group.command("score")
    @run_cli
    def score(
        calls: Path = typer.Option(..., "--calls", help="Parquet of incoming calls."),
        as_of: str = typer.Option(..., "--as-of", help="Scoring date YYYY-MM-DD (window end)."),
        window_days: int = typer.Option(183, "--window-days", help="Window length in days."),
    ) -> None:
        """One JSON line per caller seen in the window: number, score, is_spam, reasons.
        Scores with the promoted trained model, or with the label-free behaviour scorer."""
        from antispam.batch import score_file
        from data.settings import get_settings

        day = _window(as_of, window_days)
        for line in score_file(calls, day, window_days, get_settings().models_dir):
            emit(line)

    @group.command("train")
    @run_cli
    def train(
        calls: Path = typer.Option(..., "--calls", help="Parquet of incoming calls."),
        labels: Path = typer.Option(..., "--labels", help="CSV: number, label (spam/legit)."),
        as_of: str = typer.Option(..., "--as-of", help="Window end YYYY-MM-DD."),
        window_days: int = typer.Option(183, "--window-days"),
        actor: str = typer.Option("cli", "--actor", help="Who promotes (for the audit)."),
    ) -> None:
        """Trains a candidate, validates it on held-out numbers and promotes it only when the
        held-out check passes (audited). Prints the report with the decision."""
        from antispam.batch import load_window, read_labels
        from antispam.training import held_out_check, promote, save_version
        from antispam.training import train as fit
        from antispam.window import window_features
        from data.config.store import ConfigStore
        from data.errors import InputError
        from data.settings import get_settings

        day = _window(as_of, window_days)
        data = load_window(calls, day, window_days)
        features = window_features(data.con, data.source, data.as_of, window_days)
        try:
            model, report = fit(features, read_labels(labels))
        except ValueError as error:
            raise InputError(labels, None, "label", str(error)) from None
        models_dir = get_settings().models_dir
        report["version"] = save_version(model, report, models_dir)
        passed, report["decision"] = held_out_check(report)
        if passed:
            with ConfigStore.from_settings().session() as session:
                promote(models_dir, report["version"], session, actor)
        report["promoted"] = passed
        typer.echo(json.dumps(report, ensure_ascii=False, default=float))

    @group.command("rollback")
    @run_cli
    def rollback(
        to: str = typer.Option(
            None, "--to", help="A version promoted before, or 'default' for the label-free scorer."
        ),
        actor: str = typer.Option("cli", "--actor", help="Who rolls back (for the audit)."),
    ) -> None:
        """Puts back the model promoted before the current one (or --to VERSION / default);
        recorded in the configuration audit."""
        from antispam.training import rollback as roll_back
        from data.config.store import ConfigStore
        from data.errors import InputError
        from data.settings import get_settings

        try:
            with ConfigStore.from_settings().session() as session:
                now = roll_back(get_settings().models_dir, session, actor, to)
        except LookupError as error:
            raise InputError("--to", None, None, str(error)) from None
        emit({"antispam_model": now})

    app.add_typer(group, name="antispam")
