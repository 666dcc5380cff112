import os

import dagster as dg

from pipelines.defs.ingest.sensors import landing_files_sensor


def _drop(home, table, day, name="export.jsonl"):
    folder = home / "landing" / table / day
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("{}\n")
    return path


def test_new_and_changed_landing_days_request_runs_once(callscope_home):
    _drop(callscope_home, "calls", "2026-05-01")
    _drop(callscope_home, "chats", "date=2026-05-02")
    (callscope_home / "landing" / "calls" / "notes").mkdir()
    result = landing_files_sensor(dg.build_sensor_context())
    assert sorted(r.partition_key for r in result.run_requests) == ["2026-05-01", "2026-05-02"]

    again = landing_files_sensor(dg.build_sensor_context(cursor=result.cursor))
    assert again.run_requests == []

    changed = _drop(callscope_home, "calls", "2026-05-01", "late.csv")
    os.utime(changed, (changed.stat().st_mtime + 10, changed.stat().st_mtime + 10))
    third = landing_files_sensor(dg.build_sensor_context(cursor=result.cursor))
    assert [r.partition_key for r in third.run_requests] == ["2026-05-01"]
