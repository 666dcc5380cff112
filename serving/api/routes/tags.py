"""The account's tags. Changing the tag list needs the separate «tags» rights row."""

from fastapi import APIRouter, status

from data.config import audit
from data.config.models.core import Tag
from serving.access import catalog
from serving.api.deps import AccountId, CurrentUser, PathId, SessionDep
from serving.api.guard import needs
from serving.schemas.catalog import TagCreate, TagPublic, TagUpdate

router = APIRouter(prefix="/tags", tags=["tags"])


@router.get("", response_model=list[TagPublic], openapi_extra=needs("authenticated"))
def list_tags(session: SessionDep, account_id: AccountId):
    return catalog.account_tags(session, account_id)


@router.post(
    "", response_model=TagPublic, status_code=status.HTTP_201_CREATED, openapi_extra=needs("tags")
)
def create_tag(body: TagCreate, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    name = body.name.strip()
    catalog.get_account(session, account_id)
    catalog.check_tag_name_free(session, name, account_id)
    tag = Tag(name=name, is_system=False, account_id=account_id)
    session.add(tag)
    session.flush()
    audit.record(session, actor.login, "create", "tag", tag.id, None, {"name": name})
    return tag


@router.patch("/{tag_id}", response_model=TagPublic, openapi_extra=needs("tags"))
def rename_tag(
    tag_id: PathId, body: TagUpdate, session: SessionDep, actor: CurrentUser, account_id: AccountId
):
    tag = catalog.get_tag(session, tag_id, account_id)
    catalog.check_tag_editable(tag)
    name = body.name.strip()
    catalog.check_tag_name_free(session, name, account_id, tag.id)
    audit.record(session, actor.login, "update", "tag", tag.id, {"name": tag.name}, {"name": name})
    tag.name = name
    session.flush()
    return tag


@router.delete("/{tag_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=needs("tags"))
def delete_tag(tag_id: PathId, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    tag = catalog.get_tag(session, tag_id, account_id)
    catalog.check_tag_editable(tag)
    audit.record(session, actor.login, "delete", "tag", tag.id, {"name": tag.name}, None)
    session.delete(tag)
    session.flush()
