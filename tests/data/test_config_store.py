import datetime as dt

import pytest
from sqlalchemy import inspect, select

from data.config import audit, rules
from data.config.models.core import Account, Site
from data.config.store import ConfigStore

T = dt.datetime


@pytest.fixture
def store(config_url):
    store = ConfigStore(config_url)
    yield store
    store.dispose()


def test_migrations_create_every_model_table(store):
    from data.config.base import Base

    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrating_twice_is_a_no_op(config_url):
    ConfigStore(config_url).dispose()
    ConfigStore(config_url).dispose()


def test_rules_as_of_follow_the_version_history(store):
    payload = {"id": "t1", "enabled": True}
    with store.session() as session:
        rules.put_rule(session, "transcription", "t1", payload, "anna", valid_from=T(2026, 5, 1))
        rules.put_rule(
            session,
            "transcription",
            "t1",
            {**payload, "enabled": False},
            "anna",
            valid_from=T(2026, 5, 3, 14),
        )
        rules.put_rule(
            session, "transcription", "t1", payload, "boris", valid_from=T(2026, 5, 3, 16)
        )
    with store.session() as session:

        def enabled_at(at):
            (version,) = rules.rules_as_of(session, "transcription", at)
            return version.version, version.payload["enabled"]

        assert rules.rules_as_of(session, "transcription", T(2026, 4, 30)) == []
        assert enabled_at(T(2026, 5, 3, 13, 59)) == (1, True)
        assert enabled_at(T(2026, 5, 3, 14)) == (2, False)
        assert enabled_at(T(2026, 5, 3, 15, 59)) == (2, False)
        assert enabled_at(T(2026, 5, 3, 16)) == (3, True)
        history = rules.rule_history(session, "transcription", "t1")
        assert [(v.valid_from, v.valid_to) for v in history] == [
            (T(2026, 5, 1), T(2026, 5, 3, 14)),
            (T(2026, 5, 3, 14), T(2026, 5, 3, 16)),
            (T(2026, 5, 3, 16), None),
        ]
        day = rules.versions_between(session, "transcription", T(2026, 5, 3), T(2026, 5, 4))
        assert [v.version for v in day] == [1, 2, 3]


def test_history_is_append_only_and_deletion_keeps_it(store):
    with store.session() as session:
        rules.put_rule(
            session, "autotag", "r1", {"tag": "Ипотека"}, "anna", valid_from=T(2026, 5, 2)
        )
        with pytest.raises(ValueError, match="append-only"):
            rules.put_rule(
                session, "autotag", "r1", {"tag": "Ипотека"}, "anna", valid_from=T(2026, 5, 1)
            )
    with store.session() as session:
        rules.delete_rule(session, "autotag", "r1", "anna", at=T(2026, 5, 5))
        assert rules.current_rules(session, "autotag") == []
        assert len(rules.rules_as_of(session, "autotag", T(2026, 5, 4))) == 1
        with pytest.raises(ValueError, match="unknown rule kind"):
            rules.put_rule(session, "unknown-kind", "x", {}, "anna")


def test_every_change_keeps_an_audit_record(store):
    with store.session() as session:
        rules.put_rule(session, "autotag", "r1", {"tag": "А"}, "anna", valid_from=T(2026, 5, 1))
        rules.put_rule(session, "autotag", "r1", {"tag": "Б"}, "boris", valid_from=T(2026, 5, 2))
        rules.delete_rule(session, "autotag", "r1", "vera", at=T(2026, 5, 3))
    with store.session() as session:
        records = audit.history(session, "autotag_rule", "r1")
        assert [(r.actor, r.action) for r in records] == [
            ("anna", "create"),
            ("boris", "update"),
            ("vera", "delete"),
        ]
        assert records[1].before == {"tag": "А"}
        assert records[1].after == {"tag": "Б"}
        assert records[2].after is None


def test_a_failed_unit_of_work_rolls_back(store):
    with pytest.raises(RuntimeError, match="boom"), store.session() as session:  # noqa: PT012 - the unit of work must fail inside its own block
        session.add(Account(id=1, name="Агентство"))
        session.flush()
        raise RuntimeError("boom")
    with store.session() as session:
        assert session.scalar(select(Account)) is None
        session.add(Account(id=1, name="Агентство"))
        session.add(Site(id=10, account_id=1, domain_name="example.ru"))
    with store.session() as session:
        site = session.get(Site, 10)
        assert (site.target_call_min_duration, site.is_active) == (30, True)
