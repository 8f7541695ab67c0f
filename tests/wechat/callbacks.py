"""WeChat's side of the callback: messages built, signed and encrypted as WeChat builds them.

`Callbacks` posts them to the real server and reads the passive reply (decrypting it in safe
mode, checking its signature) so a test sees what the person's phone would show.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import time
from dataclasses import dataclass

from aiohttp import ClientSession
from defusedxml.ElementTree import fromstring
from wechatpy.crypto import PrpCrypto
from wechatpy.enterprise.crypto import PrpCrypto as WeComPrpCrypto

OA_TOKEN = "oa-callback-token"
OA_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
WECOM_TOKEN = "wecom-callback-token"
WECOM_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
_ids = itertools.count(7_100_000_000_000_000_001)


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


@dataclass
class Answer:
    """The HTTP answer: status, body, and the passive reply's text if there was one."""

    status: int
    body: str
    text: str | None


class Callbacks:
    """One platform's server calling our URL (`/wechat` or `/wecom`)."""

    def __init__(
        self,
        url: str,
        *,
        token: str,
        aes_key: str | None,
        receiver_id: str,
        enterprise: bool,
        account: str,
        agent_id: str = "",
    ) -> None:
        self.url = url
        self.token = token
        self.aes_key = aes_key
        self.receiver_id = receiver_id
        self.enterprise = enterprise
        self.account = account  # ToUserName: the account's own id (gh_… or the corp id)
        self.agent_id = agent_id
        self.http: ClientSession | None = None

    def _key(self) -> bytes:
        assert self.aes_key is not None
        return base64.b64decode(self.aes_key + "=")

    def _cipher(self) -> PrpCrypto | WeComPrpCrypto:
        return (WeComPrpCrypto if self.enterprise else PrpCrypto)(self._key())

    # --- building messages ---------------------------------------------------------------------

    def message(
        self, sender: str, kind: str, fields: dict[str, str], *, msg_id: bool = True
    ) -> str:
        """The plain XML of one message as WeChat writes it."""
        parts = [
            f"<ToUserName>{cdata(self.account)}</ToUserName>",
            f"<FromUserName>{cdata(sender)}</FromUserName>",
            f"<CreateTime>{int(time.time())}</CreateTime>",
            f"<MsgType>{cdata(kind)}</MsgType>",
        ]
        for name, value in fields.items():
            parts.append(f"<{name}>{cdata(value)}</{name}>")
        if msg_id:
            parts.append(f"<MsgId>{next(_ids)}</MsgId>")
        if self.agent_id:
            parts.append(f"<AgentID>{self.agent_id}</AgentID>")
        return "<xml>" + "".join(parts) + "</xml>"

    def text(self, sender: str, content: str) -> str:
        return self.message(sender, "text", {"Content": content})

    def event(self, sender: str, event: str) -> str:
        return self.message(sender, "event", {"Event": event}, msg_id=False)

    # --- sending -------------------------------------------------------------------------------

    def envelope(self, xml: str, *, timestamp: str, nonce: str) -> tuple[dict[str, str], str]:
        """Query and body as WeChat posts them (safe mode: encrypted, msg_signature)."""
        query = {"timestamp": timestamp, "nonce": nonce}
        if self.aes_key is None:
            query["signature"] = sign(self.token, timestamp, nonce)
            return query, xml
        encrypted = self._cipher().encrypt(xml, self.receiver_id).decode()
        query["msg_signature"] = sign(self.token, timestamp, nonce, encrypted)
        if not self.enterprise:
            query["signature"] = sign(self.token, timestamp, nonce)
            query["encrypt_type"] = "aes"
        agent = f"<AgentID>{cdata(self.agent_id)}</AgentID>" if self.agent_id else ""
        body = (
            f"<xml><ToUserName>{cdata(self.account)}</ToUserName>"
            f"<Encrypt>{cdata(encrypted)}</Encrypt>{agent}</xml>"
        )
        return query, body

    async def post(
        self,
        xml: str,
        *,
        timestamp: str | None = None,
        nonce: str = "1320562132",
        query: dict[str, str] | None = None,
        body: str | bytes | None = None,
    ) -> Answer:
        """POST one message; `query`/`body` replace the honest ones (forgeries)."""
        honest_query, honest_body = self.envelope(
            xml, timestamp=timestamp or str(int(time.time())), nonce=nonce
        )
        if self.http is None:
            self.http = ClientSession()
        async with self.http.post(
            self.url,
            params=query if query is not None else honest_query,
            data=body if body is not None else honest_body.encode("utf-8"),
            headers={"Content-Type": "text/xml"},
        ) as response:
            text = await response.text()
            status = response.status
        return Answer(status, text, self.read_reply(text) if status == 200 else None)

    async def say(self, sender: str, content: str) -> Answer:
        return await self.post(self.text(sender, content))

    def read_reply(self, body: str) -> str | None:
        """The text of a passive reply ("success" and "" are none); checks the seal."""
        if body in ("success", ""):
            return None
        root = fromstring(body)
        fields = {child.tag: child.text or "" for child in root}
        if "Encrypt" in fields:
            expected = sign(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
            assert fields["MsgSignature"] == expected, "the reply's signature does not verify"
            inner = self._cipher().decrypt(fields["Encrypt"], self.receiver_id)
            fields = {child.tag: child.text or "" for child in fromstring(inner)}
        assert fields["MsgType"] == "text", fields
        assert len(fields["Content"].encode("utf-8")) <= 2048
        return fields["Content"]

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()


def wecom_callbacks(url: str) -> Callbacks:
    """WeCom calling the test app's `/wecom` URL (always encrypted)."""
    from tests.wechat.fake_wechat_api import AGENT_ID, CORP_ID

    return Callbacks(
        url,
        token=WECOM_TOKEN,
        aes_key=WECOM_AES_KEY,
        receiver_id=CORP_ID,
        enterprise=True,
        account=CORP_ID,
        agent_id=AGENT_ID,
    )
