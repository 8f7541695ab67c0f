"""Phone numbers typed any way, stored as E.164 so the same number always compares equal."""

from __future__ import annotations

import unicodedata

import phonenumbers

MAX_PHONE_CHARS = 40


def normalize_phone(text: str, default_region: str = "CN") -> str | None:
    """E.164 ('+8613812345678') for anything that can be a phone number, else None.

    `is_possible_number` rather than `is_valid_number`: number plans change faster than the
    library, and refusing a real customer's new number at the door is worse than storing it.
    """
    if not isinstance(text, str) or len(text) > MAX_PHONE_CHARS:
        return None
    value = unicodedata.normalize("NFKC", text).strip()
    if sum(ch.isdigit() for ch in value) < 5:
        return None
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """International format for display ('+86 138 1234 5678'); the input as is if unparsable."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
