"""`callscope antispam`: score a Parquet file of incoming calls, train the scoring model."""

import datetime as dt
import json
from pathlib import Path

import typer

from pipelines.cli.common import emit, run_cli


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the main app."""
    group = typer.Typer(help="Spam scoring of callers over a window of incoming calls.")

    @group.command("score")
    @run_cli
    def score(
        calls: Path = typer.Option(..., "--calls", help="Parquet of incoming calls."),
        as_of: str = typer.Option(..., "--as-of", help="Scoring date YYYY-MM-DD (window end)."),
        window_days: int = typer.Option(183, "--window-days", min=1, help="Window length."),
    ) -> None:
        """One JSON line per caller seen in the window: number, score, is_spam, reasons."""
        from antispam.batch import score_file
        from data.settings import get_settings

        for line in score_file(calls, _day(as_of), window_days, get_settings().models_dir):
            emit(line)

    @group.command("train")
    @run_cli
    def train(
        calls: Path = typer.Option(..., "--calls", help="Parquet of incoming calls."),
        labels: Path = typer.Option(..., "--labels", help="CSV: number, label (spam/legit)."),
        as_of: str = typer.Option(..., "--as-of", help="Window end YYYY-MM-DD."),
        window_days: int = typer.Option(183, "--window-days", min=1),
    ) -> None:
        """Trains and calibrates the model, validates it on held-out numbers and makes it the
        current model under $CALLSCOPE_HOME/models/antispam. Prints the validation report."""
        from antispam.batch import load_window, read_labels
        from antispam.training import save_version
        from antispam.training import train as fit
        from antispam.window import window_features
        from data.errors import InputError
        from data.settings import get_settings

        data = load_window(calls, _day(as_of), window_days)
        features = window_features(data.con, data.source, data.as_of, window_days)
        try:
            model, report = fit(features, read_labels(labels))
        except ValueError as error:
            raise InputError(labels, None, "label", str(error)) from None
        report["version"] = save_version(model, report, get_settings().models_dir)
        typer.echo(json.dumps(report, ensure_ascii=False, default=float))

    app.add_typer(group, name="antispam")
