"""Name variants: one canonical name per person, place and organisation.

German news spells the same entity many ways ("Kim Jong-un", "Kim Jong Un",
"Kim Jung Un", "Kims"; "Sergej Lawrow", "Lawrow", "Lwrow", "Lawrows";
"Nordkoreas"). This module turns mentions into matching keys, links mentions
inside one document (surname -> full name, role noun -> person) and merges
entities across documents, without ever merging two different people
("Kim Jong Un", "Kim Yong Chol", "Kim Kardashian" and "Andrew Kim" stay apart).

Layers, from pure functions to the spaCy component:

* ``fold`` / ``normalize`` / ``clean_name`` / ``strip_genitive``: strings only.
* ``names_similar`` / ``tokens_similar``: token-wise fuzzy comparison (rapidfuzz)
  with guards for short and East Asian names.
* ``resolve_doc``: links the entities of one Doc into clusters (linear in the
  number of entities; candidate look-ups go through dict indexes).
* ``resolve_reference(doc, start_char, end_char)`` / ``canonical_name(span)``:
  what the quotes component calls to find the person behind "Lawrow", "Kim"
  or "der US-Außenminister".
* ``NameResolver``: the ``kner_names`` pipeline component; sets ``Span._.canonical``.
* ``merge_entities`` / ``speaker_matches``: across documents.
* ``load_aliases``: a user TOML/JSON file declaring canonical names and variants.
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

#: German special letters, folded the way German writes them without umlauts.
GERMAN_FOLD = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "oe"}
#: Characters removed from names before matching (quotes, brackets, dots, apostrophes).
STRIP_CHARS = "\"'`´’‘‚„“”«»‹›()[]{}.,;:!?*"
HYPHENS = "-‐‑‒–—"

ARTICLES = frozenset(
    "der die das den dem des ein eine einen einem eines einer the".split()
)

#: Titles and honorifics that precede a name but are not part of it.
TITLE_WORDS = frozenset(
    """herr herrn frau dr prof professor sir mr mrs ms lord lady dame madame monsieur
    papst koenig koenigin prinz prinzessin scheich kardinal bischof pfarrer imam
    genosse genossin secretary president senator governor chancellor minister general
    ambassador representative speaker""".split()
)

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
#: Suffixes that make a (compound) noun a role/title even if not listed above.
ROLE_SUFFIXES = (
    "minister", "ministerin", "praesident", "praesidentin", "chef", "chefin", "kanzler",
    "kanzlerin", "sprecher", "sprecherin", "botschafter", "botschafterin", "diplomat",
    "diplomatin", "general", "machthaber", "diktator", "unterhaendler", "unterhaendlerin",
    "berater", "beraterin", "vorsitzende", "vorsitzender", "senator", "senatorin",
    "abgeordnete", "abgeordneter", "buergermeister", "buergermeisterin", "gouverneur",
    "direktor", "direktorin", "leiter", "leiterin", "kommandeur", "admiral", "oberst",
    "richter", "richterin", "anwalt", "anwaeltin", "star", "sternchen", "sekretaer",
    "sekretaerin", "fuehrer", "herrscher", "oberhaupt", "gesandter", "vertreter",
    "vertreterin", "kollege", "kollegin", "amtskollege", "amtskollegin", "korrespondent",
    "korrespondentin", "moderator", "moderatorin", "trainer", "trainerin", "kandidat",
    "kandidatin", "politiker", "politikerin", "milliardaer", "unternehmer", "ministerpraesident",
)
#: Compound prefixes that qualify a role ("Ex-Präsident", "Vize-Kanzler").
ROLE_PREFIXES = ("ex", "vize", "ober", "chef", "sonder", "staats", "bundes", "landes")

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

#: Tokens before a mention that make it an oblique (less salient) mention.
PREPOSITIONS = frozenset(
    """von mit zu zum zur zwischen an am auf aufs fuer bei beim ueber gegen nach aus vor
    neben hinter unter um ohne durch seit laut""".split()
)

#: Words ending in -s that are not genitives (names, places) - keep their s.
NO_GENITIVE = frozenset(
    """hans jens klaus nikolaus markus marcus james charles williams adams evans roberts
    peters richards edwards collins phillips jacobs simmons owens matthews hastings brooks
    rogers sanders powers hughes reynolds lewis davis jones burns myers andrews watts
    wells mills fields banks gibbs barnes holmes dickens athens wales mons cannes reims
    nantes calais flanders los angeles texas kansas arkansas honduras vegas las tsipras maas
    andreas thomas jonas lukas lucas nicolas niklas elias tobias matthias mathias barnabas
    douglas atlas caracas bahamas judas dallas madras vargas morales carlos santos marcos
    laos paris tunis boris chris iris doris dennis louis luis alexis mars zeus jesus
    moses agnes cyrus vilnius belarus columbus marius julius brutus cassius linus
    cornelius lazarus ramos reyes gates jobs hodges bates""".split()
)

#: Generational suffixes: "Donald Trump Jr." is not "Donald Trump".
GENERATIONAL = frozenset({"jr", "sr", "junior", "senior", "ii", "iii", "iv"})

#: Common East Asian surnames: with these first, "Kim Jong Un" is surname-first.
EAST_ASIAN_SURNAMES = frozenset(
    """kim lee ri yi rhee park pak choi choe jung chung jeong kang cho jo yoon yun jang
    chang lim im han oh seo shin sin kwon hwang ahn an song hong moon mun ko go ryu yu
    ro roh noh chun jon jeon xi li wang zhang liu chen yang huang zhao wu zhou hu mao deng
    jiang wen sun ma guo he lin luo zheng""".split()
)
#: A romanised Korean/Chinese given-name syllable.
_EA_SYLLABLE = r"[bcdfghjklmnpqrstvwxyz]{0,3}[aeiou]{1,3}(?:ng|n|m|l|k|p|r)?"
_EA_GIVEN_RE = re.compile(rf"^(?:{_EA_SYLLABLE}){{1,2}}$")

_SPACE_RE = re.compile(r"\s+")
_HYPHEN_RE = re.compile(f"[{HYPHENS}]")
_STRIP_RE = re.compile("[" + re.escape(STRIP_CHARS) + "]")
_HANDLE_SPLIT_RE = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")
_CAMEL_GLUE_RE = re.compile(r"^(.*[a-zà-ÿ])([A-ZÀ-Þ][a-zà-ÿ]+)$")
# Skeleton rules for transliteration variants (Lawrow/Lavrov, Sergej/Sergey, Pjöngjang/Pyongyang).
_SKELETON_RULES = (
    ("tsch", "ch"), ("sch", "sh"), ("ph", "f"), ("ck", "k"), ("w", "v"), ("oe", "o"),
    ("ue", "u"), ("ae", "a"), ("ou", "u"), ("dj", "j"), ("tz", "z"), ("ks", "x"),
)
_DOUBLE_RE = re.compile(r"(.)\1+")
_INNER_J_RE = re.compile(r"(?<=\w)j")
_C_RE = re.compile(r"c(?!h)")

DEFAULT_FUZZY_THRESHOLD = 85.0
DEFAULT_MIN_FUZZY_LEN = 5

# ---------------------------------------------------------------------------
# Pure string functions
# ---------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and hyphen-insensitive form: "Pjöngjang" -> "pjoengjang", "Jong-un" -> "jong un"."""
    text = text.casefold()
    if any(ch in GERMAN_FOLD for ch in text):
        text = "".join(GERMAN_FOLD.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _HYPHEN_RE.sub(" ", text)
    text = _STRIP_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def skeleton(key: str) -> str:
    """Transliteration skeleton of a folded key: "lawrow"/"lavrov" -> "lavrov", "sergej" -> "sergey"."""
    s = _C_RE.sub("k", _INNER_J_RE.sub("y", key))
    for old, new in _SKELETON_RULES:
        s = s.replace(old, new)
    return _DOUBLE_RE.sub(r"\1", s)


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
    if known is not None:
        known = known if isinstance(known, (set, frozenset, dict)) else set(known)
        if low[:-1] in known:
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


def _is_role_word(key: str) -> bool:
    """``key`` is one folded word (hyphen parts joined by space)."""
    parts = key.split()
    last = parts[-1] if parts else ""
    for cand in _inflections(last):
        if cand in ROLE_CLASSES or cand in TITLE_WORDS or cand.endswith(ROLE_SUFFIXES):
            return True
    joined = "".join(parts)
    return joined in ROLE_CLASSES


def _inflections(word: str) -> tuple[str, ...]:
    """Candidate base forms of an inflected German noun/adjective (Präsidenten -> präsident)."""
    out = [word]
    for suffix in ("s", "es", "en", "n", "in", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            out.append(word[: -len(suffix)])
    return tuple(out)


def _nation_of(word_key: str) -> Optional[str]:
    """Nation code of a folded qualifier word: "russische" -> "RU", "russlands" -> "RU"."""
    w = word_key.replace(" ", "")
    if w in NATIONS:
        return NATIONS[w]
    for cand in _inflections(w):
        if cand in NATIONS:
            return NATIONS[cand]
    return None


def _is_prefix_word(word: str) -> bool:
    """A word that can stand before a name without being part of it."""
    key = fold(word)
    if not key:
        return True
    if key in ARTICLES or word[:1].islower():
        return True
    if _is_role_word(key) or key in TITLE_WORDS:
        return True
    return False


@lru_cache(maxsize=65536)
def strip_titles(text: str) -> str:
    """Drop titles, roles, articles and adjectives before a name.

    "US-Außenminister Mike Pompeo" -> "Mike Pompeo"; "Der russische Außenminister
    Sergej Lawrow" -> "Sergej Lawrow"; "(Präsident Wladimir) Putin" -> "Wladimir Putin";
    "Nordkoreas Machthaber Kim Jong-un" -> "Kim Jong-un". The last word is always kept.
    """
    text = text.replace("(", " ").replace(")", " ")
    words = [w.strip(STRIP_CHARS.replace(".", "")) for w in text.split()]
    words = [w for w in words if w]
    if len(words) <= 1:
        return " ".join(words)
    cut = 0
    for i, w in enumerate(words[:-1]):
        key = fold(w)
        if _is_prefix_word(w):
            cut = i + 1
            continue
        # "Nordkoreas Machthaber", "Russlands Außenminister": a genitive qualifier before a role
        if i + 1 < len(words) - 1 and _is_role_word(fold(words[i + 1])) and (
            _nation_of(key) or key.endswith("s")
        ):
            continue
        break
    words = words[cut:] or words[-1:]
    return " ".join(words)


def _drop_initials(tokens: Sequence[str]) -> list[str]:
    """"donald j trump" -> "donald trump" (middle initials only)."""
    if len(tokens) < 3:
        return list(tokens)
    kept = [tokens[0]] + [t for t in tokens[1:-1] if len(t) > 1] + [tokens[-1]]
    return kept


def clean_name(text: str, label: str = "PER", known: Optional[Iterable[str]] = None) -> str:
    """Display form of a mention: titles removed (PER), genitive removed, spaces normalised.

    "US-Präsident Donald Trumps" -> "Donald Trump"; "Nordkoreas" (LOC) -> "Nordkorea";
    "@KimKardashian" -> "Kim Kardashian".
    """
    text = _SPACE_RE.sub(" ", text).strip()
    if text.startswith("@") and " " not in text:
        text = _HANDLE_SPLIT_RE.sub(" ", text[1:]).replace("_", " ").strip()
    if label == "PER":
        text = strip_titles(text)
    else:
        words = [w for w in (w.strip(STRIP_CHARS.replace(".", "")) for w in text.split()) if w]
        while len(words) > 1 and (words[0][:1].islower() or fold(words[0]) in ARTICLES):
            words.pop(0)  # "der Vereinten Nationen"
        text = " ".join(words)
    if not text:
        return text
    words = text.split(" ")
    last = words[-1].rstrip(".") if label != "PER" or len(words[-1]) > 2 else words[-1]
    words[-1] = strip_genitive(last, known)
    return " ".join(words)


@lru_cache(maxsize=65536)
def _key(text: str, label: str) -> str:
    name = clean_name(text, label)
    tokens = fold(name).split()
    if label == "PER":
        tokens = _drop_initials(tokens)
    else:
        tokens = _loc_tokens(tokens)
    return " ".join(tokens)


def _loc_tokens(tokens: list[str]) -> list[str]:
    """Inflection-insensitive tokens of place/organisation names ("Vereinten Nationen")."""
    out = []
    for i, t in enumerate(tokens):
        if i < len(tokens) - 1:
            for suffix in ("en", "em", "er", "es", "e"):
                if t.endswith(suffix) and len(t) - len(suffix) >= 4:
                    t = t[: -len(suffix)]
                    break
        elif len(tokens) > 1 and t.endswith("es") and len(t) >= 6 and t[-3] in "sxz":
            t = t[:-2]  # "des Roten Kreuzes"
        out.append(t)
    return out


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
    if known is None:
        return _key(text, label)
    key = _key(text, label)
    known_set = known if isinstance(known, (set, frozenset, dict)) else set(known)
    if key in known_set:
        return key
    unglued = unglue(text, known_set, label)
    if unglued != text:
        return _key(unglued, label)
    return key


def unglue(text: str, known: Iterable[str], label: str = "PER") -> str:
    """Cut a word glued to a known name: "Kim Yong Cholüber" -> "Kim Yong Chol" if "kim yong chol" is known."""
    words = text.split()
    if not words:
        return text
    last = words[-1]
    known_set = known if isinstance(known, (set, frozenset, dict)) else set(known)
    candidates = []
    m = _CAMEL_GLUE_RE.match(last)
    if m:
        candidates.append(m.group(1))
    # trailing lowercase word glued on: try each cut that leaves >= 2 letters
    for cut in range(len(last) - 2, 1, -1):
        if last[cut:].islower() and last[cut:].isalpha():
            candidates.append(last[:cut])
    for cand in candidates:
        new = " ".join(words[:-1] + [cand])
        key = _key(new, label)
        # exact spelling only: "Merkelsagte" is "Merkel" + "sagte", not genitive "Merkels" + "agte"
        if key in known_set and key.split()[-1] == fold(cand).replace(" ", ""):
            return new
    return text


def is_surname_first(key_tokens: Sequence[str]) -> bool:
    """East Asian order: "kim jong un", "xi jinping" yes; "kim kardashian", "andrew kim" no."""
    if len(key_tokens) < 2 or key_tokens[0] not in EAST_ASIAN_SURNAMES:
        return False
    given = key_tokens[1:]
    if len(given) > 2:
        return False
    syllables = "".join(given)
    return all(_EA_GIVEN_RE.match(t) for t in given) and bool(_EA_GIVEN_RE.match(syllables))


def tokens_similar(a: str, b: str, min_fuzzy_len: int = DEFAULT_MIN_FUZZY_LEN,
                   threshold: float = DEFAULT_FUZZY_THRESHOLD) -> bool:
    """Two folded name tokens are the same word up to a typo or transliteration.

    * identical or same transliteration skeleton (lawrow/lavrov, sergej/sergey);
    * 4-letter tokens: only a vowel may differ (jung/jong yes, jong/yong no);
    * longer tokens: same first letter and one edit (lwrow/lawrow), two edits from 9 letters on.
    Shorter tokens must be identical ("Kim" vs "Kin" are different names).
    """
    if a == b:
        return True
    if skeleton(a) == skeleton(b):
        return True
    n = min(len(a), len(b))
    if n < 4 or a[0] != b[0]:
        return False
    if n < min_fuzzy_len:
        if len(a) != len(b):
            return False
        cons_a = re.sub("[aeiouy]", "", a)
        cons_b = re.sub("[aeiouy]", "", b)
        return cons_a == cons_b and Levenshtein.distance(a, b) <= 1
    max_edits = 2 if n >= 9 else 1
    dist = Levenshtein.distance(skeleton(a), skeleton(b), score_cutoff=max_edits)
    if dist > max_edits:
        return False
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


def _is_subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    it = iter(long)
    return all(tok in it for tok in short)


# ---------------------------------------------------------------------------
# Aliases
# ---------------------------------------------------------------------------

ALIAS_SECTIONS = {
    "person": "PER", "persons": "PER", "people": "PER", "per": "PER",
    "place": "LOC", "places": "LOC", "location": "LOC", "locations": "LOC", "loc": "LOC",
    "org": "ORG", "orgs": "ORG", "organisation": "ORG", "organisations": "ORG",
    "organization": "ORG", "organizations": "ORG",
}


@dataclass
class Aliases:
    """Canonical names declared by the user: folded key -> (canonical name, label)."""

    entries: list[dict] = field(default_factory=list)  # [{"name", "label", "variants"}]
    by_key: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, name: str, label: str, variants: Sequence[str] = ()) -> None:
        self.entries.append({"name": name, "label": label, "variants": list(variants)})
        for text in (name, *variants):
            self.by_key[_key(text, label)] = (name, label)
            self.by_key.setdefault(fold(text), (name, label))

    def lookup(self, key: str) -> Optional[tuple[str, str]]:
        return self.by_key.get(key)

    def to_dict(self) -> dict:
        return {"entries": self.entries}

    @classmethod
    def from_dict(cls, data: dict) -> "Aliases":
        out = cls()
        for e in data.get("entries", []):
            out.add(e["name"], e["label"], e.get("variants", []))
        return out

    def __len__(self) -> int:
        return len(self.entries)


def _line_of_entry(raw: str, section: str, index: int, suffix: str) -> int:
    """Best-effort line number of the ``index``-th entry of ``section`` in the raw file."""
    if suffix == ".toml":
        pattern = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(section)}[ \t]*\]\]", re.M)
    else:
        pattern = re.compile(r"\{")
        sec = re.search(rf'"{re.escape(section)}"\s*:', raw)
        if sec is None:
            return 1
        hits = [m for m in pattern.finditer(raw, sec.end())]
        return raw.count("\n", 0, hits[index].start()) + 1 if index < len(hits) else 1
    hits = list(pattern.finditer(raw))
    return raw.count("\n", 0, hits[index].start()) + 1 if index < len(hits) else 1


