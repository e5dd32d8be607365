"""Which adapters run: each platform module says which settings it needs; ``serve`` starts the
ones whose settings are all present and logs one line per adapter; ``doctor`` only reports.

A platform module provides ``NAME``, ``status(settings) -> AdapterStatus`` and
``build(context) -> Adapter``. The :class:`PlatformContext` carries what adapters share: the
service, the gateway and one outgoing ``httpx`` client (closed when the app shuts down).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.platforms.gateway import AdapterStatus, Gateway

if TYPE_CHECKING:
    import httpx

    from bot.service import Service
    from bot.settings import Settings

log = logging.getLogger(__name__)

#: Platform modules under ``bot.platforms``, in the order their status lines are printed.
PLATFORM_MODULES = ("wecom_aibot", "wecom_aibot_ws", "wecom_app", "dingtalk_http", "dingtalk_stream")


def _module(name: str) -> Any:
    return importlib.import_module(f"bot.platforms.{name}")


def available_modules() -> list[Any]:
    modules = []
    for name in PLATFORM_MODULES:
        try:
            modules.append(_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.platforms.{name}":
                raise
    return modules


def statuses(settings: Settings) -> list[AdapterStatus]:
    return [module.status(settings) for module in available_modules()]


@dataclass
class PlatformContext:
    service: Service
    gateway: Gateway
    settings: Settings
    http: httpx.AsyncClient
    adapters: list[Any] = field(default_factory=list)
    statuses: list[AdapterStatus] = field(default_factory=list)

    def adapter(self, name: str) -> Any | None:
        return next((a for a in self.adapters if a.name == name), None)


def attach_platforms(app: Any, service: Service, *, http: httpx.AsyncClient | None = None,
                     long_connections: bool = True) -> PlatformContext:
    """Mount every configured adapter's routes on ``app`` and run its background work (long
    connections) for the app's lifetime. Returns the context (``app.state.platforms`` too).

    ``long_connections=False`` (a replica of ``serve --workers N``) leaves out the adapters that hold
    a long connection: the leader process holds the one connection each platform allows."""
    from scheduler.channels import make_http_client

    settings = service.settings
    context = PlatformContext(service=service, gateway=Gateway(service), settings=settings,
                              http=http or make_http_client(settings.http_timeout))
    for module in available_modules():
        status = module.status(settings)
        if status.enabled and not long_connections and getattr(module, "LONG_CONNECTION", False):
            status = AdapterStatus(status.name, enabled=False, detail="long connection held by the leader process")
        context.statuses.append(status)
        if not status.enabled:
            continue
        adapter = module.build(context)
        context.adapters.append(adapter)
        router = adapter.routes()
        if router is not None:
            app.include_router(router)
    app.state.platforms = context

    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: Any):
        started = []
        try:
            for adapter in context.adapters:
                await adapter.start()
                started.append(adapter)
            async with inner(application) as state:
                yield state
        finally:
            for adapter in reversed(started):
                try:
                    await adapter.stop()
                except Exception:
                    log.exception("stopping adapter %s failed", adapter.name)
            if http is None:
                await context.http.aclose()

    app.router.lifespan_context = lifespan
    return context
