"""Serving benchmark: the communications list and the end-to-end report under load.

Builds a warehouse of 1,000,000 communications over 180 days (20,000 with ``--quick``) and a
daily end-to-end report per campaign, starts the API with uvicorn on loopback, and drives it
with a lean open-loop load generator (raw keep-alive HTTP/1.1 on asyncio): requests leave on a
fixed schedule and latency counts from the scheduled moment, so a slow server cannot hide its
queue. The requests vary (dates over the whole history, types, campaigns, tags, spam, report
ranges and pages), so hardly any two are alike. The caller is an agency user who may see half
the campaigns, so every query carries the rights filter.

Figures: achieved throughput, p50 and p99 latency at each offered rate (50, 100 and 200
requests/s against the same server by default; ``--rate`` or ``--rates`` choose), errors,
the load generator's own CPU per request and the load average. The baseline is the newest page and the
monthly report run directly in DuckDB over the same files, without the API, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent
DATA = ROOT / ".data" / "serving"
CAMPAIGNS = 200
SITES = 20
AGENCY_CAMPAIGNS = list(range(1, CAMPAIGNS + 1, 2))  # every other campaign
FIRST_DAY = dt.date(2026, 1, 1)


def _communications(n: int, days: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day_index = np.sort(rng.integers(0, days, n))
    seconds = rng.integers(8 * 3600, 21 * 3600, n)
    start = pd.Timestamp(FIRST_DAY)
    when = start + pd.to_timedelta(day_index, unit="D") + pd.to_timedelta(seconds, unit="s")
    kinds = rng.choice(["call", "chat", "offline_message"], n, p=[0.7, 0.2, 0.1])
    ids = np.arange(1, n + 1)
    campaign = rng.integers(1, CAMPAIGNS + 1, n).astype("float")
    campaign[rng.random(n) < 0.1] = np.nan  # visits without a campaign
    site = ((np.nan_to_num(campaign, nan=1) - 1) % SITES + 1).astype(int)
    frame = pd.DataFrame(
        {
            "communication_id": [f"{k}:{i}" for k, i in zip(kinds, ids, strict=True)],
            "communication_type": kinds,
            "id": ids,
            "account_id": 1,
            "site_id": site,
            "campaign_id": pd.array(campaign, dtype="Int64"),
            "visitor_id": rng.integers(1, n // 3 + 2, n),
            "date_time": when,
            "finish_time": when + pd.to_timedelta(rng.integers(10, 600, n), unit="s"),
            "duration": rng.integers(10, 600, n),
            "is_lost": rng.random(n) < 0.1,
            "is_primary": rng.random(n) < 0.6,
            "is_target": rng.random(n) < 0.7,
            "is_repeat": rng.random(n) < 0.2,
            "contact_phone_number": [f"79{x:09d}" for x in rng.integers(0, 10**9, n)],
            "virtual_phone_number": "74951234567",
            "turns": "[]",
        }
    )
    frame["day"] = day_index
    return frame


def _write_days(home: Path, frame: pd.DataFrame) -> None:
    """Each day's communications, their tags (30% tagged) and the daily report."""
    from data.warehouse import Warehouse

    warehouse = Warehouse(home / "warehouse")
    rng = np.random.default_rng(11)
    for day, part in frame.groupby("day"):
        date = FIRST_DAY + dt.timedelta(days=int(day))
        warehouse.write_partition("communications", date, part.drop(columns=["day"]))
        tagged = part.sample(frac=0.3, random_state=int(day))
        warehouse.write_partition(
            "tag_assignments",
            date,
            pd.DataFrame(
                {
                    "communication_id": tagged["communication_id"],
                    "communication_type": tagged["communication_type"],
                    "tag": rng.choice(["Ипотека", "Цена", "спам"], len(tagged)),
                    "source": "autotag",
                    "source_ref": "r1@1",
                    "probability": None,
                    "evidence": "[]",
                }
            ),
        )
        report = pd.DataFrame(
            {
                "campaign_id": np.arange(1, CAMPAIGNS + 1),
                "site_id": (np.arange(CAMPAIGNS) % SITES) + 1,
                "visits": rng.integers(100, 1000, CAMPAIGNS),
                "communications": rng.integers(5, 60, CAMPAIGNS),
                "deals": rng.integers(0, 10, CAMPAIGNS),
                "revenue": rng.random(CAMPAIGNS) * 100_000,
                "cost": rng.random(CAMPAIGNS) * 30_000,
            }
        )
        warehouse.write_partition("report_end_to_end", date, report)


