"""Dagster definitions for analytics."""

import dagster as dg

from pipelines.defs.analytics.assets import analytics_marts

defs = dg.Definitions(assets=[analytics_marts])
