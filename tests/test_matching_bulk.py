"""`NameIndex.similar_many` finds exactly what `similar` finds, query by query."""

from __future__ import annotations

import random

from bot.demo import company_name
from bot.services.records.matching import NameIndex, normalize_name


def test_bulk_matching_equals_one_by_one() -> None:
    rng = random.Random(7)
    names = [company_name(rng) for _ in range(3000)]
    index = NameIndex()
    index.bulk_load((n, normalize_name(name)) for n, name in enumerate(names))
    index.remove(5)
    queries = [normalize_name(company_name(rng)) for _ in range(300)]
    queries += [normalize_name(name.upper() + " Co., Ltd.") for name in names[:100]]
    queries += ["", "acme", "星辰", "trading acme", "上海 星辰"]
    one_by_one = [index.similar(query, limit=10**6) for query in queries]
    bulk = index.similar_many(queries)
    assert [[(i, round(s, 2)) for i, s in hits] for hits in bulk] == [
        [(i, round(s, 2)) for i, s in hits] for hits in one_by_one
    ]
    assert sum(1 for hits in bulk if hits) > 100
