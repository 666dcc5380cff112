"""The Dagster code location: every concept's definitions plus the shared resources."""

import dagster as dg

from pipelines.defs import (
    analytics,
    antispam,
    ingest,
    live,
    notifications,
    smarttag,
    speech,
    tagging,
)
from pipelines.resources import build_resources
from pipelines.schedules import nightly_definitions


def build_definitions(resources: dict | None = None) -> dg.Definitions:
    """The product's definitions, with ``resources`` bound (default: ``build_resources()``)."""
    concepts = dg.Definitions.merge(
        ingest.defs, speech.defs, tagging.defs, smarttag.defs, antispam.defs, analytics.defs
    )
    concepts = dg.Definitions.merge(concepts, notifications.defs)
    concepts = dg.Definitions.merge(concepts, live.defs)
    return dg.Definitions.merge(
        concepts,
        nightly_definitions(concepts),
        dg.Definitions(resources=resources if resources is not None else build_resources()),
    )


defs = build_definitions()
