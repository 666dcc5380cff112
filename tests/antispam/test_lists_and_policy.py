import datetime as dt
import json

import pandas as pd
import pytest

from antispam import lists, policy
from antispam.nightly import apply_policy_day
from antispam.scoring import VERDICT_SCHEMA, VERDICT_TABLE
from data.config import audit
from data.config.models.core import Account
from data.config.store import ConfigStore
from data.errors import ConfigError
from data.warehouse import Warehouse

SPAMMER = "79990000001"
CUSTOMER = "79990000002"
PARTNER = "79990000003"
DAY = dt.date(2026, 5, 2)


def _store(url: str):
    store = ConfigStore(url)
    with store.session() as session:
        session.add_all([Account(id=i, name=f"account {i}") for i in (1, 2, 3, 4)])
    return store


@pytest.fixture
def store(config_url):
    """SQLite and PostgreSQL: for the tests of what the store keeps."""
    store = _store(config_url)
    yield store
    store.dispose()


@pytest.fixture
def sqlite_store(tmp_path):
    store = _store(f"sqlite:///{tmp_path / 'config.sqlite3'}")
    yield store
    store.dispose()


def test_switches_are_independent_and_audited(store):
    with store.session() as s:
        assert not lists.get_switches(s, 1).tag_enabled
        lists.set_switches(s, 1, "anna", tag=True)
        lists.set_switches(s, 1, "boris", block=True)
        lists.set_switches(s, 1, "boris", tag=False)
    with store.session() as s:
        row = lists.get_switches(s, 1)
        assert (row.tag_enabled, row.block_enabled, row.updated_by) == (False, True, "boris")
        history = audit.history(s, "antispam_settings", 1)
        assert [h.actor for h in history] == ["anna", "boris", "boris"]
        assert history[-1].before == {"tag_enabled": True, "block_enabled": True}


def test_list_entries_keep_who_when_and_comment_and_normalise_numbers(store):
    at = dt.datetime(2026, 4, 1, 12, 0)
    with store.session() as s:
        entry = lists.add_to_list(s, 1, "black", "+7 (999) 000-00-01", "anna", "реклама", at=at)
        assert entry.number == SPAMMER
    with store.session() as s:
        [entry] = lists.list_entries(s, 1, "black")
        assert (entry.number, entry.added_by, entry.added_at, entry.comment) == (
            SPAMMER,
            "anna",
            at,
            "реклама",
        )
        # adding to the white list moves the number: never on both lists of one account
        lists.add_to_list(s, 1, "white", "8 999 000 00 01", "boris")
    with store.session() as s:
        assert lists.list_entries(s, 1, "black") == []
        assert [e.number for e in lists.list_entries(s, 1, "white")] == [SPAMMER]
        assert lists.remove_from_list(s, 1, SPAMMER, "boris")
        assert lists.list_entries(s, 1) == []
        actions = [h.action for h in audit.history(s, "antispam_list_entry", f"1:{SPAMMER}")]
        assert actions == ["create", "update", "delete"]


def test_a_number_that_is_not_one_is_a_config_error(sqlite_store):
    with sqlite_store.session() as s, pytest.raises(ConfigError, match="not a phone number"):
        lists.add_to_list(s, 1, "black", "позвоните мне", "anna")


def test_marks_become_training_labels(sqlite_store):
    with sqlite_store.session() as s:
        lists.add_mark(s, 1, SPAMMER, True, "anna", communication_id="call:1")
        lists.add_mark(s, 2, SPAMMER, True, "boris")
        lists.add_mark(s, 2, CUSTOMER, False, "boris", comment="наш клиент")
    with sqlite_store.session() as s:
        list_frame, marks = lists.feedback_frames(s)
    from antispam.training import label_numbers

    labels = label_numbers(list_frame, marks).set_index("caller")["label"].to_dict()
    assert labels == {int(SPAMMER): 1, int(CUSTOMER): 0}


def _setup_accounts(store):
    """1: tag only; 2: block only; 3: both; 4: neither, but a black list."""
    with store.session() as s:
        lists.set_switches(s, 1, "anna", tag=True)
        lists.set_switches(s, 2, "anna", block=True)
        lists.set_switches(s, 3, "anna", tag=True, block=True)
        lists.add_to_list(s, 3, "white", PARTNER, "anna", at=dt.datetime(2026, 1, 1))
        lists.add_to_list(
            s, 4, "black", CUSTOMER, "anna", "бывший клиент", at=dt.datetime(2026, 5, 2, 12, 0)
        )
        return policy.load_policies(s)