def build_warehouse(n: int, days: int) -> Path:
    """Writes the warehouse once per size; later runs reuse it."""
    home = DATA / f"delta-n{n}"
    marker = home / "built.json"
    if marker.exists():
        return home
    _write_days(home, _communications(n, days))
    marker.write_text(json.dumps({"n": n, "days": days}))
    return home


def prepare_store(home: Path) -> str:
    """A fresh config store with an agency user; returns the user's token."""
    from data.config.models.core import Account, Campaign, Site
    from data.config.store import ConfigStore
    from serving.access import accounts
    from serving.schemas.rights import RightsSpec

    db = home / "config.sqlite3"
    for path in home.glob("config.sqlite3*"):
        path.unlink()
    store = ConfigStore(f"sqlite:///{db}")
    with store.session() as session:
        session.add(Account(id=1, name="bench"))
        for site_id in range(1, SITES + 1):
            session.add(Site(id=site_id, account_id=1, domain_name=f"site{site_id}.ru"))
        session.flush()
        for campaign_id in range(1, CAMPAIGNS + 1):
            session.add(
                Campaign(
                    id=campaign_id,
                    account_id=1,
                    site_id=(campaign_id - 1) % SITES + 1,
                    name=f"c{campaign_id}",
                    channel="advert",
                )
            )
        session.flush()
        user = accounts.create_user(session, "agency", "bench", account_id=1)
        spec = RightsSpec(
            sites=[{"site_id": s, "view": True} for s in range(1, SITES + 1)],
            campaigns=[{"campaign_id": c, "view": True} for c in AGENCY_CAMPAIGNS],
            interfaces={"report_end_to_end": {"view": True}},  # the report's own right
        )
        accounts.save_rights(session, user.rights_set, spec, "bench")
        token = accounts.issue_token(session, user)
    store.dispose()
    return token


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(home: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "CALLSCOPE_HOME": str(home), "CALLSCOPE_CONFIG_URL": ""}
    env.pop("CALLSCOPE_CONFIG_URL")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "serving.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT.parent,
    )
    # importing the app (SmartTag's presets bring torch) takes seconds on a quiet machine and
    # minutes on a loaded one
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError("the API server exited during start-up")
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError("the API server did not answer within 300 s")


def request_mix(days: int) -> list[tuple[str, dict]]:
    """What the cabinet asks most: the newest page, filtered pages, the monthly report."""
    last = FIRST_DAY + dt.timedelta(days=days - 1)
    month = {"date_from": str(last - dt.timedelta(days=29)), "date_till": str(last)}
    return [
        ("/api/v1/communications", {"limit": 50}),
        ("/api/v1/communications", {"limit": 50, "communication_type": "call"}),
        ("/api/v1/communications", [("limit", 50), ("campaign_id", 1), ("campaign_id", 3)]),
        ("/api/v1/reports/end-to-end", {**month, "limit": 500}),
    ]


def varied_requests(days: int, count: int, seed: int = 3) -> list[tuple[str, list]]:
    """``count`` requests of the cabinet's kinds with varying parameters: dates anywhere in
    the history, types, campaigns (seen and not), tags, spam, and report ranges and pages,
    three lists to one report. Few repeat, so no answer could be reused."""
    rng = np.random.default_rng(seed)
    last = FIRST_DAY + dt.timedelta(days=days - 1)
    out: list[tuple[str, list]] = []
    for _ in range(count):
        if rng.random() < 0.25:
            end = last - dt.timedelta(days=int(rng.integers(0, days)))
            span = int(rng.choice([1, 7, 30]))
            params = [
                ("date_from", str(end - dt.timedelta(days=span - 1))),
                ("date_till", str(end)),
                ("limit", int(rng.choice([100, 500]))),
                ("offset", int(rng.choice([0, 0, 100]))),
            ]
            if rng.random() < 0.3:
                params.append(("campaign_id", int(rng.integers(1, CAMPAIGNS + 1))))
            out.append(("/api/v1/reports/end-to-end", params))
            continue
        params = [("limit", int(rng.choice([20, 50, 100])))]
        kind = rng.random()
        if kind < 0.3:
            day = last - dt.timedelta(days=int(rng.integers(0, days)))
            hour = int(rng.integers(9, 21))
            params.append(("date_till", f"{day}T{hour:02d}:{int(rng.integers(0, 60)):02d}:00"))
            if rng.random() < 0.5:
                params.append(("date_from", f"{day - dt.timedelta(days=6)}T00:00:00"))
        elif kind < 0.5:
            params.append(
                ("communication_type", str(rng.choice(["call", "chat", "offline_message"])))
            )
        elif kind < 0.7:
            for campaign in rng.choice(CAMPAIGNS, int(rng.integers(1, 4)), replace=False):
                params.append(("campaign_id", int(campaign) + 1))
        elif kind < 0.85:
            params.append(("tag", str(rng.choice(["Ипотека", "Цена"]))))
        else:
            params.append(("is_spam", str(rng.choice(["true", "false"]))))
        out.append(("/api/v1/communications", params))
    return out


