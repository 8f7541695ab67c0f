"""A WeCom image message and an Official Account one attach to the rep's visit of today,
fetched by their MediaId; the card's Photos option sends them back as image messages."""

from __future__ import annotations

import hashlib

from bot.models import Visit, VisitKind, VisitPhoto
from bot.services.records import customers, visits
from tests.support import FakeClock
from tests.wechat.conftest import Rig
from tests.wechat.test_api import join

SHELF = b"\xff\xd8\xff\xe0" + b"shelf" * 50
FORM = b"\x89PNG\r\n\x1a\n" + b"signed form" * 30


async def _visited(owner_name: str, customer: str, clock: FakeClock, rig: Rig) -> Visit:
    from bot.models import User

    owner = await User.get(name=owner_name)
    made = await customers.create_customer(owner, customers.CustomerDraft(name=customer))
    draft = visits.VisitDraft(made.id, VisitKind.VISIT, clock.now, notes="看了货架")
    return await visits.log_visit(owner, draft, now=clock.now)


async def test_a_wecom_image_attaches_to_todays_visit_and_comes_back(
    rig: Rig, db_url: str, clock: FakeClock
) -> None:
    await join(rig, "wecom", "wangwu", "王五")
    logged = await _visited("王五", "苏州湖光电子", clock, rig)
    rig.api.media["MEDIA-SHELF"] = (SHELF, "image/jpeg")
    image = rig.wecom.message(
        "wangwu",
        "image",
        {"PicUrl": "https://wework.qpic.cn/shelf.jpg", "MediaId": "MEDIA-SHELF"},
    )
    answer = await rig.wecom.post(image)
    assert answer.text == "📷 照片已附到您在苏州湖光电子的拜访（📷 1 张照片）。"
    assert "MEDIA-SHELF" in rig.api.media_calls
    row = await VisitPhoto.get(visit_id=logged.id)
    assert row.sha256 == hashlib.sha256(SHELF).hexdigest() and row.mime == "image/jpeg"

    card = await rig.wecom.say("wangwu", "/customer 苏州")
    assert card.text is not None and "📷 1 张照片" in card.text
    number = next(
        line.split(" ")[0]
        for line in card.text.replace(" · ", "\n").splitlines()
        if "的照片" in line
    )
    await rig.wecom.say("wangwu", number.removeprefix("回复").strip())
    images = [p for p in rig.api.pushed if p.to == "wangwu" and p.kind == "image"]
    assert len(images) == 1
    assert rig.api.uploads[images[0].media_id].content == SHELF


async def test_an_official_account_image_attaches_to_todays_visit(
    rig: Rig, db_url: str, clock: FakeClock
) -> None:
    await join(rig, "wechat", "o-zhao", "赵六")
    logged = await _visited("赵六", "杭州西湖茶庄", clock, rig)
    rig.api.media["MEDIA-FORM"] = (FORM, "image/png")
    image = rig.oa.message(
        "o-zhao", "image", {"PicUrl": "http://mmbiz.qpic.cn/form", "MediaId": "MEDIA-FORM"}
    )
    answer = await rig.oa.post(image)
    assert answer.text == "📷 照片已附到您在杭州西湖茶庄的拜访（📷 1 张照片）。"
    assert (await VisitPhoto.get(visit_id=logged.id)).mime == "image/png"
    rig.api.media["MEDIA-BAD"] = (b"<html>not found</html>", "text/html")
    bad = rig.oa.message("o-zhao", "image", {"PicUrl": "http://x", "MediaId": "MEDIA-BAD"})
    refused = await rig.oa.post(bad)
    assert refused.text == "无法保存这种格式的照片，请发送常见的图片格式（如 JPEG、PNG）。"