def load_aliases(path: Union[str, Path]) -> Aliases:
    """Read a TOML or JSON alias file.

    TOML::

        [[person]]
        name = "Kim Jong Un"
        variants = ["Kim Jong-un", "Kim Jung Un"]

    JSON: ``{"person": [{"name": "Kim Jong Un", "variants": [...]}]}``. Sections:
    person, place, org (and plural/English spellings). Any problem raises a
    ``ValueError`` with a one-line message naming the file and the line.
    """
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{p}: alias file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{p}: cannot read alias file: {exc}") from None
    suffix = p.suffix.lower()
    if suffix not in (".toml", ".json"):
        suffix = ".json" if raw.lstrip().startswith("{") else ".toml"
    if suffix == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{p}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    else:
        import tomllib

        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            msg = str(exc)
            m = re.search(r"line (\d+)", msg)
            line = m.group(1) if m else str(max(1, len(raw.splitlines())))  # "at end of document"
            msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg).splitlines()[0]
            raise ValueError(f"{p}:{line}: invalid TOML: {msg}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{p}:1: alias file must contain a table/object of sections")
    aliases = Aliases()
    for section, entries in data.items():
        label = ALIAS_SECTIONS.get(str(section).lower())
        if label is None:
            line = _line_of_entry(raw, section, 0, suffix)
            known = ", ".join(sorted({"person", "place", "org"}))
            raise ValueError(f"{p}:{line}: unknown section {section!r} (expected one of: {known})")
        if not isinstance(entries, list):
            line = _line_of_entry(raw, section, 0, suffix)
            raise ValueError(f"{p}:{line}: section {section!r} must be a list of entries ([[{section}]])")
        for i, entry in enumerate(entries):
            line = _line_of_entry(raw, section, i, suffix)
            if not isinstance(entry, dict):
                raise ValueError(f"{p}:{line}: entry {i + 1} of {section!r} must be a table/object")
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"{p}:{line}: entry {i + 1} of {section!r} needs a non-empty string 'name'")
            variants = entry.get("variants", [])
            if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
                raise ValueError(f"{p}:{line}: 'variants' of {name!r} must be a list of non-empty strings")
            unknown = set(entry) - {"name", "variants"}
            if unknown:
                raise ValueError(f"{p}:{line}: unknown key(s) {', '.join(sorted(unknown))} in entry {name!r}")
            aliases.add(name.strip(), label, [v.strip() for v in variants])
    return aliases


