"""The audited re-tag backfill: today's rules applied to a past range, on request."""

import datetime as dt

import dagster as dg
from sqlalchemy import select

from data.config import audit
from data.config.models.core import BackfillRequest
from pipelines.defs.tagging.assets import tagging_metadata
from pipelines.resources import ConfigStoreResource, WarehouseResource
from tagging.daily import TABLE, tag_partition

BACKFILL_KIND = "autotag"


class RetagConfig(dg.Config):
    """Days `start`..`end` (inclusive, YYYY-MM-DD) re-tagged with the rules in effect now."""

    start: str
    end: str
    actor: str
    reason: str = ""
    request_id: int | None = None


def _days(config: RetagConfig) -> list[dt.date]:
    try:
        start, end = dt.date.fromisoformat(config.start), dt.date.fromisoformat(config.end)
    except ValueError as error:
        raise dg.Failure(f"start/end must be YYYY-MM-DD: {error}") from None
    if end < start:
        raise dg.Failure(f"end {end} precedes start {start}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


@dg.op
def retag_range(
    context: dg.OpExecutionContext,
    config: RetagConfig,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
) -> None:
    store, wh = config_store.get(), warehouse.get()
    rules_at = dt.datetime.now().replace(microsecond=0)
    available = set(wh.partitions("communications"))
    summary = {}
    for day in _days(config):
        if day not in available:
            context.log.info(f"{day}: no communications, skipped")
            continue
        before = wh.count(TABLE, day, day)
        tagging = tag_partition(wh, store, day, rules_as_of=rules_at)
        summary[day.isoformat()] = {"before": before, "after": len(tagging.assignments)}
        context.log_event(
            dg.AssetMaterialization(
                asset_key="tag_assignments",
                partition=day.isoformat(),
                metadata={**tagging_metadata(tagging), "rules_as_of": str(rules_at)},
            )
        )
    with store.session() as session:
        audit.record(
            session,
            config.actor,
            "retag_backfill",
            TABLE,
            f"{config.start}..{config.end}",
            before={day: counts["before"] for day, counts in summary.items()},
            after={
                "rules_as_of": str(rules_at),
                "reason": config.reason,
                "assignments": {day: counts["after"] for day, counts in summary.items()},
            },
        )
        if config.request_id is not None:
            request = session.get(BackfillRequest, config.request_id)
            if request is not None:
                request.status = "done"
                request.run_id = context.run_id


@dg.job(description="Re-tags a past range with today's autotag rules; audited.")
def retag_backfill():
    retag_range()


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
            yield dg.RunRequest(
                run_key=f"retag-{request.id}",
                run_config=dg.RunConfig(
                    ops={
                        "retag_range": RetagConfig(
                            start=request.date_from.isoformat(),
                            end=request.date_to.isoformat(),
                            actor=request.requested_by,
                            reason=request.reason or "",
                            request_id=request.id,
                        )
                    }
                ),
            )