def _request_bytes(path: str, params, token: str, port: int) -> bytes:
    from urllib.parse import urlencode

    query = urlencode(params)
    return (
        f"GET {path}?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
    ).encode()


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection reading responses framed by Content-Length."""

    def __init__(self):
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes):
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None:
            return
        head = bytes(self.buffer[:end]).lower()
        marker = head.find(b"content-length:")
        if marker < 0:
            self._finish(exception=ConnectionError("response without Content-Length"))
            return
        line_end = head.find(b"\r\n", marker)
        length = int(head[marker + 15 : line_end if line_end > 0 else len(head)])
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        self._finish(status=int(head[9:12]))

    def _finish(self, status: int | None = None, exception: Exception | None = None):
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            if exception is not None:
                waiter.set_exception(exception)
            else:
                waiter.set_result(status)

    def connection_lost(self, exc):
        self.closed = True
        self._finish(exception=ConnectionError("connection closed"))


async def _open_loop(port: int, requests: list[tuple[str, bytes]], rate: float, seconds: float):
    """Request i leaves at start + i / rate whatever happened to the others (open loop, so a
    slow server cannot hide its queue: latency counts from the scheduled moment). Keep-alive
    connections are reused when idle and opened when all are busy."""
    loop = asyncio.get_running_loop()
    idle: list[_Connection] = []
    latencies: dict[str, list[float]] = defaultdict(list)
    errors = 0
    opened = 0
    failures: dict[str, int] = {}

    async def one(kind: str, payload: bytes, due: float) -> None:
        nonlocal errors, opened
        status = None
        try:
            connection = None
            while idle and connection is None:
                candidate = idle.pop()
                connection = None if candidate.closed else candidate
            if connection is None:
                _, connection = await loop.create_connection(_Connection, "127.0.0.1", port)
                opened += 1
            connection.waiter = loop.create_future()
            connection.transport.write(payload)
            status = await asyncio.wait_for(connection.waiter, 60)
            idle.append(connection)
            ok = status == 200
        except (OSError, ConnectionError, TimeoutError) as error:
            ok, status = False, type(error).__name__
        if not ok:
            errors += 1
            what = status if isinstance(status, str) else f"HTTP {status}"
            failures[what] = failures.get(what, 0) + 1
            return
        latencies[kind].append((time.perf_counter() - due) * 1000)

    total = int(rate * seconds)
    tasks = []
    cpu_before = time.process_time()
    started = time.perf_counter()
    for i in range(total):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, payload = requests[i % len(requests)]
        tasks.append(asyncio.ensure_future(one(kind, payload, due)))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    generator_cpu = time.process_time() - cpu_before
    for connection in idle:
        connection.transport.close()
    done = sum(len(v) for v in latencies.values())
    return {
        "load_average": os.getloadavg()[0],
        "throughput_rps": done / wall,
        "errors": errors,
        "failures": failures,
        "latencies": latencies,
        "sent": total,
        "connections": opened,
        "generator_cpu_ms_per_request": generator_cpu / max(total, 1) * 1000,
    }


def run_load(port: int, token: str, mix, rate: float, seconds: float) -> dict:
    requests = [
        (
            "end-to-end" if "reports" in path else "communications",
            _request_bytes(path, params, token, port),
        )
        for path, params in mix
    ]
    try:
        import uvloop

        return uvloop.run(_open_loop(port, requests, rate, seconds))
    except ImportError:
        return asyncio.run(_open_loop(port, requests, rate, seconds))


def server_cpu_per_request(server: subprocess.Popen, port: int, token: str, mix, n: int) -> dict:
    """CPU the server spends per request, one request at a time: unlike latency under load,
    this does not depend on what else the machine runs. 2 cores sustain 2000 / ms req/s."""
    workers = psutil.Process(server.pid).children(recursive=True) or [psutil.Process(server.pid)]

    def cpu() -> float:
        return sum(sum(w.cpu_times()[:2]) for w in workers)

    out = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as client:
        for path, params in mix:
            kind = "end-to-end" if "reports" in path else "communications"
            client.get(path, params=params)
            before = cpu()
            for _ in range(n):
                client.get(path, params=params)
            out.setdefault(kind, []).append((cpu() - before) / n * 1000)
    return {kind: statistics.mean(values) for kind, values in out.items()}


def _percentiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))


def baseline(home: Path, days: int, repeats: int) -> dict:
    """The same two queries straight in DuckDB over the same files: no HTTP, no rights lookup."""
    from data.warehouse import Warehouse

    warehouse = Warehouse(home / "warehouse")  # the files of the current snapshot
    comms = warehouse.scan("communications")
    report = warehouse.scan("report_end_to_end")
    allowed = ", ".join(map(str, AGENCY_CAMPAIGNS))
    visible = f"(campaign_id IS NULL OR campaign_id IN ({allowed}))"
    last = FIRST_DAY + dt.timedelta(days=days - 1)
    queries = {
        "communications": (
            f"SELECT communication_id, communication_type, id, site_id, campaign_id, date_time, "
            f"duration, contact_phone_number FROM {comms} WHERE {visible} "
            "ORDER BY date_time DESC, communication_id DESC LIMIT 50"
        ),
        "end-to-end": (
            f"SELECT * FROM {report} WHERE {visible} AND date BETWEEN "
            f"DATE '{last - dt.timedelta(days=29)}' AND DATE '{last}' "
            "ORDER BY date DESC, campaign_id LIMIT 500"
        ),
    }
    out = {}
    con = duckdb.connect()
    for name, sql in queries.items():
        con.execute(sql).fetchall()
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            con.execute(sql).fetchall()
            timings.append((time.perf_counter() - started) * 1000)
        out[name] = {"p50_ms": statistics.median(timings), "p99_ms": _percentiles(timings)[1]}
    con.close()
    return out


def decode_costs(home: Path, days: int) -> dict:
    """What a worker pays once per data file: decoding the newest day for the list (with its
    tags) and a month of the report, measured here without the API; then what one commit to
    the newest day costs it, on a copy of that day: an append of 20 communications (its new
    file only) and a rewrite (the day's new file), beside decoding the whole day again (what
    every commit cost when a day was cached whole)."""
    import tempfile

    from data.warehouse import Warehouse
    from serving.readmodel import columnar, communication_days
    from serving.readmodel.communications import LIST_COLUMNS
    from serving.readmodel.reports import BY_CAMPAIGN

    warehouse = Warehouse(home / "warehouse")
    last = FIRST_DAY + dt.timedelta(days=days - 1)
    cache = columnar.cache()
    cache.clear()
    communication_days.forget_days()
    started = time.process_time()
    communication_days.day_block(warehouse, last, LIST_COLUMNS)
    list_ms = (time.process_time() - started) * 1000
    started = time.process_time()
    for back in range(30):
        columnar.day_block(
            warehouse, "report_end_to_end", last - dt.timedelta(days=back), BY_CAMPAIGN
        )
    report_ms = (time.process_time() - started) * 1000 / 30
    with tempfile.TemporaryDirectory(prefix="bench-serving-commit-") as scratch:
        copy = Warehouse(Path(scratch) / "warehouse")
        frame = warehouse.read("communications", last, last).drop(columns=["date"])
        copy.write_partition("communications", last, frame)

        def decode(label: str) -> tuple[float, int]:
            before, files = cache.decode_seconds, cache.decoded_files
            block = communication_days.day_block(copy, last, LIST_COLUMNS)
            assert block is not None, label
            return (cache.decode_seconds - before) * 1000, cache.decoded_files - files

        whole_ms, _ = decode("the whole day")
        batch = frame.tail(20).copy()
        batch["id"] = range(10_000_000, 10_000_020)
        batch["communication_id"] = [f"call:{i}" for i in batch["id"]]
        copy.append("communications", last, batch, key="communication_id")
        append_ms, append_files = decode("after an append")
        copy.write_partition("communications", last, frame)
        rewrite_ms, rewrite_files = decode("after a rewrite")
    cache.clear()
    communication_days.forget_days()
    return {
        "list": list_ms,
        "report": report_ms,
        "whole_day": whole_ms,
        "append": append_ms,
        "append_files": append_files,
        "rewrite": rewrite_ms,
        "rewrite_files": rewrite_files,
        "day_rows": len(frame),
    }


WRITER = """
import datetime as dt, json, sys, time
import pandas as pd
from data.warehouse import Warehouse

