"""The ``callscope`` command line."""

import typer

from pipelines.cli import (
    antispam,
    attribution,
    autotag,
    demo,
    ingest,
    smarttag,
    transcribe,
    transcribe_audio,
    users,
)

app = typer.Typer(
    name="callscope",
    help="Speech and marketing analytics for call tracking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (ingest, demo, transcribe, autotag, smarttag, antispam, attribution, users):
    module.register(app)
transcribe_audio.register(app)

if __name__ == "__main__":
    app()
