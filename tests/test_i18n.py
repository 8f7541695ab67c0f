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
