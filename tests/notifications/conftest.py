"""A config store with one account, its site, campaign and employees; rules are written
directly as versions; real loopback receivers."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from data.config.models.core import Account, Campaign, Employee, EmployeeGroup, Site
from data.config.models.notifications import Notification, NotificationVersion
from data.config.store import ConfigStore
from data.notifications.delivery import Policy
from data.notifications.loopback import Mailbox, Receiver
from data.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        home=tmp_path,
        notifications_allow_private_hosts=True,
        notifications_secret="test-secret",
    )


def seed(store: ConfigStore) -> None:
    with store.session() as session:
        session.add(Account(id=1, name="Окна Москвы"))
        session.add(Account(id=2, name="Другой аккаунт"))
        session.flush()
        session.add(Site(id=101, account_id=1, domain_name="okna-moskva.ru"))
        session.flush()
        session.add(Campaign(id=2001, account_id=1, site_id=101, name="Директ", channel="paid"))
        group = EmployeeGroup(id=7, account_id=1, name="Продажи")
        session.add(Employee(id=17, account_id=1, full_name="Анна Петрова", groups=[group]))


@pytest.fixture(scope="session")
def migrated(tmp_path_factory) -> Path:
    """One migrated, seeded database file; each test gets a copy (migrating takes a second)."""
    path = tmp_path_factory.mktemp("notifications") / "config.sqlite3"
    store = ConfigStore(f"sqlite:///{path}")
    seed(store)
    with store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


@pytest.fixture
def store(tmp_path, migrated) -> ConfigStore:
    path = tmp_path / "config.sqlite3"
    shutil.copy(migrated, path)
    store = ConfigStore(f"sqlite:///{path}", migrate_schema=False)
    yield store
    store.dispose()


def add_rule(store: ConfigStore, payload: dict, account_id: int = 1) -> int:
    with store.session() as session:
        rule = Notification(account_id=account_id, created_by="test")
        session.add(rule)
        session.flush()
        session.add(
            NotificationVersion(
                notification_id=rule.id,
                version=1,
                valid_from=dt.datetime(2026, 1, 1),
                payload={"enabled": True, **payload},
                created_by="test",
            )
        )
        return rule.id


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def mailbox():
    mailbox = Mailbox()
    yield mailbox
    mailbox.close()


def policy(settings: Settings, **overrides) -> Policy:
    return Policy.from_settings(settings, **{"backoff_base": 0.01, "timeout": 2.0, **overrides})
