"""Folding: the case-, accent- and hyphen-insensitive alphabet all matching keys are written in.

``fold`` makes "Pjöngjang" and "PJOENGJANG" the same string; ``skeleton`` goes one step
further and maps transliteration variants onto one spelling ("Lawrow"/"Lavrov",
"Sergej"/"Sergey"). Both are cached: the same few names come back in every document.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: German special letters, folded the way German writes them without umlauts.
GERMAN_FOLD = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "oe"}
#: Characters removed from names before matching (quotes, brackets, dots, apostrophes).
STRIP_CHARS = "\"'`´’‘‚„“”«»‹›()[]{}.,;:!?*"
#: The same minus the dot, which may end an initial or an abbreviation ("Donald J. Trump").
STRIP_CHARS_KEEP_DOT = STRIP_CHARS.replace(".", "")
HYPHENS = "-‐‑‒–—"

# Transliteration rules, applied in this order ("tsch" before "sch").
_SKELETON_RULES = (
    ("tsch", "ch"), ("sch", "sh"), ("ph", "f"), ("ck", "k"), ("w", "v"), ("oe", "o"),
    ("ue", "u"), ("ae", "a"), ("ou", "u"), ("dj", "j"), ("tz", "z"), ("ks", "x"),
)

SPACE_RE = re.compile(r"\s+")
_DOUBLE_RE = re.compile(r"(.)\1+")
_INNER_J_RE = re.compile(r"(?<=\w)j")
_C_RE = re.compile(r"c(?!h)")


# one pass for what fold does last: hyphens become spaces, STRIP_CHARS go
_HYPHEN_STRIP_TABLE = str.maketrans({**dict.fromkeys(HYPHENS, " "), **dict.fromkeys(STRIP_CHARS)})
_GERMAN_FOLD_TABLE = str.maketrans(GERMAN_FOLD)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and hyphen-insensitive form: "Pjöngjang" -> "pjoengjang", "Jong-un" -> "jong un"."""
    text = text.casefold()
    if not text.isascii():  # ASCII has no umlauts and no accents to take off
        text = unicodedata.normalize("NFKD", text.translate(_GERMAN_FOLD_TABLE))
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return SPACE_RE.sub(" ", text.translate(_HYPHEN_STRIP_TABLE)).strip()


@lru_cache(maxsize=65536)
def skeleton(key: str) -> str:
    """Transliteration skeleton of a folded key: "lawrow"/"lavrov" -> "lavrov", "sergej" -> "sergey"."""
    s = _C_RE.sub("k", _INNER_J_RE.sub("y", key))
    for old, new in _SKELETON_RULES:
        s = s.replace(old, new)
    return _DOUBLE_RE.sub(r"\1", s)


def as_set(words) -> "set | frozenset | dict":
    """``words`` as something with fast ``in`` (callers pass sets, dicts or any iterable)."""
    return words if isinstance(words, (set, frozenset, dict)) else set(words)
