"""Communications: the filtered list with cursor pagination, the CSV export, the detail view
with transcript, prosody and tag provenance, the recording, and manual tags."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import Field

from data.recordings import is_recording_id
from serving.access import catalog
from serving.access.rights import EffectiveRights, shown_contacts
from serving.api.csv_export import CSV_RESPONSE, csv_response
from serving.api.deps import (
    ApiSettingsDep,
    CurrentUser,
    RightsDep,
    SessionDep,
    SettingsDep,
    TagEventsDep,
    WarehouseDep,
)
from serving.api.guard import needs
from serving.errors import Invalid, NotFound
from serving.readmodel import TagEventCache
from serving.readmodel import communications as queries
from serving.schemas.common import Page, Time, local_naive
from serving.schemas.common import zone as local_zone
from serving.schemas.communications import (
    CommunicationDetail,
    CommunicationSummary,
    Contact,
    ManualTag,
    TagEventPublic,
    TagProvenance,
    Transcript,
)
from speech.audio import find_recording
from tagging import provenance, system_tags

router = APIRouter(prefix="/communications", tags=["communications"])
CommunicationId = Annotated[str, Path(pattern=queries.ID_REGEX, examples=["call:123"])]
VISIBLE = ("communication", "view", "communication_id")


def _filter(
    tag_events: TagEventCache,
    date_from: dt.datetime | None,
    date_till: dt.datetime | None,
    communication_type: list[str],
    site_id: list[int],
    campaign_id: list[int],
    tag: list[str],
    is_spam: bool | None,
    q: str | None,
) -> queries.CommunicationFilter:
    if date_from and date_till and local_naive(date_from) > local_naive(date_till):
        raise Invalid("date_from: must not be after date_till")
    tags = [t.strip() for t in tag if t.strip()]
    return queries.CommunicationFilter(
        date_from=local_naive(date_from),
        date_till=local_naive(date_till),
        types=communication_type,
        site_ids=site_id,
        campaign_ids=campaign_id,
        tags=tags,
        is_spam=is_spam,
        text=q,
        # people's changes win, for the spam tag as for any other
        by_hand=tag_events.hand_tagged(
            [*tags, *([queries.SPAM_TAG] if is_spam is not None else [])]
        )
        if tags or is_spam is not None
        else {},
    )


class Filters:
    """The list's query parameters, shared by the page and the CSV export."""

    def __init__(self, *values):
        self.values = values


async def list_filters(
    date_from: Time | None = Query(None, description="From this time on (inclusive)."),
    date_till: Time | None = Query(None, description="Up to this time (inclusive)."),
    communication_type: list[Literal["call", "chat", "offline_message"]] = Query([]),
    site_id: list[Annotated[int, Field(ge=1, le=2**53)]] = Query([], max_length=500),
    campaign_id: list[Annotated[int, Field(ge=1, le=2**53)]] = Query([], max_length=500),
    tag: list[Annotated[str, Field(max_length=200)]] = Query([], max_length=50),
    is_spam: bool | None = Query(None, description="Only spam, or only not spam."),
    q: str | None = Query(
        None,
        min_length=1,
        max_length=200,
        description="Words in the transcript or the chat; any inflected form, ё = е.",
    ),
) -> Filters:
    # a coroutine, so that FastAPI does not hand it to a worker thread
    return Filters(
        date_from, date_till, list(communication_type), site_id, campaign_id, tag, is_spam, q
    )


def _decided(row: dict[str, Any], decided: dict[str, tuple[bool, str]]) -> dict[str, Any]:
    """The row with a person's word on «Нецелевой» deciding ``is_target``, as in reports."""
    found = decided.get(row["communication_id"])
    return row if found is None else {**row, "is_target": found[0]}


def _summary(row: dict[str, Any], rights: EffectiveRights, tags: list[str]) -> dict[str, Any]:
    shown = {key: row.get(key) for key in CommunicationSummary.model_fields if key in row}
    shown = shown_contacts(shown, rights)
    shown["tags"] = tags
    return shown


SUMMARY_FIELDS = tuple(name for name in CommunicationSummary.model_fields if name != "tags")


