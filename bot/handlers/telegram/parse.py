"""Telegram update → neutral `Incoming`: the only place that knows how Telegram shapes input."""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType

from bot.i18n import Translator, normalize_locale
from bot.messages import Audio, Incoming, InFile, Location, Picture, SharedContact

CHANNEL = "telegram"


def incoming(update: Update) -> Incoming | None:
    """What the person did, for the core; None for updates that carry nothing for it."""
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    base = {"display_name": user.full_name if user else ""}
    external_id = str(chat.id)
    query = update.callback_query
    if query is not None:
        return Incoming(CHANNEL, external_id, button=query.data, **base) if query.data else None
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return Incoming(CHANNEL, external_id, text=message.text, **base)
    if message.contact is not None:
        card = message.contact
        name = " ".join(x for x in (card.first_name, card.last_name) if x).strip()
        contact = SharedContact(name or card.phone_number or "", card.phone_number or None)
        return Incoming(CHANNEL, external_id, contact=contact, **base)
    place = message.venue.location if message.venue else message.location
    if place is not None:
        location = Location(place.latitude, place.longitude)
        return Incoming(CHANNEL, external_id, location=location, **base)
    sound = message.voice or message.audio
    if sound is not None:
        audio = Audio(
            ref=sound.file_id, duration=_seconds(sound.duration), mime=sound.mime_type or ""
        )
        return Incoming(CHANNEL, external_id, audio=audio, **base)
    if message.photo:  # sizes, smallest first: the largest is the one worth keeping
        largest = message.photo[-1]
        extra = {"photo": f"{CHANNEL}:{largest.file_id}"}
        picture = Picture(largest.file_id, "image/jpeg", largest.file_size)
        return Incoming(
            CHANNEL, external_id, text=message.caption, extra=extra, photo=picture, **base
        )
    if message.document is not None:
        doc = message.document
        extra = {"file": f"{CHANNEL}:{doc.file_id}"}
        document = InFile(doc.file_id, doc.file_name or "", doc.mime_type or "", doc.file_size)
        # An image sent as a file (uncompressed, as phones offer) is a photo all the same.
        image = (doc.mime_type or "").startswith("image/")
        picture = Picture(doc.file_id, doc.mime_type or "", doc.file_size) if image else None
        return Incoming(
            CHANNEL,
            external_id,
            text=message.caption,
            extra=extra,
            document=document,
            photo=picture,
            **base,
        )
    # Stickers and the like: the caption if any; the core re-asks or says what it understands.
    return Incoming(CHANNEL, external_id, text=message.caption, **base)


def is_private(update: Update) -> bool:
    """Dialogs run only in one-to-one chats; a group would mix everybody's answers."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def addressed_to_bot(message: Message | None, username: str) -> bool:
    """A group message meant for this bot: a command (or /cmd@thisbot), a mention, a reply to it."""
    if message is None:
        return False
    text = message.text or message.caption or ""
    name = username.casefold()
    if text.startswith("/"):
        head = text.split(maxsplit=1)[0]
        _, at, target = head.partition("@")
        return not at or target.casefold() == name
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    if any(mention.casefold() == f"@{name}" for mention in mentions):
        return True
    replied = message.reply_to_message
    return bool(
        replied and replied.from_user and (replied.from_user.username or "").casefold() == name
    )


def translator(update: Update) -> Translator:
    """For the adapter's own few lines: the language the person's Telegram app is set to."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return Translator.for_user(
        "zh" if code.lower().startswith("zh") else normalize_locale(code), None
    )


def chosen_label(update: Update) -> str | None:
    """The label of the tapped button, read from the message it sits on; None if not there."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message) or not query.data:
        return None
    markup = query.message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


def _seconds(value: int | timedelta | None) -> float | None:
    """Durations are ints or timedeltas depending on PTB's PTB_TIMEDELTA opt-in."""
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
