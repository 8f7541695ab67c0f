"""Which customer a free-text note is about: company names found inside a sentence.

`NameIndex` (matching.py) compares a whole typed name with whole names. A note is different: the
name is somewhere inside it ("visited acme, they want…", "拜访了星辰贸易，客户要…"), usually
shortened (the city, the trade and the legal form left out) and sometimes misspelt. So here every
customer key is cut into units — Latin words, and Chinese characters — and a key is mentioned as
far as its units occur in the note:

- A Latin word counts when the note has it, or a word within a small edit of it ("acmee").
- A Chinese character counts when a pair of neighbouring characters of the key that contains it
  occurs in the note (Chinese is written without spaces, so pairs stand in for words).
- Units that many companies share (a trade, a city: "trading", "上海", "贸易") weigh less than
  the distinctive core ("acme", "星辰"), so "拜访星辰" points at 上海星辰贸易 while "贸易" alone
  points nowhere.

A key is a candidate when its mentioned weight covers enough of it; candidates rank by the weight
the note mentions, so "星辰贸易" beats "星辰科技" for "星辰贸易", while "星辰" alone leaves both
equally likely and the rep is asked.

Slips count, but less than the name as written, and a name written exactly ranks first: a Latin
word one edit away ("Nortwind") or two words run together ("blueridge"), and a Chinese character
written with another of the same sound (华锐 for 华瑞, read with pypinyin), mention a key too.
Each mention carries the weight the note wrote exactly, so "Acme Trading" is Acme Trading even when
the rep also has an "Acme Tradng" (one edit away).

Speed: keys are found through an inverted index (word or character pair → keys) built from
distinctive units only, so a note with "trading" or "上海" does not touch a tenth of the company;
the index is held in memory and caught up with one indexed query per note, as `DuplicateFinder`.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GENERIC_WEIGHT = 0.3
MIN_COVERAGE = 0.3
MIN_WEIGHT = 0.9
FUZZY_CUTOFF = 80.0
# One wrong character in four ("星晨贸易" for "星辰贸易") scores 75; in three, 67 (not enough).
MISSPELT_CUTOFF = 75.0
MISSPELT_MIN_CHARS = 4
MISSPELT_SCOPE = 3000
MIN_FUZZY_LEN = 4
# A character matched by its sound only counts this much of its weight.
HOMOPHONE_WEIGHT = 0.9
# Two known words run together ("blueridge") count this much each.
JOINED_WEIGHT = 0.95
# A word written in the singular for a plural of the name, or the other way round.
PLURAL_WEIGHT = 0.95
# At most this many names are scored for one note (those sharing the most units with it).
MAX_SCORED = 100

# Words of company names that say what a company does or where, not which one it is.
GENERIC_LATIN = _words(
    """
    trading trade traders logistics foods food machinery textiles textile electronics electronic
    chemicals chemical pharma pharmaceuticals packaging motors motor plastics steel furniture
    technology technologies tech industrial industries industry group holdings holding
    international global solutions services service systems system manufacturing supply supplies
    enterprises enterprise import export materials equipment products engineering development
    investment auto automotive parts retail store shop china shanghai beijing shenzhen guangzhou
    hangzhou suzhou nanjing chengdu wuhan tianjin ningbo qingdao hong kong asia pacific
    ceramics medical marine wines wine hardware tools design automation cosmetics dental clinic
    hotel dairy seafood construction consulting media software energy farm farms bakery printing
    paper glass optics biotech robotics fasteners supply clinic
    """
)
GENERIC_ZH = tuple(
    _words(
        "上海 北京 广州 深圳 杭州 苏州 南京 成都 武汉 天津 宁波 青岛 重庆 西安 长沙 郑州 厦门 "
        "东莞 佛山 无锡 合肥 济南 大连 沈阳 昆明 福州 中国 国际 "
        "贸易 物流 食品 机械 纺织 电子 化工 医药 包装 汽车 塑料 钢铁 家具 科技 技术 实业 集团 "
        "工业 制造 设备 材料 商贸 进出口 发展 投资 控股 服务 信息 网络 工程 建设 建材 电器 五金 "
        "商行 门市 经营部 有限 股份 环保 印刷 茶业 粮油 医疗 器械 农业 能源 软件 咨询 传媒 服饰 "
        "陶瓷 快递 农场 酒店 餐饮 厂"
    )
)
# Words of a note that are never part of a customer's name, so they are not misspelt names.
STOP_WORDS = _words(
    """
    the and with from they them their then that this there want wants wanted need needs about
    visited visit visiting called call calling calls meeting meet met message messaged texted
    email emailed wechat phone phoned rang spoke talked said says asked back follow followup
    next last week weeks month months today tomorrow yesterday monday tuesday wednesday thursday
    friday saturday sunday morning afternoon evening units unit pieces pcs price prices order
    orders quote samples sample deal discount off more less again soon later will would could
    should have has had been were what when where which while also just very much some send
    sent team manager purchasing contract delivery payment invoice thanks hello please
    """
)

_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_LATIN_WORD = re.compile(f"[^\\W_{_CJK_CLASS}]+")


@dataclass(frozen=True, slots=True)
class _Key:
    """A customer key cut into units: (word, weight) pairs and Chinese runs with char weights."""

    words: tuple[tuple[str, float], ...]
    runs: tuple[tuple[str, tuple[float, ...]], ...]
    total: float
    sounds: tuple[tuple[str, ...], ...] = ()  # per run: each character's toneless pinyin
    # per Chinese character: its weight, the character pairs that mention it, and their sounds
    chars: tuple[tuple[float, tuple[str, ...], tuple[str, ...]], ...] = ()
    core: float = 0.0  # the weight of its distinctive units: all of it written means named in full


@dataclass(frozen=True, slots=True)
class NoteTokens:
    """What a note offers for matching: its words (with how sure each is), its character pairs."""

    words: dict[str, float]
    pairs: frozenset[str]
    text: str
    sound_pairs: frozenset[str] = frozenset()  # neighbouring characters' pinyin, "hua rui"


@dataclass(frozen=True, slots=True)
class Mention:
    """A customer the note may be about: how much of its name the note mentions, and how much."""

    customer_id: int
    key: str
    weight: float
    coverage: float
    exact: float = 0.0  # the part of `weight` the note wrote exactly (no slip, no homophone)
    # the words and character pairs of the note that wrote it exactly: two names written with
    # none in common are two customers named ("visited Hollister and Dunmore")
    units: frozenset[str] = frozenset()


def sound(char: str) -> str:
    """A Chinese character's toneless pinyin (its most common reading), cached per character."""
    return _SOUNDS.get(char) or _SOUNDS.setdefault(
        char, lazy_pinyin(char, style=Style.NORMAL, errors="default")[0]
    )


