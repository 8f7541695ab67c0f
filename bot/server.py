"""The process's one HTTP server (aiohttp): GET /healthz, and the webhook routes channels add."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpServer:
    """Channels add their routes and health checks first; then the server starts, once."""

    __slots__ = ("_checks", "_runner", "app", "host", "requested_port")

    def __init__(self, host: str = "0.0.0.0", port: int = 8080) -> None:
        self.host = host
        self.requested_port = port
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._health)
        self._checks: dict[str, Callable[[], bool]] = {}
        self._runner: web.AppRunner | None = None

    def add_post(self, path: str, handler: Handler) -> None:
        """A webhook route; before `start` (aiohttp freezes the routes then)."""
        self.app.router.add_post(path, handler)

    def add_get(self, path: str, handler: Handler) -> None:
        """A GET route (a platform's URL verification handshake); before `start`."""
        self.app.router.add_get(path, handler)

    def add_check(self, name: str, check: Callable[[], bool]) -> None:
        """Something /healthz reports on: True when that part of the process is serving."""
        self._checks[name] = check

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
        """200 while every registered part serves, 503 otherwise; load balancers read only that."""
        states = {name: "ok" if check() else "down" for name, check in self._checks.items()}
        healthy = all(state == "ok" for state in states.values())
        return web.json_response(
            {"status": "ok" if healthy else "down", "channels": states},
            status=200 if healthy else 503,
        )
