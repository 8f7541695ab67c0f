"""The webhook route: Telegram POSTs updates; only its secret header lets one in.

An update is stored before the answer (200 means it is in the database); a body that is not an
update answers 400; while the process stops, 503, so Telegram delivers it again later (to this
instance after its restart, or to another).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from bot.handlers.telegram import shape

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram"

Handler = Callable[[web.Request], Awaitable[web.Response]]
Store = Callable[[dict[str, Any], Update], Awaitable[None]]


def webhook_path(url: str) -> str:
    """The local route for the public URL Telegram calls (a proxy forwards it unchanged)."""
    return urlsplit(url).path.rstrip("/") or DEFAULT_PATH


def webhook_handler(
    bot: Callable[[], Bot], secret: str, store: Store, accepting: Callable[[], bool]
) -> Handler:
    """Check the secret (403 and nothing kept if wrong) and the body (400), store the update,
    answer 200; 503 while stopping or when the database cannot keep it."""
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call without the right secret from %s refused", request.remote)
            return web.Response(status=403, text="forbidden")
        if not accepting():
            return web.Response(status=503, text="stopping", headers={"Retry-After": "5"})
        try:
            data = shape.loads(await request.read())
            update = shape.checked(data, bot())
        except shape.NotAnUpdate as bad:
            log.warning("webhook call with something not an update refused: %s", bad)
            return web.Response(status=400, text="bad update")
        try:
            await store(data, update)
        except Exception:
            log.exception(
                "update %s could not be stored; Telegram will send it again", update.update_id
            )
            return web.Response(status=503, text="not stored")
        return web.Response(text="ok")

    return handle
