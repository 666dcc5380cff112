"""``callscope demo``: the seeded demo account, generated and run end to end."""

from pathlib import Path
from typing import Annotated

import typer

from data.demo.generator import DemoSpec
from pipelines.cli.common import check_range, emit, run_cli

demo_app = typer.Typer(
    help="Generate the demo account and run the pipeline on it.", no_args_is_help=True
)

Days = Annotated[int, typer.Option(help="Days of communications.")]
CallsPerDay = Annotated[int, typer.Option(help="Calls per day across accounts.")]
Accounts = Annotated[int, typer.Option(help="Number of accounts.")]
Seed = Annotated[int, typer.Option(help="Random seed.")]
AudioCalls = Annotated[int, typer.Option(help="Calls to synthesize stereo audio for (espeak-ng).")]
SpamDays = Annotated[int, typer.Option(help="Days of the platform-wide incoming-call log.")]
IncomingPerDay = Annotated[int, typer.Option(help="Platform-wide incoming calls per day.")]


def _spec(
    days, calls_per_day, accounts, seed, audio_calls, spam_days, incoming_calls_per_day
) -> DemoSpec:
    for option, value, low, high in (
        ("--days", days, 1, 3660),
        ("--calls-per-day", calls_per_day, 1, 1_000_000),
        ("--accounts", accounts, 1, 1000),
        ("--seed", seed, 0, 2**32 - 1),
        ("--audio-calls", audio_calls, 0, 10_000),
        ("--spam-days", spam_days, 1, 3660),
        ("--incoming-calls-per-day", incoming_calls_per_day, 1, 10_000_000),
    ):
        check_range(option, value, low, high)
    return DemoSpec(
        days=days,
        calls_per_day=calls_per_day,
        accounts=accounts,
        seed=seed,
        audio_calls=audio_calls,
        spam_days=spam_days,
        incoming_calls_per_day=incoming_calls_per_day,
    )


@demo_app.command("generate")
@run_cli
def generate(
    days: Days = 21,
    calls_per_day: CallsPerDay = 40,
    accounts: Accounts = 3,
    seed: Seed = 7,
    audio_calls: AudioCalls = 0,
    spam_days: SpamDays = 190,
    incoming_calls_per_day: IncomingPerDay = 3000,
    home: Annotated[Path | None, typer.Option(help="Default: CALLSCOPE_HOME.")] = None,
) -> None:
    """Writes landing files, ground truth and the demo configuration into a demo home."""
    from pipelines.demo.seed import prepare_demo

    result = prepare_demo(
        _spec(days, calls_per_day, accounts, seed, audio_calls, spam_days, incoming_calls_per_day),
        home,
    )
    emit({"home": str(result.home), "counts": result.counts})


@demo_app.command("run")
@run_cli
def run(
    days: Days = 21,
    calls_per_day: CallsPerDay = 40,
    accounts: Accounts = 3,
    seed: Seed = 7,
    audio_calls: AudioCalls = 4,
    spam_days: SpamDays = 190,
    incoming_calls_per_day: IncomingPerDay = 3000,
    fresh: Annotated[bool, typer.Option(help="Start from an empty demo home.")] = True,
    home: Annotated[
        Path | None, typer.Option(help="The demo home (default: CALLSCOPE_HOME).")
    ] = None,
) -> None:
    """Generates the demo account, materializes every asset for the demo period, prints a summary.

    The demo works only in a demo home (marked by the demo) or a new directory, and with a config
    database that is empty or marked as the demo's; it refuses anything else."""
    from pipelines.demo.run import run_demo

    summary = run_demo(
        _spec(days, calls_per_day, accounts, seed, audio_calls, spam_days, incoming_calls_per_day),
        fresh=fresh,
        home=home,
    )
    typer.echo(summary.render())
    if not summary.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")
