"""``callscope live run --once``: polls every Data API source and processes what is new."""

from typing import Annotated

import typer

from pipelines.cli.common import emit, run_cli


def register(app: typer.Typer) -> None:
    live = typer.Typer(help="The live path: Data API sources polled and processed.")
    app.add_typer(live, name="live")

    @live.command("run")
    @run_cli
    def run(
        once: Annotated[
            bool, typer.Option("--once", help="Poll every source once and exit.")
        ] = False,
        interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 60.0,
    ) -> None:
        """Fetches, transcribes and tags new communications; prints one JSON line per poll."""
        import time

        from pipelines.defs.live.runner import run_once, summary

        while True:
            started = time.monotonic()
            emit(summary(run_once()))
            if once:
                return
            time.sleep(max(interval - (time.monotonic() - started), 0.0))
