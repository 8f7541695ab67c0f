"""How far what was heard is from what was said: word or character edit distance."""

from __future__ import annotations

import re
from collections.abc import Sequence


def errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Edit distance (substitutions, insertions, deletions) between two token lists."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def characters(text: str) -> list[str]:
    """Characters for scoring Chinese: no punctuation or spaces."""
    return list(re.sub(r"[\W_]", "", text))
