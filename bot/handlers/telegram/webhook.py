"""The webhook route: Telegram POSTs updates; only its secret header lets one in."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram.ext import Application

from bot.handlers.telegram import shape

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram"

Handler = Callable[[web.Request], Awaitable[web.Response]]


def webhook_path(url: str) -> str:
    """The local route for the public URL Telegram calls (a proxy forwards it unchanged)."""
    return urlsplit(url).path.rstrip("/") or DEFAULT_PATH


def webhook_handler(application: Application, secret: str) -> Handler:
    """Check the secret (403 and nothing processed if wrong), queue the update, answer 200."""
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call without the right secret from %s refused", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update = shape.checked(shape.loads(await request.read()), application.bot)
        except shape.NotAnUpdate as bad:
            log.warning("webhook call with something not an update refused: %s", bad)
            return web.Response(status=400, text="bad update")
        # Queued like a polled update: the same ordering, claim and error handling apply.
        await application.update_queue.put(update)
        return web.Response(text="ok")

    return handle
