"""A representative part of the API suite against the config store on PostgreSQL: the rights
matrix, pagination and filters, users and roles, the rights cache, manual tags, notifications.
The tests are the SQLite suite's own, run on worlds whose store is PostgreSQL."""

import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient

from serving.main import create_app
from tests.conftest import _postgres_admin_url
from tests.serving import (
    test_communications,
    test_notifications,
    test_rights_cache,
    test_rights_matrix,
    test_users_roles,
)
from tests.serving.conftest import auth
from tests.serving.world import build

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_database():
    """Two fresh databases (a read-only world and a mutable one), dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    parts = urlsplit(_postgres_admin_url())
    plain = urlunsplit(parts._replace(scheme="postgresql"))
    try:
        conn = psycopg.connect(plain, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {plain} (set CALLSCOPE_TEST_PG_URL): {error}")
    names = [f"callscope_api_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    for name in names:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [urlunsplit(parts._replace(path=f"/{name}")) for name in names]
    finally:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture(scope="module")
def pg_world(pg_database, tmp_path_factory):
    return build(tmp_path_factory.mktemp("pg-world"), pg_database[0])


@pytest.fixture(scope="module")
def pg_client(pg_world):
    with TestClient(create_app(pg_world.settings)) as client:
        yield client


@pytest.fixture(scope="module")
def pg_mutable_world(pg_database, tmp_path_factory):
    return build(tmp_path_factory.mktemp("pg-mutable"), pg_database[1])


@pytest.fixture(scope="module")
def pg_mutable_client(pg_mutable_world):
    with TestClient(create_app(pg_mutable_world.settings)) as client:
        yield client


READING = [
    test_communications.test_cursor_pagination_walks_every_row_once_newest_first,
    test_communications.test_filters_by_date_type_site_campaign,
    test_communications.test_tag_and_spam_filters,
    test_rights_matrix.test_admin_sees_everything_of_their_account,
    test_rights_matrix.test_contact_data_is_masked_without_its_right,
    test_rights_matrix.test_delete_without_edit_cannot_be_granted,
    test_rights_matrix.test_integrated_and_no_campaign_campaigns_cannot_be_deleted,
]
PER_AGENCY = [
    test_rights_matrix.test_list_shows_exactly_what_the_campaigns_allow,
    test_rights_matrix.test_every_other_agency_communication_is_refused,
    test_rights_matrix.test_every_other_agency_campaign_is_refused,
    test_rights_matrix.test_report_rows_are_filtered_by_campaign,
]
CHANGING = [
    test_users_roles.test_create_user_returns_a_working_token_once,
    test_users_roles.test_blocked_user_and_revoked_token_get_401,
    test_users_roles.test_role_rights_apply_to_members_and_follow_changes,
    test_rights_cache.test_own_rights_change_takes_effect_on_the_next_request,
    test_communications.test_manual_tags_are_recorded_with_provenance,
    test_communications.test_removing_an_automatic_tag_hides_it_from_the_tag_filter,
]


@pytest.mark.parametrize("check", READING, ids=lambda f: f.__name__)
def test_reading(pg_client, pg_world, check):
    check(pg_client, pg_world)


@pytest.mark.parametrize("login", ["agency_a", "agency_b"])
@pytest.mark.parametrize("check", PER_AGENCY, ids=lambda f: f.__name__)
def test_rights_matrix(pg_client, pg_world, check, login):
    check(pg_client, pg_world, login)


@pytest.mark.parametrize("check", CHANGING, ids=lambda f: f.__name__)
def test_changing(pg_mutable_client, pg_mutable_world, check):
    check(pg_mutable_client, pg_mutable_world)


def test_notification_rules(pg_mutable_client, pg_mutable_world):
    admin = auth(pg_mutable_world, "admin")
    body = test_notifications._rule(event="tag_set", tags=["ипотека"])
    created = pg_mutable_client.post("/api/v1/notifications", json=body, headers=admin)
    assert created.status_code == 201, created.text
    path = f"/api/v1/notifications/{created.json()['id']}"
    assert (
        pg_mutable_client.patch(path, json={"enabled": False}, headers=admin).json()["version"] == 2
    )
    history = pg_mutable_client.get(f"{path}/history", headers=admin).json()
    assert [v["rule"]["tags"] for v in history] == [["Ипотека"], ["Ипотека"]]
    assert pg_mutable_client.delete(path, headers=admin).status_code == 204
    assert pg_mutable_client.get(path, headers=admin).status_code == 404
