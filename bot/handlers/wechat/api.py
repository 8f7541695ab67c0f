"""The WeChat / WeCom JSON API over aiohttp: a shared access token, refreshed once on expiry.

wechatpy's own client is synchronous (`requests`) and hard-codes its hosts; every call here,
the token call and media downloads included, goes to the platform's configured base URL, so a
proxy or a test server can stand in, and nothing blocks the event loop.

The access token lives in the `api_tokens` table: every instance reads the same one, and only
the instance that finds it missing, expiring or rejected fetches a new one (fetching invalidates
the previous token on WeChat, so instances must not fetch in turn).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, FormData
from tortoise.transactions import in_transaction

from bot.clock import Clock, system_clock
from bot.handlers.wechat.platform import Platform
from bot.models import ApiToken

log = logging.getLogger(__name__)

EXPIRED = frozenset({40001, 40014, 42001})  # invalid, malformed, expired access token
EARLY = timedelta(minutes=5)  # refresh this long before the platform says it expires
NEVER = datetime(2000, 1, 1, tzinfo=UTC)  # a placeholder row's expiry: fetch at once
TIMEOUT = ClientTimeout(total=15)


class ApiError(Exception):
    """The platform answered with a non-zero errcode."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Unavailable(Exception):
    """The platform could not be reached, or answered with an HTTP error."""


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: datetime


class Api:
    """Calls one account's API; open with `start`, close with `close`."""

    def __init__(
        self,
        platform: Platform,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self.platform = platform
        self.clock = clock
        self._session: ClientSession | None = None
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    @property
    def session(self) -> ClientSession:
        if self._session is None or self._session.closed:
            self._session = ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- the token ---------------------------------------------------------------------------

    async def token(self, *, rejected: str = "") -> str:
        """A valid token: this process's, else the shared one, else a new one from the platform.

        `rejected` is a token the platform just refused; it is never handed out again.
        """
        now = self.clock()
        held = self._token
        if held is not None and held.value != rejected and held.expires_at - EARLY > now:
            return held.value
        async with self._lock:
            held = self._token
            if held is not None and held.value != rejected and held.expires_at - EARLY > now:
                return held.value
            self._token = await self._shared(rejected, now)
            return self._token.value

    async def _shared(self, rejected: str, now: datetime) -> _Token:
        """The database's token, fetched anew under its row lock when missing or refused.

        The lock (`FOR UPDATE` on PostgreSQL; SQLite serializes writers) makes the other
        instances wait for this fetch and then read its result instead of fetching again.
        """
        name = self.platform.token_name
        await ApiToken.get_or_create(name=name, defaults={"value": "", "expires_at": NEVER})
        async with in_transaction():
            row = await ApiToken.filter(name=name).select_for_update().get()
            if row.value and row.value != rejected and row.expires_at - EARLY > now:
                return _Token(row.value, row.expires_at)
            fresh = await self._fetch()
            row.value, row.expires_at = fresh.value, fresh.expires_at
            await row.save(update_fields=["value", "expires_at", "updated_at"])
            return fresh

    async def _fetch(self) -> _Token:
        """A new token; a refusal (wrong secret, IP not whitelisted) is an outage to retry, as
        the operator fixes the settings, not a reason to drop the messages waiting."""
        try:
            data = await self._get_json(self.platform.token_path, dict(self.platform.token_params))
        except ApiError as refused:
            log.error("%s: no access token: %s", self.platform.channel, refused)
            raise Unavailable(f"access token refused: {refused}") from refused
        value = str(data.get("access_token", ""))
        if not value:
            raise Unavailable("no access_token in the answer")
        lifetime = int(data.get("expires_in", 7200))
        log.info("%s: new access token, valid %s s", self.platform.channel, lifetime)
        return _Token(value, self.clock() + timedelta(seconds=lifetime))

    # --- calls ----------------------------------------------------------------------------------

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST JSON with the token; an expired token is refreshed once and the call repeated."""
        token = await self.token()
        try:
            return await self._post_json(path, token, body)
        except ApiError as refused:
            if refused.code not in EXPIRED:
                raise
            log.info("%s: token refused (%s), refreshing", self.platform.channel, refused.code)
        return await self._post_json(path, await self.token(rejected=token), body)

    async def download(self, media_id: str) -> tuple[bytes, str]:
        """The bytes and content type of a temporary media file (a voice note)."""
        token = await self.token()
        try:
            return await self._get_media(token, media_id)
        except ApiError as refused:
            if refused.code not in EXPIRED:
                raise
        return await self._get_media(await self.token(rejected=token), media_id)

    async def upload(self, kind: str, name: str, content: bytes, mime: str) -> str:
        """Upload a temporary media file (`kind` image or file) and return its media_id."""
        token = await self.token()
        try:
            return await self._upload(token, kind, name, content, mime)
        except ApiError as refused:
            if refused.code not in EXPIRED:
                raise
        return await self._upload(await self.token(rejected=token), kind, name, content, mime)

    async def _upload(self, token: str, kind: str, name: str, content: bytes, mime: str) -> str:
        form = FormData()
        form.add_field("media", content, filename=name, content_type=mime)
        data = await self._post("media/upload", {"access_token": token, "type": kind}, form)
        media_id = str(data.get("media_id", ""))
        if not media_id:
            raise Unavailable("media/upload answered without a media_id")
        return media_id

    async def _post_json(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return await self._post(path, {"access_token": token}, payload, headers)

    async def _post(
        self,
        path: str,
        params: dict[str, str],
        data: bytes | FormData,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST to the platform's `path`; its JSON answer checked, any failure `Unavailable`."""
        url = self.platform.base_url + path
        try:
            async with self.session.post(
                url, params=params, data=data, headers=headers
            ) as response:
                if response.status >= 400:
                    raise Unavailable(f"HTTP {response.status} from {path}")
                answer = json.loads(await response.read())
        except (ClientError, TimeoutError, ValueError) as down:
            raise Unavailable(f"{path}: {down!r}") from down
        return _checked(answer)

    async def _get_json(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        content, _ = await self._get(path, params)
        try:
            return _checked(json.loads(content))
        except ValueError as garbled:
            raise Unavailable(f"{path}: {garbled!r}") from garbled

    async def _get(self, path: str, params: dict[str, str]) -> tuple[bytes, str]:
        """The body and content type of a GET; network trouble and HTTP errors: Unavailable."""
        try:
            async with self.session.get(self.platform.base_url + path, params=params) as response:
                if response.status >= 400:
                    raise Unavailable(f"HTTP {response.status} from {path}")
                return await response.read(), response.content_type
        except (ClientError, TimeoutError) as down:
            raise Unavailable(f"{path}: {down!r}") from down

    async def _get_media(self, token: str, media_id: str) -> tuple[bytes, str]:
        content, kind = await self._get("media/get", {"access_token": token, "media_id": media_id})
        if kind in ("application/json", "text/plain") and content.startswith(b"{"):
            _checked(json.loads(content))  # an error answer instead of the file
        return content, kind


def _checked(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Unavailable("the answer is not a JSON object")
    code = int(data.get("errcode", 0) or 0)
    if code != 0:
        raise ApiError(code, str(data.get("errmsg", "")))
    return data