# ---------------------------------------------------------------------------
# In-document resolution
# ---------------------------------------------------------------------------


@dataclass
class Mention:
    """One entity mention of a document, as the resolver sees it."""

    index: int  # position in doc.ents
    start: int  # token offsets
    end: int
    start_char: int
    end_char: int
    label: str
    text: str
    display: str  # cleaned surface form (no titles, no genitive, unglued)
    key: str
    sent: int
    weight: float  # salience weight: 2 for subject-like, 0.25 for oblique
    cluster: int = -1


@dataclass
class Cluster:
    """All mentions of one entity in one document."""

    id: int
    label: str
    key: str
    mentions: list[int] = field(default_factory=list)
    canonical: str = ""
    roles: list[tuple[frozenset, Optional[str]]] = field(default_factory=list)  # (classes, nation)
    alias: Optional[str] = None

    @property
    def tokens(self) -> list[str]:
        return self.key.split()


@dataclass
class DocIndex:
    mentions: list[Mention]
    clusters: list[Cluster]
    sent_starts: list[int]  # char offset of each sentence start, sorted

    def sent_of_char(self, char: int) -> int:
        import bisect

        return max(0, bisect.bisect_right(self.sent_starts, char) - 1)


def _sentence_starts(doc) -> list[int]:
    if doc.has_annotation("SENT_START"):
        return [s.start_char for s in doc.sents]
    # no sentence boundaries: paragraphs and sentence punctuation
    starts = [0]
    for m in re.finditer(r"(?:[.!?]\s+|\n\s*)(?=\S)", doc.text):
        starts.append(m.end())
    return starts


