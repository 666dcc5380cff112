"""Every minute, a ``live_poll`` run, unless the previous one is still going."""

import datetime as dt

import dagster as dg

from pipelines.defs.live.jobs import live_poll

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.sensor(
    job=live_poll,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Polls the connected Data API sources every minute (the live path).",
)
def live_sources_sensor(context: dg.SensorEvaluationContext):
    running = context.instance.get_runs(
        dg.RunsFilter(job_name=live_poll.name, statuses=IN_PROGRESS), limit=1
    )
    if running:
        return dg.SkipReason(f"run {running[0].run_id} is still polling")
    minute = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    return dg.RunRequest(run_key=f"live-{minute}")
