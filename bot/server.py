"""The process's one HTTP server (aiohttp): /healthz, /readyz, /metrics, and the webhook routes."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.health import Health
from bot.metrics import CONTENT_TYPE, NO_METRICS, Metrics

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpServer:
    """Channels add their routes and health checks first; then the server starts, once."""

    __slots__ = ("_runner", "app", "health", "host", "metrics", "metrics_token", "requested_port")

    def __init__(
        self,
        host: str = "0.0.0.0",
        port: int = 8080,
        *,
        health: Health | None = None,
        metrics: Metrics = NO_METRICS,
        metrics_token: str | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.health = health or Health()
        self.metrics = metrics
        self.metrics_token = metrics_token or None
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._health)
        self.app.router.add_get("/readyz", self._ready)
        if metrics.enabled:
            self.app.router.add_get("/metrics", self._metrics)
        self._runner: web.AppRunner | None = None

    def add_post(self, path: str, handler: Handler) -> None:
        """A webhook route; before `start` (aiohttp freezes the routes then)."""
        self.app.router.add_post(path, handler)

    def add_get(self, path: str, handler: Handler) -> None:
        """A GET route (a platform's URL verification handshake); before `start`."""
        self.app.router.add_get(path, handler)

    def add_check(self, name: str, check: Callable[[], bool]) -> None:
        """Something /healthz reports on: True when that part of the process is serving."""
        self.health.channels[name] = check

    @property
    def port(self) -> int:
        """The bound port (port 0 asks the system for a free one, as tests do)."""
        if self._runner is None or not self._runner.addresses:
            return self.requested_port
        return int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Listen; raises OSError if the port is taken."""
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.requested_port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, request: web.Request) -> web.Response:
        """200 while every registered part works, 503 naming what does not; probes read the code."""
        healthy, body = await self.health.check()
        return web.json_response(body, status=200 if healthy else 503)

    async def _ready(self, request: web.Request) -> web.Response:
        """200 between the end of start-up (migrations, channels) and the start of shutdown."""
        ready, body = self.health.readiness()
        return web.json_response(body, status=200 if ready else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        """The Prometheus text format; behind `CRM_METRICS_TOKEN` as a bearer token when set."""
        if self.metrics_token is not None:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.metrics_token}".encode()):
                return web.Response(status=401, text="unauthorized")
        body = await self.metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
