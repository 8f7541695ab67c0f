"""A location message from WeCom and from an Official Account lists the customers near it."""

from __future__ import annotations

import re

from bot.models import Customer, User
from bot.services.records import customers
from tests.wechat.conftest import Rig
from tests.wechat.test_api import join


async def _placed(owner: User, name: str, lat: float, lon: float) -> None:
    customer = await customers.create_customer(owner, customers.CustomerDraft(name=name))
    await Customer.filter(id=customer.id).update(latitude=lat, longitude=lon)


async def test_a_wecom_location_lists_the_customers_near_it(rig: Rig, db_url: str) -> None:
    wang = await join(rig, "wecom", "wangwu", "王五")
    await _placed(wang, "苏州湖光电子", 31.2990, 120.5855)
    await _placed(wang, "无锡远方机械", 31.4912, 120.3119)  # 35 km away
    here = rig.wecom.message(
        "wangwu",
        "location",
        {"Location_X": "31.2989", "Location_Y": "120.5853", "Scale": "15", "Label": "苏州"},
    )
    answer = await rig.wecom.post(here)
    assert answer.text is not None
    assert answer.text.startswith("📍 你在5公里内的客户，由近到远：")
    assert re.search(r"^1\. 苏州湖光电子 · \d+米$", answer.text, re.M), answer.text
    assert "回复 1 记拜访（1） · 2 打开（1）" in answer.text and "无锡" not in answer.text
    assert "地图（1）：https://uri.amap.com/" in answer.text
    assert "https://uri.amap.com/marker?position=120.585500,31.299000" in answer.text


async def test_an_official_account_location_lists_the_customers_near_it(
    rig: Rig, db_url: str
) -> None:
    zhao = await join(rig, "wechat", "o-zhao", "赵六")
    await _placed(zhao, "杭州西湖茶庄", 30.2590, 120.1300)
    here = rig.oa.message(
        "o-zhao",
        "location",
        {"Location_X": "30.2592", "Location_Y": "120.1302", "Scale": "15", "Label": "杭州"},
    )
    answer = await rig.oa.post(here)
    assert answer.text is not None and "1. 杭州西湖茶庄 · " in answer.text
