"""One tick of the SmartTag training sensor, replayed: its run request for one training request,
launched in process with the demo's small configuration merged into the run config."""

from __future__ import annotations

import dagster as dg

from pipelines.demo.summary import DemoSummary, collect, gate_refusal

# failed steps are reported in the summary, so the console log stays quiet
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run_training_job(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    request_id: int,
    training: dict,
    summary: DemoSummary,
) -> bool:
    """True when the candidate was promoted. A refusal by the data gate or by the blocking
    promotion check goes to ``summary.refusals``; any other failure to ``summary.failed_steps``."""
    from pipelines.defs.smarttag.training import PROMOTION_CHECK, smarttag_training_requests

    context = dg.build_sensor_context(instance=instance, resources=defs.resources)
    run_requests = [
        r
        for r in smarttag_training_requests(context) or []
        if isinstance(r, dg.RunRequest) and r.tags.get("smarttag/request_id") == str(request_id)
    ]
    if not run_requests:
        raise RuntimeError(f"the sensor did not pick up SmartTag request {request_id}")
    run = run_requests[0]
    run.run_config["ops"]["smarttag_candidate"]["config"].update(training)
    job = defs.resolve_job_def("smarttag_training")
    result = job.execute_in_process(
        run_config={**run.run_config, **QUIET},
        instance=instance,
        tags=run.tags,
        raise_on_error=False,
    )
    refused = gate_refusal(result)
    if refused:
        summary.refusals.append(f"SmartTag request {request_id}: {refused}")
        return False
    rejected = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == PROMOTION_CHECK and not e.passed
    ]
    if not rejected:
        collect(result, summary, "smarttag training")
        return result.success
    # a candidate that does not beat the baseline is a legitimate outcome of training: the check
    # did its job, the requester was told, nothing was promoted
    summary.checks_passed += sum(e.passed for e in result.get_asset_check_evaluations())
    summary.refusals.append(
        "SmartTag: the blocking check kept the candidate out: "
        + (rejected[0].description or "it does not beat the baseline")
    )
    return False
