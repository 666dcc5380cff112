import os

import dagster as dg

from pipelines.defs.ingest.sensors import landing_files_sensor
from pipelines.resources import LandingResource


def _context(cursor=None, home=None):
    return dg.build_sensor_context(
        cursor=cursor, resources={"landing": LandingResource(home=str(home) if home else None)}
    )


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
    result = landing_files_sensor(_context())
    assert sorted(r.partition_key for r in result.run_requests) == ["2026-05-01", "2026-05-02"]

    again = landing_files_sensor(_context(cursor=result.cursor))
    assert again.run_requests == []

    changed = _drop(callscope_home, "calls", "2026-05-01", "late.csv")
    os.utime(changed, (changed.stat().st_mtime + 10, changed.stat().st_mtime + 10))
    third = landing_files_sensor(_context(cursor=result.cursor))
    assert [r.partition_key for r in third.run_requests] == ["2026-05-01"]


def test_the_sensor_watches_the_landing_folder_its_resource_names(callscope_home, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    _drop(elsewhere, "calls", "2026-05-03")
    _drop(callscope_home, "calls", "2026-05-01")
    result = landing_files_sensor(_context(home=elsewhere))
    assert [r.partition_key for r in result.run_requests] == ["2026-05-03"]
