"""Is this body an update? The fields the channel reads, checked by type before PTB sees them.

PTB's `Update.de_json` trusts the Bot API: a `text` that is a number, a `chat.id` that is a word
or an `update_id` past 64 bits become objects that fail later, deep in a turn. Telegram never
sends such a body, so whoever did is refused at the door (the webhook answers 400), and an odd
but valid update (an edit, a poll, a channel post) still passes and is ignored as before.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)
from telegram import Bot, Update

MAX_DEPTH = 48  # a real update nests under 10 levels (a reply's pinned message's chat…)
PEOPLE_AND_CHATS = frozenset({"chat", "from", "sender_chat", "user"})

Int64 = Annotated[StrictInt, Field(ge=-(2**63), lt=2**63)]
Count = Annotated[StrictInt, Field(ge=0, lt=2**63)]
Degrees = Annotated[StrictFloat | StrictInt, Field(ge=-180, le=180)]


class NotAnUpdate(ValueError):
    """A body that is not a Bot API update (its reason is logged, never the body)."""


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _User(_Shape):
    id: Int64
    is_bot: StrictBool = False
    first_name: StrictStr = ""
    last_name: StrictStr | None = None
    username: StrictStr | None = None
    language_code: StrictStr | None = None


class _Chat(_Shape):
    id: Int64
    type: StrictStr
    title: StrictStr | None = None
    username: StrictStr | None = None
    first_name: StrictStr | None = None
    last_name: StrictStr | None = None


class _Entity(_Shape):
    type: StrictStr
    offset: Count
    length: Count


class _Location(_Shape):
    latitude: Degrees
    longitude: Degrees


class _Venue(_Shape):
    location: _Location


class _Contact(_Shape):
    phone_number: StrictStr
    first_name: StrictStr = ""
    last_name: StrictStr | None = None


class _File(_Shape):
    file_id: StrictStr
    file_unique_id: StrictStr = ""
    file_size: Count | None = None
    mime_type: StrictStr | None = None
    file_name: StrictStr | None = None
    duration: Count | None = None


class _Message(_Shape):
    message_id: Int64
    date: Int64
    chat: _Chat
    from_: _User | None = Field(default=None, alias="from")
    sender_chat: _Chat | None = None
    text: StrictStr | None = None
    caption: StrictStr | None = None
    entities: list[_Entity] | None = None
    caption_entities: list[_Entity] | None = None
    contact: _Contact | None = None
    location: _Location | None = None
    venue: _Venue | None = None
    voice: _File | None = None
    audio: _File | None = None
    document: _File | None = None
    photo: list[_File] | None = None
    reply_to_message: _Message | None = None


class _CallbackQuery(_Shape):
    id: StrictStr
    from_: _User = Field(alias="from")
    chat_instance: StrictStr = ""
    data: StrictStr | None = None
    message: _Message | None = None


class _Update(_Shape):
    update_id: Annotated[StrictInt, Field(ge=0, lt=2**63)]
    message: _Message | None = None
    edited_message: _Message | None = None
    channel_post: _Message | None = None
    edited_channel_post: _Message | None = None
    business_message: _Message | None = None
    callback_query: _CallbackQuery | None = None


def loads(body: bytes | str) -> dict[str, Any]:
    """The JSON object of a body; NotAnUpdate for anything else, however deeply nested."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as bad:  # UnicodeDecodeError is a ValueError
        raise NotAnUpdate("not JSON") from bad
    if not isinstance(data, dict):
        raise NotAnUpdate("not a JSON object")
    return data


def checked(data: dict[str, Any], bot: Bot | None) -> Update:
    """The update for a JSON object Telegram could have sent; NotAnUpdate for anything else."""
    _shallow_enough(data)
    try:
        _Update.model_validate(data)
    except ValidationError as bad:
        where = ", ".join(".".join(map(str, error["loc"])) for error in bad.errors()[:3])
        raise NotAnUpdate(f"wrong types at {where}") from None
    _people_and_chats(data)
    try:
        update = Update.de_json(data, bot)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as bad:
        raise NotAnUpdate(f"not readable: {type(bad).__name__}") from None
    if update is None:
        raise NotAnUpdate("empty")
    return update


def _shallow_enough(data: object) -> None:
    """Refuse nesting deeper than any update's, before anything recursive walks it."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise NotAnUpdate("nested too deeply")
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)


def _people_and_chats(data: object) -> None:
    """Every chat and person anywhere in the update (a member update's, a poll answer's) has a
    64-bit id: the channel keys its order and its logs by them."""
    stack: list[object] = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            for key, child in value.items():
                if key in PEOPLE_AND_CHATS and not _has_id(child):
                    raise NotAnUpdate(f"{key} without a 64-bit id")
                stack.append(child)


def _has_id(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    ident = value.get("id")
    return type(ident) is int and -(2**63) <= ident < 2**63
