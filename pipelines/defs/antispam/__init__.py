"""Dagster definitions for antispam: daily and monthly rollups, model, nightly verdicts,
blocked calls."""

import dagster as dg

from pipelines.defs.antispam import assets
from pipelines.partitions import daily_partitions

nightly_job = dg.define_asset_job(
    "antispam_nightly",
    selection=[
        assets.spam_rollup_daily,
        assets.spam_rollup_monthly,
        assets.spam_verdicts,
        assets.blocked_calls,
    ],
    partitions_def=daily_partitions,
    description="Yesterday's rollup, the monthly tier, the verdicts over the window ending on "
    "it, and the policy.",
)

defs = dg.Definitions(
    assets=[
        assets.spam_rollup_daily,
        assets.spam_rollup_monthly,
        assets.antispam_model,
        assets.antispam_model_promotion,
        assets.spam_verdicts,
        assets.blocked_calls,
    ],
    # The platform's `nightly` job runs these with everything else; this job re-scores alone.
    jobs=[nightly_job],
)
