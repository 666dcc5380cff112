"""Ingest of 1M calls from CSV into the warehouse, beside a bare DuckDB COPY of the same file.

Each side runs in its own process, so peak memory (max RSS) is that side's alone.
"""

import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DATA = Path(__file__).parent / ".data"
DAY = dt.date(2026, 5, 1)


def make_calls_csv(rows: int) -> Path:
    path = DATA / f"calls_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    start = np.datetime64("2026-05-01T00:00:00") + rng.integers(0, 86_000, rows).astype(
        "timedelta64[s]"
    )
    talk = rng.integers(0, 600, rows)
    wait = rng.integers(0, 60, rows)
    table = pa.table(
        {
            "id": np.arange(1, rows + 1),
            "start_time": pc.replace_substring(
                pa.array(np.datetime_as_string(start, unit="s")), "T", " "
            ),
            "finish_time": pc.replace_substring(
                pa.array(
                    np.datetime_as_string(start + (talk + wait).astype("timedelta64[s]"), unit="s")
                ),
                "T",
                " ",
            ),
            "direction": np.full(rows, "in"),
            "is_lost": talk == 0,
            "virtual_phone_number": np.char.add(
                "7495", rng.integers(1_000_000, 9_999_999, rows).astype(str)
            ),
            "contact_phone_number": np.char.add(
                "79", rng.integers(100_000_000, 999_999_999, rows).astype(str)
            ),
            "site_id": rng.integers(1, 50, rows),
            "campaign_id": rng.integers(100, 900, rows),
            "visitor_id": rng.integers(1, 5_000_000, rows),
            "wait_duration": wait,
            "talk_duration": talk,
            "total_duration": talk + wait,
            "channel": rng.choice(
                np.array(["advert", "organic", "direct", "social", "email"]), rows
            ),
            "utm_source": rng.choice(np.array(["yandex", "google", "vk", ""]), rows),
        }
    )
    pacsv.write_csv(table, path, pacsv.WriteOptions(delimiter=";"))
    return path


BASELINE = """
import duckdb, resource, sys, time
t = time.perf_counter()
duckdb.sql("COPY (SELECT * FROM read_csv('{csv}', delim=';', header=true)) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

OURS = """
import datetime as dt, resource, time
from pathlib import Path
from data.ingest.landing import ingest_files
from data.warehouse import Warehouse
t = time.perf_counter()
r = ingest_files(Warehouse('{out}'), 'calls', dt.date(2026, 5, 1), [Path('{csv}')])
assert r.reconciles and r.quarantined == 0, r
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _run(code: str) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    seconds, rss_kb = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(rss_kb) / 1024


def main(argv: list[str] | None = None) -> dict:
    rows = 20_000 if argv and "--quick" in argv else 1_000_000
    csv_path = make_calls_csv(rows)
    with tempfile.TemporaryDirectory() as tmp:
        base_s, base_mb = _run(BASELINE.format(csv=csv_path, out=Path(tmp) / "copy.parquet"))
        ours_s, ours_mb = _run(OURS.format(csv=csv_path, out=Path(tmp) / "wh"))
    figures = {
        "rows": rows,
        "ingest_seconds": round(ours_s, 2),
        "ingest_rows_per_s": round(rows / ours_s),
        "ingest_peak_mb": round(ours_mb),
        "baseline_copy_seconds": round(base_s, 2),
        "baseline_rows_per_s": round(rows / base_s),
        "baseline_peak_mb": round(base_mb),
        "ratio_to_baseline": round(ours_s / base_s, 2),
        "goal_ratio": 3.0,
    }
    print(
        f"ingest {rows:,} calls: {figures['ingest_rows_per_s']:,} rows/s, {ours_s:.2f} s, "
        f"peak {ours_mb:.0f} MB (validation, quarantine, dedupe, atomic partition write)"
    )
    print(
        f"baseline DuckDB COPY to parquet: {figures['baseline_rows_per_s']:,} rows/s, {base_s:.2f} s, "
        f"peak {base_mb:.0f} MB"
    )
    print(f"ratio {figures['ratio_to_baseline']}x the bare copy (goal <= 3x)")
    return figures


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