#: Tokens that may separate a first name from its surname: "(Präsident Wladimir) Putin".
_BRACKET_GAP = frozenset(")]\"“”»«'")


def _attach_bracketed_first_names(doc, mentions: list[Mention]) -> None:
    """"(Präsident Wladimir) Putin": a one-word PER mention followed, after only closing brackets
    or quotes, by a one-word PER mention gets the full name as display (both mentions)."""
    for m, n in zip(mentions, mentions[1:]):
        if m.label != "PER" or n.label != "PER" or not m.display or not n.display:
            continue
        if len(m.display.split()) != 1 or len(n.display.split()) != 1 or not 0 < n.start - m.end <= 2:
            continue
        gap = [doc[i].text for i in range(m.end, n.start)]
        if not all(g in _BRACKET_GAP for g in gap) or not any(g in ")]" for g in gap):
            continue
        full = f"{m.display} {n.display}"
        m.display = n.display = full
        m.key = n.key = _key(full, "PER")


def _mention_weight(doc, span) -> float:
    """Salience weight: subject-like (sentence-initial) mentions count more, oblique ones less."""
    sent_start = span.sent.start if doc.has_annotation("SENT_START") else 0
    i = span.start - 1
    steps = 0
    while i >= sent_start and steps < 4:
        tok = doc[i]
        key = fold(tok.text)
        if key in PREPOSITIONS:
            return 0.25
        if not key or key in ARTICLES or tok.text[:1].islower() or _is_role_word(key) or tok.is_punct:
            if tok.is_punct and tok.text not in "(\"„“":
                break
            i -= 1
            steps += 1
            continue
        break
    if i < sent_start:
        return 2.0
    return 1.0


def _roles_before(doc, span) -> list[tuple[frozenset, Optional[str]]]:
    """Role nouns introducing a mention: "Der russische Außenminister Sergej Lawrow"."""
    roles: list[tuple[frozenset, Optional[str]]] = []
    words: list[str] = []
    sent_start = span.sent.start if doc.has_annotation("SENT_START") else max(0, span.start - 6)
    # role words inside the entity span itself ("US-Präsident Donald Trump" as one entity)
    inner = []
    for tok in span:
        if _is_role_word(fold(tok.text)) or fold(tok.text) in ARTICLES or tok.text[:1].islower():
            inner.append(tok.text)
        else:
            break
    words = inner
    i = span.start - 1
    before: list[str] = []
    while i >= sent_start and len(before) < 5:
        tok = doc[i]
        if tok.is_punct and tok.text not in "-":
            break
        before.append(tok.text)
        i -= 1
    before.reverse()
    # keep only a contiguous run ending in a role word right before the name
    if before and not inner:
        key = fold(before[-1])
        if not _is_role_word(key):
            before = []
    words = before + words
    role_idx = [j for j, w in enumerate(words) if _role_classes(fold(w))[0]]
    if not role_idx:
        return roles
    j = role_idx[-1]
    classes, nation = _role_classes(fold(words[j]))
    for w in words[:j]:
        nation = nation or _nation_of(fold(w))
    if classes:
        roles.append((classes, nation))
    return roles


def _role_classes(key: str) -> tuple[frozenset, Optional[str]]:
    """Role classes and nation of a role word: "us aussenminister" -> ({aussenminister}, "US")."""
    parts = key.split()
    if not parts:
        return frozenset(), None
    nation = None
    if len(parts) > 1:
        nation = _nation_of(parts[0])
    joined = "".join(parts)
    cands = _inflections(joined) + _inflections(parts[-1])
    for cand in cands:
        if cand in ROLE_CLASSES:
            if cand.startswith("kreml"):
                nation = nation or "RU"
            return ROLE_CLASSES[cand], nation
    for cand in _inflections(parts[-1]):
        if cand.endswith("minister"):  # Finanzminister, Innenminister ...
            return frozenset({cand}), nation
    return frozenset(), None


def _classes_match(a: frozenset, b: frozenset) -> bool:
    if a & b:
        return True
    if "*minister" in a:
        return any(c.endswith("minister") for c in b)
    if "*minister" in b:
        return any(c.endswith("minister") for c in a)
    return False


def _surnames(cluster_tokens: Sequence[str], display_words: Sequence[str]) -> set[str]:
    """Keys a bare surname can have to refer to this full name."""
    if is_surname_first(cluster_tokens):
        return {cluster_tokens[0]}
    if len(display_words) < 2:
        return set()
    return {fold(w) for w in display_words[1:] if fold(w) not in GENERATIONAL}


