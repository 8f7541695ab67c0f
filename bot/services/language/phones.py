"""Phone numbers typed any way, stored as E.164 so the same number always compares equal.

Reps type numbers with spaces, dashes, brackets, a trunk "0", a "+86" or "0086", in full-width
digits from a Chinese keyboard. Duplicate detection compares phones as strings, so every form
of one number has to become one string, and a string that is not a number has to become None
instead of a wrong number that would never match the right one.
"""

from __future__ import annotations

import unicodedata

import phonenumbers

# The longest real number with country code, spaces and an extension fits easily; anything
# longer is a paste of something else, and refusing it early keeps the parser's cost bounded.
MAX_PHONE_CHARS = 40


def normalize_phone(text: str, default_region: str = "CN") -> str | None:
    """E.164 ('+8613812345678') for a phone number typed any way, else None; never raises.

    Numbers without a country code are read as `default_region` numbers ("(021) 6123 4567" is
    Shanghai). We require `is_valid_number`, not just `is_possible_number`: "possible" only
    checks the digit count, and China's plan allows so many lengths that a mobile number
    missing a digit ("138 1234 567"), a date ("2024-05-01") or a local number without its area
    code all pass, each stored as a number that never matches the real one. The metadata of
    phonenumbers 9 knows current ranges (192/199 mobiles, 400/800 numbers); a rep told
    "invalid" can retype, a wrong number in the database stays wrong. An extension is dropped,
    because one company's numbers differing only in extension are one customer.
    """
    if not isinstance(text, str) or not text or len(text) > MAX_PHONE_CHARS:
        return None
    value = unicodedata.normalize("NFKC", text).strip()
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """International format for display ('+86 138 1234 5678'); the input as is if unparsable.

    International rather than national format because a team can have customers abroad and
    the reader should not have to guess which country a bare "021 6123 4567" belongs to.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
