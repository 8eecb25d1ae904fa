"""From a mention's surface text to its display name and matching key.

"US-Präsident Donald Trumps" -> display "Donald Trump" (``clean_name``: titles, roles and
genitive -s removed) -> key "donald trump" (``normalize``: folded, middle initials dropped).
Two mentions with the same key name the same entity; similar keys are for ``similarity``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from korea_ner.names.fold import SPACE_RE, STRIP_CHARS_KEEP_DOT, as_set, fold
from korea_ner.names.roles import is_role_word, nation_of
from korea_ner.names.wordlists import load_words

ARTICLES = frozenset(
    "der die das den dem des ein eine einen einem eines einer the".split()
)
#: Words ending in -s that are not genitives (names, places) - keep their s.
NO_GENITIVE = frozenset(load_words("names_no_genitive.txt"))

#: Endings of inflected words inside place and organisation names ("Vereinten Nationen").
_LOC_INFLECTIONS = ("en", "em", "er", "es", "e")

_HANDLE_SPLIT_RE = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")
_CAMEL_GLUE_RE = re.compile(r"^(.*[a-zà-ÿ])([A-ZÀ-Þ][a-zà-ÿ]+)$")


#: First elements a German compound shares with a truncated one before "und": "Nord- und
#: Südkorea" is "Nordkorea und Südkorea". Longest first, so "Nordost" wins over "Nord".
SHARED_COMPOUND_FIRSTS = ("nordost", "nordwest", "südost", "südwest", "nord", "süd", "ost", "west",
                          "mittel", "zentral", "ober", "unter", "inner")
#: Words between a truncated compound and the compound that completes it.
TRUNCATION_LINKS = frozenset({"und", "oder", "bis", "sowie", ",", "/"})


def complete_truncated(truncated: str, partner: str) -> Optional[str]:
    """The compound a truncated word ("Nord-") stands for, given the compound that follows
    it ("Südkorea"): "Nordkorea"; None when ``partner`` does not start with a known shared
    first element ("Bundes- und Landesregierung" stays as written)."""
    if not truncated.endswith("-") or len(truncated) < 3:
        return None
    low = partner.lower()
    first = next((f for f in SHARED_COMPOUND_FIRSTS if low.startswith(f)), None)
    if first is None or len(partner) - len(first) < 3:
        return None
    return truncated[:-1] + partner[len(first):]


def truncated_partner(words: Sequence[str], end: int, window: int = 6) -> Optional[str]:
    """The compound that completes a truncated word ending at token ``end`` ("Nord-" in
    "Nord- und Südkorea", "Ost-" in "Ost-, Mittel- und Westeuropa"), if any."""
    linked = False
    for word in words[end:end + window]:
        if word in TRUNCATION_LINKS:
            linked = True
        elif word.endswith("-") and word[:1].isupper():
            continue  # another truncated word of the same list ("Mittel-")
        else:
            return word if linked and word[:1].isupper() else None
    return None


def strip_genitive(word: str, known: Optional[Iterable[str]] = None) -> str:
    """Remove a German genitive -s from one word: "Lawrows" -> "Lawrow", "Nordkoreas" -> "Nordkorea".

    Names ending in s/x/z/ß and listed names ("Paris", "Andreas", "Maas") keep their s.
    ``known`` (folded words seen elsewhere in the document) settles unclear cases:
    "Ris" -> "Ri" when "ri" is known.
    """
    if word.endswith(("'s", "’s")):
        return word[:-2]
    if word.endswith(("'", "’")) and len(word) > 2:
        return word[:-1]
    low = fold(word)
    if not low.endswith("s") or " " in low:
        return word
    if known is not None and low[:-1] in as_set(known):
        return word[:-1]
    if len(low) < 4 or low in NO_GENITIVE:
        return word
    prev = low[-2]
    if prev in "sxz":
        return word
    if prev in "aeiouy":
        if low.endswith("as") and len(low) >= 5 and not low.endswith("aas"):
            return word[:-1]  # Nordkoreas, Chinas, Kubas
        if low.endswith("haus"):
            return word  # Weißes Haus, Rathaus: nominative, the genitive is -hauses
        if low.endswith(("aus", "eus")) or low.endswith("ys"):
            return word[:-1]  # Moskaus, Kennedys
        return word  # Paris, Carlos, Markus: most likely nominative
    return word[:-1]  # Kims, Trumps, Russlands, Putins


def _words(text: str) -> list[str]:
    """Words of ``text`` without surrounding quotes and brackets (dots stay: "J.", "Jr.")."""
    return [w for w in (w.strip(STRIP_CHARS_KEEP_DOT) for w in text.split()) if w]


def _is_prefix_word(word: str) -> bool:
    """A word that can stand before a name without being part of it (article, role, lower case)."""
    key = fold(word)
    return not key or key in ARTICLES or word[:1].islower() or is_role_word(key)


@lru_cache(maxsize=65536)
def strip_titles(text: str) -> str:
    """Drop titles, roles, articles and adjectives before a name.

    "US-Außenminister Mike Pompeo" -> "Mike Pompeo"; "Der russische Außenminister
    Sergej Lawrow" -> "Sergej Lawrow"; "(Präsident Wladimir) Putin" -> "Wladimir Putin";
    "Nordkoreas Machthaber Kim Jong-un" -> "Kim Jong-un". The last word is always kept.
    """
    words = _words(text.replace("(", " ").replace(")", " "))
    if len(words) <= 1:
        return " ".join(words)
    cut = 0
    for i, w in enumerate(words[:-1]):
        if _is_prefix_word(w):
            cut = i + 1
            continue
        # "Nordkoreas Machthaber", "Russlands Außenminister": a genitive qualifier before a role
        key = fold(w)
        if i + 1 < len(words) - 1 and is_role_word(fold(words[i + 1])) and (
            nation_of(key) or key.endswith("s")
        ):
            continue
        break
    return " ".join(words[cut:] or words[-1:])


def drop_initials(tokens: Sequence[str]) -> list[str]:
    """"donald j trump" -> "donald trump" (middle initials only)."""
    if len(tokens) < 3:
        return list(tokens)
    return [tokens[0]] + [t for t in tokens[1:-1] if len(t) > 1] + [tokens[-1]]


def clean_name(text: str, label: str = "PER", known: Optional[Iterable[str]] = None) -> str:
    """Display form of a mention: titles removed (PER), genitive removed, spaces normalised.

    "US-Präsident Donald Trumps" -> "Donald Trump"; "Nordkoreas" (LOC) -> "Nordkorea";
    "@KimKardashian" -> "Kim Kardashian".
    """
    text = _name_part(text, label)
    if not text:
        return text
    words = text.split(" ")
    # a final dot ends the sentence, except after a person's initial or "Jr."
    last = words[-1].rstrip(".") if label != "PER" or len(words[-1]) > 2 else words[-1]
    words[-1] = strip_genitive(last, known)
    return " ".join(words)


@lru_cache(maxsize=65536)  # the same names come back in every document
def _name_part(text: str, label: str) -> str:
    """``clean_name`` before the genitive, which depends on the document's names (``known``)."""
    text = SPACE_RE.sub(" ", text).strip()
    if text.startswith("@") and " " not in text:
        text = _HANDLE_SPLIT_RE.sub(" ", text[1:]).replace("_", " ").strip()
    if label == "PER":
        text = strip_titles(text)
    else:
        words = _words(text)
        while len(words) > 1 and (words[0][:1].islower() or fold(words[0]) in ARTICLES):
            words.pop(0)  # "der Vereinten Nationen"
        text = " ".join(words)
    return text


