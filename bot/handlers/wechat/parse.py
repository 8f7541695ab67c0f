"""Untrusted XML in, a neutral `Incoming` out: safe parsing first, then wechatpy's messages.

Every body goes through defusedxml (no DTDs, no entities, so no XML bomb and no external
entity) before wechatpy's parser sees it; the size limit is enforced before reading it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.messages import Audio, Incoming, Location, Picture

MAX_BODY = 64 * 1024  # real callbacks are under 4 KiB
MAX_SENDER = 64  # an OpenID has 28 characters, a WeCom UserID at most 64
VOICE_MIME = {"amr": "audio/amr", "speex": "audio/speex"}
GREETED = "subscribe"  # an Official Account follow: greet like /start
ENTERED = "enter_agent"  # a WeCom user opened the app: only strangers are told anything


class BadXml(ValueError):
    """A body that is not the flat XML document WeChat sends."""


def text_of(body: bytes) -> str:
    """The body as text, after proving it parses safely."""
    fields(body)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as bad:  # WeChat sends UTF-8 only
        raise BadXml(str(bad)) from bad


def fields(body: bytes) -> dict[str, str]:
    """The children of `<xml>` as a flat dict; BadXml for anything else."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, UnicodeDecodeError, ValueError) as bad:
        raise BadXml(str(bad)) from bad
    if root.tag != "xml":
        raise BadXml(f"root element {root.tag!r}")
    return {child.tag: (child.text or "").strip() for child in root}


@dataclass(frozen=True, slots=True)
class Inbound:
    """One callback understood: who sent it, its dedupe key, and what it means for the core."""

    key: str
    sender: str
    receiver: str
    incoming: Incoming | None  # None: nothing for the core (an unknown event)
    event: str = ""
    media_id: str = ""  # a voice note to download before the core sees it


def inbound(channel: str, parse_message: Any, xml: str) -> Inbound:
    """wechatpy's message for the XML, as the core's Incoming (or nothing for other events)."""
    flat = fields(xml.encode("utf-8"))
    if not flat.get("FromUserName") or not flat.get("MsgType"):
        raise BadXml("no FromUserName or MsgType")
    if flat["MsgType"].lower() == "event" and not flat.get("Event"):
        raise BadXml("an event without its name")
    try:
        message = parse_message(xml)
    except (KeyError, ValueError, TypeError) as bad:
        raise BadXml(str(bad)) from bad
    sender, receiver = str(message.source), str(message.target)
    if len(sender) > MAX_SENDER or not sender.isprintable() or any(c.isspace() for c in sender):
        raise BadXml("FromUserName is not an account id")
    msg_id = flat.get("MsgId", "")
    if msg_id and not (msg_id.isascii() and msg_id.isdigit() and int(msg_id) < 2**64):
        raise BadXml("MsgId is not a 64-bit number")
    # Events have no MsgId: WeChat says to deduplicate by sender and time; the event's name
    # keeps an unfollow and a follow within one second apart.
    key = msg_id
    if not msg_id or msg_id == "0":
        key = f"{sender}:{flat.get('CreateTime', '')}:{flat.get('Event', '').lower()}"
    kind = flat["MsgType"].lower()

    # MsgIds grow with time: the order of one sender's messages, when they fit a BIGINT.
    seq = int(msg_id) if msg_id and 0 < int(msg_id) < 2**63 else None

    def say(**what: Any) -> Incoming:
        return Incoming(channel, sender, seq=seq, **what)

    if kind == "text":
        return Inbound(key, sender, receiver, say(text=str(message.content or "")))
    if kind == "voice":
        fmt = str(getattr(message, "format", "") or "amr").lower()
        heard = str(getattr(message, "recognition", "") or "")
        audio = Audio(ref=str(message.media_id), mime=VOICE_MIME.get(fmt, "audio/amr"))
        if heard.strip():
            audio = Audio(ref=audio.ref, mime=audio.mime, recognition=heard)
            return Inbound(key, sender, receiver, say(audio=audio))
        return Inbound(key, sender, receiver, say(audio=audio), media_id=audio.ref)
    if kind == "location":
        try:
            where = Location(float(message.location_x), float(message.location_y))
        except (TypeError, ValueError) as bad:
            raise BadXml("location without coordinates") from bad
        if not (abs(where.latitude) <= 90 and abs(where.longitude) <= 180):  # also refuses NaN
            raise BadXml("location out of range")
        return Inbound(key, sender, receiver, say(location=where))
    if kind == "image":
        # MediaId fetches the picture through the platform's media API on both WeChat and
        # WeCom (PicUrl is a public CDN address only the Official Account sends).
        media_id = str(getattr(message, "media_id", "") or "")
        if not media_id or len(media_id) > 256 or not media_id.isprintable():
            raise BadXml("image without a MediaId")
        picture = Picture(ref=media_id, mime="image/jpeg")
        return Inbound(key, sender, receiver, say(photo=picture), media_id=media_id)
    if kind == "event":
        event = flat.get("Event", "").lower()
        if event in (GREETED, ENTERED):
            return Inbound(key, sender, receiver, say(text="/start"), event=event)
        return Inbound(key, sender, receiver, None, event=event)
    # Videos, links, files: the core has nothing for them but a gentle "did not get it".
    return Inbound(key, sender, receiver, say())
