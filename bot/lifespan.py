"""Run background work for the lifetime of an ASGI (Starlette/FastAPI) app.

Knows only the app's lifespan hook: nothing about what the work is (the reminder scheduler, the
replica processes of ``serve --workers``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any


def run_alongside(app: Any, start: Callable[[], None], stop: Callable[[], None]) -> Any:
    """``start()`` at startup, before the app's own startup; ``stop()`` (blocking, run in a worker
    thread) at shutdown, after the app's own shutdown — inside the server's shutdown sequence."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: Any):
        start()
        try:
            async with inner(application) as state:
                yield state
        finally:
            await asyncio.to_thread(stop)

    app.router.lifespan_context = lifespan
    return app
