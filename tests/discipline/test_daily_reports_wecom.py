"""The daily report in Chinese on WeCom, through the real server with signed, encrypted XML:
pushes carry no buttons, so the rep and the manager use `/daily` and numbered replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import DailyReport, ReportStatus, Role, User, Visit
from bot.scheduler.jobs import daily_report_tick
from bot.services.people import users
from bot.services.records import customers
from tests.conftest import START
from tests.wechat.conftest import Rig, api, rig, wx_settings

__all__ = ["api", "rig", "wx_settings"]  # the WeChat fixtures, used here by name


def shanghai(hours: float) -> datetime:
    """Wednesday, Nov 18, 2026 at this hour in Shanghai (UTC+8)."""
    return datetime(2026, 11, 18, tzinfo=UTC) + timedelta(hours=hours - 8)


async def text_of(answer: object) -> str:
    return getattr(answer, "text", None) or ""


async def test_a_report_in_chinese_on_wecom(rig: Rig, db_url: str) -> None:
    boss = await users.create_invite(None, Role.MANAGER, name="王经理", now=START)
    wecom = rig.wecom
    assert "欢迎" in await text_of(await wecom.say("wang", f"绑定 {boss.code}"))
    manager = await User.get(name="王经理")
    rep = await users.create_invite(None, Role.REP, manager_id=manager.id, name="李伟", now=START)
    assert "欢迎" in await text_of(await wecom.say("liwei", f"绑定 {rep.code}"))
    li = await User.get(name="李伟")
    acme = await customers.create_customer(li, customers.CustomerDraft("上海星辰贸易"))
    await Visit.create(customer_id=acme.id, user_id=li.id, at=shanghai(10), notes="要两百台")

    rig.clock.now = shanghai(18.01)
    assert (await daily_report_tick(rig.settings, now=rig.clock.now)).queued == 1
    assert await rig.deliver() == 1
    [draft] = [p.text for p in rig.api.pushed if p.to == "liwei"]
    assert draft.startswith("📝 你11月18日 周三的日报（草稿）：")
    assert "• 10:00 上海星辰贸易 · 拜访：要两百台" in draft
    assert "发 /daily 可再次打开" in draft and "回复" not in draft

    opened = await text_of(await wecom.say("liwei", "/daily"))
    assert "回复 1 ➕ 补充一句 · 2 ✏️ 修改草稿 · 3 📤 发送" in opened
    assert "要补充什么" in await text_of(await wecom.say("liwei", "1"))
    voice = wecom.message(
        "liwei", "voice", {"MediaId": "m-9", "Format": "amr", "Recognition": "样品下周一寄出"}
    )
    added = await text_of(await wecom.post(voice))
    assert added.startswith("✅ 已补充。") and "✍️ 样品下周一寄出" in added
    assert "📤 已发给王经理。" in await text_of(await wecom.say("liwei", "3"))
    assert (await DailyReport.get(user_id=li.id)).status == ReportStatus.SENT

    await rig.deliver()
    [copy] = [p.text for p in rig.api.pushed if p.to == "wang"]
    assert copy.startswith("📝 李伟的日报（11月18日 周三）：")
    assert "✍️ 样品下周一寄出" in copy and "查看团队的日报：/daily" in copy
    listed = await text_of(await wecom.say("wang", "/daily"))
    assert "1. 李伟 · 11月18日 周三 · 日报" in listed
    card = await text_of(await wecom.say("wang", "1"))
    assert card.startswith("📝 李伟的日报（11月18日 周三）：") and "回复 1 💬 点评" in card
    assert "对李伟的日报有什么点评？" in await text_of(await wecom.say("wang", "1"))
    assert "💬 已发给李伟。" in await text_of(await wecom.say("wang", "价格可以让三个点"))
    await rig.deliver()
    back = [p.text for p in rig.api.pushed if p.to == "liwei"][-1]
    assert back == "💬 王经理点评了你11月18日 周三的日报：\n价格可以让三个点"
