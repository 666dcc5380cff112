"""Notifications under load: 10,000 events a minute (the live path's batches every half
second) through rules that match about a third of them, delivered by the worker process
(`callscope notifications deliver`) to a loopback receiver that fails 20% of first tries.

Reports deliveries per second, p50/p99 delay from an event's raise to its delivery, and lost
or doubled deliveries (goal: none), beside the receiver's own request rate measured in the
same run (the same HTTP client settings, no database) as the baseline. The receiver runs in a
process of its own and applies each idempotency key once; lost = matched events it never
applied, doubled = requests for a key it had already applied.

    python -m benchmarks.bench_notifications [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RULES = 12  # each with its own URL: twelve lanes
ACCOUNTS = 3
EVENTS_PER_MINUTE = 10_000
BATCH_SECONDS = 0.5


def _receiver(stats_path: str) -> None:
    """Receiver process: serves until SIGTERM, then writes its statistics."""
    from data.notifications.loopback import Behaviour, Receiver

    receiver = Receiver(Behaviour(fail_share=0.2))
    print(receiver.url, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    stats = {
        "requests": len(receiver.requests),
        "applied": {k: r.at for k, r in receiver.applied.items()},
        "duplicates": receiver.duplicates,
    }
    Path(stats_path).write_text(json.dumps(stats))
    receiver.close()


def _spawn_receiver(workdir: Path) -> tuple[subprocess.Popen, str, Path]:
    stats = workdir / "receiver.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_notifications", "--receiver", str(stats)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, process.stdout.readline().strip(), stats


def baseline(url: str, seconds: float, concurrency: int) -> float:
    """The receiver's own request rate: POSTs as fast as `concurrency` threads can send."""
    client = httpx.Client(timeout=10)
    count = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def hammer():
        nonlocal count
        while time.monotonic() < deadline:
            client.post(url + "/baseline", content=b'{"x": 1}')
            with lock:
                count += 1

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(hammer)
    client.close()
    return count / (time.monotonic() - started)


def _rules(store, url: str) -> None:
    from data.config.models.core import Account
    from data.config.models.notifications import Notification, NotificationVersion

    with store.session() as session:
        for account in range(1, ACCOUNTS + 1):
            session.add(Account(id=account, name=f"account {account}"))
        session.flush()
        for i in range(RULES):
            rule = Notification(account_id=1 + i % ACCOUNTS, created_by="bench")
            session.add(rule)
            session.flush()
            payload = {
                "name": f"rule {i}",
                "event": "lost_call",
                "enabled": True,
                "condition_groups": [
                    [
                        {
                            "field": "contact_phone_number",
                            "operator": "starts_with",
                            "values": [f"7900{i:02d}"],
                        }
                    ]
                ],
                "http": {"url": f"{url}/rule/{i}", "method": "POST"},
            }
            session.add(
                NotificationVersion(
                    notification_id=rule.id,
                    version=1,
                    valid_from=dt.datetime(2026, 1, 1),
                    payload=payload,
                    created_by="bench",
                )
            )


def _events(batch: int, size: int, rng: random.Random):
    """(events, expected matches): a third of the callers start with a rule's prefix."""
    from data.notifications.outbox import Event

    events, matched = [], 0
    now = dt.datetime(2026, 5, 4, 12, 0)
    for k in range(size):
        if rng.random() < 1 / 3:
            rule = rng.randrange(RULES)
            number, account = f"7900{rule:02d}{rng.randrange(10**5):05d}", 1 + rule % ACCOUNTS
            matched += 1
        else:
            number, account = f"7911{rng.randrange(10**7):07d}", 1 + rng.randrange(ACCOUNTS)
        events.append(
            Event(
                key=f"lost_call:call:{batch}-{k}",
                event="lost_call",
                account_id=account,
                occurred_at=now,
                params={"communication_id": batch * 10_000 + k, "contact_phone_number": number},
                facts={"contact_phone_number": number, "communication_type": "call"},
            )
        )
    return events, matched


