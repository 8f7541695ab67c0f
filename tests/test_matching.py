"""Name keys and the fuzzy index: obvious duplicates found, unrelated names left alone."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.demo import company_name
from bot.services.matching import NameIndex, normalize_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ACME Trading Company Ltd.", "Acme Trading Co."),
        ("acme trading co., ltd", "Acme Trading"),
        ("ＡＣＭＥ　Ｔｒａｄｉｎｇ", "Acme Trading Inc."),
        ("上海星辰贸易有限公司", "上海星辰贸易"),
        ("上海星辰贸易 有限公司", "上海星辰贸易股份有限公司"),
        ("上海星辰贸易（有限公司）", "上海 星辰 贸易"),
    ],
)
def test_same_company_same_key(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_keys_never_empty_for_a_real_name() -> None:
    assert normalize_name("Company Ltd.") == "company ltd"
    assert normalize_name("有限公司") == "有限公司"
    assert normalize_name("!!!") == ""


def index_of(*names: str) -> NameIndex:
    index = NameIndex()
    index.bulk_load((n, normalize_name(name)) for n, name in enumerate(names))
    return index


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Acme Trading Co.", "ACME Trading Company Ltd."),
        ("Acme Trading", "Acme Tradng"),
        ("Acme Trading", "Trading Acme"),
        ("上海星辰贸易", "上海星晨贸易"),
        ("上海星辰贸易有限公司", "星辰贸易"),
    ],
)
def test_likely_duplicates_are_found(existing: str, typed: str) -> None:
    index = index_of("Globex", existing, "Initech")
    assert [cid for cid, _ in index.similar(normalize_name(typed))] == [1]


@pytest.mark.parametrize(
    ("existing", "typed"),
    [("Acme", "Apex"), ("上海星辰贸易", "北京星辰科技"), ("Acme Trading", "a"), ("星辰贸易", "星")],
)
def test_unrelated_names_are_not_flagged(existing: str, typed: str) -> None:
    assert index_of(existing).similar(normalize_name(typed)) == []


def test_replace_and_remove() -> None:
    index = index_of("Acme Trading", "Globex")
    index.add(0, normalize_name("Umbrella"))
    assert index.similar("acme trading") == []
    index.remove(1)
    assert index.similar("globex") == [] and len(index) == 1


def test_the_duplicate_of_a_name_is_found_among_100k() -> None:
    rng = random.Random(7)
    names = [company_name(rng) for _ in range(100_000)]
    index = NameIndex()
    index.bulk_load((n, normalize_name(name)) for n, name in enumerate(names))
    target = normalize_name(names[12345])
    found = [cid for cid, _ in index.similar(target, limit=50)]
    assert 12345 in found


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_never_raises_and_is_idempotent(text: str) -> None:
    key = normalize_name(text)
    assert normalize_name(key) == key