def _loc_tokens(tokens: list[str]) -> list[str]:
    """Inflection-insensitive tokens of place/organisation names ("Vereinten Nationen")."""
    out = []
    for i, t in enumerate(tokens):
        if i < len(tokens) - 1:
            for ending in _LOC_INFLECTIONS:
                if t.endswith(ending) and len(t) - len(ending) >= 4:
                    t = t[: -len(ending)]
                    break
        elif len(tokens) > 1 and t.endswith("es") and len(t) >= 6 and t[-3] in "sxz":
            t = t[:-2]  # "des Roten Kreuzes"
        out.append(t)
    return out


@lru_cache(maxsize=65536)
def key_of(text: str, label: str) -> str:
    """Matching key of a mention text (``normalize`` without a document's known names)."""
    tokens = fold(clean_name(text, label)).split()
    tokens = drop_initials(tokens) if label == "PER" else _loc_tokens(tokens)
    return " ".join(tokens)


def normalize(text: str, label: str = "PER", known: Optional[Iterable[str]] = None) -> str:
    """Matching key of a mention: titles, genitive, case, accents, hyphens removed.

    >>> normalize("US-Außenminister Mike Pompeo")
    'mike pompeo'
    >>> normalize("Kim Jong-un") == normalize("Kim Jong Un") == normalize("Kims Jong Un".replace("Kims", "KIM"))
    True
    >>> normalize("Nordkoreas", "LOC")
    'nordkorea'

    ``known``: folded keys of names already seen in the document; with it, a word
    glued to the end of a known name ("Kim Yong Cholüber", "Kim Yong CholBild") is cut off.
    """
    key = key_of(text, label)
    if known is None:
        return key
    known_set = as_set(known)
    if key in known_set:
        return key
    unglued = unglue(text, known_set, label)
    return key_of(unglued, label) if unglued != text else key


def unglue(text: str, known: Iterable[str], label: str = "PER") -> str:
    """Cut a word glued to a known name: "Kim Yong Cholüber" -> "Kim Yong Chol" if "kim yong chol" is known."""
    words = text.split()
    if not words:
        return text
    last = words[-1]
    known_set = as_set(known)
    candidates = []
    m = _CAMEL_GLUE_RE.match(last)
    if m:
        candidates.append(m.group(1))
    # trailing lowercase word glued on: try each cut that leaves >= 2 letters
    for cut in range(len(last) - 2, 1, -1):
        if last[cut:].islower() and last[cut:].isalpha():
            candidates.append(last[:cut])
    if not candidates:
        return text
    # a candidate can only match a known key that ends in its own spelling (checked below):
    # this skips building and normalising the other candidates
    known_last = {k.rsplit(" ", 1)[-1] for k in known_set}
    for cand in candidates:
        spelling = fold(cand).replace(" ", "")
        if spelling not in known_last:
            continue
        new = " ".join(words[:-1] + [cand])
        key = key_of(new, label)
        # exact spelling only: "Merkelsagte" is "Merkel" + "sagte", not genitive "Merkels" + "agte"
        if key in known_set and key.split()[-1] == spelling:
            return new
    return text
