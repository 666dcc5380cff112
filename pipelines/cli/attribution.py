"""`callscope attribution`: credits conversions and revenue of a journeys CSV to channels."""

import json
import math
from pathlib import Path

import typer

from analytics.attribution import MODELS, Markov, TimeDecay, make_model
from analytics.attribution.csv_input import read_paths_csv
from data.errors import InputError
from pipelines.cli.common import run_cli

# Markov chains of a higher order have more states than any journeys file supports.
MAX_ORDER = 10


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the main app."""
    app.command("attribution")(attribution)


@run_cli
def attribution(
    paths: Path = typer.Option(
        ..., "--paths", help="CSV: path, total_conversions, total_conversion_value, total_null"
    ),
    model: str = typer.Option(..., "--model", help=f"one of: {', '.join(MODELS)}"),
    sep: str = typer.Option(">", "--sep", help="separator between channels in a path"),
    order: int = typer.Option(1, "--order", help="Markov chain order (markov only)"),
    half_life: float = typer.Option(
        1.0,
        "--half-life",
        help="time_decay: half-life in touches (each earlier touch is one step older)",
    ),
) -> None:
    """Prints one JSON list of {channel_name, total_conversions, total_conversion_value}."""
    if model not in MODELS:
        raise InputError(
            "--model", None, None, f"unknown model {model!r}; choose one of {', '.join(MODELS)}"
        )
    if not 1 <= order <= MAX_ORDER:
        raise InputError("--order", None, None, f"order must be from 1 to {MAX_ORDER}")
    if not math.isfinite(half_life) or half_life <= 0:
        raise InputError("--half-life", None, None, "half-life must be a positive finite number")
    table = read_paths_csv(paths, sep=sep)
    params: dict[str, float] = {}
    if MODELS[model] is Markov:
        params["order"] = order
    elif MODELS[model] is TimeDecay:
        params["half_life"] = half_life
    try:
        fitted = make_model(model, **params).fit(table)
    except ValueError as error:
        if MODELS[model] is not Markov:
            raise
        # a Markov order too large for the channels in the file
        raise InputError("--order", None, None, str(error)) from None
    standard_error = getattr(fitted, "standard_error_", None)
    if standard_error is not None and not fitted.exact_:
        worst = standard_error["total_conversions"].max()
        typer.echo(f"shapley: sampled, largest standard error {worst:.4g} conversions", err=True)
    typer.echo(json.dumps(fitted.credits_.to_dict(orient="records"), ensure_ascii=False))