wh = Warehouse(sys.argv[1])
day = dt.date.fromisoformat(sys.argv[2])
seconds, pace = float(sys.argv[3]), float(sys.argv[4])
next_id = 10_000_000
counts = {"rewrites": 0, "appends": 0, "compactions": 0, "failed_writes": 0}
stop = time.monotonic() + seconds
step = 0
while time.monotonic() < stop:
    began = time.monotonic()
    step += 1
    try:
        if step % 5 == 1:  # the day re-ingested whole, as a rerun does
            frame = wh.read("communications", day, day).drop(columns=["date"])
            wh.write_partition("communications", day, frame)
            counts["rewrites"] += 1
        else:  # a live-path micro-batch of new communications
            batch = frame.tail(20).copy()
            ids = range(next_id, next_id + len(batch))
            next_id += len(batch)
            batch["id"] = list(ids)
            batch["communication_id"] = [f"call:{i}" for i in ids]
            wh.append("communications", day, batch, key="communication_id")
            counts["appends"] += 1
            if counts["appends"] % 25 == 0:
                counts["compactions"] += len(wh.compact("communications", day))
    except Exception:
        counts["failed_writes"] += 1
    time.sleep(max(0.0, pace - (time.monotonic() - began)))
print(json.dumps(counts))
"""


def run_with_writer(
    home: Path,
    days: int,
    workers: int,
    rate: float,
    seconds: float,
    writes_per_s: float,
    warm_seconds: float,
) -> dict:
    """The load at ``rate`` while a writer rewrites the newest communications day and appends
    micro-batches to it on a copy of the warehouse: one rewrite to four appends,
    ``writes_per_s`` commits a second in all. Every answer that is not 200 is a failed read."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-serving-") as scratch:
        copy = Path(scratch) / "home"
        shutil.copytree(home, copy)
        token = prepare_store(copy)
        port = _free_port()
        server = start_server(copy, port, workers)
        last = FIRST_DAY + dt.timedelta(days=days - 1)
        try:
            # warmed like the run without the writer, so that the difference is the writer's
            run_load(port, token, varied_requests(days, 600, seed=99), 40.0, warm_seconds)
            writer = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WRITER,
                    str(copy / "warehouse"),
                    last.isoformat(),
                    str(seconds + 1),
                    str(1 / writes_per_s),
                ],
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT.parent,
            )
            # the newest day, which the writer changes, is what the cabinet asks most
            mix = varied_requests(days, int(rate * seconds), seed=97)
            newest = ("/api/v1/communications", {"limit": 50})
            mix = [newest if i % 4 == 0 else item for i, item in enumerate(mix)]
            result = run_load(port, token, mix, rate, seconds)
            written = json.loads(writer.communicate(timeout=120)[0].strip().splitlines()[-1])
        finally:
            server.terminate()
            server.wait(timeout=30)
    result["writer"] = written
    return result


