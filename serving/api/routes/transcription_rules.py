"""Transcription rules: which calls get transcribed, versioned so that switching a rule off and
on again leaves the calls of the off window untranscribed; and the cost preview."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, status

from data.config import rules as versioned
from serving.api.deps import (
    AccountId,
    ApiSettingsDep,
    CurrentUser,
    RightsDep,
    SessionDep,
    WarehouseDep,
)
from serving.api.guard import needs
from serving.errors import Invalid, NotFound
from serving.readmodel import transcription
from serving.schemas.common import local_naive
from serving.schemas.rules import (
    RULE_ID_PATTERN,
    CostPreview,
    CostPreviewRequest,
    HistoryStep,
    RuleVersionPublic,
    TranscriptionRuleBody,
    TranscriptionRulePublic,
    TranscriptionRuleSwitch,
    public_versions,
)
from speech import config as speech_config
from speech.rules import (
    RuleFilters,
    RuleFormatError,
    RuleVersionSpan,
    TranscriptionRule,
    parse_filters,
)

router = APIRouter(prefix="/transcription-rules", tags=["transcription rules"])
TRANSCRIPTION = "interface:transcription"
RuleId = Annotated[str, Path(pattern=RULE_ID_PATTERN)]
MAX_PREVIEW_DAYS = 93


def _public(rule_key: str, versions) -> TranscriptionRulePublic:
    current = versions[-1]
    history: list = []
    for version in versions:
        enabled = bool(version.payload.get("enabled", True))
        if not history or history[-1].enabled != enabled:
            history.append(HistoryStep(**{"from": version.valid_from, "enabled": enabled}))
    fields = {k: v for k, v in current.payload.items() if k in TranscriptionRuleBody.model_fields}
    return TranscriptionRulePublic(id=rule_key, history=history, **fields)


def _key(account_id: int, rule_id: str) -> str:
    key = versioned.account_key(account_id, rule_id)
    if len(key) > 100:
        raise Invalid(f"rule_id: {rule_id[:20]!r}… is too long (at most 90 characters)")
    return key


def _versions(session, account_id: int, rule_id: str):
    """The account's rule's versions; another account's rule does not exist for it."""
    versions = versioned.rule_history(session, speech_config.RULE_KIND, _key(account_id, rule_id))
    return [v for v in versions if v.account_id == account_id]


def _history(session, account_id: int, rule_id: str):
    versions = _versions(session, account_id, rule_id)
    if not versions or versions[-1].valid_to is not None:
        raise NotFound(f"transcription rule {rule_id} does not exist")
    return versions


def _checked_payload(rule_id: str, body: TranscriptionRuleBody) -> dict:
    payload = {"id": rule_id, **body.model_dump()}
    try:
        parse_filters(payload, 0)
    except RuleFormatError as error:
        raise Invalid(str(error)) from None
    return payload


@router.get("", response_model=list[TranscriptionRulePublic], openapi_extra=needs(TRANSCRIPTION))
def list_rules(session: SessionDep, account_id: AccountId):
    """The account's rules in effect, in the open format (filters and the on/off history)."""
    current = versioned.current_rules(session, speech_config.RULE_KIND, account_id)
    return [
        _public(
            versioned.plain_id(v),
            versioned.rule_history(session, speech_config.RULE_KIND, v.rule_key),
        )
        for v in current
    ]


@router.get(
    "/{rule_id}", response_model=TranscriptionRulePublic, openapi_extra=needs(TRANSCRIPTION)
)
def read_rule(rule_id: RuleId, session: SessionDep, account_id: AccountId):
    return _public(rule_id, _history(session, account_id, rule_id))


@router.put(
    "/{rule_id}", response_model=TranscriptionRulePublic, openapi_extra=needs(TRANSCRIPTION)
)
def put_rule(
    rule_id: RuleId,
    body: TranscriptionRuleBody,
    session: SessionDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    """Creates or changes the rule from now on; calls before keep the earlier version. The
    rule selects the account's own calls only."""
    payload = _checked_payload(rule_id, body)
    key = _key(account_id, rule_id)
    versioned.put_rule(
        session, speech_config.RULE_KIND, key, payload, actor.login, account_id=account_id
    )
    return _public(rule_id, _history(session, account_id, rule_id))


@router.patch(
    "/{rule_id}", response_model=TranscriptionRulePublic, openapi_extra=needs(TRANSCRIPTION)
)
def switch_rule(
    rule_id: RuleId,
    body: TranscriptionRuleSwitch,
    session: SessionDep,
    actor: CurrentUser,
    account_id: AccountId,
):
    """Switches the rule on or off from now on."""
    _history(session, account_id, rule_id)
    speech_config.set_rule_enabled(session, _key(account_id, rule_id), body.enabled, actor.login)
    return _public(rule_id, _history(session, account_id, rule_id))


@router.delete(
    "/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=needs(TRANSCRIPTION)
)
def delete_rule(rule_id: RuleId, session: SessionDep, actor: CurrentUser, account_id: AccountId):
    _history(session, account_id, rule_id)
    versioned.delete_rule(session, speech_config.RULE_KIND, _key(account_id, rule_id), actor.login)


@router.get(
    "/{rule_id}/history", response_model=list[RuleVersionPublic], openapi_extra=needs(TRANSCRIPTION)
)
def rule_history(rule_id: RuleId, session: SessionDep, account_id: AccountId):
    versions = _versions(session, account_id, rule_id)
    if not versions:
        raise NotFound(f"transcription rule {rule_id} does not exist")
    return public_versions(versions)


@router.post(
    "/cost-preview",
    response_model=CostPreview,
    openapi_extra=needs((TRANSCRIPTION, "view")),
)
def cost_preview(
    body: CostPreviewRequest,
    session: SessionDep,
    warehouse: WarehouseDep,
    rights: RightsDep,
    settings: ApiSettingsDep,
    account_id: AccountId,
):
    """How many calls of a period the rules would select and what transcribing them would
    cost: the saved rules as they are now (or the rules in the request) applied to that
    period's calls, as an estimate of what they select from now on."""
    date_from, date_till = local_naive(body.date_from), local_naive(body.date_till)
    if date_from > date_till:
        raise Invalid("date_from: must not be after date_till")
    if date_till - date_from > dt.timedelta(days=MAX_PREVIEW_DAYS):
        raise Invalid(f"date_till: a preview covers at most {MAX_PREVIEW_DAYS} days")
    if body.rules is None:
        rules = [
            _always(rule.id, rule.latest.enabled, rule.latest.filters)
            for rule in speech_config.load_rules(session)
            if rule.latest is not None
            and rule.latest.valid_to is None
            and rule.latest.filters.account_id in (account_id, None)
        ]
    else:
        rules = [
            _always(f"preview-{i}", rule.enabled, _filters(i, rule))
            for i, rule in enumerate(body.rules)
        ]
    calls, selected, minutes = transcription.preview(warehouse, rights, rules, date_from, date_till)
    price = settings.transcription_price_per_minute
    return CostPreview(
        calls=calls,
        selected_calls=selected,
        audio_minutes=round(minutes, 2),
        price_per_minute=price,
        cost=round(minutes * price, 2),
    )


def _always(rule_id: str, enabled: bool, filters: RuleFilters) -> TranscriptionRule:
    return TranscriptionRule(rule_id, (RuleVersionSpan(dt.datetime.min, None, enabled, filters),))


def _filters(index: int, rule: TranscriptionRuleBody) -> RuleFilters:
    try:
        return parse_filters(rule.model_dump(), index)
    except RuleFormatError as error:
        raise Invalid(str(error)) from None
