"""Each platform keeps its own sending pace; a pause asked by one does not stop the others."""

from __future__ import annotations

from bot.scheduler.limits import PLATFORM_RATES, Limits


class Time:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def limits(time: Time) -> Limits:
    return Limits(
        rate=30,
        burst=30,
        chat_rate=1,
        chat_burst=5,
        clock=time,
        sleep=time.sleep,
        channels=PLATFORM_RATES,
    )


async def test_wecom_keeps_to_30_a_minute_per_person_after_a_burst() -> None:
    time = Time()
    pace = limits(time)
    for _ in range(5):
        await pace.acquire("wecom:liwei")
    assert time.slept == []
    await pace.acquire("wecom:liwei")
    assert time.slept == [2.0]  # 0.5 per second for one member
    await pace.acquire("telegram:42")
    assert time.slept == [2.0]


async def test_a_pause_on_one_platform_leaves_the_others_sending() -> None:
    time = Time()
    pace = limits(time)
    pace.pause(60, "wechat")
    await pace.acquire("telegram:42")
    await pace.acquire("wecom:liwei")
    assert time.slept == []
    await pace.acquire("wechat:o-1")
    assert time.slept == [60.0]
    pace.pause(5)  # a Telegram 429 pauses Telegram's own buckets only
    await pace.acquire("wecom:liwei")
    assert time.slept == [60.0]