_SOUNDS: dict[str, str] = {}


# Words every note uses: their characters are what they say, never a name's homophone ("新客户"
# is a new customer, not 新科).
COMMON_ZH = _words(
    "客户 新客户 老客户 老板 老板娘 经理 总监 采购 公司 工厂 厂里 价格 报价 合同 订单 发货 "
    "送货 交货 付款 货款 发票 样品 电话 微信 邮件 短信 视频 会议 开会 见面 吃饭 拜访 上门 "
    "回访 跟进 联系 回复 今天 明天 后天 昨天 下周 本周 这周 下个 月底 月初 月中 上午 下午 "
    "晚上 早上 时间 需要 要求 问题 没有 他们 我们 说要 一下 一个 一家 一批 可以 考虑 确认 "
    "处理 安排 方案 产品 新品"
)
_COMMON_ZH_RUN = re.compile("|".join(sorted(COMMON_ZH, key=len, reverse=True)))


def _sound_pairs(run: str) -> set[str]:
    """The sounds of neighbouring characters, leaving out those of the words every note uses."""
    common = [False] * len(run)
    for m in _COMMON_ZH_RUN.finditer(run):
        common[m.start() : m.end()] = [True] * (m.end() - m.start())
    sounds = [sound(c) for c in run]
    return {
        f"{sounds[i]} {sounds[i + 1]}"
        for i in range(len(run) - 1)
        if not common[i] and not common[i + 1]
    }


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _zh_weights(run: str) -> tuple[float, ...]:
    """Per character: low inside a generic word (city, trade), full elsewhere."""
    weights = [1.0] * len(run)
    for word in GENERIC_ZH:
        start = run.find(word)
        while start >= 0:
            for i in range(start, start + len(word)):
                weights[i] = GENERIC_WEIGHT
            start = run.find(word, start + 1)
    return tuple(weights)


