"""The API app factory: ``uvicorn serving.main:create_app --factory``."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager

# Imported here, on the main thread: FileResponse would otherwise import it lazily inside a
# request thread, and CPython 3.11 can fail compiling modules in two threads at once.
import anyio._core._fileio  # noqa: F401
from anyio import to_thread
from fastapi import FastAPI

from data.config.store import ConfigStore
from data.settings import Settings, get_settings
from data.warehouse import Warehouse
from serving import docs_offline, problems
from serving.api.guard import document_public_routes
from serving.api.routes import api_router
from serving.concurrency import ConcurrencyLimit
from serving.config import ApiSettings, get_api_settings
from serving.readmodel import RightsCache, TagEventCache


def create_app(
    settings: Settings | None = None, api_settings: ApiSettings | None = None
) -> FastAPI:
    settings = settings or get_settings()
    api_settings = api_settings or get_api_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        to_thread.current_default_thread_limiter().total_tokens = api_settings.max_concurrency
        store = ConfigStore(settings.database_url)
        app.state.settings = settings
        app.state.api_settings = api_settings
        app.state.store = store
        app.state.warehouse = Warehouse(settings.warehouse_dir)
        app.state.rights_cache = RightsCache(
            store, api_settings.rights_cache_seconds, api_settings.cache_check_seconds
        )
        app.state.tag_events = TagEventCache(store, api_settings.cache_check_seconds)
        # What start-up built (modules, the app, the routes) lives as long as the worker: kept
        # out of the collector's full passes, which would otherwise walk it every time and stall
        # the requests of the moment.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            store.dispose()

    app = FastAPI(
        title=api_settings.title,
        version="1",
        summary="Configuration and results for the cabinet, filtered by each user's rights.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.add_middleware(ConcurrencyLimit, limit=api_settings.max_concurrency)
    problems.install(app)
    docs_offline.install(app)
    app.include_router(api_router())

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = document_public_routes(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customize
    return app
