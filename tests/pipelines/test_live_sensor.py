"""The live sensor is on by default and asks for one run at a time; the job runs a poll."""

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.live.sensors import live_sources_sensor


def test_live_sensor_is_running_by_default_and_requests_a_poll():
    sensor = defs.resolve_sensor_def("live_sources_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "live_poll"
    with dg.instance_for_test() as instance:
        result = live_sources_sensor(dg.build_sensor_context(instance=instance))
        assert isinstance(result, dg.RunRequest)
        assert result.run_key.startswith("live-")


def test_live_poll_job_runs_with_no_source(tmp_path):
    job = defs.resolve_job_def("live_poll")
    result = job.execute_in_process()
    assert result.success
    outputs = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = outputs[0].event_specific_data.metadata
    assert metadata["sources"].value == 0
    assert metadata["fetched"].value == 0
