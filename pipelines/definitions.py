"""The Dagster code location: every concept's definitions plus the shared resources."""

import dagster as dg

from pipelines.defs import analytics, antispam, ingest, live, smarttag, speech, tagging
from pipelines.resources import build_resources
from pipelines.schedules import nightly_definitions


def _build() -> dg.Definitions:
    concepts = dg.Definitions.merge(
        ingest.defs, speech.defs, tagging.defs, smarttag.defs, antispam.defs, analytics.defs
    )
    concepts = dg.Definitions.merge(concepts, live.defs)
    return dg.Definitions.merge(
        concepts, nightly_definitions(concepts), dg.Definitions(resources=build_resources())
    )


defs = _build()
