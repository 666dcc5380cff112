"""The audited re-tag backfill: the `tag_assignments` asset materialized over a past range with
today's rules (``rules: now``), so its checks run; launched on request from the cabinet."""

import dagster as dg
from sqlalchemy import select

from data.config.models.core import BackfillRequest
from pipelines.defs.tagging.assets import TagAssignmentsConfig, tag_assignments
from pipelines.partitions import daily_partitions, range_run
from pipelines.resources import ConfigStoreResource

BACKFILL_KIND = "autotag"

retag_backfill = dg.define_asset_job(
    "retag_backfill",
    selection=dg.AssetSelection.assets(tag_assignments),
    partitions_def=daily_partitions,
    description="Re-tags a past range with today's autotag rules; audited.",
)


def retag_run(start: str, end: str, config: TagAssignmentsConfig) -> tuple[dict, dict]:
    """Run config and tags of a re-tag of days ``start``..``end`` (YYYY-MM-DD, inclusive)."""
    return range_run("tag_assignments", start, end, config)


@dg.sensor(job=retag_backfill, minimum_interval_seconds=60)
def retag_backfill_requests(context: dg.SensorEvaluationContext, config_store: ConfigStoreResource):
    """Launches a re-tag for every pending autotag backfill request in the config store."""
    with config_store.get().session() as session:
        pending = session.scalars(
            select(BackfillRequest).where(
                BackfillRequest.kind == BACKFILL_KIND, BackfillRequest.status == "pending"
            )
        ).all()
        for request in pending:
            request.status = "queued"
            run_config, tags = retag_run(
                request.date_from.isoformat(),
                request.date_to.isoformat(),
                TagAssignmentsConfig(
                    rules="now",
                    actor=request.requested_by,
                    reason=request.reason or "",
                    request_id=request.id,
                ),
            )
            yield dg.RunRequest(run_key=f"retag-{request.id}", run_config=run_config, tags=tags)
