"""Callback checks and envelopes: signatures, freshness, safe-mode decryption and sealing.

wechatpy does the cryptography (AES-CBC, PKCS#7, SHA-1 signatures); this decides what a request
must carry to be believed: a fresh timestamp and a valid signature, before anything is parsed
further or processed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.exceptions import InvalidSignatureException

from bot.handlers.wechat import parse
from bot.handlers.wechat.platform import Platform

MAX_AGE = 300  # seconds; WeChat retries within ~15 s, so anything older is a replay


class Refused(Exception):
    """A callback not to be believed (403) or not to be read (400); nothing is processed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Opened:
    """The message XML from a believed callback, and whether the reply must be sealed."""

    xml: str
    encrypted: bool


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class CallbackCrypto:
    """Checks and opens one platform's callbacks; seals passive replies in safe mode."""

    def __init__(self, platform: Platform, *, clock: Callable[[], float] = time.time) -> None:
        self.platform = platform
        self.clock = clock
        self.token = platform.callback_token
        self.cipher: WeChatCrypto | WeComCrypto | None = None
        if platform.aes_key:
            kind = WeComCrypto if platform.enterprise else WeChatCrypto
            self.cipher = kind(self.token, platform.aes_key, platform.receiver_id)

    def _fresh(self, query: Mapping[str, str]) -> str:
        stamp = query.get("timestamp", "")
        if not stamp.isdigit() or abs(self.clock() - int(stamp)) > MAX_AGE:
            raise Refused(403, "stale or missing timestamp")
        return stamp

    def echo(self, query: Mapping[str, str]) -> str:
        """The URL verification handshake: what to answer a believed GET."""
        stamp = self._fresh(query)
        nonce, echostr = query.get("nonce", ""), query.get("echostr", "")
        if self.platform.enterprise:
            assert isinstance(self.cipher, WeComCrypto)
            try:
                return str(
                    self.cipher.check_signature(
                        query.get("msg_signature", ""), stamp, nonce, echostr
                    )
                )
            except InvalidSignatureException as forged:
                raise Refused(403, "bad signature") from forged
            except Exception as garbled:  # a signed echostr that does not decrypt
                raise Refused(400, "unreadable echostr") from garbled
        self._plain_signature(query, stamp)
        return echostr

    def open(self, query: Mapping[str, str], body: bytes) -> Opened:
        """The message XML of a believed POST; raises Refused otherwise."""
        stamp = self._fresh(query)
        nonce = query.get("nonce", "")
        wants_aes = self.platform.enterprise or query.get("encrypt_type", "") == "aes"
        if not wants_aes:
            self._plain_signature(query, stamp)
            return Opened(parse.text_of(body), encrypted=False)
        if self.cipher is None:
            raise Refused(400, "encrypted message but no AES key configured")
        envelope = parse.fields(body)
        encrypted = envelope.get("Encrypt", "")
        expected = _signature(self.token, stamp, nonce, encrypted)
        if not hmac.compare_digest(expected, query.get("msg_signature", "")):
            raise Refused(403, "bad signature")
        try:
            xml = self.cipher.decrypt_message({"Encrypt": encrypted}, expected, stamp, nonce)
        except Exception as garbled:  # wrong key, wrong app id, bad padding or base64
            raise Refused(400, "undecryptable message") from garbled
        return Opened(str(xml), encrypted=True)

    def seal(self, xml: str, nonce: str, stamp: str) -> str:
        """A passive reply in the safe-mode envelope (encrypted, signed)."""
        assert self.cipher is not None
        return str(self.cipher.encrypt_message(xml, nonce, stamp))

    def _plain_signature(self, query: Mapping[str, str], stamp: str) -> None:
        expected = _signature(self.token, stamp, query.get("nonce", ""))
        if not hmac.compare_digest(expected, query.get("signature", "")):
            raise Refused(403, "bad signature")