# -- several accounts -----------------------------------------------------------------------

ACCOUNTS = (1, 2, 3)


def _account_of_site(site_id):
    return (np.asarray(site_id) - 1) % len(ACCOUNTS) + 1


def build_accounts_warehouse(n: int, days: int) -> Path:
    """The same communications split over three accounts by site (each site and its
    campaigns belong to one account), with their tags and the daily report."""
    home = DATA / f"accounts-n{n}"
    marker = home / "built.json"
    if marker.exists():
        return home
    frame = _communications(n, days)
    frame["account_id"] = _account_of_site(frame["site_id"].to_numpy())
    _write_days(home, frame)
    marker.write_text(json.dumps({"n": n, "days": days, "accounts": len(ACCOUNTS)}))
    return home


def prepare_accounts_store(home: Path) -> dict[str, str]:
    """Three accounts, each with a full-access admin and an agency user who sees half of the
    account's campaigns; returns ``"<account>/<role>"`` → token."""
    from data.config.models.core import Account, Campaign, Site
    from data.config.store import ConfigStore
    from serving.access import accounts
    from serving.schemas.rights import RightsSpec

    for path in home.glob("config.sqlite3*"):
        path.unlink()
    store = ConfigStore(f"sqlite:///{home / 'config.sqlite3'}")
    tokens = {}
    with store.session() as session:
        for account_id in ACCOUNTS:
            session.add(Account(id=account_id, name=f"bench {account_id}"))
        session.flush()
        for site_id in range(1, SITES + 1):
            account = int(_account_of_site(site_id))
            session.add(Site(id=site_id, account_id=account, domain_name=f"site{site_id}.ru"))
        session.flush()
        campaigns_of: dict[int, list[int]] = defaultdict(list)
        for campaign_id in range(1, CAMPAIGNS + 1):
            site_id = (campaign_id - 1) % SITES + 1
            account = int(_account_of_site(site_id))
            campaigns_of[account].append(campaign_id)
            session.add(
                Campaign(
                    id=campaign_id,
                    account_id=account,
                    site_id=site_id,
                    name=f"c{campaign_id}",
                    channel="advert",
                )
            )
        session.flush()
        for account_id in ACCOUNTS:
            admin = accounts.create_user(
                session, f"admin{account_id}", "bench", full_access=True, account_id=account_id
            )
            tokens[f"{account_id}/admin"] = accounts.issue_token(session, admin)
            agency = accounts.create_user(
                session, f"agency{account_id}", "bench", account_id=account_id
            )
            sites = [s for s in range(1, SITES + 1) if _account_of_site(s) == account_id]
            spec = RightsSpec(
                sites=[{"site_id": s, "view": True} for s in sites],
                campaigns=[{"campaign_id": c, "view": True} for c in campaigns_of[account_id][::2]],
                interfaces={"report_end_to_end": {"view": True}},
            )
            accounts.save_rights(session, agency.rights_set, spec, "bench", account_id=account_id)
            tokens[f"{account_id}/agency"] = accounts.issue_token(session, agency)
    store.dispose()
    return tokens


