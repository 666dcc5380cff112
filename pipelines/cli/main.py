"""The ``callscope`` command line."""

import typer

from pipelines.cli import (
    antispam,
    attribution,
    autotag,
    demo,
    ingest,
    live,
    smarttag,
    sources,
    transcribe,
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
for module in (sources, live):
    module.register(app)

if __name__ == "__main__":
    app()
