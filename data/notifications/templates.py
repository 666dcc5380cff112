"""Templates: ``{{name}}`` and ``%name%`` both stand for a parameter of the event.

Text (e-mail, SMS) gets each value as text. A JSON template gets typed values: a parameter
outside quotes becomes its JSON value (a number stays a number, a list a list), one inside a
string literal is escaped into that string, so the result stays valid JSON whatever a value
contains. A query string is encoded by RFC 3986 (only unreserved characters stay as they are).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

TOKEN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|%([A-Za-z_][A-Za-z0-9_]*)%")
UNRESERVED = "-._~"


class TemplateError(ValueError):
    pass


def names(template: str | None) -> list[str]:
    """The parameters a template uses, in order of first use."""
    found: list[str] = []
    for match in TOKEN.finditer(template or ""):
        name = match.group(1) or match.group(2)
        if name not in found:
            found.append(name)
    return found


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(as_text(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def fill_text(template: str, values: dict[str, object]) -> str:
    return TOKEN.sub(lambda m: as_text(values.get(m.group(1) or m.group(2))), template)


def fill_json(template: str, values: dict[str, object]) -> str:
    """Fills a JSON template with typed values; raises TemplateError when the result is not
    JSON (the template itself was malformed)."""
    out: list[str] = []
    in_string = escaped = False
    i = 0
    while i < len(template):
        match = TOKEN.match(template, i)
        if match and not escaped:
            value = values.get(match.group(1) or match.group(2))
            if in_string:
                out.append(json.dumps(as_text(value), ensure_ascii=False)[1:-1])
            else:
                out.append(json.dumps(value, ensure_ascii=False))
            i = match.end()
            continue
        char = template[i]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        out.append(char)
        i += 1
    filled = "".join(out)
    try:
        json.loads(filled)
    except ValueError as error:
        raise TemplateError(f"the filled template is not JSON: {error}") from None
    return filled


def encode(text: str) -> str:
    return quote(text, safe=UNRESERVED)


def fill_query(template: str, values: dict[str, object]) -> tuple[str, str]:
    """(encoded query string, decoded preview) of a ``k=v&k2=v2`` template."""
    encoded, decoded = [], []
    for part in template.strip().lstrip("?").split("&"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = fill_text(key, values), fill_text(value, values)
        encoded.append(encode(key) + (("=" + encode(value)) if sep else ""))
        decoded.append(key + (("=" + value) if sep else ""))
    return "&".join(encoded), "&".join(decoded)


def query_of_json(filled: str) -> tuple[str, str]:
    """A GET with a JSON object template sends its top-level keys as query parameters
    (strings as they are, other values as JSON)."""
    obj = json.loads(filled)
    pairs = [
        (str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
        for k, v in obj.items()
    ]
    encoded = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    return encoded, "&".join(f"{k}={v}" for k, v in pairs)


def default_json(params: list[str]) -> str:
    return "{" + ", ".join(f'"{name}": {{{{{name}}}}}' for name in params) + "}"


def default_text(title: str, params: list[str]) -> str:
    lines = [f"{title}"] + [f"{name}: {{{{{name}}}}}" for name in params]
    return "\n".join(lines)


def render_http(
    method: str, url: str, template: str | None, values: dict[str, object], params: list[str]
) -> dict:
    """The request to send: method, url, body (POST) and the decoded preview."""
    template = (template or "").strip()
    if method == "POST":
        body = fill_json(template or default_json(params), values)
        return {
            "method": "POST",
            "url": url,
            "body": body,
            "content_type": "application/json",
            "preview": body,
        }
    if not template:
        scalar = [p for p in params if not isinstance(values.get(p), list | dict)]
        template = "&".join(f"{p}={{{{{p}}}}}" for p in scalar)
    if template.startswith("{"):
        query, preview = query_of_json(fill_json(template, values))
    else:
        query, preview = fill_query(template, values)
    joiner = "&" if "?" in url else "?"
    return {
        "method": "GET",
        "url": url + (joiner + query if query else ""),
        "body": None,
        "content_type": None,
        "preview": url + (joiner + preview if preview else ""),
    }