def _verdicts(warehouse: Warehouse, day: dt.date, numbers: list[str]) -> None:
    frame = pd.DataFrame([{name: 0.0 for name in VERDICT_SCHEMA.names}] * len(numbers))
    frame["number"] = numbers
    frame["score"] = 0.97
    frame["is_spam"] = True
    frame["reasons"] = json.dumps(["short_share=0.90 (typical legitimate 0.00)"])
    frame["model_version"] = "v1"
    warehouse.write_partition(VERDICT_TABLE, day, frame)


def _communications(warehouse: Warehouse):
    rows = []
    for i, (account, number, hour) in enumerate(
        [
            (1, SPAMMER, 10),
            (2, SPAMMER, 10),
            (3, SPAMMER, 10),
            (4, SPAMMER, 10),
            (3, PARTNER, 11),
            (4, CUSTOMER, 9),
            (4, CUSTOMER, 15),
            (1, CUSTOMER, 9),
        ]
    ):
        rows.append(
            {
                "communication_id": f"call:{i}",
                "communication_type": "call",
                "id": i,
                "account_id": account,
                "contact_phone_number": f"+{number}",
                "date_time": dt.datetime.combine(DAY, dt.time(hour)),
            }
        )
    rows.append(
        {
            "communication_id": "chat:1",
            "communication_type": "chat",
            "id": 1,
            "account_id": 2,
            "contact_phone_number": None,
            "date_time": dt.datetime.combine(DAY, dt.time(10)),
        }
    )
    warehouse.write_partition("communications", DAY, pd.DataFrame(rows))


def test_policy_tags_blocks_and_respects_lists(sqlite_store, tmp_path):
    warehouse = Warehouse(tmp_path / "wh")
    policies = _setup_accounts(sqlite_store)
    _verdicts(warehouse, DAY - dt.timedelta(days=1), [SPAMMER, PARTNER])
    _verdicts(warehouse, DAY, [CUSTOMER])  # same-day verdicts are not yet in effect
    _communications(warehouse)
    result = apply_policy_day(warehouse, policies, DAY)

    blocked = warehouse.read(policy.BLOCKED_TABLE).set_index("communication_id")
    assert blocked["reason"].to_dict() == {
        "call:1": "antispam",  # account 2 blocks spam
        "call:2": "antispam",  # account 3 blocks and tags
        "call:6": "blacklist",  # account 4's black list blocks with every switch off...
    }  # ...but only from the moment it was added (call:5 was at 09:00)
    assert blocked.loc["call:6", "contact_phone_number"] == CUSTOMER
    tags = warehouse.read(policy.SPAM_TAGS_TABLE).set_index("communication_id")
    assert set(tags.index) == {"call:0", "call:2"}  # tag switch on: accounts 1 and 3
    assert (tags["tag"] == "спам").all()
    assert (tags["source"] == "system").all()
    assert tags.loc["call:0", "source_ref"] == "antispam@v1"
    assert "short_share" in tags.loc["call:0", "evidence"]
    # the partner is flagged platform-wide but white-listed by account 3: untouched
    assert "call:4" not in blocked.index
    assert "call:4" not in tags.index
    assert (result.blocked_antispam, result.blocked_blacklist, result.tagged) == (2, 1, 2)

    assert policy.blocked_call_ids(warehouse) == {"call:1", "call:2", "call:6"}
    communications = warehouse.read("communications")
    kept = policy.exclude_blocked(communications, warehouse)
    assert set(kept["communication_id"]) == set(communications["communication_id"]) - {
        "call:1",
        "call:2",
        "call:6",
    }
    # hiding is not deleting: the verdicts stay in the warehouse for review
    assert set(warehouse.read(VERDICT_TABLE)["number"]) == {SPAMMER, PARTNER, CUSTOMER}
    history = policy.verdict_history(warehouse, "+7 (999) 000-00-01")
    assert history["date"].dt.date.tolist() == [DAY - dt.timedelta(days=1)]
    assert history.loc[0, "is_spam"]
    assert history.loc[0, "score"] == 0.97


def test_rerunning_a_day_replaces_it(sqlite_store, tmp_path):
    warehouse = Warehouse(tmp_path / "wh")
    policies = _setup_accounts(sqlite_store)
    _verdicts(warehouse, DAY - dt.timedelta(days=1), [SPAMMER])
    _communications(warehouse)
    apply_policy_day(warehouse, policies, DAY)
    apply_policy_day(warehouse, policies, DAY)
    assert len(warehouse.read(policy.BLOCKED_TABLE)) == 3


def test_no_verdicts_yet_means_only_black_lists_block(sqlite_store, tmp_path):
    warehouse = Warehouse(tmp_path / "wh")
    policies = _setup_accounts(sqlite_store)
    _communications(warehouse)
    apply_policy_day(warehouse, policies, DAY)
    assert policy.blocked_call_ids(warehouse) == {"call:6"}