def run(seconds: float) -> dict:
    from sqlalchemy import select

    from data.config.models.notifications_outbox import NotificationDelivery
    from data.config.store import ConfigStore
    from data.notifications.sources import raise_all
    from data.settings import Settings

    workdir = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    url = f"sqlite:///{workdir / 'config.sqlite3'}"
    store = ConfigStore(url)
    settings = Settings(home=workdir, config_url=url, notifications_secret="bench")
    receiver, receiver_url, stats_path = _spawn_receiver(workdir)
    figures: dict = {"load_average_start": round(os.getloadavg()[0], 1), "cores": os.cpu_count()}
    try:
        figures["baseline_receiver_requests_per_s"] = round(baseline(receiver_url, 5, 16), 1)
        _rules(store, receiver_url)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CALLSCOPE_HOME": str(workdir),
            "CALLSCOPE_CONFIG_URL": url,
            "CALLSCOPE_NOTIFICATIONS_ALLOW_PRIVATE_HOSTS": "1",
            "CALLSCOPE_NOTIFICATIONS_SECRET": "bench",
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipelines.cli.main",
                "notifications",
                "deliver",
                "--interval",
                "0.2",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        rng = random.Random(7)
        per_batch = round(EVENTS_PER_MINUTE / 60 * BATCH_SECONDS)
        raised = matched = 0
        started = time.monotonic()
        batch = 0
        while time.monotonic() - started < seconds:
            due = started + batch * BATCH_SECONDS
            time.sleep(max(0.0, due - time.monotonic()))
            events, hits = _events(batch, per_batch, rng)
            raise_all(store, settings, events, source="live")
            raised += len(events)
            matched += hits
            batch += 1
        produced_in = time.monotonic() - started
        # drain: everything delivered or failed (bounded)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with store.session() as session:
                open_rows = session.scalar(
                    select(NotificationDelivery.id)
                    .where(NotificationDelivery.status.in_(("pending", "sending")))
                    .limit(1)
                )
            if open_rows is None:
                break
            time.sleep(0.5)
        worker.terminate()
        worker.wait(timeout=30)
    finally:
        receiver.terminate()
        receiver.wait(timeout=30)
    stats = json.loads(stats_path.read_text())
    with store.session() as session:
        rows = session.execute(
            select(
                NotificationDelivery.idempotency_key,
                NotificationDelivery.status,
                NotificationDelivery.event_time,
                NotificationDelivery.finished_at,
                NotificationDelivery.attempts,
            )
        ).all()
    store.dispose()
    delivered = [r for r in rows if r.status == "delivered"]
    delays = sorted((r.finished_at - r.event_time).total_seconds() for r in delivered)
    applied = stats["applied"]
    first, last = min(r.event_time for r in rows), max(r.finished_at for r in delivered)
    figures |= {
        "seconds_of_load": round(produced_in, 1),
        "events_raised": raised,
        "events_per_minute": round(raised / produced_in * 60),
        "events_matched": matched,
        "deliveries_created": len(rows),
        "delivered": len(delivered),
        "failed": sum(r.status == "failed" for r in rows),
        "retried_deliveries": sum(r.attempts > 1 for r in delivered),
        "deliveries_per_s": round(len(delivered) / (last - first).total_seconds(), 1),
        "delay_p50_s": round(delays[len(delays) // 2], 2),
        "delay_p99_s": round(delays[min(len(delays) - 1, int(len(delays) * 0.99))], 2),
        "delay_max_s": round(delays[-1], 2),
        "lost": matched - len(set(applied) & {r.idempotency_key for r in delivered}),
        "doubled": stats["duplicates"],
        "receiver_requests": stats["requests"],
        "load_average_end": round(os.getloadavg()[0], 1),
    }
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--receiver")
    options = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if options.receiver:
        _receiver(options.receiver)
        return {}
    figures = run(15 if options.quick else 60)
    print(
        f"{figures['events_raised']:,} events in {figures['seconds_of_load']} s "
        f"({figures['events_per_minute']:,}/min), {figures['events_matched']:,} matched a rule\n"
        f"  worker: {figures['deliveries_per_s']} deliveries/s "
        f"({figures['delivered']:,} delivered, {figures['retried_deliveries']:,} after a retry, "
        f"{figures['failed']} failed); delay event→delivery p50 {figures['delay_p50_s']} s, "
        f"p99 {figures['delay_p99_s']} s, max {figures['delay_max_s']} s\n"
        f"  lost {figures['lost']}, doubled {figures['doubled']} (goal: none)\n"
        f"  baseline: the receiver alone takes {figures['baseline_receiver_requests_per_s']} "
        f"requests/s (16 client threads)\n"
        f"  load average {figures['load_average_start']} → {figures['load_average_end']} "
        f"on {figures['cores']} cores"
    )
    return figures


if __name__ == "__main__":
    main()
