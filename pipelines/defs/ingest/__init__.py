"""Dagster definitions for raw ingest and unified communications."""

import dagster as dg

from pipelines.defs.ingest import assets, checks, sensors

defs = dg.Definitions(
    assets=[*assets.raw_assets, assets.communications],
    asset_checks=[checks.communications_have_accounts, checks.communications_unique],
    sensors=[sensors.landing_files_sensor],
)
