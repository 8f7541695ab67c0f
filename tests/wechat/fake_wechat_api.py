"""A fake WeChat / WeCom API over real HTTP: tokens, pushed messages, media, errors on demand.

One server speaks both dialects under `/cgi-bin/`: `token` (Official Account) and `gettoken`
(WeCom) hand out numbered tokens; `message/custom/send` and `message/send` record what was
pushed to whom; `media/get` serves voice notes; `media/upload` keeps what the bot uploads
(charts, spreadsheets). A test can expire the current token (the next call with it gets
40001/42001, as WeChat answers), have a person refuse pushes (45015), have the next pushes
refused as too frequent (45009), or hold pushes (a slow network).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

APP_ID = "wx1234567890abcdef"
APP_SECRET = "oa-secret"
CORP_ID = "ww0123456789abcdef"
CORP_SECRET = "corp-secret"
AGENT_ID = "1000002"


@dataclass
class Pushed:
    """One message the bot pushed (an image or file message: `text` empty, `media_id` set)."""

    path: str
    to: str
    text: str
    agent_id: Any = None
    kind: str = "text"
    media_id: str = ""


@dataclass
class Upload:
    """One temporary media file the bot uploaded."""

    kind: str
    name: str
    content: bytes
    mime: str


class FakeWeChatApi:
    """Start with `async with FakeWeChatApi() as api`; `api.base_url` is the API root."""

    def __init__(self) -> None:
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._numbers = itertools.count(1)
        self.valid_tokens: set[str] = set()
        self.token_calls: list[dict[str, str]] = []
        self.pushed: list[Pushed] = []
        self.refusals: dict[str, tuple[int, str]] = {}  # touser → (errcode, errmsg)
        self.outsiders: set[str] = set()  # WeCom: not in the app's visible range
        self.expired: dict[str, int] = {}  # token → errcode it now gets
        self.media: dict[str, tuple[bytes, str]] = {}
        self.media_calls: list[str] = []
        self.media_delay = 0.0  # seconds a download takes (a slow network)
        self.busy: list[tuple[int, str]] = []  # next pushes refused: (errcode, errmsg) each
        self.busy_after = 0  # pushes that still go through before `busy` applies
        self.push_calls = 0
        self.held = 0  # pushes waiting now
        self.hold_next = 0  # how many of the next pushes wait for `release`
        self.release = asyncio.Event()
        self.uploads: dict[str, Upload] = {}
        self.changed = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/"

    async def __aenter__(self) -> FakeWeChatApi:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        app.router.add_post("/cgi-bin/message/send", self._send)
        app.router.add_get("/cgi-bin/media/get", self._media)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests ask for --------------------------------------------------------------------

    def expire_tokens(self, code: int = 42001) -> None:
        """Every token handed out so far is refused from now on with `code`."""
        for token in self.valid_tokens:
            self.expired[token] = code
        self.valid_tokens.clear()

    def refuse(self, to: str, code: int, message: str) -> None:
        self.refusals[to] = (code, message)

    def texts_to(self, to: str) -> list[str]:
        return [p.text for p in self.pushed if p.to == to]

    async def wait_for(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        async with asyncio.timeout(within):
            while not condition():
                self.changed.clear()
                await self.changed.wait()

    # --- the API -------------------------------------------------------------------------------

    def _new_token(self) -> web.Response:
        token = f"token-{next(self._numbers)}"
        self.valid_tokens.add(token)
        return web.json_response({"errcode": 0, "access_token": token, "expires_in": 7200})

    async def _token(self, request: web.Request) -> web.Response:
        q = request.query
        self.token_calls.append(dict(q))
        if (q.get("grant_type"), q.get("appid"), q.get("secret")) != (
            "client_credential",
            APP_ID,
            APP_SECRET,
        ):
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        return self._new_token()

    async def _gettoken(self, request: web.Request) -> web.Response:
        q = request.query
        self.token_calls.append(dict(q))
        if (q.get("corpid"), q.get("corpsecret")) != (CORP_ID, CORP_SECRET):
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return self._new_token()

    def _refused_token(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token", "")
        if token in self.valid_tokens:
            return None
        code = self.expired.get(token, 40014)
        return web.json_response({"errcode": code, "errmsg": "access_token expired or invalid"})

    async def _send(self, request: web.Request) -> web.Response:
        refused = self._refused_token(request)
        if refused is not None:
            return refused
        body = json.loads(await request.read())
        to = str(body["touser"])
        self.push_calls += 1
        if self.hold_next > 0:
            self.hold_next -= 1
            self.held += 1
            self.changed.set()
            await self.release.wait()
            self.held -= 1
        if self.busy and self.busy_after > 0:
            self.busy_after -= 1
        elif self.busy:
            code, message = self.busy.pop(0)
            self.changed.set()
            return web.json_response({"errcode": code, "errmsg": message})
        if to in self.refusals:
            code, message = self.refusals[to]
            return web.json_response({"errcode": code, "errmsg": message})
        if to in self.outsiders:
            return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": to})
        path = request.path.removeprefix("/cgi-bin/")
        if body["msgtype"] in ("image", "file"):
            kind = body["msgtype"]
            media_id = body[kind]["media_id"]
            if media_id not in self.uploads:
                return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
            self.pushed.append(Pushed(path, to, "", body.get("agentid"), kind, media_id))
            self.changed.set()
            return web.json_response({"errcode": 0, "errmsg": "ok"})
        assert body["msgtype"] == "text"
        text = body["text"]["content"]
        assert len(text.encode("utf-8")) <= 2048, len(text.encode("utf-8"))
        self.pushed.append(Pushed(path, to, text, body.get("agentid")))
        self.changed.set()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _upload(self, request: web.Request) -> web.Response:
        """media/upload: a multipart `media` field; images up to 10 MB, files up to 20 MB."""
        refused = self._refused_token(request)
        if refused is not None:
            return refused
        kind = request.query.get("type", "")
        form = await request.post()
        field = form.get("media")
        if kind not in ("image", "voice", "video", "file") or not isinstance(field, web.FileField):
            return web.json_response({"errcode": 40004, "errmsg": "invalid media type"})
        content = field.file.read()
        media_id = f"media-{next(self._numbers)}"
        self.uploads[media_id] = Upload(kind, field.filename, content, field.content_type)
        return web.json_response({"type": kind, "media_id": media_id, "created_at": 1})

    async def _media(self, request: web.Request) -> web.Response:
        refused = self._refused_token(request)
        if refused is not None:
            return refused
        media_id = request.query.get("media_id", "")
        self.media_calls.append(media_id)
        await asyncio.sleep(self.media_delay)
        if media_id not in self.media:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        content, mime = self.media[media_id]
        return web.Response(body=content, content_type=mime)
