"""Reading input text files: every way a file can be unreadable is an InputError naming the
file and the line, never a traceback.

Text is UTF-8 (a byte-order mark is allowed). UTF-16 and binary data are refused with a reason
saying so; JSON that is nested too deeply or carries a number too long to convert is refused on
its line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from data.errors import InputError

SNIFF_BYTES = 1 << 16
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LONG_NUMBER = re.compile(r'"([^"\\]{1,64})"\s*:\s*-?\d{4000,}')


def open_binary(path: str | Path):
    """The file opened for reading bytes; a missing or unreadable file is an InputError."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, None, None, "is a folder, not a file")
    try:
        return open(path, "rb")  # the caller closes it
    except OSError as error:
        raise InputError(path, None, None, f"cannot open: {error.strerror}") from None


def sniff(path: str | Path) -> bytes:
    """The file's first bytes, after refusing UTF-16 and binary data."""
    with open_binary(path) as handle:
        head = handle.read(SNIFF_BYTES)
    refuse_binary(path, head)
    return head


def refuse_binary(path: str | Path, head: bytes) -> None:
    if head.startswith(UTF16_BOMS):
        raise InputError(path, 1, None, "UTF-16 text; save the file as UTF-8")
    nul = head.find(b"\x00")
    if nul >= 0:
        line = head.count(b"\n", 0, nul) + 1
        raise InputError(path, line, None, "binary data (a NUL byte), not a text file")


def decode_line(path: str | Path, number: int, raw: bytes) -> str:
    """One line as text; bytes that are not UTF-8 are an InputError on that line."""
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            path,
            number,
            None,
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at byte {error.start + 1})",
        ) from None


def text_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number, text) for every line of a UTF-8 file."""
    sniff(path)
    with open_binary(path) as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, decode_line(path, number, raw)


def loads(text: str) -> Any:
    """``json.loads`` whose every failure is a ValueError with a short reason."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
    except ValueError as error:  # an integer beyond Python's digit limit
        match = _LONG_NUMBER.search(text)
        where = f"field {match.group(1)}: " if match else ""
        raise ValueError(f"{where}{_too_long(error)}") from None


def _field_of(reason: str) -> tuple[str | None, str]:
    if reason.startswith("field ") and ": " in reason:
        field, rest = reason[len("field ") :].split(": ", 1)
        return field, rest
    return None, reason


def parse_json_line(path: str | Path, number: int, text: str) -> Any:
    try:
        return loads(text)
    except ValueError as error:
        field, reason = _field_of(str(error))
        raise InputError(path, number, field, reason) from None


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yields (line number, object) for every non-blank line; anything else is an InputError."""
    for number, line in text_lines(path):
        if not line.strip():
            continue
        obj = parse_json_line(path, number, line)
        if not isinstance(obj, dict):
            raise InputError(path, number, None, "expected a JSON object")
        yield number, obj


def read_json(path: str | Path) -> Any:
    """A whole JSON document; an empty file, bad bytes or bad JSON is an InputError."""
    lines = [text for _, text in text_lines(path)]
    text = "".join(lines)
    if not text.strip():
        raise InputError(path, None, None, "empty file, expected a JSON document")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(path, error.lineno, None, f"invalid JSON: {error.msg}") from None
    except RecursionError:
        raise InputError(path, 1, None, "invalid JSON: nested too deeply") from None
    except ValueError as error:  # an integer beyond Python's digit limit
        match = _LONG_NUMBER.search(text) or re.search(r"\d{4000,}", text)
        line = text.count("\n", 0, match.start()) + 1 if match else 1
        field = match.group(1) if match and match.re is _LONG_NUMBER else None
        raise InputError(path, line, field, _too_long(error)) from None


def _too_long(error: ValueError) -> str:
    digits = re.search(r"has (\d+) digits", str(error))
    return f"number too long ({digits.group(1)} digits)" if digits else f"invalid JSON: {error}"
