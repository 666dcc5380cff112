"""Dagster definitions for raw ingest and unified communications."""

import dagster as dg

from pipelines.defs.ingest import assets, checks

defs = dg.Definitions(
    assets=[*assets.raw_assets, assets.communications],
    asset_checks=[checks.communications_have_accounts, checks.communications_unique],
)