def _summary_json(row: dict[str, Any], rights: EffectiveRights, tags: list[str]) -> dict[str, Any]:
    """A list row in CommunicationSummary's shape (the route's response model checks it)."""
    shown = {name: row.get(name) for name in SUMMARY_FIELDS}
    zone = local_zone()
    for name in ("date_time", "finish_time"):
        value = shown[name]
        if value is not None and value.tzinfo is None:
            shown[name] = value.replace(tzinfo=zone)
    if shown["duration"] is not None:
        shown["duration"] = float(shown["duration"])
    shown = shown_contacts(shown, rights)
    shown["tags"] = tags
    return shown


@router.get("", response_model=Page[CommunicationSummary], openapi_extra=needs("authenticated"))
async def list_communications(
    warehouse: WarehouseDep,
    rights: RightsDep,
    settings: ApiSettingsDep,
    tag_events: TagEventsDep,
    filters: Annotated[Filters, Depends(list_filters)],
    limit: int | None = Query(None, ge=1, le=10_000),
    cursor: str | None = Query(None, max_length=500),
):
    """Newest first. Shows only what the caller's campaigns and sites allow; communications
    tied to no site or campaign are always shown. Pass ``next_cursor`` back for the next page."""
    # a coroutine handing its blocking part to one worker thread: the page then goes through
    # the response model here, without a second hop to a thread for the validation
    limit = min(limit or settings.page_size_default, settings.page_size_max)
    return await run_in_threadpool(
        _list_page, warehouse, rights, tag_events, filters, limit, cursor
    )


def _list_page(
    warehouse, rights: EffectiveRights, tag_events: TagEventCache, filters: Filters, limit, cursor
) -> dict[str, Any]:
    flt = _filter(tag_events, *filters.values)
    position = queries.Cursor.decode(cursor) if cursor else None
    rows, next_cursor, assignments = queries.tagged_page(warehouse, rights, flt, limit, position)
    ids = [r["communication_id"] for r in rows]
    effective = provenance.effective_tags(assignments, tag_events.events_for(ids))
    decided = system_tags.manual_target(tag_events.events_for(ids))
    items = [
        _summary_json(
            _decided(r, decided), rights, [t.tag for t in effective.get(r["communication_id"], ())]
        )
        for r in rows
    ]
    return {"items": items, "next_cursor": next_cursor.encode() if next_cursor else None}


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses=CSV_RESPONSE,
    openapi_extra=needs("authenticated"),
)
def export_communications(
    warehouse: WarehouseDep,
    rights: RightsDep,
    tag_events: TagEventsDep,
    filters: Annotated[Filters, Depends(list_filters)],
):
    """Every communication the filters and the caller's rights allow, as CSV."""
    flt = _filter(tag_events, *filters.values)
    rows = (_summary(row, rights, []) for row in queries.iter_all(warehouse, rights, flt))
    columns = [name for name in CommunicationSummary.model_fields if name != "tags"]
    return csv_response(rows, columns, "communications.csv")


def _json(value: Any, default: Any) -> Any:
    if value is None:
        return default
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return default
    return value


def _transcript(warehouse, communication_id: str) -> Transcript | None:
    rows = queries.rows_for(warehouse, "transcripts", communication_id)
    if not rows:
        return None
    row = rows[-1]
    return Transcript(
        **{
            k: row.get(k)
            for k in ("status", "error", "rule_id", "recognizer", "is_stereo", "audio_seconds")
        },
        turns=_json(row.get("turns"), []),
        prosody=_json(row.get("prosody"), None),
    )


def _contact(warehouse, row: dict[str, Any], rights: EffectiveRights) -> Contact:
    contact = Contact(phone_number=row.get("contact_phone_number"))
    if row.get("communication_type") == "offline_message":
        leads = queries.rows_by_id(warehouse, "offline_messages", row.get("id"))
        if leads:
            lead = leads[-1]
            contact = Contact(
                visitor_name=lead.get("visitor_name"),
                phone_number=lead.get("visitor_phone_number") or contact.phone_number,
                email=lead.get("visitor_email"),
            )
    return Contact(**shown_contacts(contact.model_dump(), rights))


def _provenance(session, warehouse, communication_id: str) -> list[TagProvenance]:
    assignments = queries.rows_for(warehouse, "tag_assignments", communication_id)
    events = provenance.events_for(session, [communication_id])
    effective = provenance.effective_tags(assignments, events).get(communication_id, [])
    return [TagProvenance.model_validate(tag, from_attributes=True) for tag in effective]


