"""Reports: end-to-end analytics, attribution by model, associated conversions, deals.

Each report is opened by its own right (``serving.access.rights.REPORTS``) and answers from the
caller's account alone. Rows carry their site and campaign, or their account, and each caller
sees only the rows their rights allow; a report tied to the account as a whole (attribution,
associated conversions) is shown only to callers who see every campaign of it."""

import datetime as dt
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from analytics.reports import TOTALS
from serving.access.rights import REPORTS, EffectiveRights, report_named
from serving.api.deps import RightsDep, WarehouseDep
from serving.api.guard import needs
from serving.api.json_body import JsonBody
from serving.errors import Forbidden, Invalid, NotFound
from serving.readmodel import reports as queries
from serving.schemas.common import Day

router = APIRouter(prefix="/reports", tags=["reports"])

NAMED = {report.name: report.tables[0] for report in REPORTS}
ReportName = Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9_-]+$")]


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


def _readable(warehouse, rights: EffectiveRights, report: str) -> str:
    """The report's table, once the caller's rights open it (403 naming the right)."""
    table = NAMED.get(report, report)
    if table not in queries.available(warehouse):
        raise NotFound(f"report {report} does not exist")
    if not rights.may_read_report(table):
        declared = report_named(table)
        what = f"«{declared.title}» ({declared.right})" if declared else f"{table} (full access)"
        raise Forbidden(f"no right to view the report {what}")
    return table


@router.get("", response_model=list[ReportInfo], openapi_extra=needs("authenticated"))
def list_reports(warehouse: WarehouseDep, rights: RightsDep):
    """The reports that have data and that the caller's rights open; named ones first, then
    every other analytics table."""
    tables = [t for t in queries.available(warehouse) if rights.may_read_report(t)]
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


@router.get("/{report}/totals", response_model=ReportTotals, openapi_extra=needs("authenticated"))
def report_totals(
    report: ReportName,
    warehouse: WarehouseDep,
    rights: RightsDep,
    date_from: dt.date | None = Query(None),
    date_till: dt.date | None = Query(None),
    site_id: int | None = Query(None, ge=1, le=2**53),
    campaign_id: int | None = Query(None, ge=1, le=2**53),
    model: str | None = Query(None, max_length=40, description="Attribution model."),
    group_by: str = Query(
        "total",
        max_length=40,
        description="total, or a column of the report: site_id, campaign_id, channel "
        "(end-to-end); model, channel_name (attribution); channel (associated conversions); "
        "channel, campaign_id, site_id, linked_by (report_deals); account_id (any).",
    ),
):
    """A report summed over any period (not only daily rows), over the rows the caller may
    see: counts are summed and the ratios recomputed from the sums, never averaged;
    ``group_by`` keeps one row per value of a column."""
    if date_from and date_till and date_from > date_till:
        raise Invalid("date_from: must not be after date_till")
    table = _readable(warehouse, rights, report)
    totals = TOTALS.get(table)
    if totals is None:
        raise NotFound(f"report {report} has no totals")
    if group_by != "total" and group_by not in totals.keys:
        raise Invalid(f"group_by: must be total or one of {', '.join(totals.keys)}")
    filters = {"site_id": site_id, "campaign_id": campaign_id, "model": model}
    _, rows, _ = queries.read_report(
        warehouse, rights, table, date_from, date_till, filters, ALL_ROWS, 0
    )
    summed = totals.sum(pd.DataFrame(rows), [] if group_by == "total" else [group_by])
    shown = summed.astype(object).where(lambda f: f.notna(), None)
    return JsonBody(
        {
            "report": report,
            "date_from": date_from.isoformat() if date_from else None,
            "date_till": date_till.isoformat() if date_till else None,
            "group_by": group_by,
            "rows": shown.to_dict("records"),
        }
    )


@router.get("/{report}", response_model=ReportPage, openapi_extra=needs("authenticated"))
def read_report(
    report: ReportName,
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
    table = _readable(warehouse, rights, report)
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
