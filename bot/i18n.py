"""Translations and locale formatting, chosen once per incoming message or per recipient.

Catalogs are the `.po` files under `locales/`; they are compiled in memory when first needed, so
there is no build step and no compiled file that can drift from its source.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency as _babel_currency
from babel.numbers import format_decimal as _babel_decimal

DOMAIN = "crmbot"
LANGUAGES = {"en": "en", "zh": "zh_CN"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the locale is known."""
    return message


def locales_dir() -> Path:
    """Installed wheels carry the catalogs inside the package; a checkout has them at the root."""
    here = Path(__file__).resolve().parent
    packaged = here / "locales"
    return packaged if packaged.is_dir() else here.parent / "locales"


def normalize_locale(code: str | None) -> str:
    """Map anything a user may type ("zh", "zh_CN", "中文", "EN") to a supported language."""
    value = (code or "").strip().lower().replace("-", "_")
    if value in {"zh", "zh_cn", "cn", "中文", "简体中文", "chinese"}:
        return "zh"
    return "en"


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    """Compile one `.po` file into a GNUTranslations object (once per process)."""
    po_path = locales_dir() / LANGUAGES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=LANGUAGES[language])
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything user-facing for one person: their language, their time zone, and the moment
    the text is written (from the injected clock), which decides whether a date needs its year."""

    language: str
    timezone: ZoneInfo
    now: datetime | None = None

    @classmethod
    def for_user(
        cls, language: str | None, timezone: str | None, *, now: datetime | None = None
    ) -> Translator:
        """Build from stored user preferences, falling back safely on bad values."""
        try:
            zone = ZoneInfo(timezone or "UTC")
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        return cls(normalize_locale(language), zone, now)

    @property
    def babel_locale(self) -> Locale:
        return Locale.parse(LANGUAGES[self.language])

    def gettext(self, message: str) -> str:
        return _catalog(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalog(self.language).ngettext(singular, plural, n)

    def local(self, moment: datetime) -> datetime:
        """A stored UTC moment as wall-clock time of this person."""
        return moment.astimezone(self.timezone)

    def datetime(self, moment: datetime) -> str:
        """Short date and time in the user's zone and language: 'Nov 18, 15:00'; the year shows
        when it is not the current one, or when no current moment was given."""
        local = self.local(moment)
        this_year = self.now is not None and local.year == self.local(self.now).year
        if self.language == "zh":
            pattern = "M月d日 HH:mm" if this_year else "y年M月d日 HH:mm"
        else:
            pattern = "MMM d, HH:mm" if this_year else "MMM d, y, HH:mm"
        return _babel_datetime(local, pattern, tzinfo=self.timezone, locale=self.babel_locale)

    def date(self, moment: datetime) -> str:
        """Short date in the user's zone: 'Wed, Nov 18' / '11月18日 周三'."""
        local = self.local(moment)
        pattern = "M月d日 EEE" if self.language == "zh" else "EEE, MMM d"
        return _babel_datetime(local, pattern, tzinfo=self.timezone, locale=self.babel_locale)

    def decimal(self, value: Decimal) -> str:
        return _babel_decimal(value, locale=self.babel_locale)

    # Punctuation that code puts between translated pieces: Chinese takes full-width marks and
    # no space after a full stop ("已记录。我会在…"), English the half-width ones with spaces.

    def labelled(self, label: str, value: str) -> str:
        """ "Due later: ¥5,000" / "以后到期：¥5,000"."""
        return f"{label}：{value}" if self.language == "zh" else f"{label}: {value}"

    def listed(self, parts: Iterable[str]) -> str:
        """ "a, b, c" / "a，b，c"; empty parts are left out."""
        return ("，" if self.language == "zh" else ", ").join(p for p in parts if p)

    def sentences(self, *parts: str) -> str:
        """Sentences one after another: a space between them in English, none in Chinese."""
        return ("" if self.language == "zh" else " ").join(p for p in parts if p)

    def money(self, amount: Decimal, currency: str) -> str:
        """'CN¥1,200,000' / '¥1,200,000.50': cents only when there are any, exact Decimal in."""
        pattern = "¤#,##0" if amount == amount.to_integral_value() else "¤#,##0.00"
        return _babel_currency(
            amount, currency, format=pattern, locale=self.babel_locale, currency_digits=False
        )
