"""Fetching one report window from the Data API, page by page, with the checks a live poll
needs: a malformed answer, a duplicate id in one page and a ``total_items`` that changes between
pages are reported with their reason instead of being trusted."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from data.ingest.comagic_api import (
    REPORTS,
    TIME_FORMAT,
    ComagicDataApi,
    split_date_range,
)


@dataclass
class Problem:
    """A row or a page that cannot be trusted: it goes to quarantine with ``reason``."""

    reason: str
    payload: Any


@dataclass
class Window:
    report: str
    start: datetime
    end: datetime
    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    complete: bool = True  # False: rows may be missing, the cursor must not move past it
    pages: int = 0


class MalformedAnswer(Exception):
    pass


def _page(client: ComagicDataApi, method: str, params: dict) -> tuple[list[dict], int | None]:
    result = client.call(method, params)
    if not isinstance(result, dict) or not isinstance(result.get("data"), list):
        raise MalformedAnswer(f"{method}: result.data is not a list")
    metadata = result.get("metadata")
    total = metadata.get("total_items") if isinstance(metadata, dict) else None
    if total is not None and not isinstance(total, int):
        raise MalformedAnswer(f"{method}: metadata.total_items is not an integer")
    return result["data"], total


def fetch_window(
    client: ComagicDataApi, report: str, start: datetime, end: datetime, attempts: int = 2
) -> Window:
    """Every row of ``report`` between ``start`` and ``end`` (inclusive), split at the API's
    range limit (three months). A window whose ``total_items`` moves while paging is fetched again from
    its first page, up to ``attempts`` times; after that it is marked incomplete."""
    window = Window(report, start, end)
    method = REPORTS.get(report, report)
    for part_start, part_end in split_date_range(start, end, client.max_range_months):
        for attempt in range(attempts):
            rows, problems, stable, pages = _fetch_part(client, method, part_start, part_end)
            window.pages += pages
            if stable or attempt == attempts - 1:
                break
        window.rows += rows
        window.problems += problems
        if not stable:
            window.complete = False
            window.problems.append(
                Problem(
                    "total_items changed between pages",
                    {
                        "method": method,
                        "date_from": f"{part_start:{TIME_FORMAT}}",
                        "date_till": f"{part_end:{TIME_FORMAT}}",
                    },
                )
            )
    return window


def _fetch_part(client, method, start, end) -> tuple[list[dict], list[Problem], bool, int]:
    rows: list[dict] = []
    problems: list[Problem] = []
    offset, first_total, pages = 0, None, 0
    while True:
        params = {
            "date_from": start.strftime(TIME_FORMAT),
            "date_till": end.strftime(TIME_FORMAT),
            "limit": client.page_size,
            "offset": offset,
        }
        page, total = _page(client, method, params)
        pages += 1
        if first_total is None:
            first_total = total
        elif total != first_total:
            return rows, problems, False, pages
        good, bad = split_page(page)
        rows += good
        problems += bad
        offset += len(page)
        if not page or len(page) < client.page_size or (total is not None and offset >= total):
            return rows, problems, True, pages


def split_page(page: list) -> tuple[list[dict], list[Problem]]:
    """Rows that are objects with an id seen once in the page; the rest as problems."""
    objects = [r for r in page if isinstance(r, dict)]
    problems = [Problem("row is not a JSON object", r) for r in page if not isinstance(r, dict)]
    counts = Counter(json.dumps(r.get("id")) for r in objects)
    good = []
    for row in objects:
        if counts[json.dumps(row.get("id"))] > 1:
            problems.append(Problem(f"duplicate id {row.get('id')} in one page", row))
        else:
            good.append(row)
    return good, problems
