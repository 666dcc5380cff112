"""Warehouse fixtures: the same tests run on a local folder and on an S3 bucket served by moto
on loopback."""

import socket
import subprocess
import sys
import time
import uuid

import pytest

from data.warehouse import Warehouse

S3_OPTIONS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_ALLOW_HTTP": "true",
}
BUCKET = "callscope-warehouse"


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server in its own process (delta-rs may hold the GIL while it waits on S3)."""
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("moto.server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            break
        except Exception:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.2)
    yield endpoint
    server.kill()
    server.wait()


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A fresh folder of the moto bucket: (storage options, bucket, prefix)."""
    return {**S3_OPTIONS, "AWS_ENDPOINT_URL": s3_endpoint}, BUCKET, uuid.uuid4().hex


@pytest.fixture(params=["local", "s3"])
def make_warehouse(request, tmp_path):
    """Builds warehouses on the parametrized storage; each call gets a fresh root."""

    def make(name: str = "wh") -> Warehouse:
        if request.param == "local":
            return Warehouse(tmp_path / name)
        endpoint = request.getfixturevalue("s3_endpoint")
        root = f"s3://{BUCKET}/{uuid.uuid4().hex}/{name}"
        options = {**S3_OPTIONS, "AWS_ENDPOINT_URL": endpoint}
        return Warehouse(root, storage_options=options, cache_dir=tmp_path / "s3-cache")

    return make


@pytest.fixture
def world(tmp_path):
    """A live-path world: the local Data API, a config store and a warehouse (live_world.py)."""
    from tests.data.live_world import World

    live = World(tmp_path)
    yield live
    live.close()
