"""Labelled examples from open formats: the evaluation JSONL and the SentiRuEval-2016 CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from data.errors import InputError
from data.textinput import iter_jsonl
from models.text import Document, document_from_turns

SENTIRUEVAL_OPERATORS = ("beeline", "mts", "megafon", "tele2", "rostelecom", "komstar", "skylink")
SENTIMENT_NAMES = {"-1": "negative", "0": "neutral", "1": "positive"}


@dataclass(frozen=True)
class Example:
    id: str
    document: Document
    tags: tuple[str, ...]


def _turns_document(path: Path, line: int, turns: object, prosody: object) -> Document:
    if not isinstance(turns, list):
        raise InputError(path, line, "turns", "must be a list of {speaker, text} objects")
    for turn in turns:
        if not isinstance(turn, dict) or not isinstance(turn.get("text", ""), str):
            raise InputError(path, line, "turns", "every turn must be an object with a text")
        if turn.get("speaker") not in (None, "client", "employee"):
            raise InputError(path, line, "turns", f"unknown speaker {turn.get('speaker')!r}")
    return document_from_turns(turns, prosody)


def read_jsonl(path: str | Path) -> list[Example]:
    """Reads `{"id", "text" | "turns", "tags"}` lines; a bad line raises InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, None, None, "file not found")
    examples: list[Example] = []
    for number, item in iter_jsonl(path):
        if "id" not in item:
            raise InputError(path, number, "id", "missing")
        if not isinstance(item["id"], (str, int)) or isinstance(item["id"], bool):
            raise InputError(path, number, "id", "must be a string or an integer")
        tags = item.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            raise InputError(path, number, "tags", "must be a list of non-empty strings")
        if "turns" in item:
            document = _turns_document(path, number, item["turns"], item.get("prosody"))
        elif "text" in item:
            if not isinstance(item["text"], str):
                raise InputError(path, number, "text", "must be a string")
            document = Document.from_text(item["text"])
        else:
            raise InputError(path, number, "text", "either text or turns is required")
        examples.append(Example(str(item["id"]), document, tuple(dict.fromkeys(tags))))
    return examples


def read_sentirueval(path: str | Path) -> list[Example]:
    """Rows with exactly one labelled operator; the tag is that operator's sentiment."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, None, None, "file not found")
    examples: list[Example] = []
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        missing = [
            c for c in ("text", *SENTIRUEVAL_OPERATORS) if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise InputError(path, 1, missing[0], "column missing")
        for row in reader:
            values = [row[c].strip() for c in SENTIRUEVAL_OPERATORS if (row[c] or "").strip()]
            if len(values) != 1:
                continue
            label = SENTIMENT_NAMES.get(values[0].split(".")[0])
            if label is None:
                raise InputError(path, reader.line_num, "sentiment", f"unknown value {values[0]!r}")
            examples.append(
                Example(
                    row.get("id", str(reader.line_num)), Document.from_text(row["text"]), (label,)
                )
            )
    return examples
