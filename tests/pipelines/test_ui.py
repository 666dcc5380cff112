"""The Dagster UI serves the asset graph: a real webserver, checked in headless Chromium."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WEBSERVER = Path(sys.executable).with_name("dagster-webserver")
LOCATION = "callscope"
STARTUP_SECONDS = 180

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium is not installed (Debian package chromium)"
    ),
]

ASSET_NODES_QUERY = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
} } }
  assetNodes { assetKey { path } groupName } }
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def wait_until_loaded(base: str, server: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"dagster-webserver exited with {server.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            data = graphql(base, ASSET_NODES_QUERY)
        except OSError:
            time.sleep(1)
            continue
        (entry,) = data["workspaceOrError"]["locationEntries"]
        if entry["loadStatus"] == "LOADED":
            problem = entry["locationOrLoadError"]
            assert problem["__typename"] == "RepositoryLocation", problem.get("message")
            return data
        time.sleep(1)
    pytest.fail(f"dagster-webserver did not load the code location in {STARTUP_SECONDS} s")


def rendered_text(url: str, profile: Path) -> str:
    """The page's visible text after its scripts ran, from headless Chromium's DOM dump."""
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=30000",
            "--window-size=5120,3200",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", result.stdout, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


@pytest.fixture
def webserver(tmp_path):
    dagster_home = tmp_path / "dagster-home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(
        "load_from:\n"
        "  - python_module:\n"
        "      module_name: pipelines.definitions\n"
        f"      location_name: {LOCATION}\n"
        f"      working_directory: {ROOT}\n"
    )
    port = free_port()
    log = tmp_path / "webserver.log"
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(WEBSERVER), "-w", str(workspace), "-h", "127.0.0.1", "-p", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        yield base, wait_until_loaded(base, server, log)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_asset_graph_page_shows_the_assets(webserver, tmp_path):
    base, loaded = webserver
    groups: dict[str, set[str]] = {}
    for node in loaded["assetNodes"]:
        groups.setdefault(node["groupName"], set()).add("/".join(node["assetKey"]["path"]))
    (home_group,) = [g for g, names in groups.items() if "communications" in names]

    group_page = rendered_text(
        f"{base}/locations/{LOCATION}/asset-groups/{home_group}", tmp_path / "chromium-profile"
    )
    assert "Lineage" in group_page
    assert "Empty graph" not in group_page
    shown = {
        name for name in groups[home_group] if re.search(rf"\b{re.escape(name)}\b", group_page)
    }
    assert "communications" in shown
    assert shown == groups[home_group]
