"""Every user-facing string is in both catalogs, and Chinese is really translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import Translator, locales_dir

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def extracted() -> set[str]:
    ids: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(ROOT / "bot", method_map=[("**.py", "python")]):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_catalog_has_every_message(language: str) -> None:
    with (locales_dir() / language / "LC_MESSAGES" / "crmbot.po").open("rb") as fh:
        catalog = read_po(fh, abort_invalid=True)  # a broken entry fails here, not at run time
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    missing = sorted(extracted() - in_catalog)
    assert not missing, f"{language} lacks {missing[:10]} (run the catalog update in the README)"
    if language == "zh_CN":
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), f"untranslated: {message.id!r}"
            source = message.id if isinstance(message.id, str) else message.id[0]
            for text in strings:
                assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source)), source


def test_translator_formats_per_locale() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)
    zh = Translator.for_user("zh", "Asia/Shanghai")
    en = Translator.for_user("en", "Europe/Berlin")
    assert zh.gettext("Cancelled. Nothing was saved.") != "Cancelled. Nothing was saved."
    assert zh.datetime(moment).endswith("15:00") and "11月18日" in zh.datetime(moment)
    assert en.datetime(moment).endswith("08:00") and "Nov 18" in en.datetime(moment)
    assert Translator.for_user("xx", "Not/AZone").timezone.key == "UTC"


# --- Chinese as a native speaker writes it ---------------------------------------------------

CJK = r"[\u3400-\u9fff]"
# A half-width mark touching Chinese text: "到期: ", "拜访 1, 其中", "已记录. "
HALF_WIDTH = re.compile(rf"(?<={CJK})\s*[,:;?!()]|[,:;?!()]\s*(?={CJK})|(?<={CJK})\.(?!\d)")
# Names of products, platforms, units and codes that stay as they are in Chinese text.
KEEP_IN_LATIN = frozenset(
    {"Telegram", "WeChat", "WeCom", "Excel", "English", "Name", "Phone", "crmbot", "export"}
    | {"import", "customers", "invoices", "en", "zh", "xlsx", "csv", "k", "m", "bn"}
)


def _prose(text: str) -> str:
    """What of a translation is the translator's own prose: placeholders, /commands, examples
    in quotes (what a person may type), time zone names (Asia/Shanghai) and links are not."""
    zone = r"[A-Z][a-z]+/[A-Z][A-Za-z_]+"
    for pattern in (r"\{[a-z_]+\}", zone, r"/[a-z_]+", r"“[^”]*”", r"https?://\S+"):
        text = re.sub(pattern, "", text)
    return text


def test_chinese_uses_full_width_punctuation_and_no_stray_english() -> None:
    with (locales_dir() / "zh_CN" / "LC_MESSAGES" / "crmbot.po").open("rb") as fh:
        catalog = read_po(fh)
    punctuation, english = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            prose = _prose(text)
            if HALF_WIDTH.search(prose):
                punctuation.append(text)
            words = re.findall(r"[A-Za-z][A-Za-z_]+", prose)
            # ALL-CAPS tokens are codes, settings and units (CNY, CRM_STT_MODEL, MB, YYYY).
            if [w for w in words if w not in KEEP_IN_LATIN and not w.isupper()]:
                english.append(text)
    assert not punctuation, f"half-width punctuation in Chinese: {punctuation[:5]}"
    assert not english, f"English left in Chinese: {english[:5]}"


def test_pieces_joined_by_code_read_as_chinese() -> None:
    zh, en = Translator.for_user("zh", None), Translator.for_user("en", None)
    assert zh.sentences("已记录。", "我会在11月20日提醒你。") == "已记录。我会在11月20日提醒你。"
    assert en.sentences("Logged.", "I will remind you.") == "Logged. I will remind you."
    assert zh.labelled("以后到期", "¥5,000") == "以后到期：¥5,000"
    assert zh.listed(["拜访 1", "", "商机 2"]) == "拜访 1，商机 2"