@router.get("/{communication_id}", response_model=CommunicationDetail, openapi_extra=needs(VISIBLE))
def read_communication(
    communication_id: CommunicationId,
    session: SessionDep,
    warehouse: WarehouseDep,
    rights: RightsDep,
):
    """The communication with its transcript, prosody and every tag with where it came from."""
    row = queries.fetch_one(warehouse, communication_id)
    if row is None:
        raise NotFound(f"communication {communication_id} does not exist")
    tags = _provenance(session, warehouse, communication_id)
    decided = system_tags.manual_target(provenance.events_for(session, [communication_id]))
    detail = _summary(_decided(row, decided), rights, [t.tag for t in tags])
    return CommunicationDetail(
        **detail,
        **{k: row.get(k) for k in ("channel", "utm_source", "utm_medium", "utm_campaign")},
        employee_ids=[int(e) for e in row.get("employee_ids") or []],
        turns=_json(row.get("turns"), []),
        transcript=_transcript(warehouse, communication_id),
        tag_provenance=tags,
        tag_history=[
            TagEventPublic.model_validate(e)
            for e in provenance.events_for(session, [communication_id])
        ],
        contact=_contact(warehouse, row, rights),
        has_recording=bool(row.get("call_records")),
    )


@router.get(
    "/{communication_id}/recording",
    response_class=FileResponse,
    responses={200: {"content": {"audio/*": {}}, "description": "The call recording."}},
    openapi_extra=needs(VISIBLE, ("recordings", "view")),
)
def read_recording(
    communication_id: CommunicationId, warehouse: WarehouseDep, settings: SettingsDep
):
    """The call's first recording; needs the separate «call recordings» right."""
    row = queries.fetch_one(warehouse, communication_id)
    for record_id in list((row or {}).get("call_records") or []):
        if not is_recording_id(record_id):  # a path from the input never leaves the folder
            continue
        path = find_recording(settings.recordings_dir, record_id)
        if path is not None:
            return FileResponse(path, filename=path.name)
    raise NotFound(f"communication {communication_id} has no recording on disk")


@router.post(
    "/{communication_id}/tags",
    response_model=list[TagProvenance],
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs(VISIBLE, ("tags", "edit")),
)
def set_tag(
    communication_id: CommunicationId,
    body: ManualTag,
    session: SessionDep,
    warehouse: WarehouseDep,
    user: CurrentUser,
):
    """Sets a tag by hand; the event records who and when, and shows as provenance. The tag
    must be one of the communication's account's tags (422 otherwise)."""
    located = queries.locate(warehouse, communication_id)
    if located is None or located[2] is None:
        raise NotFound(f"communication {communication_id} does not exist")
    tag = catalog.require_known_tag(session, body.tag.strip(), int(located[2]))
    current = _provenance(session, warehouse, communication_id)
    if not any(t.tag == tag.name and t.source == "manual" for t in current):
        provenance.set_manual_tag(
            session,
            communication_id,
            communication_id.split(":", 1)[0],
            tag.name,
            user.login,
            comment=body.comment,
        )
    return _provenance(session, warehouse, communication_id)


@router.delete(
    "/{communication_id}/tags/{tag}",
    response_model=list[TagProvenance],
    openapi_extra=needs(VISIBLE, ("tags", "edit")),
)
def remove_tag(
    communication_id: CommunicationId,
    tag: Annotated[str, Path(min_length=1, max_length=200)],
    session: SessionDep,
    warehouse: WarehouseDep,
    user: CurrentUser,
):
    """Removes a tag, manual or automatic; removing an automatic one records that it was wrong."""
    current = _provenance(session, warehouse, communication_id)
    assignments = queries.rows_for(warehouse, "tag_assignments", communication_id)
    effective = provenance.effective_tags(
        assignments, provenance.events_for(session, [communication_id])
    ).get(communication_id, [])
    if not any(t.tag == tag for t in current):
        raise NotFound(f"communication {communication_id} has no tag {tag!r}")
    provenance.remove_tag(
        session, communication_id, communication_id.split(":", 1)[0], tag, user.login, effective
    )
    return _provenance(session, warehouse, communication_id)
