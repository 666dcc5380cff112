"""The ``callscope`` command line.

Each command module has a ``register(app)`` that adds its commands. The modules are imported only
when one of their commands runs (their imports pull in pandas, torch, DuckDB, ...), so
``callscope --help`` answers at once: the listing below gives each command's module and one line
of help. Adding a command module is one line in ``COMMANDS``.
"""

import importlib

import typer

# typer ships its own click (typer._click); its group takes that click's commands and contexts
from typer import _click as click
from typer.core import TyperCommand

from pipelines.cli.common import OneLineErrors

COMMANDS = {  # command: (module under pipelines.cli, one line of help)
    "ingest": ("ingest", "Validates files into one day of a warehouse table; bad rows go to quarantine."),
    "demo": ("demo", "Generate the demo account and run the pipeline on it."),
    "transcribe-select": ("transcribe", "Previews which calls the transcription rules select."),
    "transcribe": ("transcribe_audio", "Transcribes audio files outside the pipeline; one JSON line each."),
    "autotag": ("autotag", "Tags communications by keyword rules; prints one JSON line per tag set."),
    "smarttag": ("smarttag", "SmartTag: the trainable neural call tagger."),
    "antispam": ("antispam", "Spam scoring of callers over a window of incoming calls."),
    "attribution": ("attribution", "Multi-touch attribution of conversions to channels."),
    "users": ("users", "Cabinet users, their API tokens and rights."),
    "sql": ("sql", "Runs a read-only query over the warehouse and prints CSV."),
    "warehouse": ("warehouse", "Warehouse upkeep: compaction and the retention job."),
    "sources": ("sources", "Data API sources of the live path."),
    "live": ("live", "The live path: Data API sources polled and processed."),
    "notifications": ("notifications", "Notifications: raise events, deliver the outbox."),
}  # fmt: skip


class LazyCommands(OneLineErrors):
    """Lists commands from ``COMMANDS``; imports a command's module only to run it."""

    listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, help_line = COMMANDS[name]
        if self.listing:
            return TyperCommand(name, help=help_line, short_help=help_line)
        commands = typer.Typer()
        importlib.import_module(f"pipelines.cli.{module}").register(commands)
        return typer.main.get_group(commands).commands[name]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False


app = typer.Typer(
    name="callscope",
    cls=LazyCommands,
    help="Speech and marketing analytics for call tracking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Speech and marketing analytics for call tracking."""


if __name__ == "__main__":
    app()
