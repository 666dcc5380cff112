"""The demo's admins: one full-access admin per account, tokens written once, each seeing
exactly its own account's communications and reports."""

import stat

import pytest
from fastapi.testclient import TestClient

from data.config.store import ConfigStore
from data.settings import Settings
from serving.access.accounts import create_account_admins
from serving.main import create_app
from tests.serving.world import _seed_store, build, of_account


@pytest.fixture(scope="module")
def admins(tmp_path_factory):
    root = tmp_path_factory.mktemp("account-admins")
    world = build(root / "world")
    # the same warehouse, a config store holding the accounts and nothing else: as the demo's
    settings = Settings(home=world.settings.home, config_url=f"sqlite:///{root / 'demo.db'}")
    store = ConfigStore(settings.database_url)
    _seed_store(store)
    with store.session() as session:
        first = create_account_admins(session, root)
    store.dispose()
    lines = (root / "admin-tokens").read_text().splitlines()
    with TestClient(create_app(settings)) as client:
        yield client, world, root, first, [line.split() for line in lines]


def test_one_admin_per_account_with_its_token_written_once(admins):
    _, _, root, first, lines = admins
    assert [(int(account), login) for account, login, _ in lines] == [(1, "admin"), (2, "admin-2")]
    assert (root / "admin-token").read_text().strip() == first == lines[0][2]
    assert stat.S_IMODE((root / "admin-tokens").stat().st_mode) == 0o600


def test_each_admin_sees_exactly_its_own_account(admins):
    client, world, _, _, lines = admins
    for account, login, token in lines:
        headers = {"Authorization": f"Bearer {token}"}
        me = client.get("/api/v1/me", headers=headers).json()
        assert me["user"]["login"] == login
        seen, cursor = set(), None
        while True:
            params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
            page = client.get("/api/v1/communications", params=params, headers=headers).json()
            seen |= {item["communication_id"] for item in page["items"]}
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == of_account(world, int(account)), login
        report = client.get("/api/v1/reports/end-to-end", headers=headers).json()
        sites = {row["site_id"] for row in report["rows"]}
        assert sites == ({1, 2} if account == "1" else {3}), login
