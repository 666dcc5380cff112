"""Antispam («Блокировка звонков»): the tag and block switches, the black and white lists with
comments, the numbers flagged as spam with their reasons, and the blocked calls."""

from typing import Any

from fastapi import APIRouter, Query, status

from antispam import lists
from serving.access import antispam_lists
from serving.access.rights import EffectiveRights, shown_contacts
from serving.api.deps import AccountId, CurrentUser, PathId, RightsDep, SessionDep, WarehouseDep
from serving.api.guard import needs
from serving.readmodel import partitions
from serving.readmodel.reports import read_table
from serving.schemas.antispam import (
    AntispamSwitches,
    AntispamSwitchesPublic,
    ListEntryCreate,
    ListEntryPublic,
    ListEntryUpdate,
    ListKind,
    TablePage,
)
from serving.schemas.common import Day

router = APIRouter(prefix="/antispam", tags=["antispam"])
ANTISPAM = "interface:antispam"


def _entry(entry, rights: EffectiveRights) -> ListEntryPublic:
    public = ListEntryPublic.model_validate(entry)
    if not rights.can("contact_data", "view"):
        public = public.model_copy(update=shown_contacts({"number": public.number}, rights))
    return public


def _masked(rows: list[dict[str, Any]], rights: EffectiveRights) -> list[dict[str, Any]]:
    return [shown_contacts(row, rights) for row in rows]


@router.get("/settings", response_model=AntispamSwitchesPublic, openapi_extra=needs(ANTISPAM))
def read_switches(session: SessionDep, account_id: AccountId):
    return lists.get_switches(session, account_id)


@router.put("/settings", response_model=AntispamSwitchesPublic, openapi_extra=needs(ANTISPAM))
def set_switches(
    body: AntispamSwitches, session: SessionDep, actor: CurrentUser, account_id: AccountId
):
    """Tagging marks spam calls with «Спам» but lets them through; blocking stops them."""
    return lists.set_switches(
        session,
        account_id,
        actor.login,
        tag=body.tag_enabled,
        block=body.block_enabled,
    )


@router.get("/lists/{kind}", response_model=list[ListEntryPublic], openapi_extra=needs(ANTISPAM))
def list_entries(kind: ListKind, session: SessionDep, rights: RightsDep, account_id: AccountId):
    """Who added each number, when, and their comment."""
    entries = lists.list_entries(session, account_id, kind)
    return [_entry(e, rights) for e in sorted(entries, key=lambda e: e.id, reverse=True)]


@router.post(
    "/lists/{kind}",
    response_model=ListEntryPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs(ANTISPAM),
)
def add_entry(
    kind: ListKind,
    body: ListEntryCreate,
    session: SessionDep,
    rights: RightsDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    """Adds a number; a number already on the other list moves here (the audit keeps the move)."""
    entry = lists.add_to_list(session, account_id, kind, body.number, actor.login, body.comment)
    return _entry(entry, rights)


@router.patch(
    "/lists/{kind}/{entry_id}", response_model=ListEntryPublic, openapi_extra=needs(ANTISPAM)
)
def comment_entry(
    kind: ListKind,
    entry_id: PathId,
    body: ListEntryUpdate,
    session: SessionDep,
    rights: RightsDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    entry = antispam_lists.get_entry(session, account_id, kind, entry_id)
    antispam_lists.set_comment(session, entry, body.comment, actor.login)
    return _entry(entry, rights)


@router.delete(
    "/lists/{kind}/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=needs(ANTISPAM),
)
def remove_entry(
    kind: ListKind, entry_id: PathId, session: SessionDep, actor: CurrentUser, account_id: AccountId
):
    entry = antispam_lists.get_entry(session, account_id, kind, entry_id)
    lists.remove_from_list(session, account_id, entry.number, actor.login)


def _page(warehouse, rights, table, date_from, date_till, filters, limit, offset) -> TablePage:
    if date_from is None and date_till is None:
        days = partitions(warehouse, table)
        date_from = date_till = days[-1] if days else None
    columns, rows, total = read_table(
        warehouse,
        rights,
        table,
        date_from,
        date_till,
        filters,
        limit,
        offset,
        account_wide_ok=True,
    )
    return TablePage(
        columns=columns, rows=_masked(rows, rights), total=total, limit=limit, offset=offset
    )


@router.get("/flagged", response_model=TablePage, openapi_extra=needs((ANTISPAM, "view")))
def flagged_numbers(
    warehouse: WarehouseDep,
    rights: RightsDep,
    date_from: Day | None = Query(None, description="Default: the latest scoring run."),
    date_till: Day | None = Query(None),
    is_spam: bool | None = Query(True),
    limit: int = Query(500, ge=1, le=10_000),
    offset: int = Query(0, ge=0, le=10_000_000),
):
    """Numbers the scoring flagged, with their score and the reasons."""
    return _page(
        warehouse,
        rights,
        "spam_verdicts",
        date_from,
        date_till,
        {"is_spam": is_spam},
        limit,
        offset,
    )


@router.get("/blocked-calls", response_model=TablePage, openapi_extra=needs((ANTISPAM, "view")))
def blocked_calls(
    warehouse: WarehouseDep,
    rights: RightsDep,
    date_from: Day | None = Query(None, description="Default: the latest day."),
    date_till: Day | None = Query(None),
    limit: int = Query(500, ge=1, le=10_000),
    offset: int = Query(0, ge=0, le=10_000_000),
):
    """Calls blocked by the black list or by antispam; rows of a site or campaign the caller
    may not see are left out."""
    return _page(warehouse, rights, "blocked_calls", date_from, date_till, {}, limit, offset)
