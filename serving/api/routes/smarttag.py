"""SmartTag: training requests and their status, the on/off switch, model versions and
rollback, presets (real estate, auto) that tag without training."""

from fastapi import APIRouter, status

from models import presets, registry, requests
from models.errors import RegistryError, TrainingAlreadyRunning
from serving.api.deps import AccountId, CurrentUser, PathId, SessionDep
from serving.api.guard import needs
from serving.errors import Conflict, Invalid, NotFound
from serving.schemas.smarttag import (
    PresetName,
    PresetPublic,
    SmartTagState,
    SmartTagSwitch,
    SmartTagVersionPublic,
    TrainingRequestCreate,
    TrainingRequestPublic,
)

router = APIRouter(prefix="/smarttag", tags=["smarttag"])
SMARTTAG = "interface:smarttag"


@router.get("", response_model=SmartTagState, openapi_extra=needs(SMARTTAG))
def read_state(session: SessionDep, account_id: AccountId):
    """Whether SmartTag tags the account's calls, and with which model."""
    return registry.account_state(session, account_id)


@router.put("/switch", response_model=SmartTagState, openapi_extra=needs((SMARTTAG, "edit")))
def switch(body: SmartTagSwitch, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    """Turns tagging on or off; turning it on needs a trained model or an applied preset."""
    try:
        return registry.set_enabled(session, account_id, body.enabled, actor.login)
    except RegistryError as error:
        raise Conflict(str(error)) from None


@router.get("/models", response_model=list[SmartTagVersionPublic], openapi_extra=needs(SMARTTAG))
def list_models(session: SessionDep, account_id: AccountId):
    """Every model version with its held-out metrics beside the baseline's."""
    return registry.list_versions(session, account_id)


@router.post(
    "/models/{version}/activate",
    response_model=SmartTagState,
    openapi_extra=needs((SMARTTAG, "edit")),
)
def activate(version: PathId, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    """Rolls back (or forward) to a promoted version."""
    try:
        registry.get_version(session, account_id, version)
    except RegistryError as error:
        raise NotFound(str(error)) from None
    try:
        return registry.activate(session, account_id, version, actor.login)
    except RegistryError as error:
        raise Conflict(str(error)) from None


@router.get("/presets", response_model=list[PresetPublic], openapi_extra=needs(SMARTTAG))
def list_presets():
    return presets.list_presets()


@router.post(
    "/presets/{name}/apply", response_model=SmartTagState, openapi_extra=needs((SMARTTAG, "edit"))
)
def apply_preset(name: PresetName, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    """Gives the account the preset model and turns tagging on, without training."""
    try:
        return presets.apply_preset(session, account_id, name, actor.login)
    except RegistryError as error:
        raise Conflict(str(error)) from None


@router.get(
    "/training-requests",
    response_model=list[TrainingRequestPublic],
    openapi_extra=needs(SMARTTAG),
)
def list_requests(session: SessionDep, account_id: AccountId):
    return requests.account_requests(session, account_id)


@router.post(
    "/training-requests",
    response_model=TrainingRequestPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=needs(SMARTTAG),
)
def request_training(
    body: TrainingRequestCreate, session: SessionDep, actor: CurrentUser, account_id: AccountId
):
    """Queues training; a second request while one is pending or running is refused (409)."""
    try:
        row = requests.request_training(
            session,
            account_id,
            body.tags,
            body.email,
            actor.login,
            preset=body.preset,
        )
    except TrainingAlreadyRunning as error:
        raise Conflict(str(error)) from None
    except ValueError as error:
        raise Invalid(str(error)) from None
    return requests.request_as_dict(row)


@router.get(
    "/training-requests/{request_id}",
    response_model=TrainingRequestPublic,
    openapi_extra=needs(SMARTTAG),
)
def read_request(request_id: PathId, session: SessionDep, account_id: AccountId):
    """Status and progress of one training request."""
    try:
        row = requests.get_request(session, request_id)
    except RegistryError as error:
        raise NotFound(str(error)) from None
    if row.account_id != account_id:
        raise NotFound(f"no SmartTag training request {request_id}")
    return requests.request_as_dict(row)
