"""Company names reduced to what identifies them, and a fast fuzzy index over all of them.

"ACME Trading Company Ltd." and "Acme Trading Co.", "上海星辰贸易有限公司" and "上海星辰贸易" are
one customer: width, case, punctuation and legal-form words say nothing about which company it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

# Longest first, so "股份有限公司" goes before "有限公司" and "公司".
_ZH_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "分公司", "公司")
_LATIN_FORMS = frozenset(
    {
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "pte",
        "pty",
        "bv",
        "srl",
        "spa",
        "kg",
        "oy",
        "ab",
        "the",
    }
)
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_NAME_CHARS = 300


def normalize_name(name: str) -> str:
    """The matching key of a company name: NFKC, casefolded, no punctuation or legal forms.

    Latin words keep single spaces (token scorers need them); spaces next to CJK characters go,
    since Chinese names are written without them. Never empty for a name that has any letters:
    if stripping forms leaves nothing ("Company Ltd"), the unstripped key is kept.
    """
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKC", name[:MAX_NAME_CHARS]).casefold()
    text = _PUNCT.sub(" ", text)
    full = _squeeze(text)
    for form in _ZH_FORMS:
        text = text.replace(form, " ")
    words = [w for w in text.split() if w not in _LATIN_FORMS]
    stripped = _squeeze(" ".join(words))
    return stripped or full


def _squeeze(text: str) -> str:
    """Single spaces between Latin words; none around CJK characters."""
    words = text.split()
    out = ""
    for word in words:
        if out and not (_CJK.search(out[-1]) or _CJK.search(word[0])):
            out += " "
        out += word
    return out


class NameIndex:
    """Normalized names of every customer, searched with rapidfuzz's vectorised extract.

    Three passes, because typos, word order and partial names fail differently:
    - `fuzz.ratio` (edit distance) catches typos and small differences ("acme tradng");
    - the same ratio over word-sorted keys (kept precomputed, so no per-call preprocessing of
      100,000 names) catches reordered words ("trading acme");
    - containment catches a name typed without its city or prefix ("星辰贸易" in "上海星辰贸易"),
      but only when the shorter name is long enough to mean something and covers most of the
      longer one; otherwise "a" would match half the company.
    A cutoff of 85 keeps "acme"/"apex" apart; Chinese keys are short and dense (one wrong
    character of six already costs 17 points), so they use 80, which still keeps
    "北京星辰科技"/"上海星辰贸易" apart.
    """

    CUTOFF = 85.0
    CJK_CUTOFF = 80.0
    CONTAINED_SCORE = 90.0

    def __init__(self) -> None:
        self._names: list[str] = []
        self._sorted: list[str] = []
        self._ids: list[int] = []
        self._slot: dict[int, int] = {}
        self._dead = 0

    def __len__(self) -> int:
        return len(self._slot)

    def bulk_load(self, rows: Iterable[tuple[int, str]]) -> None:
        for customer_id, normalized in rows:
            self.add(customer_id, normalized)

    def add(self, customer_id: int, normalized: str) -> None:
        """Insert or replace a customer's key."""
        slot = self._slot.get(customer_id)
        if slot is not None:
            self._names[slot] = normalized
            self._sorted[slot] = _word_sorted(normalized)
            return
        self._slot[customer_id] = len(self._names)
        self._names.append(normalized)
        self._sorted.append(_word_sorted(normalized))
        self._ids.append(customer_id)

    def remove(self, customer_id: int) -> None:
        slot = self._slot.pop(customer_id, None)
        if slot is None:
            return
        self._names[slot] = self._sorted[slot] = ""
        self._ids[slot] = -1
        self._dead += 1
        if self._dead > 1000 and self._dead > len(self._names) // 4:
            pairs = [(i, n) for i, n in zip(self._ids, self._names, strict=True) if i >= 0]
            self._names, self._sorted, self._ids, self._slot, self._dead = [], [], [], {}, 0
            self.bulk_load(pairs)

    def similar(
        self, query: str, *, limit: int = 5, cutoff: float = CUTOFF
    ) -> list[tuple[int, float]]:
        """Customers whose key is close to `query`, as (customer_id, score 0..100), best first."""
        if not query or not self._names:
            return []
        best: dict[int, float] = {}
        cjk = bool(_CJK.search(query))
        if cjk:
            cutoff = min(cutoff, self.CJK_CUTOFF)

        def keep(slot: int, score: float) -> None:
            customer_id = self._ids[slot]
            if customer_id >= 0:
                best[customer_id] = max(best.get(customer_id, 0.0), score)

        for probe, keys in ((query, self._names), (_word_sorted(query), self._sorted)):
            for _, score, slot in process.extract(
                probe,
                keys,
                scorer=fuzz.ratio,
                limit=limit * 2,
                score_cutoff=cutoff,
                processor=None,
            ):
                keep(slot, score)
        if len(query) >= (3 if cjk else 5):
            lo, hi = 0.6 * len(query), len(query) / 0.6
            for slot, name in enumerate(self._names):
                if name and lo <= len(name) <= hi and (query in name or name in query):
                    keep(slot, self.CONTAINED_SCORE)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]


def _word_sorted(key: str) -> str:
    return " ".join(sorted(key.split()))
