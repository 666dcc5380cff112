"""``callscope sources add comagic --account ID --token TOKEN [--url URL]`` and
``callscope sources list``: Data API connections (the token is never shown again)."""

from typing import Annotated

import typer

from data.config.store import ConfigStore
from data.errors import InputError
from data.ingest.comagic_api import DEFAULT_URL
from pipelines.cli.common import emit, run_cli


def register(app: typer.Typer) -> None:
    sources = typer.Typer(help="Data API sources of the live path.")
    app.add_typer(sources, name="sources")

    @sources.command("add")
    @run_cli
    def add(
        kind: Annotated[str, typer.Argument(help="The source kind: comagic.")],
        account: Annotated[int, typer.Option("--account", help="The account id.")],
        token: Annotated[str, typer.Option("--token", help="The Data API access token.")],
        url: Annotated[str, typer.Option("--url", help="The Data API endpoint.")] = DEFAULT_URL,
    ) -> None:
        """Connects an account's Data API; prints the source with its token masked."""
        from data.live.sources import add_source, describe

        store = ConfigStore.from_settings()
        try:
            with store.session() as session:
                emit(describe(add_source(session, kind, account, token, url)))
        except ValueError as error:
            raise InputError("sources add", None, kind, str(error)) from None

    @sources.command("list")
    @run_cli
    def list_() -> None:
        """Every source with its status and cursors; tokens masked."""
        from data.live.sources import list_sources

        with ConfigStore.from_settings().session() as session:
            for source in list_sources(session):
                emit(source)
