"""Property tests at the WeChat and WeCom callbacks: arbitrary XML, properly signed and sealed,
never answers 5xx and never ends in a traceback; a message is answered or refused quietly."""

from __future__ import annotations

import logging
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.wechat.conftest import Rig

KINDS = ["text", "voice", "location", "event", "image", "link", "file", "video", ""]
TAGS = [
    "Content",
    "MsgId",
    "CreateTime",
    "Event",
    "EventKey",
    "MediaId",
    "Format",
    "Recognition",
    "Location_X",
    "Location_Y",
    "Label",
    "AgentID",
    "ToUserName",
    "FromUserName",
]
# XML 1.0 cannot carry NUL or most control characters at all; the rest of Unicode can.
XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=40,
).map(lambda text: "".join(c for c in text if c in "\t\n\r" or c >= " "))
NUMBERS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=22),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "", " 5 ", "0"]),
)
FIELDS = st.dictionaries(st.sampled_from(TAGS), st.one_of(XML_TEXT, NUMBERS), max_size=6)


def _element(tag: str, value: str, cdata: bool) -> str:
    inner = f"<![CDATA[{value.replace(']]>', '')}]]>" if cdata else escape(value)
    return f"<{tag}>{inner}</{tag}>"


@st.composite
def messages(draw: st.DrawFn) -> str:
    """A callback body: a message's usual fields, any of them replaced or missing."""
    fields = {
        "ToUserName": "gh_0123456789ab",
        "FromUserName": draw(st.one_of(st.just("someone"), XML_TEXT)),
        "CreateTime": "1796674454",
        "MsgType": draw(st.one_of(st.sampled_from(KINDS), XML_TEXT)),
        "MsgId": draw(st.one_of(st.just("12345"), NUMBERS)),
    }
    fields.update(draw(FIELDS))
    for tag in draw(st.sets(st.sampled_from(sorted(fields)), max_size=2)):
        del fields[tag]
    cdata = draw(st.booleans())
    body = "".join(_element(tag, value, cdata) for tag, value in fields.items())
    if draw(st.booleans()):
        body += draw(st.sampled_from(["<Extra><Deeper>1</Deeper></Extra>", "<Content/>", "x"]))
    return f"<xml>{body}</xml>"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(xml=st.one_of(messages(), XML_TEXT), wecom=st.booleans())
async def test_any_xml_in_a_signed_callback(
    rig: Rig, caplog: pytest.LogCaptureFixture, xml: str, wecom: bool
) -> None:
    side = rig.wecom if wecom else rig.oa
    caplog.clear()
    answer = await side.post(xml)
    assert answer.status in (200, 400), (answer, xml)
    channel = rig.channels["wecom" if wecom else "wechat"]
    await channel.webhook.drain()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], xml
    if answer.text is not None:
        assert "出了点问题" not in answer.text and "went wrong" not in answer.text