def _cut(key: str) -> _Key:
    words = tuple(
        (w, GENERIC_WEIGHT if w in GENERIC_LATIN else 1.0)
        for w in _LATIN_WORD.findall(key)
        if not w.isdigit() or len(w) > 1
    )
    runs = tuple((run, _zh_weights(run)) for run in _CJK_RUN.findall(key))
    total = sum(w for _, w in words) + sum(sum(ws) for _, ws in runs)
    if words or runs:
        core = any(w == 1.0 for _, w in words) or any(1.0 in ws for _, ws in runs)
        if not core:  # a name made only of generic words: every word is its identity
            words = tuple((w, 1.0) for w, _ in words)
            runs = tuple((run, (1.0,) * len(run)) for run, _ in runs)
            total = float(len(words) + sum(len(run) for run, _ in runs))
    sounds = tuple(tuple(sound(c) for c in run) for run, _ in runs)
    chars: list[tuple[float, tuple[str, ...], tuple[str, ...]]] = []
    for (run, weights), heard in zip(runs, sounds, strict=True):
        if len(run) == 1:
            chars.append((weights[0], (run,), ()))
            continue
        for i, weight in enumerate(weights):
            around = [j for j in (i - 1, i) if 0 <= j < len(run) - 1]
            chars.append(
                (
                    weight,
                    tuple(run[j : j + 2] for j in around),
                    tuple(f"{heard[j]} {heard[j + 1]}" for j in around),
                )
            )
    core = sum(w for _, w in words if w == 1.0) + sum(w for w, _, _ in chars if w == 1.0)
    return _Key(words, runs, total, sounds, tuple(chars), core)


def _entries(cut: _Key) -> set[str]:
    """The distinctive units a key is found by: core words, pairs with a core character, and
    the same pairs by sound ("hua rui", so 华锐 finds 华瑞)."""
    found = {w for w, weight in cut.words if weight == 1.0}
    for (run, weights), sounds in zip(cut.runs, cut.sounds, strict=True):
        if len(run) == 1:
            found.add(run)
        for i in range(len(run) - 1):
            if weights[i] == 1.0 or weights[i + 1] == 1.0:
                found.add(run[i : i + 2])
                found.add(f"{sounds[i]} {sounds[i + 1]}")
    return found


def note_tokens(
    text: str,
    vocabulary: Callable[[str], Iterable[tuple[str, float]]],
    known: Callable[[str], bool] = lambda word: False,
) -> NoteTokens:
    """Words, character pairs and their sounds; unknown words are looked up as possible typos,
    and two words that make a known one together ("castle rock") stand for it."""
    folded = _fold(text)
    written = _LATIN_WORD.findall(folded)
    words: dict[str, float] = dict.fromkeys(written, 1.0)
    for first, second in pairwise(written):
        if known(first + second):
            words[first + second] = max(words.get(first + second, 0.0), JOINED_WEIGHT)
    for word in dict.fromkeys(written):
        if len(word) >= MIN_FUZZY_LEN:  # "motor" for Motors, "hotel" for Hotels
            other = word[:-1] if word.endswith("s") else f"{word}s"
            words[other] = max(words.get(other, 0.0), PLURAL_WEIGHT)
        if len(word) >= MIN_FUZZY_LEN and word not in STOP_WORDS:
            for near, similarity in vocabulary(word):
                words[near] = max(words.get(near, 0.0), similarity)
    runs = _CJK_RUN.findall(folded)
    pairs = {run[i : i + 2] for run in runs for i in range(len(run) - 1)}
    pairs |= {run for run in runs if len(run) == 1}
    sound_pairs = set().union(*(_sound_pairs(run) for run in runs)) if runs else set()
    return NoteTokens(words, frozenset(pairs), folded, frozenset(sound_pairs))


def _mentioned(cut: _Key, note: NoteTokens) -> tuple[float, float, frozenset[str]]:
    """(weight the note mentions, of which written exactly, the units written exactly)."""
    weight = exact = 0.0
    units: set[str] = set()
    for word, w in cut.words:
        found = note.words.get(word, 0.0)
        weight += w * found
        if found == 1.0:
            exact += w
            units.add(word)
    pairs, sounds = note.pairs, note.sound_pairs
    for w, written, heard in cut.chars:
        if any(pair in pairs for pair in written):
            weight += w
            exact += w
            units.update(pair for pair in written if pair in pairs)
        elif any(pair in sounds for pair in heard):
            weight += w * HOMOPHONE_WEIGHT
    return weight, exact, frozenset(units)


def _lead_missing(cut: _Key, note: NoteTokens) -> bool:
    """Whether a name of several distinctive Latin words is mentioned by one of its later words
    alone: people shorten "Coastal Cold Storage" to "Coastal", never to "cold" ("cold called")."""
    core = [word for word, w in cut.words if w == 1.0]
    if len(core) < 2 or note.words.get(core[0], 0.0) > 0:
        return False
    return sum(note.words.get(word, 0.0) > 0 for word, _ in cut.words) < 2


