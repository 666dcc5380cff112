"""Autotag rules per tag, versioned: a change applies to communications from then on."""

from typing import Annotated

from fastapi import APIRouter, Path, status
from sqlalchemy import select

from data.config import rules as versioned
from data.config.models.core import RuleVersion
from serving.access import catalog
from serving.api.deps import AccountId, CurrentUser, SessionDep
from serving.api.guard import needs
from serving.errors import Invalid, NotFound
from serving.schemas.rules import (
    AutotagRules,
    RuleVersionPublic,
    TagRulesPublic,
    public_versions,
)
from tagging import rule_store
from tagging.rules import RuleError, parse_tag_rules

router = APIRouter(prefix="/autotag-rules", tags=["autotag rules"])
AUTOTAG = "interface:autotag"
TagName = Annotated[str, Path(min_length=1, max_length=200)]


def _grouped(session, account_id: int) -> dict[str, list[dict]]:
    """The account's rules in effect, by tag (another account's rules are never shown)."""
    grouped: dict[str, list[dict]] = {}
    for version in versioned.current_rules(session, rule_store.KIND, account_id):
        payload = dict(version.payload)
        grouped.setdefault(payload.pop("tag"), []).append(payload)
    return grouped


@router.get("", response_model=list[TagRulesPublic], openapi_extra=needs(AUTOTAG))
def list_rules(session: SessionDep, account_id: AccountId):
    """Every tag's rules in effect now, in the RULES.json format."""
    grouped = _grouped(session, account_id)
    return [TagRulesPublic(tag=tag, rules=rules) for tag, rules in sorted(grouped.items())]


@router.get("/{tag}", response_model=TagRulesPublic, openapi_extra=needs(AUTOTAG))
def read_rules(tag: TagName, session: SessionDep, account_id: AccountId):
    return TagRulesPublic(tag=tag, rules=_grouped(session, account_id).get(tag, []))


@router.put("/{tag}", response_model=TagRulesPublic, openapi_extra=needs(AUTOTAG))
def replace_rules(
    tag: TagName,
    body: AutotagRules,
    session: SessionDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    """Makes these the tag's rules from now on; rules left out are closed, history stays.
    They apply to the account's own communications only."""
    known = catalog.require_known_tag(session, tag, account_id)
    if known.is_system or known.account_id is None:
        raise Invalid(f"tag: {tag!r} is a system tag; its logic cannot be changed")
    for rule in body.rules:
        if len(versioned.account_key(account_id, rule.id)) > 100:
            raise Invalid(f"rules: rule id {rule.id[:20]!r}… is too long (at most 90 characters)")
    document = [{"tag": tag, "rules": [r.model_dump(mode="json") for r in body.rules]}]
    try:
        (parsed,) = parse_tag_rules(document)
        rule_store.save_tag_rules(session, parsed, actor.login, account_id=account_id)
    except RuleError as error:
        raise Invalid(str(error)) from None
    return TagRulesPublic(tag=tag, rules=_grouped(session, account_id).get(tag, []))


@router.delete("/{tag}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=needs(AUTOTAG))
def delete_rules(tag: TagName, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    """Closes every rule of the tag; their history stays."""
    rules = _grouped(session, account_id).get(tag)
    if not rules:
        raise NotFound(f"tag {tag!r} has no autotag rules")
    for rule in rules:
        key = versioned.account_key(account_id, rule["id"])
        versioned.delete_rule(session, rule_store.KIND, key, actor.login)


@router.get("/{tag}/history", response_model=list[RuleVersionPublic], openapi_extra=needs(AUTOTAG))
def rules_history(tag: TagName, session: SessionDep, account_id: AccountId):
    """Every version of every rule the tag ever had."""
    versions = session.scalars(
        select(RuleVersion).where(
            RuleVersion.kind == rule_store.KIND, RuleVersion.account_id == account_id
        )
    )
    keys = {v.rule_key for v in versions if v.payload.get("tag") == tag}
    return public_versions(
        v for key in sorted(keys) for v in versioned.rule_history(session, rule_store.KIND, key)
    )