class _Resolver:
    """Builds the DocIndex of one document."""

    def __init__(self, aliases: Optional[Aliases] = None, threshold: float = DEFAULT_FUZZY_THRESHOLD,
                 min_fuzzy_len: int = DEFAULT_MIN_FUZZY_LEN):
        self.aliases = aliases
        self.threshold = threshold
        self.min_fuzzy_len = min_fuzzy_len

    def sim(self, a: str, b: str) -> bool:
        return names_similar(a, b, self.min_fuzzy_len, self.threshold)

    def __call__(self, doc) -> DocIndex:
        ents = list(doc.ents)
        sent_starts = _sentence_starts(doc)
        index = DocIndex([], [], sent_starts)
        if not ents:
            return index
        # last words of all mentions, folded: lets strip_genitive see "Ri" before "Ris"
        raw_keys = {_key(e.text, e.label_) for e in ents}
        last_words = {k.split()[-1] for k in raw_keys if k}
        place_keys = {_key(e.text, e.label_) for e in ents if e.label_ in ("LOC", "GPE")}
        mentions: list[Mention] = []
        for i, span in enumerate(ents):
            label = span.label_
            display = clean_name(span.text, label, last_words)
            key = _key(display, label) if display else ""
            if key and key not in raw_keys or (key and len(display.split()) > 1):
                unglued = unglue(display, raw_keys - {key}, label) if len(display.split()) > 1 else display
                if unglued != display:
                    display, key = unglued, _key(unglued, label)
            words = display.split()
            if label == "PER" and len(words) > 2 and _key(words[-1], "LOC") in place_keys:
                display = " ".join(words[:-1])  # "Sergej Lawrow Pjöngjang": NER swallowed a place
                key = _key(display, label)
            mentions.append(Mention(
                index=i, start=span.start, end=span.end, start_char=span.start_char,
                end_char=span.end_char, label=label, text=span.text, display=display, key=key,
                sent=index.sent_of_char(span.start_char), weight=_mention_weight(doc, span),
            ))
        index.mentions = mentions
        _attach_bracketed_first_names(doc, mentions)
        self._cluster(doc, ents, index)
        return index

    # -- clustering -------------------------------------------------------

    def _new_cluster(self, index: DocIndex, m: Mention, label: str) -> Cluster:
        c = Cluster(id=len(index.clusters), label=label, key=m.key)
        index.clusters.append(c)
        return c

    def _join(self, c: Cluster, m: Mention) -> None:
        c.mentions.append(m.index)
        m.cluster = c.id

    def _cluster(self, doc, ents, index: DocIndex) -> None:
        mentions = index.mentions
        per = [m for m in mentions if m.label == "PER" and m.key]
        others = [m for m in mentions if m.label != "PER" and m.key]
        by_key: dict[str, int] = {}
        by_token: dict[str, set[int]] = {}

        # 1. full names (2+ words), longest first so shorter spellings can join them
        full = sorted((m for m in per if len(m.display.split()) > 1),
                      key=lambda m: (-len(m.key.split()), m.start))
        for m in full:
            cid = by_key.get(m.key)
            if cid is None:
                cid = self._find_full(index, m, by_token)
            if cid is None:
                c = self._new_cluster(index, m, "PER")
                cid = c.id
                by_key[m.key] = cid
                for t in m.key.split():
                    by_token.setdefault(t, set()).add(cid)
            by_key.setdefault(m.key, cid)
            self._join(index.clusters[cid], m)
        # surname index of full-name clusters
        surname_index: dict[str, set[int]] = {}
        for c in index.clusters:
            for mi in c.mentions:
                for s in _surnames(c.tokens, mentions[mi].display.split()):
                    surname_index.setdefault(s, set()).add(c.id)
        full_clusters = list(index.clusters)

        # 2. bare names ("Lawrow", "Kim", "Kims", "Lwrow") in document order
        bare = [m for m in per if len(m.display.split()) == 1]
        # non-PER mentions that spell a person of this document (NER mislabels)
        for m in others:
            if m.label != "LOC" and (m.key in by_key or (len(m.key.split()) == 1 and m.key in surname_index)):
                bare.append(m)
        bare.sort(key=lambda m: m.start)
        single_by_key: dict[str, int] = {}
        for m in bare:
            if m.key in by_key and len(m.key.split()) > 1:
                self._join(index.clusters[by_key[m.key]], m)
                continue
            cands = self._bare_candidates(m.key, surname_index, full_clusters)
            if not cands and m.label == "PER":
                # a lone first name ("Wladimir") of exactly one full name of the document
                cands = [c.id for c in full_clusters if len(c.tokens) > 1 and c.tokens[0] == m.key
                         and not is_surname_first(c.tokens)][:2]
                cands = cands if len(cands) == 1 else []
            if len(cands) == 1:
                self._join(index.clusters[cands[0]], m)
            elif len(cands) > 1:
                self._join(index.clusters[self._most_salient(index, cands, m)], m)
            elif m.label == "PER":
                cid = single_by_key.get(m.key)
                if cid is None:
                    cid = next((single_by_key[k] for k in single_by_key if self.sim(k, m.key)), None)
                if cid is None:
                    cid = self._new_cluster(index, m, "PER").id
                    single_by_key[m.key] = cid
                self._join(index.clusters[cid], m)

        # 3. places, organisations, misc: same key or same transliteration skeleton
        other_by_key: dict[tuple[str, str], int] = {}
        for m in others:
            if m.cluster >= 0:
                continue
            k = (m.label, skeleton(m.key))
            cid = other_by_key.get(k)
            if cid is None:
                cid = self._new_cluster(index, m, m.label).id
                other_by_key[k] = cid
            self._join(index.clusters[cid], m)

        # roles and canonical names
        for c in index.clusters:
            self._finish(doc, ents, index, c)

    def _find_full(self, index: DocIndex, m: Mention, by_token: dict[str, set[int]]) -> Optional[int]:
        toks = m.key.split()
        cands: set[int] = set()
        for t in toks:
            cands |= by_token.get(t, set())
        fuzzy = [cid for cid in cands if self.sim(index.clusters[cid].key, m.key)]
        if len(fuzzy) >= 1:
            return min(fuzzy)
        # "Kim Kardashian" inside "Kim Kardashian West" (unique superset, no Jr./Sr.)
        supers = []
        for cid in cands:
            ctoks = index.clusters[cid].key.split()
            if len(ctoks) > len(toks) and _is_subsequence(toks, ctoks):
                extra = [t for t in ctoks if t not in toks]
                if not any(t in GENERATIONAL for t in extra):
                    supers.append(cid)
        if len(supers) == 1:
            return supers[0]
        return None

    def _bare_candidates(self, key: str, surname_index: dict[str, set[int]],
                         full_clusters: list[Cluster]) -> list[int]:
        if not key:
            return []
        cands = surname_index.get(key)
        if not cands and key.endswith("s") and len(key) > 2:
            cands = surname_index.get(key[:-1])  # "Ris" -> "Ri"
        if not cands and len(key) >= self.min_fuzzy_len:
            cands = {cid for s, cids in surname_index.items()
                     if tokens_similar(s, key, self.min_fuzzy_len, self.threshold) for cid in cids}
        return sorted(cands or ())

    def _most_salient(self, index: DocIndex, cands: Sequence[int], m: Mention) -> int:
        """Candidate with most salience at ``m``: recent, subject-like mentions before it count most;
        with nothing before, the nearest full name after it; the first-introduced breaks ties."""
        return _pick_salient(index, cands, m.start_char, m.sent)

    def _finish(self, doc, ents, index: DocIndex, c: Cluster) -> None:
        ms = [index.mentions[i] for i in c.mentions]
        if c.label == "PER":
            for m in ms:
                if len(m.display.split()) > 1 or m.label == "PER":
                    c.roles.extend(_roles_before(doc, ents[m.index]))
        c.canonical = _choose_display([m.display for m in ms])
        if self.aliases is not None:
            for k in [c.key] + [m.key for m in ms]:
                hit = self.aliases.lookup(k)
                if hit is not None:
                    c.alias = c.canonical = hit[0]
                    break


