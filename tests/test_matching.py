"""Name keys and the fuzzy index: obvious duplicates found, unrelated names left alone."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.records.matching import NameIndex, normalize_name


def words(text: str) -> list[str]:
    return text.split()


SURNAMES = words(
    "Smith Johnson Garcia Miller Davis Wilson Taylor Moore Walker Young Allen King Wright "
    "Scott Green Baker Nelson Carter Mitchell Roberts Wang Zhang Chen Schmidt Weber Wagner"
)
SYLLABLES = words("ka lo ven dor mi sta rin bel tor ax qui zen mar lu fen gro pel dra sil vor")
INDUSTRIES = words(
    "Trading Logistics Foods Textiles Machinery Electronics Chemicals Plastics Steel Paper "
    "Packaging Pharma Medical Furniture Printing Hardware Garments Ceramics Optics Marine"
)
FORMS = ("", "Co.", "Co., Ltd.", "Ltd", "Inc.", "LLC", "GmbH", "Company", "Corp.", "Limited")
CITIES = words("上海 北京 广州 深圳 杭州 苏州 南京 成都 重庆 武汉 西安 天津 哈尔滨 石家庄")
ZH_CHARS = "星辰华泰宏达金鑫盛源恒通鸿运永兴利丰瑞祥嘉禾富安新天宇海龙凤明光东方长城中联汇德信诚"
ZH_TRADES = words("贸易 科技 电子 机械 化工 食品 纺织 物流 建材 医药 塑料 包装 印刷 服饰 五金")
ZH_FORMS = ("", "有限公司", "股份有限公司", "有限责任公司", "公司")
FORM_PIECES = [*words("有限 公司 股份 集团 co ltd the ag . （ 星"), " "]


def generated_name(rng: random.Random) -> str:
    """A customer name: "<Surname> <Word> <Industry> <form>" or "<city><brand><trade><form>"."""
    if rng.random() < 0.5:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        parts = (rng.choice(SURNAMES), word, rng.choice(INDUSTRIES), rng.choice(FORMS))
        return " ".join(part for part in parts if part)
    brand = "".join(rng.choice(ZH_CHARS) for _ in range(rng.randint(2, 4)))
    return rng.choice(CITIES) + brand + rng.choice(ZH_TRADES) + rng.choice(ZH_FORMS)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ACME Trading Company Ltd.", "Acme Trading Co."),
        ("Acme Trading Co.", "acme trading co., ltd"),
        ("acme trading co., ltd", "ＡＣＭＥ　Ｔｒａｄｉｎｇ"),
        ("ＡＣＭＥ　Ｔｒａｄｉｎｇ", "The Acme Trading Inc."),
        ("Acme Trading", "Acme  Trading & Co"),
        ("上海星辰贸易有限公司", "上海星辰贸易"),
        ("上海星辰贸易", "上海星辰贸易 有限公司"),
        ("上海星辰贸易 有限公司", "上海星辰贸易（有限公司）"),
        ("上海星辰贸易（有限公司）", "上海 星辰 贸易 股份有限公司"),
        ("上海星辰贸易有限责任公司", "上海星辰贸易公司"),
    ],
)
def test_same_company_same_key(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ACME Trading Company Ltd.", "acme trading"),
        ("上海星辰贸易有限公司", "上海星辰贸易"),
        ("Acme 上海 Trading", "acme上海trading"),  # no spaces next to Chinese characters
        ("星辰贸易 Co., Ltd.", "星辰贸易"),  # ...yet "co" and "ltd" are still words
        ("星辰集团有限公司", "星辰集团"),  # a group is a company of its own
        ("AG Machinery", "ag machinery"),  # short forms only count at the end...
        ("Acme Machinery AG", "acme machinery"),  # ...where a legal form stands
        ("Acme Spa", "acme spa"),  # a spa, not an S.p.A.
        ("Company Ltd.", "company ltd"),  # nothing but forms: keep them, never empty
        ("有限公司", "有限公司"),
        ("!!! ...", ""),  # no letters at all: nothing to match on
    ],
)
def test_keys(name: str, key: str) -> None:
    assert normalize_name(name) == key


def index_of(*names: str) -> NameIndex:
    index = NameIndex()
    index.bulk_load((n, normalize_name(name)) for n, name in enumerate(names))
    return index


def test_the_same_name_scores_100() -> None:
    assert index_of("Globex", "Acme Trading").similar("acme trading") == [(1, 100.0)]


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Acme Trading Co.", "ACME Trading Company Ltd."),
        ("Acme Trading", "Acme Tradng"),
        ("Smith Trading", "Smyth Trading"),
        ("Smith Trading", "Smith Rrading"),  # a first-letter typo that moves the word in a sort
        ("Acme Trading", "Trading Acme"),
        ("Acme Trading (Shanghai)", "Acme Trading"),
        ("上海星辰贸易有限公司", "上海星辰贸易"),
        ("上海星辰贸易", "上海星晨贸易"),
        ("上海星辰贸易有限公司", "星辰贸易"),
        ("星辰贸易", "上海星辰贸易"),
        ("哈尔滨星辰贸易", "星辰贸易"),
    ],
)
def test_likely_duplicates_are_found(existing: str, typed: str) -> None:
    index = index_of("Globex", existing, "Initech", "北京华泰科技")
    assert [cid for cid, _ in index.similar(normalize_name(typed))] == [1]


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Acme", "Apex"),
        ("Acme", "Acne"),
        ("上海星辰贸易", "北京星辰科技"),
        ("上海星辰贸易", "上海星辰科技"),
        ("Acme Trading", "a"),
        ("Acme Trading", "acme"),  # "acme" covers too little of "acme trading"
        ("Pacmen", "Acme"),  # not on a word boundary
        ("星辰贸易", "星"),
    ],
)
def test_unrelated_names_are_not_flagged(existing: str, typed: str) -> None:
    assert index_of(existing).similar(normalize_name(typed)) == []


def test_short_query_does_not_match_half_the_database() -> None:
    index = index_of(*(f"A{word} Trading" for word in SYLLABLES), "A")
    assert index.similar("a") == [(len(SYLLABLES), 100.0)]


def test_customers_sharing_a_key_all_come_back_best_first() -> None:
    index = index_of("Acme Tradng", "Acme Trading", "ACME Trading Ltd", "Globex")
    hits = index.similar("acme trading")
    assert [cid for cid, _ in hits] == [1, 2, 0]
    assert hits[0][1] == hits[1][1] == 100.0 > hits[2][1]
    assert index.similar("acme trading", limit=1) == [(1, 100.0)]
    assert index.similar("acme trading", cutoff=99) == [(1, 100.0), (2, 100.0)]


def test_replace_remove_and_len() -> None:
    index = index_of("Acme Trading", "Globex", "Acme Trading")
    index.add(0, normalize_name("Umbrella"))
    assert index.similar("acme trading") == [(2, 100.0)]
    index.remove(1)
    index.remove(99)
    assert index.similar("globex") == [] and len(index) == 2
    index.add(1, "globex")
    assert index.similar("globex") == [(1, 100.0)] and len(index) == 3


def test_heavy_churn_keeps_the_index_right() -> None:
    rng = random.Random(3)
    keys = {n: normalize_name(generated_name(rng)) for n in range(2000)}
    index = NameIndex()
    index.bulk_load(keys.items())
    for n in range(0, 2000, 3):
        index.remove(n)
        del keys[n]
    for n in range(1, 2000, 3):
        index.add(n, keys[n] + "x")
        keys[n] += "x"
    assert len(index) == len(keys)
    for n in (2, 4, 1000, 1999):
        if n in keys:
            assert n in [cid for cid, _ in index.similar(keys[n], limit=100)]
    assert all(cid in keys for cid, _ in index.similar(keys[2], limit=2000, cutoff=0))


def test_the_duplicate_of_a_name_is_found_among_100k() -> None:
    rng = random.Random(7)
    keys = [normalize_name(generated_name(rng)) for _ in range(100_000)]
    index = NameIndex()
    index.bulk_load(enumerate(keys))
    assert len(index) == 100_000
    for target in (12345, 54321, 99999):
        key = keys[target]
        assert (target, 100.0) in index.similar(key, limit=100)
        typo = key[:3] + key[4:]
        assert target in [cid for cid, _ in index.similar(typo, limit=100)]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_never_raises_and_is_idempotent(text: str) -> None:
    key = normalize_name(text)
    assert normalize_name(key) == key
    assert key == key.strip() and "  " not in key


FORM_HEAVY = st.lists(st.sampled_from(FORM_PIECES), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(FORM_HEAVY)
def test_normalize_is_idempotent_on_names_made_of_forms(text: str) -> None:
    key = normalize_name(text)
    assert normalize_name(key) == key


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=20), st.text(max_size=12))
def test_similar_never_raises_and_always_finds_the_same_key(names: list[str], query: str) -> None:
    index = index_of(*names)
    key = normalize_name(query)
    hits = index.similar(key, limit=100)
    exact = {n for n, name in enumerate(names) if key and normalize_name(name) == key}
    assert exact <= {cid for cid, score in hits if score == 100.0}
