"""Property-based checks of the API against its own OpenAPI spec: no input produces a 500,
every response matches its documented status, content type and schema, invalid input is
refused, and auth is not ignored.

Each operation is one test; its cases come from schemathesis' strategy for that operation."""

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from serving.main import create_app
from tests.serving.world import build

OPERATIONS = [
    (path, method)
    for path, methods in create_app().openapi()["paths"].items()
    for method in methods
]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    world = build(tmp_path_factory.mktemp("schemathesis"))
    app = create_app(world.settings)
    with TestClient(app):  # runs the lifespan: store and warehouse stay open while we test
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        yield schema, {"Authorization": f"Bearer {world.tokens['admin']}"}


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_operation_conforms_to_its_spec(api, path, method):
    schema, headers = api
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=5,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def check(case):
        # Referential rules (an unknown role id is 404) and cross-field ones (delete needs edit)
        # are outside what OpenAPI can say, so a schema-valid request may rightly be refused.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()