def _pick_salient(index: DocIndex, cands: Sequence[int], char: int, sent: int) -> int:
    scores: dict[int, float] = {}
    first_seen: dict[int, int] = {}
    nearest_after: dict[int, int] = {}
    for cid in cands:
        c = index.clusters[cid]
        score = 0.0
        for mi in c.mentions:
            p = index.mentions[mi]
            first_seen[cid] = min(first_seen.get(cid, p.start_char), p.start_char)
            if p.start_char < char:
                score += p.weight * 0.5 ** (sent - p.sent)
            elif p.start_char > char:
                nearest_after[cid] = min(nearest_after.get(cid, p.start_char), p.start_char)
        scores[cid] = score
    best = max(scores.values())
    if best > 0.02:
        return max(cands, key=lambda cid: (scores[cid], -first_seen[cid]))
    # nothing salient before: nearest mention after; far back: the one introduced first
    if best == 0.0 and nearest_after:
        return min(nearest_after, key=nearest_after.get)
    return min(cands, key=lambda cid: first_seen[cid])


def _choose_display(displays: Sequence[str]) -> str:
    """Fullest spelling; ties go to the one whose words the other mentions support most (not the typo)."""
    word_counts = Counter(fold(w) for d in displays for w in d.split())
    counts = Counter(displays)
    first = {}
    for i, d in enumerate(displays):
        first.setdefault(d, i)

    def score(d: str):
        words = _drop_initials(d.split())  # "Donald J. Trump" is not fuller than "Donald Trump"
        return (len(words), sum(word_counts[fold(w)] for w in words), counts[d], -first[d])

    best = max(counts, key=score) if counts else ""
    return _without_extra_surname(best, counts, word_counts)


def _without_extra_surname(best: str, counts: Counter, word_counts: Counter) -> str:
    """"Kim Kardashian West" -> "Kim Kardashian" when "Kim Kardashian" is used too, "Kardashian"
    is used on its own and the extra trailing word ("West") never is: a married/second name.
    East Asian names and names whose last word stands alone ("Steinmeier") keep the full form."""
    words = best.split()
    if len(words) < 3 or is_surname_first([fold(w) for w in words]):
        return best
    shorter = " ".join(words[:-1])
    last, prev = fold(words[-1]), fold(words[-2])
    if counts.get(shorter) and word_counts[last] == counts[best] and word_counts[prev] > counts[best] + counts[shorter]:
        return shorter
    return best


# cache of DocIndex for resolve_reference calls on the same doc (the quotes component
# calls it many times per doc); keyed by id(doc) and validated by the entity signature
_INDEX_CACHE: "OrderedDict[int, tuple[tuple, Any, DocIndex]]" = OrderedDict()
_INDEX_CACHE_SIZE = 32


def _ents_signature(doc) -> tuple:
    return (len(doc), tuple((e.start, e.end, e.label) for e in doc.ents))


def doc_index(doc, resolver: Optional[_Resolver] = None) -> DocIndex:
    """The (cached) resolution of ``doc``'s entities into clusters."""
    sig = _ents_signature(doc)
    hit = _INDEX_CACHE.get(id(doc))
    if hit is not None and hit[0] == sig and hit[1] is doc:
        _INDEX_CACHE.move_to_end(id(doc))
        return hit[2]
    index = (resolver or _DEFAULT_RESOLVER)(doc)
    _INDEX_CACHE[id(doc)] = (sig, doc, index)
    while len(_INDEX_CACHE) > _INDEX_CACHE_SIZE:
        _INDEX_CACHE.popitem(last=False)
    return index


_DEFAULT_RESOLVER = _Resolver()


def resolve_doc(doc, aliases: Optional[Aliases] = None) -> list[str]:
    """Canonical name of every entity of ``doc.ents`` (same order)."""
    resolver = _Resolver(aliases) if aliases is not None else None
    index = doc_index(doc, resolver)
    out = []
    for m in index.mentions:
        out.append(index.clusters[m.cluster].canonical if m.cluster >= 0 else m.display or m.text)
    return out


def _best_span(doc, index: DocIndex, c: Cluster, near: int):
    """The mention of ``c`` spelled like its canonical name, nearest to ``near`` (before preferred)."""
    ents = doc.ents
    ms = [index.mentions[i] for i in c.mentions]
    full = [m for m in ms if m.display == c.canonical] or [m for m in ms if len(m.display.split()) > 1] or ms
    before = [m for m in full if m.start_char <= near]
    m = max(before, key=lambda m: m.start_char) if before else min(full, key=lambda m: m.start_char)
    return ents[m.index]


def resolve_reference(doc, start_char: int, end_char: int):
    """The PER entity span a mention refers to, or None.

    The mention can be a PER entity ("Lawrow", "Kim", "Kims"), a bare name the
    NER missed, or a role noun phrase ("der US-Außenminister", "Russlands
    Chefdiplomat", "der Chefdiplomat des Kreml") whose role was introduced in an
    apposition in the same document ("US-Außenminister Mike Pompeo"). Returns the
    best full-name mention of that person (use ``canonical_name`` on it).
    """
    index = doc_index(doc)
    if not index.clusters:
        return None
    per_clusters = [c for c in index.clusters if c.label == "PER"]
    if not per_clusters:
        return None
    # 1. an entity mention inside the span
    for m in index.mentions:
        if m.start_char < end_char and m.end_char > start_char and m.cluster >= 0:
            c = index.clusters[m.cluster]
            if c.label == "PER":
                return _best_span(doc, index, c, start_char)
    text = doc.text[start_char:end_char]
    sent = index.sent_of_char(start_char)
    words = [w for w in text.split() if fold(w)]
    # 2. role noun phrase
    role_pos = [j for j, w in enumerate(words) if _role_classes(fold(w))[0]]
    if role_pos:
        j = role_pos[-1]
        classes, nation = _role_classes(fold(words[j]))
        for w in words[:j] + words[j + 1:]:
            nation = nation or _nation_of(fold(w))
        cands = []
        for c in per_clusters:
            for rc, rn in c.roles:
                if _classes_match(classes, rc) and (nation is None or rn is None or nation == rn):
                    exact = nation is not None and rn == nation
                    cands.append((c.id, exact))
                    break
        if not cands:
            return None
        if any(e for _, e in cands):
            cands = [(cid, e) for cid, e in cands if e]
        cid = _pick_salient(index, [cid for cid, _ in cands], start_char, sent)
        return _best_span(doc, index, index.clusters[cid], start_char)
    # 3. a name the NER did not tag
    name = clean_name(text, "PER")
    key = _key(name, "PER") if name else ""
    if not key:
        return None
    exact = [c.id for c in per_clusters if c.key == key or any(
        index.mentions[i].key == key for i in c.mentions)]
    if not exact:
        surname_index: dict[str, set[int]] = {}
        for c in per_clusters:
            for mi in c.mentions:
                for s in _surnames(c.tokens, index.mentions[mi].display.split()):
                    surname_index.setdefault(s, set()).add(c.id)
        exact = _DEFAULT_RESOLVER._bare_candidates(key, surname_index, per_clusters)
    if not exact:
        exact = [c.id for c in per_clusters if names_similar(c.key, key)]
    if not exact:
        return None
    cid = exact[0] if len(exact) == 1 else _pick_salient(index, exact, start_char, sent)
    return _best_span(doc, index, index.clusters[cid], start_char)