def accounts_run(n: int, days: int, rate: float, seconds: float, workers: int) -> dict:
    """The varied requests spread over the users of three accounts (an admin and an agency
    user each), one server, one open-loop schedule: p50/p99 per account and per user kind."""
    home = build_accounts_warehouse(n, days)
    tokens = prepare_accounts_store(home)
    port = _free_port()
    server = start_server(home, port, workers)
    users = sorted(tokens)
    try:
        warm = [
            ("warm", _request_bytes(path, params, tokens[users[i % len(users)]], port))
            for i, (path, params) in enumerate(varied_requests(days, 600, seed=99))
        ]
        asyncio.run(_open_loop(port, warm, 40.0, 3.0 if n <= 20_000 else 15.0))
        requests = [
            (
                users[i % len(users)] + ("/report" if "reports" in path else "/list"),
                _request_bytes(path, params, tokens[users[i % len(users)]], port),
            )
            for i, (path, params) in enumerate(varied_requests(days, int(rate * seconds)))
        ]
        try:
            import uvloop

            result = uvloop.run(_open_loop(port, requests, rate, seconds))
        except ImportError:
            result = asyncio.run(_open_loop(port, requests, rate, seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    by_account: dict[str, list[float]] = defaultdict(list)
    for kind, values in result["latencies"].items():
        by_account[kind.split("/")[0]] += values
    out = {
        "offered_rps": rate,
        "throughput_rps": round(result["throughput_rps"], 1),
        "errors": result["errors"],
        "failures": result["failures"],
        "load_average_1min": result["load_average"],
        "per_account": {},
    }
    for account, values in sorted(by_account.items()):
        p50, p99 = _percentiles(values)
        out["per_account"][account] = {"requests": len(values), "p50_ms": round(p50, 1)}
        out["per_account"][account]["p99_ms"] = round(p99, 1)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--communications", type=int, default=None)
    parser.add_argument("--rate", type=float, default=None, help="offered requests per second")
    parser.add_argument(
        "--rates", default=None, help="several offered rates, comma-separated, e.g. 50,100,200"
    )
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--writes", type=float, default=10.0, help="commits a second in the run with a writer"
    )
    parser.add_argument(
        "--no-accounts", action="store_true", help="skip the three-account run after the others"
    )
    args = parser.parse_args(argv or [])
    n = args.communications or (20_000 if args.quick else 1_000_000)
    days = 30 if args.quick else 180
    if args.rates:
        rates = [float(r) for r in args.rates.split(",")]
    elif args.rate:
        rates = [args.rate]
    else:
        rates = [50.0] if args.quick else [50.0, 100.0, 200.0]
    seconds = args.seconds or (3.0 if args.quick else 30.0)

    started = time.perf_counter()
    home = build_warehouse(n, days)
    print(
        f"warehouse: {n:,} communications over {days} days ({time.perf_counter() - started:.1f} s)"
    )
    token = prepare_store(home)
    base = baseline(home, days, repeats=20 if args.quick else 50)
    decode_ms = decode_costs(home, days)
    port = _free_port()
    server = start_server(home, port, args.workers)
    results = {}
    measured = varied_requests(days, int(max(rates) * seconds))
    distinct = len({(path, str(params)) for path, params in measured})
    try:
        # every worker decodes the days it is asked for once; a mix of other requests first
        warm = time.perf_counter()
        warm_up = run_load(
            port, token, varied_requests(days, 600, seed=99), 40.0, 3.0 if args.quick else 15.0
        )
        warm_seconds = time.perf_counter() - warm
        for offered in rates:
            results[offered] = run_load(port, token, measured, rate=offered, seconds=seconds)
            time.sleep(2.0)  # let a queue from an overload drain before the next rate
        mix = request_mix(days)
        cpu_ms = server_cpu_per_request(server, port, token, mix, n=10 if args.quick else 30)
        workers = psutil.Process(server.pid).children(recursive=True)
        worker_rss_mb = max(w.memory_info().rss for w in workers) / 2**20 if workers else 0.0
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"warm-up: {warm_up['sent']} varied requests in {warm_seconds:.1f} s, "
        f"{warm_up['errors']} errors; measured runs: {distinct} distinct requests of "
        f"{len(measured)}, no response cache (every answer computed from the decoded days)"
    )
    print(
        f"decoding one day in a worker (first request touching it, CPU): list "
        f"{decode_ms['list']:.1f} ms, report {decode_ms['report']:.1f} ms; largest worker after "
        f"the runs: {worker_rss_mb:.0f} MB resident"
    )
    print(
        f"a commit to the newest day ({decode_ms['day_rows']:,} communications), CPU decoding "
        f"in each worker: an append of 20 {decode_ms['append']:.1f} ms "
        f"({decode_ms['append_files']} file), a rewrite {decode_ms['rewrite']:.1f} ms "
        f"({decode_ms['rewrite_files']} file)  |  baseline, the whole day decoded again (each "
        f"commit when days were cached whole) {decode_ms['whole_day']:.1f} ms"
    )
    figures = {
        "communications": n,
        "workers": args.workers,
        "distinct_requests": distinct,
        "decode_ms": {k: round(v, 1) for k, v in decode_ms.items()},
        "worker_rss_mb": round(worker_rss_mb),
        "runs": [],
    }
    for kind in ("communications", "end-to-end"):
        key = kind.replace("-", "_")
        figures[f"{key}_server_cpu_ms"] = round(cpu_ms[kind], 1)
        figures[f"{key}_duckdb_p50_ms"] = round(base[kind]["p50_ms"], 1)
        figures[f"{key}_duckdb_p99_ms"] = round(base[kind]["p99_ms"], 1)
    for offered, result in results.items():
        run = {
            "offered_rps": offered,
            "throughput_rps": round(result["throughput_rps"], 1),
            "errors": result["errors"],
            "failures": result["failures"],
            "connections": result["connections"],
            "generator_cpu_ms": round(result["generator_cpu_ms_per_request"], 2),
            "load_average_1min": result["load_average"],
        }
        print(
            f"offered {offered:.0f} req/s for {seconds:.0f} s, {args.workers} workers: "
            f"throughput {result['throughput_rps']:.1f} req/s, errors {result['errors']} "
            f"{result['failures'] or ''}, "
            f"{result['connections']} connections, load generator "
            f"{result['generator_cpu_ms_per_request']:.2f} ms CPU per request, "
            f"load average {result['load_average']:.2f}"
        )
        for kind, values in result["latencies"].items():
            p50, p99 = _percentiles(values)
            key = kind.replace("-", "_")
            run[f"{key}_p50_ms"] = round(p50, 1)
            run[f"{key}_p99_ms"] = round(p99, 1)
            print(
                f"{kind:>15}: API p50 {p50:7.1f} ms  p99 {p99:7.1f} ms   |  baseline DuckDB "
                f"without the API p50 {base[kind]['p50_ms']:7.1f} ms  "
                f"p99 {base[kind]['p99_ms']:7.1f} ms"
            )
        figures["runs"].append(run)
    writing = run_with_writer(
        home, days, args.workers, max(rates), seconds, args.writes, 3.0 if args.quick else 15.0
    )
    done = writing["writer"]
    commits = done["rewrites"] + done["appends"]
    run = {
        "offered_rps": max(rates),
        "throughput_rps": round(writing["throughput_rps"], 1),
        "failed_reads": writing["errors"],
        "failures": writing["failures"],
        "writer_commits_per_s": round(commits / seconds, 1),
        **done,
        "load_average_1min": writing["load_average"],
    }
    print(
        f"with a writer ({commits / seconds:.1f} commits/s: {done['rewrites']} rewrites of the "
        f"newest day, {done['appends']} appends, {done['compactions']} compactions, "
        f"{done['failed_writes']} failed writes): offered {max(rates):.0f} req/s, throughput "
        f"{writing['throughput_rps']:.1f} req/s, failed reads {writing['errors']} (goal 0; "
        f"{writing['failures'] or 'none'}), "
        f"load average {writing['load_average']:.2f}"
    )
    for kind, values in writing["latencies"].items():
        p50, p99 = _percentiles(values)
        key = kind.replace("-", "_")
        run[f"{key}_p50_ms"], run[f"{key}_p99_ms"] = round(p50, 1), round(p99, 1)
        same = results[max(rates)]["latencies"][kind]
        print(
            f"{kind:>15}: API p50 {p50:7.1f} ms  p99 {p99:7.1f} ms   |  same rate without "
            f"the writer p50 {_percentiles(same)[0]:7.1f} ms  p99 {_percentiles(same)[1]:7.1f} ms"
        )
    figures["with_writer"] = run
    if not args.no_accounts:
        top = max(rates)
        multi = accounts_run(n, days, top, seconds, args.workers)
        single = next(r for r in figures["runs"] if r["offered_rps"] == top)
        print(
            f"three accounts (an admin and an agency user each), offered {top:.0f} req/s: "
            f"throughput {multi['throughput_rps']:.1f} req/s, errors {multi['errors']} "
            f"{multi['failures'] or ''}, "
            f"load average {multi['load_average_1min']:.2f}"
        )
        for account, stats in multi["per_account"].items():
            print(
                f"     account {account}: {stats['requests']} requests  p50 {stats['p50_ms']:7.1f} "
                f"ms  p99 {stats['p99_ms']:7.1f} ms   |  one account, one agency user, same "
                f"run: list p50 {single['communications_p50_ms']:.1f} p99 "
                f"{single['communications_p99_ms']:.1f} ms, report p50 "
                f"{single['end_to_end_p50_ms']:.1f} p99 {single['end_to_end_p99_ms']:.1f} ms"
            )
        figures["accounts"] = multi
    for kind in ("communications", "end-to-end"):
        print(
            f"{kind:>15}: server CPU per request {cpu_ms[kind]:.1f} ms: 2 free cores would "
            f"sustain {2000 / cpu_ms[kind]:.0f} req/s of it"
        )
    return figures


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=2))
