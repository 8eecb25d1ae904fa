"""When two name keys are the same name: typos, transliterations, surname-first order.

"kim jung un" ~ "kim jong un" and "sergej lwrow" ~ "sergej lawrow" (one word off by a
typo or a transliteration), but never "kim jong un" ~ "kim yong chol" (two words
differ) or "kim" ~ "kin" (short words must be identical). East Asian names are
written surname first, so the surname of "Kim Jong Un" is "Kim", of "Donald Trump" "Trump".
All functions take folded keys (see ``normalize``).
"""

from __future__ import annotations

import re
from typing import Sequence

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from korea_ner.names.fold import fold, skeleton
from korea_ner.names.wordlists import load_words

DEFAULT_FUZZY_THRESHOLD = 85.0
DEFAULT_MIN_FUZZY_LEN = 5

#: Common East Asian surnames: with these first, "Kim Jong Un" is surname-first.
EAST_ASIAN_SURNAMES = frozenset(load_words("names_east_asian_surnames.txt"))
#: A romanised Korean/Chinese given-name syllable.
EA_SYLLABLE = r"[bcdfghjklmnpqrstvwxyz]{0,3}[aeiou]{1,3}(?:ng|n|m|l|k|p|r)?"
#: A given name of one or two such syllables ("jong un", "jinping").
EA_GIVEN_RE = re.compile(rf"^(?:{EA_SYLLABLE}){{1,2}}$")
#: Generational suffixes: "Donald Trump Jr." is not "Donald Trump".
GENERATIONAL = frozenset({"jr", "sr", "junior", "senior", "ii", "iii", "iv"})

_VOWEL_RE = re.compile("[aeiouy]")


def is_surname_first(key_tokens: Sequence[str]) -> bool:
    """East Asian order: "kim jong un", "xi jinping" yes; "kim kardashian", "andrew kim" no."""
    if len(key_tokens) < 2 or key_tokens[0] not in EAST_ASIAN_SURNAMES:
        return False
    given = key_tokens[1:]
    if len(given) > 2:
        return False
    syllables = "".join(given)
    return all(EA_GIVEN_RE.match(t) for t in given) and bool(EA_GIVEN_RE.match(syllables))


def surnames(key_tokens: Sequence[str], display_words: Sequence[str]) -> set[str]:
    """Keys a bare surname can have to refer to this full name ("kim" for "Kim Jong Un",
    "trump" for "Donald Trump"; "Jr." is no surname)."""
    if is_surname_first(key_tokens):
        return {key_tokens[0]}
    if len(display_words) < 2:
        return set()
    return {fold(w) for w in display_words[1:] if fold(w) not in GENERATIONAL}


def is_subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    """Every token of ``short`` occurs in ``long``, in the same order."""
    it = iter(long)
    return all(tok in it for tok in short)


def extends_name(short: Sequence[str], long: Sequence[str]) -> bool:
    """``long`` is ``short`` with words added, none of them Jr./Sr.: "Kim Kardashian" ->
    "Kim Kardashian West" yes, "Donald Trump" -> "Donald Trump Jr." no."""
    if len(long) <= len(short) or not is_subsequence(short, long):
        return False
    return not any(t in GENERATIONAL for t in long if t not in short)


def tokens_similar(a: str, b: str, min_fuzzy_len: int = DEFAULT_MIN_FUZZY_LEN,
                   threshold: float = DEFAULT_FUZZY_THRESHOLD) -> bool:
    """Two folded name tokens are the same word up to a typo or transliteration.

    * identical or same transliteration skeleton (lawrow/lavrov, sergej/sergey);
    * 4-letter tokens: only a vowel may differ (jung/jong yes, jong/yong no);
    * longer tokens: same first letter and one edit (lwrow/lawrow), two edits from 9 letters on.
    Shorter tokens must be identical ("Kim" vs "Kin" are different names).
    """
    if a == b or skeleton(a) == skeleton(b):
        return True
    n = min(len(a), len(b))
    if n < 4 or a[0] != b[0]:
        return False
    if n < min_fuzzy_len:
        if len(a) != len(b):
            return False
        same_consonants = _VOWEL_RE.sub("", a) == _VOWEL_RE.sub("", b)
        return same_consonants and Levenshtein.distance(a, b) <= 1
    max_edits = 2 if n >= 9 else 1
    if Levenshtein.distance(skeleton(a), skeleton(b), score_cutoff=max_edits) > max_edits:
        return False
    # each allowed edit beyond the first lowers the bar by 5 points
    return fuzz.ratio(a, b) >= threshold - 5 * (max_edits - 1)


def names_similar(a: str, b: str, min_fuzzy_len: int = DEFAULT_MIN_FUZZY_LEN,
                  threshold: float = DEFAULT_FUZZY_THRESHOLD) -> bool:
    """Two folded keys name the same entity, compared token by token.

    Same number of tokens, every token similar, at most one token not identical
    and at least one identical: "kim jung un" ~ "kim jong un", "sergej lwrow" ~
    "sergej lawrow"; never "kim jong un" ~ "kim yong chol" (two tokens differ).
    """
    if a == b:
        return True
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb) or not ta:
        return False
    if len(ta) == 1:
        return tokens_similar(ta[0], tb[0], min_fuzzy_len, threshold)
    if skeleton(a) == skeleton(b):
        return True
    differing = 0
    for x, y in zip(ta, tb):
        if x == y:
            continue
        differing += 1
        if differing > 1 or not tokens_similar(x, y, min_fuzzy_len, threshold):
            return False
    return differing < len(ta)
