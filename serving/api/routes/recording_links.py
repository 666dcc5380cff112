"""Recording links (``file_link`` in notifications): a signed, expiring URL that serves one
call's recording without a token. The signature covers the communication and the expiry, so a
link opens that recording until it expires and nothing else."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from data.notifications.secrets import link_valid
from serving.api.deps import SettingsDep, WarehouseDep
from serving.api.guard import needs
from serving.errors import Forbidden, NotFound
from serving.readmodel import communications as queries
from speech.audio import find_recording

router = APIRouter(prefix="/recording-links", tags=["notifications"])


@router.get(
    "/{communication_id}",
    response_class=FileResponse,
    responses={200: {"content": {"audio/*": {}}, "description": "The call recording."}},
    openapi_extra=needs("public"),
)
def read_linked_recording(
    communication_id: str,
    warehouse: WarehouseDep,
    settings: SettingsDep,
    expires: Annotated[int, Query(ge=0, le=2**40)],
    signature: Annotated[str, Query(min_length=64, max_length=64, pattern="^[0-9a-f]+$")],
):
    """The recording a notification linked to; 403 once the link has expired or when it was
    not signed by this installation for this communication."""
    now = dt.datetime.now(dt.UTC)
    if not link_valid(settings, communication_id, expires, signature, now):
        raise Forbidden("the recording link is invalid or has expired")
    row = queries.fetch_one(warehouse, communication_id)
    for record_id in list((row or {}).get("call_records") or []):
        path = find_recording(settings.recordings_dir, str(record_id))
        if path is not None:
            return FileResponse(path, filename=path.name)
    raise NotFound(f"communication {communication_id} has no recording on disk")
