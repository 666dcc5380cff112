import shutil

import pytest

from data.config.store import ConfigStore
from data.warehouse import Warehouse
from tagging.matcher import ActiveRule, Communication, RuleMatcher, Turn
from tagging.rules import parse_tag_rules


@pytest.fixture(scope="session")
def migrated_config(tmp_path_factory):
    """One migrated SQLite file; each test gets a copy, so migrations run once."""
    path = tmp_path_factory.mktemp("config") / "template.sqlite3"
    ConfigStore(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def store(tmp_path, migrated_config):
    path = tmp_path / "config.sqlite3"
    shutil.copyfile(migrated_config, path)
    config = ConfigStore(f"sqlite:///{path}", migrate_schema=False)
    yield config
    config.dispose()


@pytest.fixture
def warehouse(tmp_path):
    return Warehouse(tmp_path / "warehouse")


def matcher_for(document) -> RuleMatcher:
    tags = parse_tag_rules(document)
    return RuleMatcher([ActiveRule(t.tag, rule) for t in tags for rule in t.rules])


def one_rule(op: str, keywords: list[str], speaker: str = "any", **extra) -> RuleMatcher:
    rule = {"id": "r1", "speaker": speaker, "conditions": [{"op": op, "keywords": keywords}]}
    rule.update(extra)
    return matcher_for([{"tag": "T", "rules": [rule]}])


def call(*turns: tuple[str, str], kind: str = "call", site_id: int | None = 1) -> Communication:
    return Communication("c1", kind, site_id, tuple(Turn(s, t) for s, t in turns))


def tags_of(matcher: RuleMatcher, communication: Communication) -> set[str]:
    return {m.tag for m in matcher.match(communication)}
