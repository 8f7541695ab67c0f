"""A WeCom location while today's check-in is open offers check-out as a numbered option in the
same answer as the customers near it; replying its number checks out with the time spent."""

from __future__ import annotations

from bot.models import User, Visit, VisitKind
from bot.services.records import customers, visits
from tests.support import FakeClock
from tests.wechat.conftest import Rig
from tests.wechat.test_api import join


async def test_a_wecom_location_offers_check_out_by_number(
    rig: Rig, db_url: str, clock: FakeClock
) -> None:
    await join(rig, "wecom", "wangwu", "王五")
    owner = await User.get(name="王五")
    made = await customers.create_customer(owner, customers.CustomerDraft(name="苏州湖光电子"))
    draft = visits.VisitDraft(
        made.id, VisitKind.VISIT, clock.now, notes="见了采购", latitude=31.2990, longitude=120.5855
    )
    await visits.log_visit(owner, draft, now=clock.now)
    clock.advance(minutes=35)
    here = rig.wecom.message(
        "wangwu",
        "location",
        {"Location_X": "31.2991", "Location_Y": "120.5856", "Scale": "15", "Label": "苏州"},
    )
    answer = await rig.wecom.post(here)
    assert answer.text is not None
    assert answer.text.startswith("📍 您还在苏州湖光电子，10:00 签到。现在签退吗？")
    assert "1. 苏州湖光电子 · " in answer.text and "回复 1 ✅ 签退 · 2 记拜访（1）" in answer.text
    done = await rig.wecom.say("wangwu", "1")
    assert done.text == "✅ 已从苏州湖光电子签退：10:00–10:35，⏱ 在现场35分钟。"
    visit = await Visit.get(customer_id=made.id)
    assert visit.minutes_on_site == 35 and visit.checkout_distance_m is not None
    assert not visit.checkout_far
