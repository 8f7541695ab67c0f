"""Operations fixtures: the fake Bot API of tests/telegram, a sender that records what it pushed."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.messages import Reply
from tests.telegram.conftest import _ptb_timedelta, api, tg_settings  # noqa: F401


@dataclass
class RecordingSender:
    """A channel's edge that only writes down what it was asked to send."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(self, external_id: str, reply: Reply) -> None:
        self.sent.append((external_id, reply.text))