def canonical_name(span) -> str:
    """Canonical name of an entity span: ``span._.canonical`` when the component ran, else the
    name resolved within its document, else the cleaned text ("US-Präsident Donald Trump" -> "Donald Trump")."""
    if span.has_extension("canonical"):
        value = span._.canonical
        if value:
            return value
    doc = span.doc
    for m in doc_index(doc).mentions:
        if m.start_char == span.start_char and m.end_char == span.end_char and m.cluster >= 0:
            return doc_index(doc).clusters[m.cluster].canonical
    label = span.label_ or "PER"
    return clean_name(span.text, label) or span.text


# ---------------------------------------------------------------------------
# spaCy component
# ---------------------------------------------------------------------------


def _register() -> None:
    from spacy.language import Language
    from spacy.tokens import Span

    if not Span.has_extension("canonical"):
        Span.set_extension("canonical", default=None)
    if "kner_names" not in Language.factories:
        Language.factory(
            "kner_names",
            default_config={"aliases": None, "fuzzy_threshold": DEFAULT_FUZZY_THRESHOLD,
                            "min_fuzzy_len": DEFAULT_MIN_FUZZY_LEN, "overwrite": True},
        )(make_name_resolver)


def make_name_resolver(nlp, name: str, aliases: Optional[str], fuzzy_threshold: float,
                       min_fuzzy_len: int, overwrite: bool) -> "NameResolver":
    return NameResolver(nlp, name, aliases=aliases, fuzzy_threshold=fuzzy_threshold,
                        min_fuzzy_len=min_fuzzy_len, overwrite=overwrite)


class NameResolver:
    """Pipeline component ``kner_names``: sets ``Span._.canonical`` for every entity."""

    def __init__(self, nlp=None, name: str = "kner_names", *, aliases: Optional[str] = None,
                 fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
                 min_fuzzy_len: int = DEFAULT_MIN_FUZZY_LEN, overwrite: bool = True):
        self.name = name
        self.aliases_path = str(aliases) if aliases else None
        self.fuzzy_threshold = float(fuzzy_threshold)
        self.min_fuzzy_len = int(min_fuzzy_len)
        self.overwrite = overwrite
        self.aliases: Optional[Aliases] = None
        if self.aliases_path:
            if Path(self.aliases_path).exists():
                self.aliases = load_aliases(self.aliases_path)
            else:  # from_disk may still restore them
                warnings.warn(f"kner_names: alias file not found: {self.aliases_path}", stacklevel=2)
        self._resolver = self._make_resolver()

    def _make_resolver(self) -> _Resolver:
        return _Resolver(self.aliases, self.fuzzy_threshold, self.min_fuzzy_len)

    def __call__(self, doc):
        if not doc.ents:
            return doc
        index = doc_index(doc, self._resolver) if self.aliases is None and self._is_default() else None
        if index is None:
            index = self._resolver(doc)
            _INDEX_CACHE[id(doc)] = (_ents_signature(doc), doc, index)
            while len(_INDEX_CACHE) > _INDEX_CACHE_SIZE:
                _INDEX_CACHE.popitem(last=False)
        for span, m in zip(doc.ents, index.mentions):
            if not self.overwrite and span._.canonical:
                continue
            span._.canonical = index.clusters[m.cluster].canonical if m.cluster >= 0 else (m.display or span.text)
        return doc

    def _is_default(self) -> bool:
        return (self.fuzzy_threshold, self.min_fuzzy_len) == (DEFAULT_FUZZY_THRESHOLD, DEFAULT_MIN_FUZZY_LEN)

    def pipe(self, stream: Iterable, batch_size: int = 128) -> Iterator:
        for doc in stream:
            yield self(doc)

    # serialisation
    def _cfg(self) -> dict:
        return {"aliases": self.aliases_path, "fuzzy_threshold": self.fuzzy_threshold,
                "min_fuzzy_len": self.min_fuzzy_len, "overwrite": self.overwrite}

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        import srsly

        return srsly.msgpack_dumps({"cfg": self._cfg(),
                                    "aliases": self.aliases.to_dict() if self.aliases else None})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "NameResolver":
        import srsly

        msg = srsly.msgpack_loads(data)
        self._restore(msg.get("cfg", {}), msg.get("aliases"))
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> None:
        import srsly

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg.json", self._cfg())
        if self.aliases:
            srsly.write_json(path / "aliases.json", self.aliases.to_dict())

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> "NameResolver":
        import srsly

        path = Path(path)
        cfg = srsly.read_json(path / "cfg.json") if (path / "cfg.json").exists() else {}
        aliases = srsly.read_json(path / "aliases.json") if (path / "aliases.json").exists() else None
        self._restore(cfg, aliases)
        return self

    def _restore(self, cfg: dict, aliases: Optional[dict]) -> None:
        self.aliases_path = cfg.get("aliases", self.aliases_path)
        self.fuzzy_threshold = float(cfg.get("fuzzy_threshold", self.fuzzy_threshold))
        self.min_fuzzy_len = int(cfg.get("min_fuzzy_len", self.min_fuzzy_len))
        self.overwrite = bool(cfg.get("overwrite", self.overwrite))
        if aliases:
            self.aliases = Aliases.from_dict(aliases)
        self._resolver = self._make_resolver()


_register()


# ---------------------------------------------------------------------------
# Across documents
# ---------------------------------------------------------------------------


