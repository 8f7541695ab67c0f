"""Company names reduced to what identifies them, and a fast fuzzy index over all of them.

"ACME Trading Company Ltd." and "Acme Trading Co.", "上海星辰贸易有限公司" and "上海星辰贸易" are
one customer: width, case, punctuation and legal-form words say nothing about which company it
is. `normalize_name` gives the key stored on every customer (`normalized_name`, also used for
substring search in SQL); `NameIndex` finds the keys close to a new one while it is being typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

MAX_NAME_CHARS = 300

# Chinese legal forms, removed wherever they stand (longest first, so "股份有限公司" goes
# before "有限公司" and "公司"). 集团 (group) is deliberately kept: a group and its trading
# subsidiary are different legal entities, just as "Group" is kept in English names, and the
# index still links "星辰集团" to "星辰" through containment.
_ZH_FORMS = ("股份有限公司", "有限责任公司", "股份公司", "有限公司", "分公司", "公司")
# Latin legal-form words that mean nothing else, removed wherever they stand.
_LATIN_FORMS = frozenset(
    {"co", "company", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc"}
    | {"plc", "gmbh", "pte", "pty"}
)
# Short forms that are also abbreviations ("AG Machinery", "SA Foods"): removed only at the end
# of a name, where a legal form stands. "spa" and "se" stay out: "Acme Spa" is a spa.
_LATIN_TRAILING = frozenset({"ag", "sa", "nv", "bv", "srl", "kg", "oy", "ab"})
# Han and kana: scripts written without spaces, so spaces next to them are noise.
_CJK_CLASS = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
)
_CJK = re.compile(f"[{_CJK_CLASS}]")
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_SPACE_AT_CJK = re.compile(f"(?<=[{_CJK_CLASS}]) | (?=[{_CJK_CLASS}])")


def normalize_name(name: str) -> str:
    """The matching key of a company name: NFKC, casefolded, no punctuation or legal forms.

    Full-width letters become half-width (NFKC), case goes (casefold), punctuation and every
    kind of space become one plain space. Latin words keep single spaces between them, since
    word-order matching needs words; spaces next to Chinese or Japanese characters go, since
    those names are written without them ("上海 星辰 贸易" is "上海星辰贸易"). A name that is
    nothing but legal forms ("Company Ltd", "有限公司") keeps them rather than becoming empty;
    a name with no letters or digits at all gives "". Idempotent and never raises.
    """
    if not isinstance(name, str):
        return ""
    full = _clean(name[:MAX_NAME_CHARS])
    text = full
    while True:  # removing a form can join the pieces around it into another form
        stripped = _strip_forms(text)
        if stripped == text:
            return stripped or full
        text = stripped


def _clean(text: str) -> str:
    """Case, width and punctuation folded; separators squeezed."""
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    # Letters, digits and combining marks (Devanagari, Thai vowel signs) carry the name.
    kept = "".join(ch if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " " for ch in text)
    return _squeeze(kept)


def _squeeze(text: str) -> str:
    """Single spaces between Latin words; none next to CJK characters."""
    return _SPACE_AT_CJK.sub("", " ".join(text.split()))


def _strip_forms(text: str) -> str:
    """One round of removing legal forms; Latin forms are whole words, even next to Chinese."""
    for form in _ZH_FORMS:
        text = text.replace(form, " ")
    text = _CJK_RUN.sub(r" \g<0> ", text)  # "星辰co ltd": "co" is a word of its own
    words = [word for word in text.split() if word not in _LATIN_FORMS]
    while words and words[-1] in _LATIN_TRAILING:
        words.pop()
    if words and words[0] == "the":
        words.pop(0)
    return _squeeze(" ".join(words))


@dataclass(slots=True)
class _Bucket:
    """Keys of one length and one number of CJK characters, as rapidfuzz reads them."""

    names: list[str] = field(default_factory=list)
    # The word-sorted key for keys of two or more words, "" otherwise (nothing to reorder).
    sorted_names: list[str] = field(default_factory=list)
    dead: int = 0


class NameIndex:
    """All customers' name keys, searched for likely duplicates of a new name.

    Scoring, and why:
    - `fuzz.ratio` (normalized Indel similarity, 0..100) of the keys catches typos: one wrong
      letter in a 12-letter name costs about 8 points, one wrong character in a 6-character
      Chinese name about 17.
    - The same ratio over word-sorted keys catches reordered words ("trading acme"). It is a
      second pass rather than `token_sort_ratio` alone because a typo in a first letter moves
      a word in the sort ("smith rrading"), and only the plain ratio still sees that one.
    - Containment catches a name typed with or without a city or branch ("星辰贸易" in
      "上海星辰贸易", "acme trading" in "acme trading shanghai"), scored `CONTAINED_SCORE`.
      It counts only when the shorter key weighs at least `MIN_CONTAINED_WEIGHT` (a Latin
      character weighs 1, a CJK character 2: "acme", "星辰"), covers at least `COVERAGE` of
      the longer one (a 2-3 character city on a 4-6 character Chinese name is 33-43%), and,
      for Latin words, starts and ends on word boundaries ("acme" is not in "pacmen"). So "a"
      or "星" never matches half the database.
    Thresholds: a sales team reads every warning, so only likely duplicates should raise one,
    and the obvious ones never slip through. `LATIN_CUTOFF` 85 keeps "acme"/"apex" (50) and
    "acme"/"acne" (75) apart while "acme tradng" (96) and "smyth trading" (92) are flagged.
    `CJK_CUTOFF` 80 is lower because Chinese keys are short and every character carries
    meaning: it flags one changed character in six ("上海星晨贸易", 83) but not "北京星辰科技"
    or "上海星辰科技" against "上海星辰贸易" (33, 67). One changed character in a 4-character
    name (75) is not flagged: "星辰贸易" and "华辰贸易" are as likely two companies as one.

    Speed: keys are deduplicated and kept in buckets by (length, number of CJK characters).
    Two keys share at most min(CJK counts) + min(other counts) characters, which bounds their
    ratio, so a query only scans buckets that can reach the cutoff: a Chinese query never
    scans Latin names, and no query scans names of very different length. Within a bucket
    rapidfuzz scores a plain list of strings in C with `score_cutoff` and no processor.
    Removed keys leave "" (a tombstone that never scores) until a bucket is half dead.
    Not thread-safe: one event loop owns it.
    """

    LATIN_CUTOFF = 85.0
    CJK_CUTOFF = 80.0
    CONTAINED_SCORE = 90.0
    MIN_CONTAINED_WEIGHT = 4
    COVERAGE = 0.5

    def __init__(self) -> None:
        self._key_of: dict[int, str] = {}
        self._ids_of: dict[str, list[int]] = {}
        self._slot_of: dict[str, tuple[tuple[int, int], int]] = {}
        self._buckets: dict[tuple[int, int], _Bucket] = {}

    def __len__(self) -> int:
        return len(self._key_of)

    def bulk_load(self, rows: Iterable[tuple[int, str]]) -> None:
        """Add many (customer_id, normalized_name) rows; later rows replace earlier ones."""
        for customer_id, normalized in rows:
            self.add(customer_id, normalized)

    def add(self, customer_id: int, normalized: str) -> None:
        """Index a customer's key, replacing the key it had before."""
        old = self._key_of.get(customer_id)
        if old == normalized:
            return
        if old is not None:
            self.remove(customer_id)
        self._key_of[customer_id] = normalized
        ids = self._ids_of.get(normalized)
        if ids is not None:
            ids.append(customer_id)
            return
        self._ids_of[normalized] = [customer_id]
        if normalized:
            self._place(normalized)

    def remove(self, customer_id: int) -> None:
        """Forget a customer; unknown ids are ignored."""
        key = self._key_of.pop(customer_id, None)
        if key is None:
            return
        ids = self._ids_of[key]
        ids.remove(customer_id)
        if ids:
            return
        del self._ids_of[key]
        slot = self._slot_of.pop(key, None)
        if slot is None:
            return
        bucket_key, position = slot
        bucket = self._buckets[bucket_key]
        bucket.names[position] = bucket.sorted_names[position] = ""
        bucket.dead += 1
        if bucket.dead > 32 and bucket.dead * 2 > len(bucket.names):
            live = [name for name in self._buckets.pop(bucket_key).names if name]
            for name in live:
                self._place(name)

    def similar(
        self, query: str, *, limit: int = 5, cutoff: float | None = None
    ) -> list[tuple[int, float]]:
        """Customers whose key is likely the same company as `query` (a normalized name).

        Returns (customer_id, score 0..100), best first, ties by id. `cutoff` defaults to
        `CJK_CUTOFF` for a query with any CJK character, else `LATIN_CUTOFF`.
        """
        if not query or limit <= 0:
            return []
        q_len, q_cjk = len(query), _cjk_count(query)
        if cutoff is None:
            cutoff = self.CJK_CUTOFF if q_cjk else self.LATIN_CUTOFF
        q_sorted = _word_sorted(query) if " " in query else ""
        best: dict[str, float] = {}
        for (k_len, k_cjk), bucket in self._buckets.items():
            bound, contained_at, floor = self._scan_limits(q_len, q_cjk, k_len, k_cjk, cutoff)
            if bound < floor:
                continue
            for name, score, _ in _ratios(query, bucket.names, floor):
                score = self._with_containment(score, contained_at, query, name)
                if score >= cutoff and score > best.get(name, 0.0):
                    best[name] = score
            if not q_sorted or bound < cutoff:
                continue
            for _, score, position in _ratios(q_sorted, bucket.sorted_names, cutoff):
                name = bucket.names[position]
                if score > best.get(name, 0.0):
                    best[name] = score
        return self._ranked(best)[:limit]

    def similar_many(self, queries: Sequence[str]) -> list[list[tuple[int, float]]]:
        """`similar(q, limit=None)` for each of many queries, scored in bulk (a file import).

        The same hits and scores, found faster: what a query scans depends only on its shape
        (length, CJK count), so queries of one shape are compared with each bucket they may
        match in one `cdist` call (a score matrix computed in C) instead of one call per query.
        """
        shapes: dict[tuple[int, int], list[int]] = {}
        for index, query in enumerate(queries):
            if query:
                shapes.setdefault((len(query), _cjk_count(query)), []).append(index)
        best: list[dict[str, float]] = [{} for _ in queries]
        for (q_len, q_cjk), members in shapes.items():
            cutoff = self.CJK_CUTOFF if q_cjk else self.LATIN_CUTOFF
            for (k_len, k_cjk), bucket in self._buckets.items():
                bound, contained_at, floor = self._scan_limits(q_len, q_cjk, k_len, k_cjk, cutoff)
                if bound < floor:
                    continue
                for start in range(0, len(members), _BULK_ROWS):
                    chunk = members[start : start + _BULK_ROWS]
                    scores = _ratio_matrix([queries[i] for i in chunk], bucket.names, floor)
                    for row, column in zip(*np.nonzero(scores), strict=True):
                        query, name = queries[chunk[row]], bucket.names[column]
                        score = self._with_containment(
                            float(scores[row, column]), contained_at, query, name
                        )
                        found = best[chunk[row]]
                        if score >= cutoff and score > found.get(name, 0.0):
                            found[name] = score
                    worded = [i for i in chunk if " " in queries[i]]
                    if not worded or bound < cutoff:
                        continue
                    scores = _ratio_matrix(
                        [_word_sorted(queries[i]) for i in worded], bucket.sorted_names, cutoff
                    )
                    for row, column in zip(*np.nonzero(scores), strict=True):
                        name = bucket.names[column]
                        score = float(scores[row, column])
                        found = best[worded[row]]
                        if score > found.get(name, 0.0):
                            found[name] = score
        return [self._ranked(found) for found in best]

    def _ranked(self, best: dict[str, float]) -> list[tuple[int, float]]:
        """(customer_id, score) of every customer with one of the keys found, best first."""
        hits = [(cid, score) for name, score in best.items() for cid in self._ids_of[name]]
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits

    def _scan_limits(
        self, q_len: int, q_cjk: int, k_len: int, k_cjk: int, cutoff: float
    ) -> tuple[float, float | None, float]:
        """For a query of one shape against a bucket of another: the best ratio any key there can
        reach, the containment ratio (`_containment_ratio`) and the score cutoff to scan with."""
        shared = min(q_cjk, k_cjk) + min(q_len - q_cjk, k_len - k_cjk)
        bound = 200.0 * shared / (q_len + k_len)
        contained_at = self._containment_ratio(q_len, q_cjk, k_len, k_cjk)
        floor = cutoff if contained_at is None else min(cutoff, contained_at - _EPSILON)
        return bound, contained_at, floor

    def _with_containment(
        self, score: float, contained_at: float | None, query: str, name: str
    ) -> float:
        """The score, raised to `CONTAINED_SCORE` when one key contains the other."""
        if (
            contained_at is not None
            and abs(score - contained_at) < _EPSILON
            and _contains(query, name)
        ):
            return max(score, self.CONTAINED_SCORE)
        return score

    def _containment_ratio(self, q_len: int, q_cjk: int, k_len: int, k_cjk: int) -> float | None:
        """The ratio any containment hit between these sizes has; None if the rules forbid one.

        A shorter key s inside a longer key l shares exactly its |s| characters with it, so
        their ratio is exactly 200·|s|/(|s|+|l|), known from the bucket alone: scanning the
        bucket with it as the score cutoff finds every candidate, and only buckets where a
        containment can happen pay for scanning below the cutoff.
        """
        short_len, short_cjk = (q_len, q_cjk) if q_len <= k_len else (k_len, k_cjk)
        long_len = max(q_len, k_len)
        if short_len + short_cjk < self.MIN_CONTAINED_WEIGHT:
            return None
        if short_len < self.COVERAGE * long_len:
            return None
        return 200.0 * short_len / (short_len + long_len)

    def _place(self, key: str) -> None:
        bucket_key = (len(key), _cjk_count(key))
        bucket = self._buckets.get(bucket_key)
        if bucket is None:
            bucket = self._buckets[bucket_key] = _Bucket()
        self._slot_of[key] = (bucket_key, len(bucket.names))
        bucket.names.append(key)
        bucket.sorted_names.append(_word_sorted(key) if " " in key else "")


