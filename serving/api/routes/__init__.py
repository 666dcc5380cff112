"""One router per resource, all under /api/v1 and all behind the rights guard."""

from fastapi import APIRouter, Depends

from serving.api.guard import enforce_rights
from serving.api.routes import (
    antispam,
    autotag_rules,
    campaigns,
    communications,
    health,
    notification_intake,
    notifications,
    recording_links,
    reports,
    roles,
    sites,
    smarttag,
    sources,
    tags,
    transcription_rules,
    users,
)
from serving.problems import responses

RESOURCES = (
    health,
    users,
    roles,
    sites,
    campaigns,
    tags,
    autotag_rules,
    transcription_rules,
    smarttag,
    antispam,
    communications,
    reports,
    notifications,
    notification_intake,
    recording_links,
    sources,
)


def api_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1",
        dependencies=[Depends(enforce_rights)],
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    for resource in RESOURCES:
        router.include_router(resource.router)
    return router
