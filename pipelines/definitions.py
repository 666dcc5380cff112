"""The Dagster code location: every concept's definitions plus the shared resources."""

import dagster as dg

from pipelines.defs import analytics, antispam, ingest, smarttag, speech, tagging
from pipelines.resources import build_resources
from pipelines.schedules import nightly_definitions

_concepts = dg.Definitions.merge(
    ingest.defs, speech.defs, tagging.defs, smarttag.defs, antispam.defs, analytics.defs
)

defs = dg.Definitions.merge(
    _concepts, nightly_definitions(_concepts), dg.Definitions(resources=build_resources())
)
