"""The single enforcement point: every route declares its rights, unauthenticated calls get 401,
errors are problem details."""

from serving.api.guard import RIGHTS_KEY, needs
from tests.serving.conftest import auth

SAMPLE_PARAMS = {
    "communication_id": "call:1",
    "tag": "x",
    "kind": "black",
    "report": "deals",
    "rule_id": "t1",
}


def _operations(client):
    spec = client.app.openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_api_route_declares_its_rights(client):
    operations = list(_operations(client))
    assert len(operations) > 40
    undeclared = [f"{m} {p}" for p, m, op in operations if not op.get(RIGHTS_KEY)]
    assert undeclared == []
    public = [p for p, m, op in operations if any(n["scope"] == "public" for n in op[RIGHTS_KEY])]
    # the intake and the recording links answer without a token, to a valid signature alone
    assert sorted(public) == [
        "/api/v1/health",
        "/api/v1/notifications/intake",
        "/api/v1/recording-links/{communication_id}",
    ]


def test_every_non_public_route_refuses_an_anonymous_caller(client):
    """Proves the guard runs on every route: none answers without a token."""
    for path, method, operation in _operations(client):
        if any(n["scope"] == "public" for n in operation[RIGHTS_KEY]):
            continue
        url = path
        for name, value in SAMPLE_PARAMS.items():
            url = url.replace("{" + name + "}", value)
        url = url.replace("{", "").replace("}", "")
        url = __import__("re").sub(r"/[a-z_]+_id(?=/|$)", "/1", url)
        response = client.request(method.upper(), url)
        assert response.status_code == 401, f"{method} {path} -> {response.status_code}"


def test_a_route_without_declaration_is_closed(world):
    from fastapi import APIRouter, Depends
    from fastapi.testclient import TestClient

    from serving.api.guard import enforce_rights
    from serving.main import create_app

    app = create_app(world.settings)
    router = APIRouter(prefix="/api/v1/probe", dependencies=[Depends(enforce_rights)])

    @router.get("/forgotten")
    def forgotten():
        return {"secret": True}

    app.include_router(router)
    with TestClient(app) as probe:
        response = probe.get("/api/v1/probe/forgotten", headers=auth(world, "admin"))
    assert response.status_code == 403
    assert "declares no rights" in response.json()["detail"]


def test_missing_or_wrong_token_is_401_problem(client, world):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/communications", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401


def test_validation_errors_are_422_problems(client, world):
    response = client.get(
        "/api/v1/communications", params={"limit": 0}, headers=auth(world, "admin")
    )
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["errors"][0]["loc"][-1] == "limit"


def test_health_is_public(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert "communications" in response.json()["warehouse_tables"]


def test_docs_load_no_asset_from_a_cdn(client):
    page = client.get("/docs").text
    assert "cdn" not in page.lower()
    assert "https://" not in page
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200


def test_needs_records_scope_action_and_parameter():
    assert needs(("campaign", "delete", "campaign_id"), "tags") == {
        RIGHTS_KEY: [
            {"scope": "campaign", "action": "delete", "param": "campaign_id"},
            {"scope": "tags", "action": None, "param": None},
        ]
    }
