"""A poller killed with SIGKILL between fetching and writing loses nothing and doubles nothing."""

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.data.live_world import World

CHILD = textwrap.dedent(
    """
    import sys, time, datetime as dt
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from tests.data.live_world import World
    from data.config.store import ConfigStore
    from pipelines.defs.live.runner import run_once

    def stop_here(report, rows):
        print("fetched", report, rows, flush=True)
        time.sleep(120)

    root = Path({root!r})
    world = World.__new__(World)
    world.root, world.now = root, dt.datetime.fromisoformat({now!r})
    world.store = ConfigStore(f"sqlite:///{{root / 'config.sqlite3'}}")
    from data.warehouse import Warehouse
    world.warehouse, world.recordings = Warehouse(root / "warehouse"), root / "recordings"
    world.dialogues = root / "ground_truth" / "call_dialogues.jsonl"
    world.clock = None
    run_once(world.store, world.warehouse, world.steps(), world.options(on_fetched=stop_here))
    """
)


@pytest.mark.slow
def test_kill_between_fetch_and_write_then_next_poll_writes_once(tmp_path):
    world = World(tmp_path)
    try:
        account = world.account()
        for i in range(6):
            account.call(world.now - dt.timedelta(minutes=i), lost=(i == 5))
        script = CHILD.format(tests=str(Path(__file__).parent), root=str(tmp_path),
                              now=world.now.isoformat())  # fmt: skip
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                 text=True, env=env)  # fmt: skip
        line = child.stdout.readline()
        assert line.startswith("fetched calls 6"), line
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        assert not world.rows("calls"), "killed before writing"

        result = world.poll()
        assert result["fetched"] == 6
        assert result["new"] == 6
        assert result["processed"] == 6
        again = world.poll()
        assert again["new"] == 0
        assert again["processed"] == 0
        assert len(world.rows("calls")) == 6
        assert len(world.rows("transcripts")) == 6
        tags = [
            (r["communication_id"], r["tag"], r["source"]) for r in world.rows("tag_assignments")
        ]
        assert tags
        assert len(tags) == len(set(tags))
    finally:
        world.close()
