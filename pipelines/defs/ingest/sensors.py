"""New or changed landing files start the nightly job for their day."""

import datetime as dt
import json
from pathlib import Path

import dagster as dg

from data.ingest.sources import SUPPORTED_SUFFIXES
from pipelines.resources import LandingResource


def landing_days(landing_dir: Path) -> dict[str, float]:
    """The newest file modification time per landing day, across every table."""
    newest: dict[str, float] = {}
    if not landing_dir.exists():
        return newest
    for path in landing_dir.glob("*/*/*"):
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        day = path.parent.name.removeprefix("date=")
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            continue
        newest[day] = max(newest.get(day, 0.0), path.stat().st_mtime)
    return newest


@dg.sensor(
    job_name="nightly",
    minimum_interval_seconds=60,
    description="Runs the pipeline for a day when files for it land or change.",
)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, landing: LandingResource
) -> dg.SensorResult:
    seen = json.loads(context.cursor) if context.cursor else {}
    current = landing_days(landing.path())
    changed = sorted(day for day, mtime in current.items() if mtime > seen.get(day, 0.0))
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=day, run_key=f"{day}@{current[day]}") for day in changed
        ],
        cursor=json.dumps(current),
    )
