"""JSON bodies serialized straight from plain values, for the report routes.

They build values that already have their schema's shape (the route's
``response_model`` still documents it in OpenAPI); skipping the model round trip saves most
of their serialization time. ``pydantic_core`` writes times, dates and non-finite numbers as
the models would (RFC 3339, ISO dates, ``null``)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic_core import to_json


class JsonBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return to_json(content, inf_nan_mode="null")