@dataclass
class _Group:
    key: str
    labels: Counter = field(default_factory=Counter)
    count: int = 0
    docs: int = 0
    names: Counter = field(default_factory=Counter)  # canonical spellings, weighted by mentions
    name_docs: Counter = field(default_factory=Counter)  # canonical spellings, by documents
    variants: set = field(default_factory=set)
    alias: Optional[str] = None

    @property
    def label(self) -> str:
        return self.labels.most_common(1)[0][0] if self.labels else ""

    def absorb(self, other: "_Group") -> None:
        self.labels.update(other.labels)
        self.count += other.count
        self.docs += other.docs  # approximation: docs shared by both groups count twice
        self.names.update(other.names)
        self.name_docs.update(other.name_docs)
        self.variants |= other.variants
        self.alias = self.alias or other.alias


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def merge_entities(mentions: Iterable[dict], aliases: Optional[Union[Aliases, str, Path]] = None,
                   fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
                   min_fuzzy_len: int = DEFAULT_MIN_FUZZY_LEN) -> list[dict]:
    """Merge per-document entity records into corpus entities.

    ``mentions``: per-document records ``{"doc": id, "entities": [{"text", "label",
    "start", "end", "canonical"}, ...]}`` (streamed; memory grows with the number
    of distinct entities, not mentions). Returns ``[{"name", "label", "count",
    "docs", "variants"}]`` sorted by count (desc), then name.
    """
    if isinstance(aliases, (str, Path)):
        aliases = load_aliases(aliases)
    groups: dict[str, _Group] = {}
    for record in mentions:
        seen_in_doc: set[str] = set()
        names_in_doc: set[tuple[str, str]] = set()
        for ent in record.get("entities", ()) or ():
            text = str(ent.get("text") or "").strip()
            label = str(ent.get("label") or "")
            canon = str(ent.get("canonical") or text).strip()
            if not canon:
                continue
            lab = "PER" if label == "PER" else label
            display = clean_name(canon, lab) or canon
            key = _key(display, lab)
            if not key:
                continue
            alias = aliases.lookup(key) if aliases is not None else None
            if alias is None and aliases is not None:
                alias = aliases.lookup(_key(text, lab))
            gkey = f"{lab}\t{key}" if lab != "PER" else f"PER\t{key}"
            if alias is not None:
                gkey = f"ALIAS\t{alias[1]}\t{alias[0]}"
            g = groups.get(gkey)
            if g is None:
                g = groups[gkey] = _Group(key=key)
                if alias is not None:
                    g.alias = alias[0]
            g.labels[label] += 1
            g.count += 1
            g.names[display] += 1
            if (gkey, display) not in names_in_doc:
                names_in_doc.add((gkey, display))
                g.name_docs[display] += 1
            if text:
                g.variants.add(text)
            if gkey not in seen_in_doc:
                seen_in_doc.add(gkey)
                g.docs += 1

    uf = _UnionFind()
    keys = list(groups)
    # 1. fuzzy/transliteration merges within blocks (same label, token count, first letter)
    blocks: dict[tuple, list[str]] = {}
    for gk in keys:
        g = groups[gk]
        if g.alias:
            continue
        toks = g.key.split()
        label = gk.split("\t")[0]
        blocks.setdefault((label, len(toks), skeleton(toks[0])[:1]), []).append(gk)
    for block in blocks.values():
        if len(block) < 2:
            continue
        block.sort(key=lambda k: -groups[k].count)
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                if uf.find(a) != uf.find(b) and names_similar(groups[a].key, groups[b].key,
                                                               min_fuzzy_len, fuzzy_threshold):
                    uf.union(a, b)
    # 2. PER: a shorter name inside exactly one longer name ("Lawrow" -> "Sergej Lawrow",
    #    "Kim Kardashian" -> "Kim Kardashian West"); ambiguous ones ("Kim") stay apart
    per_keys = [k for k in keys if k.startswith("PER\t")]
    by_token: dict[str, set[str]] = {}
    for k in per_keys:
        for t in set(groups[k].key.split()):
            by_token.setdefault(t, set()).add(k)
    surname_buckets: dict[str, dict[str, set[str]]] = {}  # first letter -> surname -> groups
    for k in per_keys:
        ktoks = groups[k].key.split()
        if len(ktoks) > 1:
            for s_tok in _surnames(ktoks, groups[k].names.most_common(1)[0][0].split()):
                surname_buckets.setdefault(s_tok[:1], {}).setdefault(s_tok, set()).add(k)
    for k in sorted(per_keys, key=lambda k: len(groups[k].key.split())):
        toks = groups[k].key.split()
        cands = set.intersection(*(by_token.get(t, set()) for t in toks)) if toks else set()
        supers = set()
        for c in cands:
            ctoks = groups[c].key.split()
            if len(ctoks) <= len(toks) or not _is_subsequence(toks, ctoks):
                continue
            if any(t in GENERATIONAL for t in ctoks if t not in toks):
                continue
            if len(toks) == 1:
                display_words = groups[c].names.most_common(1)[0][0].split()
                if toks[0] not in _surnames(ctoks, display_words):
                    continue
            supers.add(uf.find(c))
        if not supers and len(toks) == 1 and len(toks[0]) >= min_fuzzy_len:
            # a lone misspelt surname ("Lwrow") in a document without the full name
            for s_tok, owners in surname_buckets.get(toks[0][0], {}).items():
                if tokens_similar(toks[0], s_tok, min_fuzzy_len, fuzzy_threshold):
                    supers |= {uf.find(o) for o in owners}
        if len(supers) == 1:
            uf.union(supers.pop(), k)
    # 3. alias groups absorb built-in groups whose key an alias declares
    merged: dict[str, _Group] = {}
    for k in keys:
        root = uf.find(k)
        if root not in merged:
            merged[root] = _Group(key=groups[root].key)
        merged[root].absorb(groups[k])

    out = []
    for g in merged.values():
        out.append({
            "name": g.alias or _corpus_name(g),
            "label": g.label,
            "count": g.count,
            "docs": g.docs,
            "variants": sorted(g.variants),
        })
    out.sort(key=lambda e: (-e["count"], e["name"]))
    return out


def _corpus_name(g: _Group) -> str:
    """Fullest common spelling: among spellings used in at least a third as many documents as
    the most common one, the one with most words (initials ignored), then most documents/mentions."""
    top = max(g.name_docs.values(), default=0)

    def score(n: str):
        return (g.name_docs[n] * 3 >= top, len(_drop_initials(n.split())), g.name_docs[n], g.names[n], n)

    return max(g.names, key=score)


def speaker_matches(query: str, name: str, variants: Iterable[str] = (),
                    threshold: float = DEFAULT_FUZZY_THRESHOLD) -> bool:
    """Does ``query`` (e.g. ``--speaker lawrow``) select the speaker ``name`` (with ``variants``)?

    Case-, accent- and hyphen-insensitive; the query may be a full name or one
    word of it; typos and transliterations match ("lwrow", "lavrov" -> "Sergej Lawrow").
    """
    q = fold(query)
    if not q:
        return False
    q_key = _key(query, "PER") or q
    q_toks = q_key.split()
    for cand in (name, *variants):
        if not cand:
            continue
        k = _key(cand, "PER") or fold(cand)
        if not k:
            continue
        if k == q_key or fold(cand) == q:
            return True
        toks = k.split()
        if len(q_toks) == 1:
            if any(tokens_similar(q_toks[0], t, threshold=threshold) if len(q_toks[0]) >= 4 else q_toks[0] == t
                   for t in toks):
                return True
        else:
            if names_similar(q_key, k, threshold=threshold):
                return True
            if len(q_toks) < len(toks) and _is_subsequence(q_toks, toks):
                return True
            if skeleton(q_key) == skeleton(k):
                return True
    return False


__all__ = [
    "Aliases", "NameResolver", "canonical_name", "clean_name", "fold", "is_surname_first",
    "load_aliases", "merge_entities", "names_similar", "normalize", "resolve_doc",
    "resolve_reference", "skeleton", "speaker_matches", "strip_genitive", "strip_titles",
    "tokens_similar", "unglue",
]
