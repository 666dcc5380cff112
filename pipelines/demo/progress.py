"""What a newcomer sees while ``make demo`` works: each step with its counts and time, a progress
bar over the demo days, and the total time. Written to stderr; the summary goes to stdout."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def line(self, text: str) -> None:
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"[{elapsed:5.0f} s] {text}\n")
        self.stream.flush()

    @contextmanager
    def step(self, label: str) -> Iterator[dict[str, int]]:
        """Announces a step, then reports the counts the block put in the yielded dict."""
        self.line(f"{label} ...")
        counts: dict[str, int] = {}
        started = time.perf_counter()
        yield counts
        shown = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        self.line(f"{label}: {shown or 'done'} ({time.perf_counter() - started:.0f} s)")

    def bar(self, items: Iterable, label: str, unit: str):
        from tqdm import tqdm

        items = list(items)
        return tqdm(items, desc=label, unit=unit, file=self.stream, total=len(items), leave=True)

    def total(self) -> float:
        seconds = time.perf_counter() - self.started
        self.line(f"total: {seconds:.0f} s")
        return seconds
