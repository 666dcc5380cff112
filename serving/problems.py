"""Problem details (RFC 9457) for every error the API returns."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from data.errors import ConfigError
from serving import integrity
from serving.errors import ServingError

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


def problem_response(
    request: Request,
    status: int,
    detail: str | None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra,
) -> JSONResponse:
    body = Problem(
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        **extra,
    )
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _validation_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) for part in item.get("loc", ())],
            "msg": str(item.get("msg", "")),
            "type": str(item.get("type", "")),
        }
        for item in error.errors()
    ]


def install(app: FastAPI) -> None:
    @app.exception_handler(ServingError)
    async def _serving_error(request: Request, error: ServingError):
        return problem_response(request, error.status, error.detail, error.title)

    @app.exception_handler(ConfigError)
    async def _config_error(request: Request, error: ConfigError):
        # a rule or setting the domain refused: names the entity and the field
        return problem_response(request, 422, str(error), "Invalid request")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError):
        errors = _validation_errors(error)
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}"
        return problem_response(request, 422, detail, "Invalid request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException):
        detail = error.detail if isinstance(error.detail, str) else None
        headers = dict(error.headers or {})
        if error.status_code == 405:
            allowed = allowed_methods(app, request)
            headers["Allow"] = ", ".join(allowed)
            detail = f"{request.method} is not allowed here; use {', '.join(allowed)}"
        return problem_response(request, error.status_code, detail, headers=headers)

    @app.exception_handler(IntegrityError)
    def _integrity(request: Request, error: IntegrityError):
        # a plain function: FastAPI runs it in a worker thread, as it asks the store who refers
        refusal = integrity.explain(error, request.app.state.store)
        return problem_response(request, refusal.status, refusal.detail, refusal.title)


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method the API documents at the request's path (the path matched, the method not)."""
    path = request.url.path
    methods: set[str] = set()
    for pattern, documented in _path_patterns(app):
        if pattern.fullmatch(path):
            methods |= documented
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _path_patterns(app: FastAPI) -> list[tuple[re.Pattern, set[str]]]:
    cached = getattr(app.state, "path_patterns", None)
    if cached is None:
        cached = [
            (
                re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))),
                {m.upper() for m in operations},
            )
            for path, operations in app.openapi()["paths"].items()
        ]
        app.state.path_patterns = cached
    return cached


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses a route can give."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
