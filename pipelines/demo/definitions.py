"""The demo's own code location: the product's assets, jobs and sensors with the demo's
resources bound, over the demo home at ``CALLSCOPE_HOME`` (``make ui`` loads it)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from data.settings import get_settings
from pipelines.definitions import build_definitions
from pipelines.demo.resources import demo_resources
from pipelines.demo.seed import database_url


def demo_definitions(home: Path | None = None) -> dg.Definitions:
    settings = get_settings()
    home = Path(home or settings.home)
    return build_definitions(demo_resources(home, database_url(home), settings.vosk_model_path))


defs = demo_definitions()
