"""The demo account: landing files and ground truth generated into the demo home, the config
database seeded (accounts, rules, spam feedback) with a full-access API user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from data.config.store import ConfigStore
from data.demo.generator import DemoSpec, generate_demo
from data.demo.seed import seed_config
from data.settings import get_settings
from pipelines.demo.home import claim_database, claim_home


@dataclass
class PreparedDemo:
    home: Path
    counts: dict[str, int]
    admin_token: str
    database_url: str


def database_url(home: Path) -> str:
    """``CALLSCOPE_CONFIG_URL`` when the demo runs in ``CALLSCOPE_HOME``, else the home's SQLite."""
    settings = get_settings()
    if settings.config_url and Path(home).resolve() == Path(settings.home).resolve():
        return settings.config_url
    return f"sqlite:///{(Path(home) / 'config.sqlite3').resolve()}"


def prepare_demo(spec: DemoSpec, home: Path | None = None, fresh: bool = False) -> PreparedDemo:
    """Refuses an unmarked home or database before anything is written (see ``home``)."""
    home = Path(home or get_settings().home)
    url = database_url(home)
    home = claim_home(home, fresh)
    claim_database(url, home, fresh)
    result = generate_demo(home, spec)
    store = ConfigStore(url)
    try:
        with store.session() as session:
            seed_config(session, result.reference, spec)
            _seed_spam_feedback(session, result, spec)
            token = admin_token(session, home)
    finally:
        store.dispose()
    return PreparedDemo(home, result.counts, token, url)


def admin_token(session, home: Path) -> str:
    """A full-access admin per account (tokens in ``<home>/admin-tokens``); returns account 1's."""
    from serving.access.accounts import create_account_admins

    return create_account_admins(session, home)


def _seed_spam_feedback(session, result, spec: DemoSpec) -> None:
    """Accounts' complaints, spam marks and list entries: the labels the spam model learns from."""
    from antispam.lists import seed_feedback, set_switches
    from data.demo.incoming_calls import plant_feedback

    accounts = [a["id"] for a in result.reference.accounts]
    start = spec.end - dt.timedelta(days=spec.spam_days - 1)
    feedback = plant_feedback(result.incoming_truth, accounts, start, spec.end, spec.seed)
    seed_feedback(session, feedback.lists, feedback.marks)
    # One account tags and blocks spam; the others only tag it, so both policies show.
    set_switches(session, accounts[0], "demo", tag=True, block=True)
    for account in accounts[1:]:
        set_switches(session, account, "demo", tag=True, block=False)
