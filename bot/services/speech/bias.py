"""A small language model of what reps say in a voice note, built from the user's own customers.

pocketsphinx's general English model hears synthetic or accented speech badly and never knows a
customer's name. A voice note to this bot is narrow: a customer, a kind of contact, quantities,
discounts, dates. So the recogniser is steered with a bigram model over that vocabulary, built
from sentence patterns filled with the user's customer names. Words outside it cannot be heard,
which is the price; the benchmark measures both ways on the same recordings.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise


def _listed(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NUMBERS = _listed(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
    "ninety hundred thousand million half"
)
DATES = _listed(
    "today tomorrow yesterday tonight morning afternoon evening noon next this last week weeks "
    "month months day days monday tuesday wednesday thursday friday saturday sunday january "
    "february march april may june july august september october november december first second "
    "third fourth fifth end o'clock a.m. p.m. in on at by before after until"
)
KINDS = _listed("visit visited call called phone phoned meeting met meet message messaged")
COMMANDS = _listed("log new customer contact deal follow up cancel skip back save yes no")
BUSINESS = _listed(
    "units unit pieces boxes percent off discount price prices quote order orders ordered "
    "sample samples delivery contract signed sign payment invoice dollars yuan thousand budget "
    "interested happy want wants wanted need needs asked ask send sent more less about again "
    "they we i he she it them us their our the a an and to for of with is are was will be "
    "not can should would please them manager boss team new product products trial demo "
    "check price list catalog competitor"
)

PATTERNS = (
    "visited {name} they want {n} units at {n} percent off call back next {day}",
    "visited {name} they want {n} units",
    "met {name} about the new order",
    "called {name} they need a quote by {day}",
    "meeting with {name} at {n} p.m.",
    "{name} wants {n} percent off",
    "{name} asked for samples",
    "call back {name} next {day}",
    "follow up with {name} tomorrow",
    "follow up next {day}",
    "sent {name} the price list",
    "{name} signed the contract",
    "{name} is interested in a trial",
    "call back {when}",
    "they want {n} {unit} at {n} percent off",
    "{n} {unit} {n} percent off",
)
UNITS = ("units", "boxes", "pieces")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WHENS = ("tomorrow", "next week", "in two weeks", "tomorrow morning", "next month")
NUMBER_PHRASES = (
    "two hundred",
    "five",
    "ten",
    "fifty",
    "three thousand",
    "twelve",
    "one hundred",
    "twenty",
    "eighty",
)

_WORD = re.compile(r"[a-z][a-z'.]*")


@dataclass(frozen=True, slots=True)
class Hints:
    """What the speaker is likely to say: names of the customers they work with, and the
    language of their setting ("en", "zh"), which the recogniser is told rather than guessing
    it from a few seconds of audio."""

    names: tuple[str, ...] = ()
    language: str = "en"

    def key(self) -> str:
        """The names as one cache key (the bigram model depends on them only)."""
        return "\n".join(sorted(self.names))


def words_of(text: str) -> list[str]:
    """Lower-case ASCII words; everything else (digits, CJK, punctuation) is not spoken English."""
    return _WORD.findall(text.lower())


def sentences(hints: Hints) -> Iterator[list[str]]:
    """The training sentences: every pattern for every name, plus each vocabulary word once."""
    names = [words_of(name) for name in hints.names]
    names = [name for name in names if name] or [["acme"]]
    for index, name in enumerate(names):
        for number, pattern in enumerate(PATTERNS):
            text = pattern.format(
                name=" ".join(name),
                n=NUMBER_PHRASES[(index + number) % len(NUMBER_PHRASES)],
                day=WEEKDAYS[(index + number) % len(WEEKDAYS)],
                unit=UNITS[(index + number) % len(UNITS)],
                when=WHENS[(index + number) % len(WHENS)],
            )
            yield text.split()
    for pattern in PATTERNS:
        for day in WEEKDAYS:
            yield pattern.format(name="they", n="two", day=day, unit="units", when=day).split()
    for word in (*NUMBERS, *DATES, *KINDS, *COMMANDS, *BUSINESS):
        yield [word]


def arpa(corpus: Iterable[list[str]], discount: float = 0.5) -> str:
    """A bigram model in ARPA text: absolute discounting, backing off to add-one unigrams."""
    unigrams: Counter[str] = Counter()
    bigrams: dict[str, Counter[str]] = defaultdict(Counter)
    for words in corpus:
        padded = ["<s>", *words, "</s>"]
        unigrams.update(padded[1:])
        for left, right in pairwise(padded):
            bigrams[left][right] += 1
    vocabulary = sorted(unigrams)
    total = sum(unigrams.values()) + len(vocabulary)
    p_uni = {word: (unigrams[word] + 1) / total for word in vocabulary}
    lines_1 = [f"-99.0000 <s> {_backoff(bigrams['<s>'], p_uni, discount):.4f}"]
    lines_2: list[str] = []
    for word in vocabulary:
        backoff = _backoff(bigrams[word], p_uni, discount) if word in bigrams else 0.0
        lines_1.append(f"{math.log10(p_uni[word]):.4f} {word} {backoff:.4f}")
    for left in sorted(bigrams):
        seen = bigrams[left]
        count = sum(seen.values())
        for right in sorted(seen):
            probability = (seen[right] - discount) / count
            lines_2.append(f"{math.log10(probability):.4f} {left} {right}")
    return "\n".join(
        [
            "\\data\\",
            f"ngram 1={len(lines_1)}",
            f"ngram 2={len(lines_2)}",
            "",
            "\\1-grams:",
            *lines_1,
            "",
            "\\2-grams:",
            *lines_2,
            "",
            "\\end\\",
            "",
        ]
    )


def _backoff(seen: Counter[str], p_uni: dict[str, float], discount: float) -> float:
    """log10 of the weight that makes P(· | word) sum to one over the whole vocabulary."""
    count = sum(seen.values())
    left = discount * len(seen) / count
    unseen = 1.0 - sum(p_uni[word] for word in seen)
    return math.log10(left / unseen) if left > 0 and unseen > 0 else -99.0


# A word the dictionary lacks (most customer names) still needs phones; these spelling rules are
# rough, but a rough pronunciation of a name beats a name the recogniser cannot produce at all.
_LETTER_GROUPS = (
    ("tch", "CH"),
    ("sch", "SH"),
    ("ch", "CH"),
    ("sh", "SH"),
    ("zh", "JH"),
    ("th", "TH"),
    ("ph", "F"),
    ("ng", "NG"),
    ("ck", "K"),
    ("qu", "K W"),
    ("ee", "IY"),
    ("ea", "IY"),
    ("oo", "UW"),
    ("ou", "AW"),
    ("ow", "OW"),
    ("ai", "EY"),
    ("ay", "EY"),
    ("ei", "EY"),
    ("ie", "IY"),
    ("oa", "OW"),
    ("au", "AO"),
    ("ui", "W IY"),
    ("ia", "IY AH"),
    ("io", "IY OW"),
    ("x", "K S"),
    ("q", "CH"),
    ("a", "AA"),
    ("e", "EH"),
    ("i", "IY"),
    ("o", "OW"),
    ("u", "UW"),
    ("y", "IY"),
    ("b", "B"),
    ("c", "K"),
    ("d", "D"),
    ("f", "F"),
    ("g", "G"),
    ("h", "HH"),
    ("j", "JH"),
    ("k", "K"),
    ("l", "L"),
    ("m", "M"),
    ("n", "N"),
    ("p", "P"),
    ("r", "R"),
    ("s", "S"),
    ("t", "T"),
    ("v", "V"),
    ("w", "W"),
    ("z", "Z"),
)


def spell(word: str) -> str:
    """Phones for a word by spelling rules (CMU phone set), for names the dictionary lacks."""
    phones: list[str] = []
    rest = word.lower()
    while rest:
        for letters, sound in _LETTER_GROUPS:
            if rest.startswith(letters):
                phones.extend(sound.split())
                rest = rest[len(letters) :]
                break
        else:
            rest = rest[1:]
    deduped = [p for i, p in enumerate(phones) if i == 0 or p != phones[i - 1]]
    return " ".join(deduped)
