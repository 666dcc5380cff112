"""Reports: end-to-end analytics, attribution by model, associated conversions, deals.

Rows carry their site and campaign, and each caller sees only the rows their rights allow; a
report without those columns is shown only to callers who see every campaign."""

import datetime as dt
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from analytics.reports import COUNTS, KEYS, with_ratios
from serving.api.deps import RightsDep, WarehouseDep
from serving.api.guard import needs
from serving.api.json_body import JsonBody
from serving.errors import Invalid
from serving.readmodel import reports as queries
from serving.schemas.common import Day

router = APIRouter(prefix="/reports", tags=["reports"])

NAMED = {
    "end-to-end": "report_end_to_end",
    "attribution": "attribution_by_model",
    "associated-conversions": "report_associated_conversions",
    "deals": "deals",
}


class ReportPage(BaseModel):
    report: str
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class ReportInfo(BaseModel):
    name: str
    table: str


@router.get("", response_model=list[ReportInfo], openapi_extra=needs("authenticated"))
def list_reports(warehouse: WarehouseDep):
    """The reports that have data; named ones first, then every other analytics table."""
    tables = queries.available(warehouse)
    named = [ReportInfo(name=n, table=t) for n, t in NAMED.items() if t in tables]
    rest = [ReportInfo(name=t, table=t) for t in tables if t not in NAMED.values()]
    return named + rest


class ReportTotals(BaseModel):
    report: str
    date_from: dt.date | None
    date_till: dt.date | None
    group_by: str
    rows: list[dict[str, Any]]


ALL_ROWS = 10_000_000  # the period's visible rows, all of them: totals are not paged


@router.get("/end-to-end/totals", response_model=ReportTotals, openapi_extra=needs("authenticated"))
def end_to_end_totals(
    warehouse: WarehouseDep,
    rights: RightsDep,
    date_from: dt.date | None = Query(None),
    date_till: dt.date | None = Query(None),
    site_id: int | None = Query(None, ge=1, le=2**53),
    campaign_id: int | None = Query(None, ge=1, le=2**53),
    group_by: Literal["total", "site_id", "campaign_id", "channel"] = Query("total"),
):
    """The end-to-end report summed over any period (not only daily rows), over the rows the
    caller may see: counts are summed and the ratios recomputed from the sums, never
    averaged; ``group_by`` keeps one row per site, campaign or channel."""
    if date_from and date_till and date_from > date_till:
        raise Invalid("date_from: must not be after date_till")
    _, rows, _ = queries.read_report(
        warehouse,
        rights,
        NAMED["end-to-end"],
        date_from,
        date_till,
        {"site_id": site_id, "campaign_id": campaign_id},
        ALL_ROWS,
        0,
    )
    frame = pd.DataFrame(rows).reindex(columns=[*KEYS, *COUNTS]).fillna(dict.fromkeys(COUNTS, 0))
    by = [] if group_by == "total" else [group_by]
    if by:
        summed = frame.groupby(by, dropna=False, sort=True)[COUNTS].sum().reset_index()
    else:
        summed = frame[COUNTS].sum().to_frame().T
    totals = with_ratios(summed).astype(object).where(lambda f: f.notna(), None)
    return JsonBody(
        {
            "report": "end-to-end",
            "date_from": date_from.isoformat() if date_from else None,
            "date_till": date_till.isoformat() if date_till else None,
            "group_by": group_by,
            "rows": totals.to_dict("records"),
        }
    )


@router.get("/{report}", response_model=ReportPage, openapi_extra=needs("authenticated"))
def read_report(
    report: Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9_-]+$")],
    warehouse: WarehouseDep,
    rights: RightsDep,
    date_from: Day | None = Query(None),
    date_till: Day | None = Query(None),
    site_id: int | None = Query(None, ge=1, le=2**53),
    campaign_id: int | None = Query(None, ge=1, le=2**53),
    model: str | None = Query(
        None, max_length=40, description="Attribution model, e.g. first, last, markov, shapley."
    ),
    limit: int = Query(500, ge=1, le=10_000),
    offset: int = Query(0, ge=0, le=10_000_000),
):
    """One report over a date range (by day partition), filtered by the caller's rights."""
    if date_from and date_till and date_from > date_till:
        raise Invalid("date_from: must not be after date_till")
    table = NAMED.get(report, report)
    columns, rows, total = queries.read_report(
        warehouse,
        rights,
        table,
        date_from,
        date_till,
        {"site_id": site_id, "campaign_id": campaign_id, "model": model},
        limit,
        offset,
    )
    page = {"report": report, "columns": columns, "rows": rows, "total": total}
    return JsonBody({**page, "limit": limit, "offset": offset})