_EPSILON = 0.01
_BULK_ROWS = 512  # queries per cdist call: a 512 × bucket float32 matrix stays small


def _contains(a: str, b: str) -> bool:
    """Whether the shorter key stands inside the longer, not starting or ending mid-word."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    start = long.find(short)
    while start >= 0:
        end = start + len(short)
        if (start == 0 or not _inside_word(long[start - 1], short[0])) and (
            end == len(long) or not _inside_word(short[-1], long[end])
        ):
            return True
        start = long.find(short, start + 1)
    return False


def _inside_word(left: str, right: str) -> bool:
    """Two adjacent characters of a key belong to one Latin word."""
    return left != " " and right != " " and not _CJK.match(left) and not _CJK.match(right)


def _cjk_count(key: str) -> int:
    return len(_CJK.findall(key))


def _word_sorted(key: str) -> str:
    return " ".join(sorted(key.split()))


def _ratios(query: str, names: Sequence[str], cutoff: float) -> list[tuple[str, float, int]]:
    """(name, ratio, position) of every name whose ratio to `query` is at least `cutoff`."""
    return process.extract(
        query, names, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=None
    )


def _ratio_matrix(queries: Sequence[str], names: Sequence[str], cutoff: float) -> np.ndarray:
    """The ratio of every query to every name (below `cutoff`: 0), one C call for them all."""
    return process.cdist(
        queries, names, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, dtype=np.float32
    )
