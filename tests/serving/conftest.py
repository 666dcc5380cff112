"""Two small accounts shared by the API tests: ``world`` for tests that only read, and
``mutable_world`` for tests that change configuration (each such test uses names of its own)."""

import pytest
from fastapi.testclient import TestClient

from serving.main import create_app
from tests.serving.world import World, build


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    return build(tmp_path_factory.mktemp("callscope"))


@pytest.fixture(scope="session")
def client(world):
    with TestClient(create_app(world.settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def mutable_world(tmp_path_factory) -> World:
    return build(tmp_path_factory.mktemp("callscope-mutable"))


@pytest.fixture(scope="session")
def mutable_client(mutable_world):
    with TestClient(create_app(mutable_world.settings)) as test_client:
        yield test_client


def auth(world: World, login: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[login]}"}
