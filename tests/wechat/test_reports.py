"""Charts and exports over WeCom and the Official Account: uploaded, then pushed as media."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.models import Role
from bot.services.people import users
from tests.conftest import START, Team
from tests.reports.helpers import png_size, seed
from tests.wechat.conftest import Rig
from tests.wechat.fake_wechat_api import AGENT_ID


async def test_chart_and_export_on_wecom_and_official_account(rig: Rig, team: Team) -> None:
    await seed(team)
    api = rig.api
    invite = await users.create_invite(None, Role.ADMIN, name="赵总", now=START)
    assert "欢迎" in ((await rig.wecom.say("zhao", f"绑定 {invite.code}")).text or "")

    menu = (await rig.wecom.say("zhao", "/report")).text or ""
    assert "回复 1 📊 销售漏斗" in menu
    await rig.wecom.say("zhao", "1")
    await api.wait_for(lambda: any(p.kind == "image" for p in api.pushed))
    caption, image = [p for p in api.pushed if p.to == "zhao"][-2:]
    assert caption.text == "4 个进行中的商机，共 ¥1,100,000" and caption.path == "message/send"
    upload = api.uploads[image.media_id]
    assert upload.kind == "image" and upload.mime == "image/png"
    assert png_size(upload.content)[0] >= 800 and str(image.agent_id) == AGENT_ID

    await rig.wecom.say("zhao", "/export")
    await rig.wecom.say("zhao", "1")
    await api.wait_for(lambda: any(p.kind == "file" for p in api.pushed))
    sent = api.uploads[[p for p in api.pushed if p.kind == "file"][-1].media_id]
    assert sent.name.endswith(".xlsx")
    assert load_workbook(io.BytesIO(sent.content)).worksheets[0].max_row == 5

    invite = await users.create_invite(None, Role.ADMIN, name="钱总", now=START)
    await rig.oa.say("qian", f"绑定 {invite.code}")
    await rig.oa.say("qian", "/export")
    refusal = (await rig.oa.say("qian", "1")).text or ""
    assert refusal.startswith("公众号无法发送文件")
    await rig.oa.say("qian", "/report")
    await rig.oa.say("qian", "3")
    await api.wait_for(lambda: any(p.kind == "image" and p.to == "qian" for p in api.pushed))
    assert [p.path for p in api.pushed if p.to == "qian"][-1] == "message/custom/send"