def _core_pair_heard(cut: _Key, note: NoteTokens) -> bool:
    """Whether the note sounds two neighbouring distinctive characters of the key."""
    return any(
        weights[i] == weights[i + 1] == 1.0 and f"{sounds[i]} {sounds[i + 1]}" in note.sound_pairs
        for (_, weights), sounds in zip(cut.runs, cut.sounds, strict=True)
        for i in range(len(weights) - 1)
    )


class MentionIndex:
    """Every customer key, searchable for the keys a note mentions. Not thread-safe."""

    def __init__(self) -> None:
        self._key_of: dict[int, str] = {}
        self._owner_of: dict[int, int] = {}
        self._ids_of_owner: dict[int, set[int]] = {}
        self._ids_of: dict[str, set[int]] = {}
        self._cut_of: dict[str, _Key] = {}
        self._postings: dict[str, set[str]] = {}
        self._by_length: dict[int, list[str]] | None = None

    def __len__(self) -> int:
        return len(self._key_of)

    def add(self, customer_id: int, key: str, owner_id: int) -> None:
        """Index (or re-index) a customer under its normalized name and current owner."""
        previous = self._owner_of.get(customer_id)
        if previous != owner_id:
            if previous is not None:
                self._ids_of_owner[previous].discard(customer_id)
            self._ids_of_owner.setdefault(owner_id, set()).add(customer_id)
        self._owner_of[customer_id] = owner_id
        old = self._key_of.get(customer_id)
        if old == key:
            return
        if old is not None:
            self._drop(customer_id, old)
        self._key_of[customer_id] = key
        ids = self._ids_of.setdefault(key, set())
        ids.add(customer_id)
        if len(ids) > 1 or not key:
            return
        cut = self._cut_of[key] = _cut(key)
        for entry in _entries(cut):
            self._postings.setdefault(entry, set()).add(key)
            if entry.isascii():
                self._by_length = None

    def remove(self, customer_id: int) -> None:
        """Forget a customer (merged into another); unknown ids are ignored."""
        key = self._key_of.pop(customer_id, None)
        owner = self._owner_of.pop(customer_id, None)
        if owner is not None:
            self._ids_of_owner.get(owner, set()).discard(customer_id)
        if key is not None:
            self._drop(customer_id, key)

    def owner_of(self, customer_id: int) -> int | None:
        """The owner a customer is indexed under, if it is indexed."""
        return self._owner_of.get(customer_id)

    def _drop(self, customer_id: int, key: str) -> None:
        ids = self._ids_of.get(key, set())
        ids.discard(customer_id)
        if ids:
            return
        self._ids_of.pop(key, None)
        cut = self._cut_of.pop(key, None)
        for entry in _entries(cut) if cut else ():
            keys = self._postings.get(entry)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._postings[entry]
                    self._by_length = None

    def _near_words(self, word: str) -> list[tuple[str, float]]:
        """Indexed words a word of the note may stand for: itself, the closest one when it looks
        like a typo of it, or the two known words it runs together ("blueridge")."""
        if word in self._postings:
            return [(word, 1.0)]
        near = self._near_word(word)
        if near is not None:
            return [near]
        for cut in range(3, len(word) - 2):
            if word[:cut] in self._postings and word[cut:] in self._postings:
                return [(word[:cut], JOINED_WEIGHT), (word[cut:], JOINED_WEIGHT)]
        return []

    def _near_word(self, word: str) -> tuple[str, float] | None:
        """The indexed word closest to a word of the note, when it looks like a typo of it."""
        if self._by_length is None:
            by_length: dict[int, list[str]] = {}
            for entry in self._postings:
                if entry.isascii() and len(entry) >= MIN_FUZZY_LEN - 1:
                    by_length.setdefault(len(entry), []).append(entry)
            self._by_length = by_length
        best: tuple[str, float] | None = None
        for length in (len(word) - 1, len(word), len(word) + 1):
            pool = self._by_length.get(length)
            if not pool:
                continue
            hit = process.extractOne(
                word, pool, scorer=fuzz.ratio, processor=None, score_cutoff=FUZZY_CUTOFF
            )
            if hit is not None and (best is None or hit[1] / 100 > best[1]):
                best = (hit[0], hit[1] / 100)
        return best

    def tokens(self, text: str) -> NoteTokens:
        return note_tokens(text, self._near_words, self._postings.__contains__)

    def mentions(
        self, text: str, visible: Callable[[int], bool], *, limit: int = 8
    ) -> list[Mention]:
        """Visible customers the note mentions: written exactly first, then by how much.

        Names are looked up by the units the note writes; only when none of the names found
        that way is written out in full are they looked up by sound too (华锐 for 华瑞), so a
        homophone never competes with a name the rep typed as it is.
        """
        note = self.tokens(text)
        units = [*note.words, *note.pairs]
        found = self._scored(note, units, visible, set())
        if note.sound_pairs and not any(m.exact >= self._cut_of[m.key].core for m in found):
            seen = {m.key for m in found}
            # by sound, two distinctive characters side by side must be heard: 丰物 sounds like
            # 风五 of "东风五金", but 瑞丰物流 is not named by it; 美嘉 names 美佳家居
            heard = self._scored(note, list(note.sound_pairs - note.pairs), visible, seen)
            found += [m for m in heard if _core_pair_heard(self._cut_of[m.key], note)]
        found.sort(key=lambda m: (-m.exact, -m.weight, -m.coverage, m.customer_id))
        return found[:limit]

    def _scored(
        self, note: NoteTokens, units: list[str], visible: Callable[[int], bool], seen: set[str]
    ) -> list[Mention]:
        """The visible keys the units find, scored; at most `MAX_SCORED`, the most found first.

        A unit common to thousands of names ("acme", 永盛) would have every one of them scored;
        those that share the most units with the note are the only ones that can come first.
        """
        hits: Counter[str] = Counter()
        for unit in units:
            hits.update(self._postings.get(unit, ()))
        owner_of, ids_of = self._owner_of, self._ids_of
        keys = [
            key
            for key in hits
            if key not in seen and any(visible(owner_of[cid]) for cid in ids_of[key])
        ]
        if len(keys) > MAX_SCORED:
            keys = heapq.nsmallest(MAX_SCORED, keys, key=lambda k: (-hits[k], k))
        found: list[Mention] = []
        for key in keys:
            cut = self._cut_of[key]
            weight, exact, written = _mentioned(cut, note)
            coverage = weight / cut.total if cut.total else 0.0
            if weight < MIN_WEIGHT or coverage < MIN_COVERAGE or _lead_missing(cut, note):
                continue
            for customer_id in ids_of[key]:
                if visible(owner_of[customer_id]):
                    found.append(Mention(customer_id, key, weight, coverage, exact, written))
        return found

    def misspelt_mentions(
        self, text: str, owner_ids: frozenset[int] | None, *, limit: int = 8
    ) -> list[Mention]:
        """Chinese names written with a wrong character ("星晨贸易" for 星辰贸易), a rep's own.

        Character pairs find no name with a wrong character in it, so the visible names are
        compared with the note as a whole (rapidfuzz `partial_ratio`, the name without its city
        against the best window of the note). That scans names, so it runs only when nothing
        matched exactly and the actor sees at most `MISSPELT_SCOPE` customers (a rep's book).
        """
        runs = _CJK_RUN.findall(_fold(text))
        if not runs:
            return []
        # counted before any set is built: an admin sees every customer (100,000 ids to copy
        # on every note that names nobody, only to find the scan is too large)
        books = [self._ids_of_owner.get(owner, set()) for owner in owner_ids or ()]
        seen = len(self._key_of) if owner_ids is None else sum(map(len, books))
        if seen > MISSPELT_SCOPE:
            return []
        ids: set[int] = set(self._key_of) if owner_ids is None else set().union(*books)
        names: list[str] = []
        owners: list[tuple[int, str, float, float]] = []
        for customer_id in ids:
            key = self._key_of[customer_id]
            cut = self._cut_of.get(key)
            for run, weights in cut.runs if cut else ():
                start = next((i for i, w in enumerate(weights) if w == 1.0), len(run))
                if len(run) - start >= MISSPELT_MIN_CHARS:
                    names.append(run[start:])
                    owners.append((customer_id, key, sum(weights[start:]), cut.total))
        found: list[Mention] = []
        for _, similarity, position in process.extract(
            " ".join(runs),
            names,
            scorer=fuzz.partial_ratio,
            processor=None,
            score_cutoff=MISSPELT_CUTOFF,
            limit=None,
        ):
            customer_id, key, weight, total = owners[position]
            weight *= similarity / 100
            if weight >= MIN_WEIGHT:
                exact = weight if similarity == 100 else 0.0
                found.append(Mention(customer_id, key, weight, weight / total, exact))
        found.sort(key=lambda m: (-m.weight, -m.coverage, m.customer_id))
        return found[:limit]

    def bulk_load(self, rows: Iterable[tuple[int, str, int]]) -> None:
        for customer_id, key, owner_id in rows:
            self.add(customer_id, key, owner_id)
