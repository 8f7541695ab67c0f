"""What differs between an Official Account and a WeCom app, as data read from the settings.

Both platforms sign and encrypt callbacks the same way and speak the same JSON API with
`access_token` and `errcode`; they differ in names, the token call, the send call and whether
the crypto checks an app id or a corp id. Everything else in this package is shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wechatpy.enterprise.parser import parse_message as parse_wecom
from wechatpy.parser import parse_message as parse_official

from bot.config import Settings

WECHAT = "wechat"
WECOM = "wecom"


@dataclass(frozen=True, slots=True)
class Platform:
    """One configured account: how to check its callbacks and how to call its API."""

    channel: str
    path: str
    callback_token: str
    aes_key: str | None  # None: plain mode (Official Accounts only)
    receiver_id: str  # the app id / corp id sealed into every encrypted message
    enterprise: bool
    base_url: str
    token_path: str
    token_params: dict[str, str] = field(repr=False)
    send_path: str = "message/custom/send"
    agent_id: str | None = None
    parse: Callable[[str], Any] = parse_official

    @property
    def token_name(self) -> str:
        """The `api_tokens` row every instance shares for this account."""
        return f"{self.channel}:{self.receiver_id}:{self.agent_id or ''}"[:64]

    def accepts_agent(self, agent_id: str | None) -> bool:
        """A WeCom callback names the app it is for; one for another app is not this one's."""
        return self.agent_id is None or not agent_id or agent_id.strip() == self.agent_id

    def text_message(self, to: str, text: str) -> dict[str, Any]:
        """The JSON body of one pushed text message."""
        body: dict[str, Any] = {"touser": to, "msgtype": "text", "text": {"content": text}}
        if self.agent_id is not None:
            body["agentid"] = int(self.agent_id) if self.agent_id.isdigit() else self.agent_id
        return body

    def media_message(self, to: str, kind: str, media_id: str) -> dict[str, Any]:
        """The JSON body of one pushed image or file (`kind`), uploaded before as `media_id`."""
        body: dict[str, Any] = {"touser": to, "msgtype": kind, kind: {"media_id": media_id}}
        if self.agent_id is not None:
            body["agentid"] = int(self.agent_id) if self.agent_id.isdigit() else self.agent_id
        return body

    @property
    def sends_files(self) -> bool:
        """WeCom app messages carry any file; an Official Account's customer-service messages
        carry images but no documents."""
        return self.enterprise


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def official_account(settings: Settings) -> Platform | None:
    """The Official Account when its token, app id and secret are set (AES key: safe mode)."""
    token, secret = _secret(settings.wechat_token), _secret(settings.wechat_app_secret)
    app_id = settings.wechat_app_id or ""
    if not (token and secret and app_id):
        return None
    return Platform(
        channel=WECHAT,
        path="/wechat",
        callback_token=token,
        aes_key=_secret(settings.wechat_aes_key) or None,
        receiver_id=app_id,
        enterprise=False,
        base_url=_with_slash(settings.wechat_api_base_url),
        token_path="token",
        token_params={"grant_type": "client_credential", "appid": app_id, "secret": secret},
        send_path="message/custom/send",
        parse=parse_official,
    )


def wecom_app(settings: Settings) -> Platform | None:
    """The WeCom self-built app when all five of its settings are set (always encrypted)."""
    corp_id, agent_id = settings.wecom_corp_id or "", settings.wecom_agent_id or ""
    secret, token = _secret(settings.wecom_secret), _secret(settings.wecom_token)
    aes_key = _secret(settings.wecom_aes_key)
    if not (corp_id and agent_id and secret and token and aes_key):
        return None
    return Platform(
        channel=WECOM,
        path="/wecom",
        callback_token=token,
        aes_key=aes_key,
        receiver_id=corp_id,
        enterprise=True,
        base_url=_with_slash(settings.wecom_api_base_url),
        token_path="gettoken",
        token_params={"corpid": corp_id, "corpsecret": secret},
        send_path="message/send",
        agent_id=agent_id,
        parse=parse_wecom,
    )


def configured(settings: Settings) -> list[Platform]:
    """Every platform whose settings are complete."""
    return [p for p in (official_account(settings), wecom_app(settings)) if p is not None]


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
