"""`callscope autotag`: keyword autotagging of communications in JSONL (INTERFACES.md §1)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer

from data.errors import InputError
from pipelines.cli.common import emit, iter_jsonl, read_json, run_cli
from tagging.matcher import ActiveRule, Communication, RuleMatcher
from tagging.records import RecordError, communication_from_record
from tagging.rules import RuleError, TagRules, parse_tag_rules


def _line_of(text: str, key: str, value: str | None) -> int | None:
    if value is None:
        return None
    for encoded in {json.dumps(value, ensure_ascii=False), json.dumps(value)}:
        match = re.search(rf'"{key}"\s*:\s*{re.escape(encoded)}', text)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


def load_rules(path: Path) -> list[TagRules]:
    """RULES.json validated as a whole; a bad rule is an InputError naming rule and field."""
    document = read_json(path)
    try:
        return parse_tag_rules(document)
    except RuleError as error:
        text = path.read_text(encoding="utf-8")
        line = _line_of(text, "id", error.rule_id) or _line_of(text, "tag", error.tag) or 1
        raise InputError(path, line, error.field, f"{error.subject}: {error.reason}") from None


def load_communications(path: Path) -> list[tuple[int, Communication]]:
    """Every line checked before any output, so a bad line never leaves half a result."""
    communications = []
    for number, record in iter_jsonl(path):
        try:
            communications.append((number, communication_from_record(record)))
        except RecordError as error:
            raise InputError(path, number, error.field, error.reason) from None
    return communications


def autotag_command(
    rules: Path = typer.Option(..., "--rules", help="RULES.json: tags with their rules."),
    communications: Path = typer.Option(
        ..., "--communications", help="COMMS.jsonl: one communication per line."
    ),
) -> None:
    """Tags communications by keyword rules; prints one JSON line per tag set."""
    tag_rules = load_rules(rules)
    matcher = RuleMatcher([ActiveRule(tag=t.tag, rule=rule) for t in tag_rules for rule in t.rules])
    for _, communication in load_communications(communications):
        for match in matcher.match(communication):
            emit(
                {
                    "communication_id": match.communication_id,
                    "tag": match.tag,
                    "rule_id": match.rule_id,
                    "evidence": match.evidence,
                }
            )


def register(app: typer.Typer) -> None:
    """Adds `autotag` to the main app."""
    app.command("autotag")(run_cli(autotag_command))
