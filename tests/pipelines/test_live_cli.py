"""`callscope sources add/list` and `callscope live run --once` against the local Data API."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from data.live.local_api import LocalDataApi
from data.live.simulate import SimulatedAccount
from pipelines.cli.main import app

TOKEN = "cli-token-0123456789-abcdef"


def test_sources_and_one_live_poll(callscope_home, monkeypatch):
    monkeypatch.setenv("CALLSCOPE_RECOGNIZER", "ground-truth")
    runner = CliRunner()
    with LocalDataApi() as api:
        account = SimulatedAccount(
            api, 9, TOKEN, dialogues_path=callscope_home / "ground_truth" / "call_dialogues.jsonl"
        )
        now = dt.datetime.now(ZoneInfo("Europe/Moscow")).replace(tzinfo=None, microsecond=0)
        account.call(now - dt.timedelta(minutes=3))
        account.call(now - dt.timedelta(minutes=2), lost=True)
        account.lead(now - dt.timedelta(minutes=1))

        added = runner.invoke(
            app, ["sources", "add", "comagic", "--account", "9", "--token", TOKEN, "--url", api.url]
        )
        assert added.exit_code == 0, added.output
        assert TOKEN not in added.output
        assert json.loads(added.output)["token"] == "****cdef"
        listed = runner.invoke(app, ["sources", "list"])
        assert TOKEN not in listed.output
        assert json.loads(listed.output)["url"] == api.url

        first = runner.invoke(app, ["live", "run", "--once"])
        assert first.exit_code == 0, first.output
        summary = json.loads(first.output.strip().splitlines()[-1])
        assert (summary["fetched"], summary["new"], summary["processed"]) == (3, 3, 3)
        assert summary["accounts"][0]["account"] == 9
        assert summary["errors"] == 0
        again = json.loads(runner.invoke(app, ["live", "run", "--once"]).output.splitlines()[-1])
        assert (again["new"], again["processed"]) == (0, 0)

    bad = runner.invoke(app, ["sources", "add", "comagic", "--account", "9", "--token", " "])
    assert bad.exit_code == 2
    assert "the token is empty" in bad.output
