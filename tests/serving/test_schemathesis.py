"""Property-based checks of the API against its own OpenAPI spec, with every schemathesis check
on: no input produces a 500, every response matches its documented status, content type,
headers and schema, invalid input is refused, schema-valid input is not refused with a 400 or a
5xx, auth is not ignored, a 405 carries ``Allow``.

Each operation is one test. Its cases mix schemathesis' positive strategy with cases whose ids
are ones the store holds (random ids would almost never reach a row, and so
never reach a delete that others refer to). Each operation runs as an administrator of its own,
and a new one is made whenever a case revoked, blocked or deleted it: no operation can hide the
others or the rest of its own cases behind 401s."""

import itertools
import re

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from data.config.models.core import VirtualNumber
from data.config.store import ConfigStore
from serving.access import accounts
from serving.main import create_app
from tests.serving.world import build

EXAMPLES = 25
OPERATIONS = [
    (path, method)
    for path, methods in create_app().openapi()["paths"].items()
    for method in methods
]
# Ids the world's store holds (sites 1-2, campaigns 11-23, users and roles from 1), and a
# communication of each kind in the warehouse.
KNOWN_IDS = [1, 2, 3, 11, 12, 13, 21, 22, 23]
KNOWN_COMMUNICATIONS = ["call:1", "chat:2", "offline_message:42"]
# Schema-valid data may still be refused by rules OpenAPI cannot state: an id that names no row
# (404), a delete of something in use (409), a cross-field or referential rule (422).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
            }
        }
    }
)


class Identities:
    """An administrator per operation, replaced as soon as a case makes its token useless."""

    def __init__(self, store: ConfigStore, client: TestClient):
        self.store, self.client = store, client
        self.counter = itertools.count(1)
        self.token = ""

    def fresh(self) -> dict[str, str]:
        with self.store.session() as session:
            user = accounts.create_user(
                session, f"fuzz{next(self.counter)}", "test", full_access=True, account_id=1
            )
            self.token = accounts.issue_token(session, user)
        return self.headers()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def renew_if_lost(self) -> None:
        """A case may have revoked, blocked or deleted its own caller."""
        if self.client.get("/api/v1/me", headers=self.headers()).status_code == 401:
            self.fresh()


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    world = build(tmp_path_factory.mktemp("schemathesis"))
    store = ConfigStore(world.settings.database_url)
    with store.session() as session:  # a campaign and a site that others refer to
        session.add(VirtualNumber(number="74950000021", account_id=1, site_id=1, campaign_id=21))
        session.add(VirtualNumber(number="74950000023", account_id=1, site_id=2, campaign_id=23))
    app = create_app(world.settings)
    # the lifespan runs: store and warehouse stay open while we test
    with TestClient(app) as client:
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG)
        yield schema, Identities(store, client)
    store.dispose()


def _strategy(operation):
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    names = [p.name for p in operation.path_parameters]
    if names:
        known = {
            name: KNOWN_COMMUNICATIONS if name == "communication_id" else KNOWN_IDS
            for name in names
            if name.endswith("_id")
        }
        if known:
            values = st.fixed_dictionaries({n: st.sampled_from(v) for n, v in known.items()})
            strategies.append(
                values.flatmap(
                    lambda chosen: operation.as_strategy(
                        GenerationMode.POSITIVE, path_parameters=chosen
                    )
                )
            )
    for parameter in operation.query:
        kind = _format(parameter.definition.get("schema") or {})
        if kind in EDGES:
            strategies.append(
                st.sampled_from(EDGES[kind]).flatmap(
                    lambda value, name=parameter.name: operation.as_strategy(
                        GenerationMode.POSITIVE, query={name: value}
                    )
                )
            )
    return st.one_of(strategies)


# Times and days at the ends of the calendar, with and without a zone: hypothesis reaches them
# rarely, and they are where a shift to the account's zone overflows.
EDGES = {
    "date": ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"],
    "date-time": [
        "0001-01-01T00:00:00+05:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31T23:59:59",
    ],
}


def _format(schema: dict) -> str | None:
    if "format" in schema:
        return schema["format"]
    return next((f for f in map(_format, schema.get("anyOf", [])) if f), None)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_operation_conforms_to_its_spec(api, path, method):
    schema, identities = api
    operation = schema[path][method]
    identities.fresh()

    @given(case=_strategy(operation))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def check(case):
        try:
            case.call_and_validate(headers=identities.headers())
        finally:
            identities.renew_if_lost()

    check()


PATHS = sorted({path for path, _ in OPERATIONS})


def test_every_path_answers_an_undocumented_method_with_405_and_allow(api):
    """What schemathesis' unsupported_method check asks, for every path of the API."""
    _schema, identities = api
    spec = identities.client.get("/api/v1/openapi.json").json()["paths"]
    patterns = {p: re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p))) for p in spec}
    for path in PATHS:
        url = re.sub(r"\{[^}]+\}", "1", path)
        # a concrete path may match more than one template (cost-preview and {rule_id})
        documented = {m.upper() for p in spec if patterns[p].fullmatch(url) for m in spec[p]}
        allowed = ", ".join(sorted(documented | ({"HEAD"} if "GET" in documented else set())))
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - documented):
            answer = identities.client.request(method, url, headers=identities.fresh())
            assert answer.status_code == 405, (method, url, answer.status_code)
            assert answer.headers.get("allow") == allowed, (method, url, answer.headers)
