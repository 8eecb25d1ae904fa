"""Role nouns: "Außenminister", "der Chefdiplomat", "Kremlchef", "Russlands Präsident".

A role noun stands before a name ("US-Außenminister Mike Pompeo") and later stands
for it ("der US-Außenminister sagte"). This module knows which words are roles,
which role class they belong to (so that "Chefdiplomat" can refer back to an
"Außenminister") and which nation qualifies them ("russische", "des Kreml", "US-").
All functions take folded words (see ``fold``); nothing here looks at a Doc.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional, Sequence

from korea_ner.names.fold import fold
from korea_ner.names.wordlists import load_words

#: A role: the classes it belongs to and the nation code qualifying it (or None).
Role = tuple[frozenset, Optional[str]]

#: Titles and honorifics that precede a name but are not part of it ("Herr", "Papst").
TITLE_WORDS = frozenset(load_words("names_titles.txt"))
#: Endings that make a (compound) noun a role even if not listed in ROLE_CLASSES ("Finanzminister").
ROLE_SUFFIXES = load_words("names_role_suffixes.txt")

#: Role nouns -> role classes. A reference "der Chefdiplomat" matches a person
#: introduced as "Außenminister X" because both map to "aussenminister".
ROLE_CLASSES: dict[str, frozenset[str]] = {
    **{w: frozenset({"aussenminister"}) for w in (
        "aussenminister", "aussenministerin", "chefdiplomat", "chefdiplomatin",
        "aussenamtschef", "aussenamtschefin", "aussenamtssprecher")},
    **{w: frozenset({"praesident"}) for w in (
        "praesident", "praesidentin", "staatspraesident", "staatspraesidentin", "kremlchef",
        "kreml chef", "kremlherr", "kremlherrscher")},
    **{w: frozenset({"machthaber"}) for w in (
        "machthaber", "diktator", "machthaberin", "fuehrer", "alleinherrscher", "herrscher")},
    **{w: frozenset({"praesident", "machthaber"}) for w in (
        "staatschef", "staatschefin", "staatsoberhaupt")},
    **{w: frozenset({"regierungschef"}) for w in (
        "regierungschef", "regierungschefin", "premier", "premierminister", "premierministerin",
        "ministerpraesident", "ministerpraesidentin", "kanzler", "kanzlerin", "bundeskanzler",
        "bundeskanzlerin")},
    **{w: frozenset({"general"}) for w in ("general", "generalin", "militaerchef", "armeechef")},
    **{w: frozenset({"unterhaendler"}) for w in (
        "unterhaendler", "unterhaendlerin", "chefunterhaendler", "chefunterhaendlerin", "gesandter",
        "gesandte", "sondergesandter", "sondergesandte", "abgesandter")},
    **{w: frozenset({"verteidigungsminister"}) for w in (
        "verteidigungsminister", "verteidigungsministerin", "pentagonchef")},
    "minister": frozenset({"*minister"}),
    "ministerin": frozenset({"*minister"}),
}
#: The class of a plain "Minister": it matches any specific minister ("Finanzminister").
ANY_MINISTER = "*minister"

#: Nation qualifiers of roles: "russische", "Russlands", "des Kreml", "US-".
NATIONS: dict[str, str] = {
    **dict.fromkeys(("russland", "russisch", "kreml", "moskau", "russ"), "RU"),
    **dict.fromkeys(("us", "usa", "amerikanisch", "usamerikanisch", "washington", "amerika",
                     "vereinigt staat"), "US"),
    **dict.fromkeys(("nordkorea", "nordkoreanisch", "pjoengjang", "pyongyang"), "KP"),
    **dict.fromkeys(("suedkorea", "suedkoreanisch", "seoul"), "KR"),
    **dict.fromkeys(("china", "chinesisch", "peking", "beijing"), "CN"),
    **dict.fromkeys(("japan", "japanisch", "tokio"), "JP"),
    **dict.fromkeys(("deutschland", "deutsch", "berlin", "bundes"), "DE"),
    **dict.fromkeys(("frankreich", "franzoesisch", "paris", "elysee"), "FR"),
    **dict.fromkeys(("grossbritannien", "britisch", "london", "uk"), "GB"),
    **dict.fromkeys(("ukraine", "ukrainisch", "kiew", "kyjiw"), "UA"),
    **dict.fromkeys(("eu", "europaeisch"), "EU"),
    **dict.fromkeys(("uno", "un"), "UN"),
}

#: Endings stripped to find the base form of an inflected noun or adjective.
_INFLECTION_ENDINGS = ("s", "es", "en", "n", "in", "e")


def inflections(word: str) -> tuple[str, ...]:
    """Candidate base forms of an inflected German noun/adjective (Präsidenten -> präsident)."""
    out = [word]
    for ending in _INFLECTION_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            out.append(word[: -len(ending)])
    return tuple(out)


@lru_cache(maxsize=65536)  # asked for every word around every mention
def is_role_word(key: str) -> bool:
    """``key`` is one folded word (hyphen parts joined by space) that names a role or title."""
    parts = key.split()
    last = parts[-1] if parts else ""
    for cand in inflections(last):
        if cand in ROLE_CLASSES or cand in TITLE_WORDS or cand.endswith(ROLE_SUFFIXES):
            return True
    return "".join(parts) in ROLE_CLASSES


def nation_of(word_key: str) -> Optional[str]:
    """Nation code of a folded qualifier word: "russische" -> "RU", "russlands" -> "RU"."""
    w = word_key.replace(" ", "")
    for cand in inflections(w):  # the word itself comes first
        if cand in NATIONS:
            return NATIONS[cand]
    return None


@lru_cache(maxsize=65536)  # asked for every word before every person mention
def role_classes(key: str) -> Role:
    """Role classes and nation of a role word: "us aussenminister" -> ({aussenminister}, "US")."""
    parts = key.split()
    if not parts:
        return frozenset(), None
    nation = nation_of(parts[0]) if len(parts) > 1 else None
    for cand in inflections("".join(parts)) + inflections(parts[-1]):
        if cand in ROLE_CLASSES:
            if cand.startswith("kreml"):
                nation = nation or "RU"
            return ROLE_CLASSES[cand], nation
    for cand in inflections(parts[-1]):
        if cand.endswith("minister"):  # Finanzminister, Innenminister ... are their own class
            return frozenset({cand}), nation
    return frozenset(), None


def classes_match(a: frozenset, b: frozenset) -> bool:
    """Two role class sets can name the same person (a plain "Minister" matches any minister)."""
    if a & b:
        return True
    if ANY_MINISTER in a:
        return any(c.endswith("minister") for c in b)
    if ANY_MINISTER in b:
        return any(c.endswith("minister") for c in a)
    return False


def role_of_phrase(words: Sequence[str], qualifiers_after: bool = False) -> Optional[Role]:
    """The role a phrase names, from its last role word: "Der russische Außenminister" -> ({aussenminister}, "RU").

    The nation comes from the role word itself ("US-Außenminister") or else from the first
    word before it that names one; with ``qualifiers_after`` also from words after it
    ("der Chefdiplomat des Kreml").
    """
    found = [(j, role) for j, role in ((j, role_classes(fold(w))) for j, w in enumerate(words)) if role[0]]
    if not found:
        return None
    j, (classes, nation) = found[-1]
    qualifiers = list(words[:j]) + (list(words[j + 1:]) if qualifiers_after else [])
    for w in qualifiers:
        nation = nation or nation_of(fold(w))
    return classes, nation
