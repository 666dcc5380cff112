"""`callscope transcribe-select`: which calls a set of transcription rules selects."""

import json
from pathlib import Path

import typer

from data.errors import InputError
from pipelines.cli.common import emit, iter_jsonl, read_json, run_cli
from speech.rules import (
    CallFormatError,
    RuleFormatError,
    call_from_json,
    rules_from_json,
    select_call,
)


def _element_lines(path: Path) -> list[int]:
    """The line where each element of the top-level JSON list starts."""
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    lines: list[int] = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return lines
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)


def load_rules(path: Path):
    payload = read_json(path)
    try:
        return rules_from_json(payload)
    except RuleFormatError as error:
        lines = _element_lines(path) if isinstance(payload, list) else []
        line = lines[error.index] if error.index < len(lines) else 1
        raise InputError(path, line, error.field, error.reason) from None


def register(app: typer.Typer) -> None:
    @app.command("transcribe-select")
    @run_cli
    def transcribe_select(
        rules: Path = typer.Option(
            ..., "--rules", help="RULES.json: a list of transcription rules."
        ),
        calls: Path = typer.Option(..., "--calls", help="CALLS.jsonl: one call per line."),
    ) -> None:
        """Previews which calls the transcription rules select, as of each call's start time,
        and the audio minutes that would be transcribed."""
        rule_list = load_rules(rules)
        picked: list[dict] = []  # printed only once the whole input is known to be good
        total = 0
        seconds, without_duration = 0.0, 0
        any_duration = False
        for line, obj in iter_jsonl(calls):
            try:
                facts, duration = call_from_json(obj)
            except CallFormatError as error:
                raise InputError(calls, line, error.field, error.reason) from None
            total += 1
            any_duration = any_duration or duration is not None
            decision = select_call(facts, rule_list)
            if not decision.selected:
                continue
            if duration is None:
                without_duration += 1
            else:
                seconds += duration
            picked.append({"call_id": facts.id, "rule_id": decision.rule_id})
        for row in picked:
            emit(row)
        summary: dict[str, float] = {"selected": len(picked), "calls": total}
        if any_duration:
            summary["audio_minutes"] = round(seconds / 60.0, 2)
            if without_duration:
                summary["selected_without_duration"] = without_duration
        emit({"summary": summary})
