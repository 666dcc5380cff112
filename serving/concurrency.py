"""Backpressure: at most N requests are inside the app at once; the rest wait in the event loop.

A request holds a config-store connection from the rights check until its handler returns, and
waits for a worker thread in between. Without a bound, a burst of requests would check out
every pooled connection and then queue for threads; with it, nothing waits for a connection."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class ConcurrencyLimit:
    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)
