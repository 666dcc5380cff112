"""A worker killed with SIGKILL mid-batch loses nothing and applies nothing twice: after its
leases expire another worker finishes, every delivery ends delivered or failed with a reason,
and the receiver (which applies each idempotency key once) applied each delivered one once."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import select

from data.config.models.notifications_outbox import NotificationDelivery
from data.notifications.delivery import settle
from data.notifications.loopback import Behaviour
from data.notifications.sources import raise_all
from tests.notifications.conftest import add_rule, policy
from tests.notifications.test_delivery import lost_call

WORKER = textwrap.dedent(
    """
    import sys
    from data.config.store import ConfigStore
    from data.notifications.delivery import Policy, deliver_due
    store = ConfigStore(sys.argv[1], migrate_schema=False)
    policy = Policy(allow_private=True, backoff_base=0.01, lease_seconds=2.0, batch=40,
                    per_account_channel=40, concurrency=4, timeout=5.0)
    while True:
        deliver_due(store, policy, worker="doomed")
    """
)


@pytest.mark.slow
def test_a_killed_worker_neither_loses_nor_doubles(store, settings, receiver):
    receiver.behaviour = Behaviour(fail_share=0.2, hang_seconds=0.05)
    for name in ("A", "B", "C", "D"):  # four lanes, so several requests are in flight
        add_rule(
            store,
            {
                "name": name,
                "event": "lost_call",
                "http": {"url": f"{receiver.url}/{name}", "method": "POST"},
            },
        )
    raise_all(store, settings, [lost_call(i) for i in range(40)], source="test")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    worker = subprocess.Popen([sys.executable, "-c", WORKER, store.url], env=env)
    # killed from inside a request, while the worker waits for the answer: mid-batch
    receiver.on_request = lambda n: n == 40 and os.kill(worker.pid, signal.SIGKILL)
    try:
        assert worker.wait(timeout=120) == -signal.SIGKILL
    finally:
        receiver.on_request = None
        if worker.poll() is None:
            worker.kill()
    with store.session() as session:
        unfinished = session.scalars(
            select(NotificationDelivery.idempotency_key).where(
                NotificationDelivery.status == "sending"
            )
        ).all()
    assert unfinished, "the worker held no claimed deliveries when it died"
    time.sleep(2.2)  # the dead worker's leases expire; its last requests are answered
    # sent (and applied) by the dead worker but not recorded: these alone may be sent again
    unrecorded = set(unfinished) & set(receiver.applied)
    settle(store, policy(settings), seconds=60)
    with store.session() as session:
        rows = session.scalars(select(NotificationDelivery)).all()
    assert len(rows) == 160
    assert all(r.status in ("delivered", "failed") for r in rows)
    assert all(r.reason for r in rows if r.status == "failed")
    delivered = {r.idempotency_key for r in rows if r.status == "delivered"}
    assert delivered == set(receiver.applied)  # none lost; the receiver applied each once
    assert set(receiver.duplicate_keys) <= unrecorded
