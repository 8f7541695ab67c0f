"""A fake Telegram Bot API over real HTTP: what the bot calls, recorded; what people do, queued.

It speaks the Bot API envelope (`{"ok": true, "result": ...}`) on 127.0.0.1 for the methods the
bot uses, long-polls `getUpdates` (held until an update is queued or the timeout passes), pushes
updates to a webhook with the secret header once `setWebhook` is called, keeps the messages of
every chat (edits included) and answers 429 with `retry_after`, or 502, when a test asks for it,
and holds calls (a slow network) until the test lets them go or for a given time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import ClientSession, ClientTimeout, web

TOKEN = "123:ABC"
BOT_ID = 123
BOT_USERNAME = "crm_test_bot"
# Form fields that are plain strings even when they look like JSON ("123", "true").
RAW_FIELDS = frozenset(
    {"text", "caption", "url", "secret_token", "callback_query_id", "file_id", "language_code"}
)


@dataclass(frozen=True)
class Person:
    """A Telegram user; in a private chat the chat id is the user id."""

    id: int
    first_name: str
    last_name: str = ""
    username: str = ""
    language_code: str = "en"

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def private_chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass
class Call:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Hold:
    """Planned slowness: `count` calls of `method` wait until released (or `seconds` pass)."""

    method: str
    count: int
    seconds: float | None = None
    released: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0

    def release(self) -> None:
        self.released.set()


@dataclass
class Failure:
    """A planned error answer: `count` calls of `method` ('*' for any) get it, once `after`
    more calls have gone through."""

    method: str
    count: int
    status: int
    retry_after: int | None = None
    after: int = 0


class FakeBotApi:
    """Start with `async with FakeBotApi() as api:`; point PTB at `api.base_url`."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.username = username
        self.calls: list[Call] = []
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.commands: dict[str | None, list[dict[str, Any]]] = {}  # every private chat's menu
        self.chat_commands: dict[tuple[int, str | None], list[dict[str, Any]]] = {}
        self.answered: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.webhook: dict[str, Any] | None = None
        self.queued_at: dict[int, float] = {}
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self._pending: list[dict[str, Any]] = []
        self._confirmed = -1  # every update id <= this was confirmed by a later offset
        self._delivered: set[int] = set()
        self._new = asyncio.Event()
        self._progress = asyncio.Event()
        self._failures: list[Failure] = []
        self._holds: list[Hold] = []
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._other_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._session: ClientSession | None = None
        self._closing = False
        self.port = 0

    # --- server ----------------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port or self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Stop serving (a test may `start()` again on the same port: an outage)."""
        self._closing = True
        self._wake()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- what people do --------------------------------------------------------------------

    def send(self, person: Person, text: str, *, chat: dict[str, Any] | None = None) -> int:
        """A person types `text` (commands get their bot_command entity, as Telegram does)."""
        message = self._incoming_message(person, chat)
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        elif f"@{self.username}" in text:
            offset = text.index(f"@{self.username}")
            length = len(self.username) + 1
            message["entities"] = [{"type": "mention", "offset": offset, "length": length}]
        return self.push({"message": message})

    def share(self, person: Person, **content: Any) -> int:
        """A person shares a contact, a location, a voice note… (`content` is the message part)."""
        message = self._incoming_message(person, None)
        message.update(content)
        return self.push({"message": message})

    def tap(self, person: Person, message: dict[str, Any], data: str) -> int:
        """A person taps an inline button (or a forged client sends any callback data)."""
        query = {
            "id": str(next(self._other_ids)),
            "from": person.as_user(),
            "message": message,
            "chat_instance": f"ci{person.id}",
            "data": data,
        }
        return self.push({"callback_query": query})

    def push(self, body: dict[str, Any], update_id: int | None = None) -> int:
        """Queue an update (a given `update_id` redelivers one the bot already had)."""
        update_id = next(self._update_ids) if update_id is None else update_id
        self._pending.append({"update_id": update_id, **body})
        self._delivered.discard(update_id)
        self._confirmed = min(self._confirmed, update_id - 1)
        self.queued_at.setdefault(update_id, time.monotonic())
        self._wake()
        return update_id

    def add_file(self, content: bytes, path: str = "voice/file_1.oga") -> str:
        """A file on Telegram's servers (a voice note someone recorded); returns its file_id."""
        file_id = f"file-{next(self._other_ids)}"
        self.files[file_id] = (path, content)
        return file_id

    def _incoming_message(self, person: Person, chat: dict[str, Any] | None) -> dict[str, Any]:
        chat = chat or person.private_chat()
        return {
            "message_id": next(self._message_ids.setdefault(chat["id"], itertools.count(1))),
            "from": person.as_user(),
            "chat": chat,
            "date": int(time.time()),
        }

    # --- what tests check ------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        count: int = 1,
        status: int = 429,
        retry_after: int | None = 1,
        after: int = 0,
    ) -> None:
        """The next `count` calls of `method` ('*': any) get an error answer (after `after`
        calls that go through, e.g. the first part of a long message)."""
        self._failures.append(
            Failure(method, count, status, retry_after if status == 429 else None, after)
        )

    def hold(self, method: str, *, count: int = 1, seconds: float | None = None) -> Hold:
        """The next `count` calls of `method` are answered only after `release()` (or after
        `seconds`): a slow network or a slow Bot API."""
        planned = Hold(method, count, seconds)
        self._holds.append(planned)
        return planned

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """What the bot has sent to a chat, as the chat shows it now (after edits)."""
        return [m for m in self.messages.get(chat_id, []) if m["from"]["is_bot"]]

    def is_done(self, update_id: int) -> bool:
        """Confirmed by a later getUpdates offset, or accepted by the webhook."""
        return update_id in self._delivered or (
            self.webhook is None and update_id <= self._confirmed
        )

    async def wait_delivered(self, update_id: int, within: float = 5.0) -> None:
        """Until the bot has taken the update (PTB has queued it for processing)."""
        await self.wait_for(lambda: self.is_done(update_id), within)

    async def wait_for(self, condition: Callable[[], bool], within: float = 5.0) -> None:
        """Until `condition()` holds; woken by every API call instead of sleeping blindly."""
        deadline = time.monotonic() + within
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the fake Bot API waited in vain")
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), min(remaining, 0.05))

    # --- the Bot API -----------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params))
        try:
            if request.match_info["token"] != self.token:
                return _error(401, "Unauthorized")
            await self._planned_hold(method)
            failure = self._planned_failure(method)
            if failure is not None:
                return failure
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                return _error(404, "Not Found: method not found")
            result = await handler(params)
            if isinstance(result, web.Response):
                return result
            return web.json_response({"ok": True, "result": result})
        finally:
            self._progress.set()

    async def _planned_hold(self, method: str) -> None:
        for planned in self._holds:
            if planned.count > 0 and planned.method in (method, "*"):
                planned.count -= 1
                planned.waiting += 1
                self._progress.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(planned.released.wait(), planned.seconds)
                planned.waiting -= 1
                return

    def _planned_failure(self, method: str) -> web.Response | None:
        for failure in self._failures:
            if failure.count > 0 and failure.method in (method, "*"):
                if failure.after > 0:
                    failure.after -= 1
                    return None
                failure.count -= 1
                if failure.status == 429:
                    return _error(
                        429,
                        f"Too Many Requests: retry after {failure.retry_after}",
                        {"retry_after": failure.retry_after},
                    )
                return _error(failure.status, "Bad Gateway")
        return None

    async def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "CRM",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        if offset:
            self._confirmed = max(self._confirmed, offset - 1)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self._pending and not self._closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), remaining)
        return self._pending[:limit]

    async def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        if self._pusher is None:
            self._pusher = asyncio.create_task(self._push_to_webhook())
        self._wake()
        return True

    async def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    async def _m_setmycommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            scope = json.loads(scope)
        if scope["type"] == "chat":
            self.chat_commands[(int(scope["chat_id"]), params.get("language_code"))] = params[
                "commands"
            ]
        else:
            self.commands[params.get("language_code")] = params["commands"]
        return True

    async def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text", ""))
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message is too long")
        return self._store(params, {"text": text})

    def _file_param(self, value: Any, folder: str) -> str | None:
        """An upload becomes a new file; a string is the id of a file Telegram already holds
        (None when it holds no such file)."""
        if isinstance(value, str):
            return value if value in self.files else None
        name, content = value
        # PTB percent-encodes a non-ASCII file name in the multipart header; Telegram decodes it.
        return self.add_file(content, f"{folder}/{unquote(name)}")

    async def _m_senddocument(self, params: dict[str, Any]) -> Any:
        file_id = self._file_param(params["document"], "documents")
        if file_id is None:
            return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        name, content = self.files[file_id]
        name = name.rsplit("/", 1)[-1]
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": name}
        return self._store(params, {"document": document | {"file_size": len(content)}})

    async def _m_sendphoto(self, params: dict[str, Any]) -> Any:
        file_id = self._file_param(params["photo"], "photos")
        if file_id is None:
            return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        _, content = self.files[file_id]
        size = {"file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1}
        return self._store(params, {"photo": [size | {"file_size": len(content)}]})

    async def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        message = self._find(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            return _error(400, "Bad Request: message is not modified")
        message["text"] = params["text"]
        _set_markup(message, markup)
        self._tell("edited", message)
        return message

    async def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self._find(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        _set_markup(message, params.get("reply_markup"))
        return message

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        query_id = str(params["callback_query_id"])
        if query_id in self.answered:
            return _error(400, "Bad Request: query is too old and response timeout expired")
        self.answered[query_id] = params
        return True

    async def _m_getfile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(content),
            "file_path": path,
        }

    async def _download(self, request: web.Request) -> web.Response:
        self.calls.append(Call("download", {"path": request.match_info["path"]}))
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        for path, content in self.files.values():
            if path == request.match_info["path"]:
                return web.Response(body=content)
        return web.Response(status=404)

    # --- helpers ---------------------------------------------------------------------------

    def _store(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids.setdefault(chat_id, itertools.count(1))),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "CRM", "username": self.username},
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        if params.get("caption"):
            message["caption"] = params["caption"]
        _set_markup(message, params.get("reply_markup"))
        self.messages.setdefault(chat_id, []).append(message)
        self._tell("sent", message)
        return message

    def _find(self, params: dict[str, Any]) -> dict[str, Any] | None:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for message in self.messages.get(chat_id, []):
            if message["message_id"] == message_id:
                return message
        return None

    def _tell(self, event: str, message: dict[str, Any]) -> None:
        """Listeners (the benchmark's simulated people) hear each message the bot sends."""
        for listener in self.listeners:
            listener(event, message)

    def _wake(self) -> None:
        self._new.set()
        self._progress.set()

    async def _push_to_webhook(self) -> None:
        """Deliver queued updates one at a time, in order, retrying until the bot says 2xx."""
        self._session = ClientSession(timeout=ClientTimeout(total=5))
        while True:
            if self.webhook is None or not self._pending:
                self._new.clear()
                await self._new.wait()
                continue
            update = self._pending[0]
            headers = {}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            try:
                async with self._session.post(
                    self.webhook["url"], json=update, headers=headers
                ) as response:
                    accepted = 200 <= response.status < 300
            except OSError:
                accepted = False
            if accepted:
                self._pending.pop(0)
                self._delivered.add(update["update_id"])
                self._progress.set()
            else:
                await asyncio.sleep(0.05)


async def _params(request: web.Request) -> dict[str, Any]:
    """Form fields (PTB sends urlencoded or multipart), JSON-looking values decoded, files read."""
    if request.content_type == "application/json":
        return dict(await request.json())
    params: dict[str, Any] = {}
    if request.method == "GET":
        form: Any = request.query
    else:
        form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = (value.filename, value.file.read())
        elif key in RAW_FIELDS:
            params[key] = value
        else:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
    return params


def _set_markup(message: dict[str, Any], markup: Any) -> None:
    if markup and markup.get("inline_keyboard"):
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)
