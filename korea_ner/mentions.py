"""Entity span repair between the statistical NER and ``kner_names``: the ``kner_mentions`` component.

A statistical NER makes span errors that break name resolution: it drops the last
syllable of East Asian names ("Kim Jong" Un), glues a following common noun or place
onto a person ("Putin Widerstand", "Sergej Lawrow Pjöngjang"), glues two people
together ("versicherte Lawrow Kim ..."), tags a sentence-initial adjective as a person
("Hoher Besuch") and misses the first name before a tagged surname ("Kim" Kardashian
West). This module repairs such spans with small, general rules, using only evidence
from the document itself (other mentions of the same names), a German word list (the
pipeline's own lookup lemmatizer table when present) and a few constant sets below.

Rules (pure functions over token texts; each is linear in the span length):

* ``trim_edges``: drop punctuation/space tokens at both ends of any entity.
* ``trim_leading``: drop titles, role nouns, articles, lower-case words and genitive
  place qualifiers before a PER name ("Nordkoreas Machthaber Kim Jong-un" -> "Kim Jong-un").
* ``trim_trailing``: drop role nouns, places ("Sergej Lawrow Pjöngjang") and common
  German words ("Putin Widerstand") after a PER name. A common word is only dropped after
  a single name word that the document shows is a complete name (it ends another PER
  mention or stands alone as one) and when it is never part of another PER mention:
  "Thomas Bach", "Olaf Scholz" or "Angela Merkel" are never cut.
* ``split_point``: "Lawrow Kim" -> "Lawrow" + "Kim" when the document knows "Lawrow" as a
  surname (last word of a full name), never as a first word, "Kim" as a name of its own,
  and never sees the two words together elsewhere.
* extension: "Kim Jong" + "Un"/"-un" (a 1-3 letter romanised syllable after a two-part
  name with an East Asian surname) and, in both directions, a neighbouring untagged
  word that another PER mention of the document has next to the same word
  ("Kim" + "Kardashian West" because "Kim Kardashian" occurs).
* drop: a single-word PER that is a sentence-initial German adjective/function word
  ("Hoher", "Beim"), or that is only a common word left after trimming
  ("Moskaus Interessen" -> "Interessen"). A single-word PER that is a known place
  ("Nordkoreas") becomes LOC.
* places: an entity ending in a geographic head noun ("Koreanischen Halbinsel", tagged
  ORG) becomes LOC; a trimmed-off place becomes a LOC entity; an untagged word that spells a LOC
  entity of the same document or a capital in ``KNOWN_PLACES`` becomes LOC.

The result always goes through ``non_overlapping`` (``spacy.util.filter_spans`` on plain
lists) so ``doc.ents`` stays valid.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any, Iterable, Optional, Protocol, Sequence

from spacy.attrs import ENT_IOB, ENT_KB_ID, ENT_TYPE

from korea_ner.doctext import doc_words
from korea_ner.serialize import SerializableState
from korea_ner.names import (
    ARTICLES,
    EAST_ASIAN_SURNAMES,
    PREPOSITIONS,
    EA_GIVEN_RE,
    is_role_word,
    fold,
    strip_genitive,
)

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

#: Capitals and countries often written in news without the NER recognising them
#: (folded). Used to split places off PER spans and to tag untagged place words.
KNOWN_PLACES = frozenset(fold(p) for p in """
    Pjöngjang Pyongyang Seoul Peking Beijing Tokio Moskau Kiew Kyjiw Minsk Warschau Prag
    Wien Berlin Paris London Madrid Rom Lissabon Brüssel Amsterdam Den_Haag Bern Stockholm
    Oslo Kopenhagen Helsinki Athen Ankara Istanbul Teheran Bagdad Damaskus Beirut Kairo
    Jerusalem Riad Doha Dubai Kabul Islamabad Neu-Delhi Delhi Hanoi Bangkok Manila Jakarta
    Singapur Taipeh Hongkong Shanghai Wladiwostok Washington Ottawa Havanna Caracas
    Nordkorea Südkorea Russland China Japan Ukraine Deutschland Frankreich Amerika Iran Irak
    Syrien Israel Türkei Polen Kuba
""".replace("_", " ").split())

#: Capitalised German function words that a NER may tag as a person at the start of a
#: sentence. Merged with the lemma table's lower-case words when the pipeline has one.
FUNCTION_WORDS = frozenset(
    """beim im am zum zur vom ins ans aufs auch aber doch dann nun so wie was wer wo
    wann warum weil als ob denn noch schon nur erst selbst trotz laut dabei damit per
    hier dort heute gestern morgen nach seit vor bei mit ohne unter über gegen
    hoher hohe hohen neuer neue neuen großer große alter alte erster erste""".split()
) | PREPOSITIONS | ARTICLES

#: A lowercase particle glued to a capitalised name: "al-Nuaimi", "el-Sisi", "bin-Salman".
PARTICLE_NAME = re.compile(r"^[a-z]{1,4}[-‐‑][A-ZÄÖÜ]")
#: Tokens that may stand between a name and its East Asian given-name syllable ("Jong-un").
HYPHENS = frozenset("-‐‑–")
#: Sentence-ending tokens: a name after them is sentence-initial.
SENT_END = frozenset(".!?:;\"„“”»«")
#: Longest given-name syllable accepted when completing "Kim Jong" + "Un".
MAX_SYLLABLE_LEN = 3

#: Head nouns of geographic names: an entity ending in one is a place, whatever label
#: the NER gave it ("Koreanischen Halbinsel", "Krim-Halbinsel", "Arabischen Meer").
GEOGRAPHIC_HEADS = frozenset({"halbinsel", "insel", "inseln", "inselgruppe", "archipel", "gebirge",
                              "meer", "ozean", "wüste", "küste", "bucht", "meerenge", "hochebene"})
#: Words of photo credits ("Bild: picture-alliance/dpa/AP Photo/Pool/File"): agencies and labels.
PHOTO_CREDIT_WORDS = frozenset({"photo", "photos", "foto", "fotos", "bild", "file", "pool", "dpa", "ap", "afp",
                                "reuters", "epa", "efe", "getty", "images", "imago", "picture-alliance", "kcna",
                                "yonhap", "xinhua", "kyodo", "ddp", "keystone", "apa", "sputnik", "tass"})

#: Words whose ``Lexicon.known`` answer is kept (a bound on its memory).
KNOWN_CACHE_SIZE = 65536

PER = "PER"
LOC = "LOC"
LOC_LABELS = frozenset({LOC, "GPE"})

# ---------------------------------------------------------------------------
# Lexicon
# ---------------------------------------------------------------------------


class Lexicon:
    """German common words: ``is_common(word)`` for capitalised nouns/adjectives,
    ``is_lower_word(word)`` for words German writes lower-case (adjectives, verbs,
    function words). Backed by the pipeline's lookup lemmatizer table when present."""

    def __init__(self, table=None, extra: Iterable[str] = ()):
        self.table = table
        self.lemmas: frozenset[str] = frozenset(table.values()) if table is not None else frozenset()
        self.extra = frozenset(extra)
        # the table hashes each word anew on every look-up: remember the answers
        self._known: dict[str, bool] = {}

    def known(self, word: str) -> bool:
        hit = self._known.get(word)
        if hit is None:
            if len(self._known) >= KNOWN_CACHE_SIZE:
                self._known.clear()
            hit = self._known[word] = self._look_up(word)
        return hit

    def _look_up(self, word: str) -> bool:
        if word in self.extra:
            return True
        if self.table is None:
            return False
        return word in self.table or word in self.lemmas

    def is_common(self, word: str) -> bool:
        """A capitalised word that German uses as a common noun/adjective form."""
        return self.known(word)

    def is_lower_word(self, word: str) -> bool:
        low = word.lower()
        return low in FUNCTION_WORDS or (low != word and self.known(low))

    def is_word(self, word: str) -> bool:
        """A German word rather than a name part (without a word list, any word counts)."""
        low = word.lower()
        return self.table is None or low in FUNCTION_WORDS or self.known(low)

    def is_inflected_or_function(self, word: str) -> bool:
        """"Hoher", "Beim": a capitalised function word or inflected adjective, never a name.

        Uninflected adjectives stay possible names: Schwarz, Braun, Klein are surnames.
        """
        low = word.lower()
        if low in FUNCTION_WORDS:
            return True
        return low != word and self.known(low) and self.table is not None and self.table.get(low, low) != low


def lexicon_of(nlp, extra: Iterable[str] = ()) -> Lexicon:
    """The pipeline's lemma lookup table as a Lexicon (an empty one without a lemmatizer)."""
    from korea_ner.model import lemma_table

    return Lexicon(lemma_table(nlp), extra)


# ---------------------------------------------------------------------------
# Pure rules on token texts
# ---------------------------------------------------------------------------


def is_edge_junk(text: str, previous: str = "") -> bool:
    """Whitespace or punctuation that should not start or end an entity.

    Kept: the full stop of an initial or abbreviation ("Susanne R.", "Chr.") and "!",
    which belongs to some names ("Yahoo!").
    """
    if text == "!" or (text == "." and 0 < len(previous) <= 3 and previous.isalpha()):
        return False
    return not text.strip() or all(not ch.isalnum() for ch in text)


@lru_cache(maxsize=65536)  # asked for nearly every capitalised word of a document
def place_key(word: str) -> str:
    """Folded place key of a word, genitive removed: "Nordkoreas" -> "nordkorea"."""
    return fold(strip_genitive(word))


@lru_cache(maxsize=65536)  # asked for every distinct capitalised word of a document
def place_forms(word: str) -> frozenset:
    """The keys under which a word can be in a set of folded places: as written and without genitive."""
    return frozenset((fold(word), place_key(word)))


def is_place(word: str, places: frozenset) -> bool:
    return word[:1].isupper() and not places.isdisjoint(place_forms(word))


def is_genitive_place(word: str, places: frozenset) -> bool:
    """"Nordkoreas", "Russlands", "Moskaus": a place in the genitive (a qualifier, not a name)."""
    key = place_key(word)
    return key != fold(word) and key in places


def trim_leading(words: Sequence[str], places: frozenset) -> int:
    """Number of words to drop at the start of a PER span (titles, roles, genitive places)."""
    cut = 0
    while cut < len(words) - 1:
        w = words[cut]
        key = fold(w)
        if (not key or w[:1].islower() or key in FUNCTION_WORDS or is_role_word(key)
                or is_genitive_place(w, places)
                # "Pjöngjang Sergej Lawrow" in a caption; "Paris Hilton" keeps her first name
                or (is_place(w, places) and len(words) - cut >= 3)):
            cut += 1
            continue
        break
    return cut


class Counts(Protocol):
    """What the span rules read from the document's evidence: ``counts[word]`` (0 when
    absent). A Counter, or the per-span views ``CountsWithout`` and ``SingleNameCounts``."""

    def __getitem__(self, key: Any) -> int: ...


def trim_trailing(words: Sequence[str], places: frozenset, lexicon: Lexicon,
                  per_counts: Counts, surname_counts: Counts) -> int:
    """Number of words to drop at the end of a PER span.

    ``per_counts``/``surname_counts``: how often a word occurs in other PER mentions of the
    document / as their last word (this span's own words already removed).
    """
    end = len(words)
    while end > 1:
        w = words[end - 1]
        key = fold(w)
        prev = words[end - 2]
        # a lowercase word ends no name ("Lawrow sagte"), but name particles do ("al-Nuaimi")
        if (not key and is_edge_junk(w, prev)) or (w[:1].islower() and not PARTICLE_NAME.match(w) and lexicon.is_word(w)) or is_role_word(key):
            end -= 1
            continue
        if not key:
            break  # the full stop of "Susanne R."
        if is_genitive_place(w, places):
            end -= 1
            continue
        if is_place(w, places) and per_counts[w] == 0 and (end - 1 >= 2 or surname_counts[prev] > 0):
            end -= 1  # "Sergej Lawrow Pjöngjang"; "George Washington" keeps its place-like surname
            continue
        if end == 2 and lexicon.is_common(w) and per_counts[w] == 0 and surname_counts[prev] > 0:
            # "Putin Widerstand" when "Putin" is a name of its own in the document; after a
            # full name a further word is more likely a second/married surname ("Kim Kardashian West")
            end -= 1
            continue
        break
    return len(words) - end


def split_point(words: Sequence[str], surname_counts: Counts, nonlast_counts: Counts,
                per_counts: Counts, bigrams: Counts) -> Optional[int]:
    """Index where a span holding two people splits ("Lawrow Kim" -> 1), or None."""
    for i in range(1, len(words)):
        left, right = words[i - 1], words[i]
        if (surname_counts[left] > 0 and nonlast_counts[left] == 0 and per_counts[right] > 0
                and bigrams[(left, right)] == 0):
            return i
    return None


def is_ea_syllable(word: str) -> bool:
    """"Un", "Ho", "un": a short romanised given-name syllable."""
    w = word.lstrip("".join(HYPHENS))
    return (0 < len(w) <= MAX_SYLLABLE_LEN and w.isalpha() and bool(EA_GIVEN_RE.match(fold(w))))


def wants_ea_completion(words: Sequence[str]) -> bool:
    """"Kim Jong", "Ri Yong": surname + one given syllable, the second syllable missing."""
    return (len(words) == 2 and fold(words[0]) in EAST_ASIAN_SURNAMES
            and bool(EA_GIVEN_RE.match(fold(words[1]))) and not any(h in words[1] for h in HYPHENS))


def first_line_end(texts: Sequence[str], start: int, end: int) -> int:
    """End of a span cut at its first line break: no name runs over two lines (a caption, then "Bild")."""
    for i in range(start + 1, end):
        if "\n" in texts[i]:
            return i
    return end


def consistent_person_labels(spans: list, texts: Sequence[str]) -> list:
    """A span whose words are elsewhere in the document a person is a person too.

    Statistical NER labels each occurrence on its own, so "Kim Jong Un" can come out
    as PER in one sentence and ORG in the next.
    """
    persons = {tuple(texts[st:en]) for st, en, lab in spans if lab == PER}
    return [[st, en, PER if tuple(texts[st:en]) in persons else lab] for st, en, lab in spans]


def geographic_labels(spans: list, texts: Sequence[str]) -> list:
    """A multi-word or hyphenated entity whose last word is a geographic head noun is a LOC."""
    out = []
    for st, en, lab in spans:
        last = texts[en - 1] if en > st else ""
        head = last.rsplit("-", 1)[-1].lower()
        if lab not in LOC_LABELS and head in GEOGRAPHIC_HEADS and (en - st > 1 or head != last.lower()):
            lab = LOC
        out.append([st, en, lab])
    return out


def slash_chain(texts: Sequence[str], spaces: Sequence[int], st: int, en: int) -> list[str]:
    """The other words joined to the span by slashes without spaces ("AP Photo/Pool/File":
    "Photo" and "File" around "Pool"); empty when no slash touches it."""
    words: list[str] = []
    i = st
    while i >= 2 and texts[i - 1] == "/" and not spaces[i - 2] and not spaces[i - 1]:
        i -= 2
        words.append(texts[i])
    j = en
    while j + 1 < len(texts) and texts[j] == "/" and not spaces[j - 1] and not spaces[j]:
        words.append(texts[j + 1])
        j += 2
    return words


def not_in_photo_credits(spans: list, texts: Sequence[str], spaces: Sequence[int]) -> list:
    """Drops places that are words of a photo credit ("picture-alliance/dpa/AP Photo/Pool/File":
    "Pool" is no Congolese department there); "Berlin/Brüssel (dpa)" keeps both places."""
    return [s for s in spans if s[2] not in LOC_LABELS
            or not any(w.lower() in PHOTO_CREDIT_WORDS for w in slash_chain(texts, spaces, s[0], s[1]))]


def untagged_person_mentions(doc, texts: Sequence[str], spans: list, lex: Lexicon) -> list:
    """Occurrences of a one-word person mention of this document that the NER missed.

    Only words that the document itself uses as a name on their own ("Kim", "Lawrow"),
    never function words or common nouns, and only where no entity is already.
    """
    names = Counter(texts[st] for st, en, lab in spans if lab == PER and en - st == 1)
    names = {w for w in names if w[:1].isupper() and w.isalpha() and w.lower() not in FUNCTION_WORDS
             and not lex.is_common(w) and not lex.is_common(w.lower())}
    if not names:
        return []
    taken = bytearray(len(texts))
    for st, en, _ in spans:
        taken[st:en] = b"\x01" * (en - st)
    found = []
    for i, word in enumerate(texts):
        if word in names and not taken[i] and not _joins_capitalised_neighbour(texts, i):
            found.append([i, i + 1, PER])
    return found


def _joins_capitalised_neighbour(texts: Sequence[str], i: int) -> bool:
    # "Kim Kardashian" or "Andrew Kim" are other people: leave such pairs to the NER
    before = texts[i - 1] if i > 0 else ""
    after = texts[i + 1] if i + 1 < len(texts) else ""
    return (before[:1].isupper() and before.isalpha()) or (after[:1].isupper() and after.isalpha())


class CountsWithout:
    """``counts - Counter(own)`` for look-ups: the document's evidence without one span's
    own words, computed per word asked about instead of copying ``counts`` for every span."""

    __slots__ = ("counts", "own")

    def __init__(self, counts: Counter, own: Iterable):
        self.counts = counts
        # a plain dict: five of these are made per PER span, and a Counter is slow to build
        self.own: dict = {}
        for key in own:
            self.own[key] = self.own.get(key, 0) + 1

    def __getitem__(self, key) -> int:
        n = self.counts[key] - self.own.get(key, 0)
        return n if n > 0 else 0  # like Counter subtraction, which keeps positive counts only


class SingleNameCounts:
    """Per word: how often another PER mention ends in it or consists of it alone
    (``last``), plus one when it occurs in other mentions but never before a last word."""

    __slots__ = ("last", "others", "nonlast")

    def __init__(self, last: CountsWithout, others: CountsWithout, nonlast: CountsWithout):
        self.last, self.others, self.nonlast = last, others, nonlast

    def __getitem__(self, key) -> int:
        return self.last[key] + (1 if self.others[key] > 0 and self.nonlast[key] == 0 else 0)


def non_overlapping(spans: list) -> list:
    """``spacy.util.filter_spans`` for [start, end, label] lists: of overlapping spans the
    (first) longest, in text order."""
    result = []
    seen: set[int] = set()
    for span in sorted(spans, key=lambda s: (s[1] - s[0], -s[0]), reverse=True):
        if span[0] not in seen and span[1] - 1 not in seen:
            result.append(span)
            seen.update(range(span[0], span[1]))
    return sorted(result, key=lambda s: s[0])


def ents_annotation_is_canonical(annotation) -> bool:
    """Whether the ENT_IOB, ENT_TYPE and ENT_KB_ID columns of a doc are as setting ``doc.ents``
    to the doc's own entities leaves them: "O" with no type outside the entities, and in
    each entity "B" then "I" tokens of the entity's type, without knowledge-base ids."""
    iob, ent_type, kb_id = annotation.T
    outside = iob == 2
    inside = ~outside
    continued = iob[1:] == 1
    return bool(((iob == 1) | (iob == 3) | outside).all() and (not len(iob) or iob[0] != 1)
                and not ent_type[outside].any() and ent_type[inside].all() and not kb_id[inside].any()
                and (ent_type[1:][continued] == ent_type[:-1][continued]).all())


# ---------------------------------------------------------------------------
# Component
# ---------------------------------------------------------------------------


class MentionRepairer(SerializableState):
    """Pipeline component ``kner_mentions``: repairs entity spans after the NER."""

    def __init__(self, nlp=None, name: str = "kner_mentions", *, use_lemmatizer: bool = True,
                 extra_places: Sequence[str] = (), extra_common: Sequence[str] = (),
                 tag_places: bool = True):
        self.nlp = nlp
        self.name = name
        self.use_lemmatizer = bool(use_lemmatizer)
        self.extra_places = list(extra_places)
        self.extra_common = list(extra_common)
        self.tag_places = bool(tag_places)
        self._lexicon: Optional[Lexicon] = None
        self._places = KNOWN_PLACES | {fold(p) for p in self.extra_places}

    # the lemmatizer's tables are loaded after this component is built: look them up lazily
    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = lexicon_of(self.nlp if self.use_lemmatizer else None, self.extra_common)
        return self._lexicon

    def __call__(self, doc):
        if not self.tag_places and not doc.ents:
            return doc
        lex = self.lexicon
        spans = [[e.start, e.end, e.label_] for e in doc.ents]
        found = [(lab, st, en) for st, en, lab in spans]  # as the NER left them
        words_of_doc = doc_words(doc)
        texts = words_of_doc.texts
        # the NER's entity tags, read once (Token.ent_iob_ builds a Token per look-up)
        annotation = doc.to_array([ENT_IOB, ENT_TYPE, ENT_KB_ID])
        iob = annotation[:, 0]
        free = ((iob == 0) | (iob == 2)).tolist()  # outside entities: IOB unset (0) or "O" (2)
        # 1. line breaks (captions, headlines), edges, leading titles/roles
        for s in spans:
            s[1] = first_line_end(texts, s[0], s[1])
        for s in spans:
            while s[1] - s[0] > 1 and is_edge_junk(texts[s[0]]):
                s[0] += 1
            while s[1] - s[0] > 1 and is_edge_junk(texts[s[1] - 1], texts[s[1] - 2]):
                s[1] -= 1
        places = self._places | {place_key(words_of_doc.span_text(s[0], s[1])) for s in spans if s[2] in LOC_LABELS}
        new_locs: list[tuple[int, int]] = []
        trimmed: set[int] = set()
        for k, s in enumerate(spans):
            if s[2] == PER:
                words = texts[s[0]:s[1]]
                cut = trim_leading(words, places)
                for j in range(cut):
                    if is_genitive_place(words[j], places):
                        new_locs.append((s[0] + j, s[0] + j + 1))
                if cut:
                    trimmed.add(k)
                s[0] += cut
        # document evidence from PER mentions
        per_counts, surname_counts, nonlast_counts, bigrams = self._evidence(spans, texts)
        for s in spans:
            if s[2] == PER:
                self._extend_neighbours(s, texts, free, bigrams)
        out: list[list] = []
        for k, s in enumerate(spans):
            if s[2] != PER:
                out.append(s)
                continue
            words = texts[s[0]:s[1]]
            others = CountsWithout(per_counts, words)
            others_last = CountsWithout(surname_counts, words[-1:])
            others_nonlast = CountsWithout(nonlast_counts, words[:-1])
            # words that end another PER mention or form one on their own (not a first name)
            others_single = SingleNameCounts(others_last, others, others_nonlast)
            others_bi = CountsWithout(bigrams, zip(words, words[1:]))
            # 2. trailing junk
            drop = trim_trailing(words, places, lex, others, others_single)
            for j in range(len(words) - drop, len(words)):
                if is_place(words[j], places):
                    new_locs.append((s[0] + j, s[0] + j + 1))
            was_trimmed = drop > 0 or k in trimmed
            s[1] -= drop
            words = words[: len(words) - drop]
            # 3. two people in one span
            cut = split_point(words, others_last, others_nonlast, others, others_bi)
            parts = [[s[0], s[0] + cut, PER], [s[0] + cut, s[1], PER]] if cut else [s]
            for p in parts:
                self._complete_east_asian(p, texts, doc, free)
                pw = texts[p[0]:p[1]]
                if len(pw) == 1:
                    w = pw[0]
                    if is_place(w, places) and others_nonlast[w] == 0 and others_last[w] == 0:
                        p[2] = LOC  # a place the model took for a person, unless part of a full name
                    elif others[w] == 0 and (
                            (self._sentence_initial(doc, p[0]) and lex.is_inflected_or_function(w))
                            or (was_trimmed and lex.is_common(w.rsplit("-", 1)[-1]))):
                        continue  # "Hoher Besuch", "(Moskaus) Interessen", "(Per) Twitter-Botschaft"
                out.append(p)
        out.extend([st, en, LOC] for st, en in new_locs)
        # 4. untagged place words
        if self.tag_places:
            out.extend(self._place_words(texts, free, out, places, lex))
        # 5. one name, one label in a document
        out = consistent_person_labels(geographic_labels(out, texts), texts)
        out = not_in_photo_credits(out, texts, words_of_doc.spaces)
        out.extend(untagged_person_mentions(doc, texts, out, lex))
        # (label, start, end) tuples: doc.ents makes its own Span of each
        repaired = [(lab, st, en) for st, en, lab in non_overlapping([s for s in out if s[1] > s[0]])]
        # most documents need no repair: setting the same entities again would change nothing
        if repaired != found or not ents_annotation_is_canonical(annotation):
            doc.ents = repaired
        return doc

    @staticmethod
    def _evidence(spans, texts):
        per_counts: Counter = Counter()
        surname_counts: Counter = Counter()
        nonlast_counts: Counter = Counter()
        bigrams: Counter = Counter()
        for st, en, lab in spans:
            if lab != PER or en <= st:
                continue
            words = texts[st:en]
            per_counts.update(words)
            if len(words) > 1:
                surname_counts[words[-1]] += 1
                nonlast_counts.update(words[:-1])
                bigrams.update(zip(words, words[1:]))
        return per_counts, surname_counts, nonlast_counts, bigrams

    @staticmethod
    def _sentence_initial(doc, i: int) -> bool:
        if i == 0 or doc[i].is_sent_start:
            return True
        prev = doc[i - 1]
        return "\n" in prev.text or prev.text in SENT_END or (prev.is_space and i == 1)

    @staticmethod
    def _free(free: Sequence[bool], i: int) -> bool:
        """Token ``i`` exists and the NER tagged it as no entity."""
        return 0 <= i < len(free) and free[i]

    def _complete_east_asian(self, p: list, texts: Sequence[str], doc, free: Sequence[bool]) -> None:
        """Complete "Kim Jong" + "Un"/"-un"."""
        words = texts[p[0]:p[1]]
        nxt = p[1]
        if wants_ea_completion(words) and self._free(free, nxt):
            glued = not doc[nxt - 1].whitespace_
            tok = texts[nxt]
            if glued and tok in HYPHENS and self._free(free, nxt + 1) and is_ea_syllable(texts[nxt + 1]):
                p[1] = nxt + 2  # "Kim Jong" "-" "un"
                return
            if is_ea_syllable(tok) and not self.lexicon.is_lower_word(tok.lstrip("".join(HYPHENS))) and (
                    (glued and tok[:1] in HYPHENS) or (not glued and tok[:1].isupper())):
                p[1] = nxt + 1  # "Kim Jong" "Un", "Kim Jong" "-un"
                return

    def _extend_neighbours(self, p: list, texts: Sequence[str], free: Sequence[bool], bigrams: Counter) -> None:
        """Add untagged neighbour words that another PER mention has next to the same word."""
        while self._free(free, p[1]) and texts[p[1]][:1].isupper() and bigrams[(texts[p[1] - 1], texts[p[1]])]:
            p[1] += 1
        while self._free(free, p[0] - 1) and texts[p[0] - 1][:1].isupper() \
                and bigrams[(texts[p[0] - 1], texts[p[0]])]:
            p[0] -= 1

    def _place_words(self, texts, free, spans, places, lex):
        # which words are places is asked once per distinct word, not per token (and
        # is_place only for capitalised ones: most words fail that test already)
        place_words = {w for w in set(texts)
                       if w[:1].isupper() and len(w) >= 3 and is_place(w, places) and not lex.is_common(w)}
        if not place_words:
            return []
        taken = bytearray(len(texts))
        for st, en, _ in spans:
            taken[st:en] = b"\x01" * (en - st)
        return [[i, i + 1, LOC] for i, w in enumerate(texts)
                if w in place_words and not taken[i] and free[i]]

    def pipe(self, stream, batch_size: int = 128):
        for doc in stream:
            yield self(doc)

    # serialisation (like spaCy's EntityRuler: a cfg file)
    def _cfg(self) -> dict:
        return {"use_lemmatizer": self.use_lemmatizer, "extra_places": self.extra_places,
                "extra_common": self.extra_common, "tag_places": self.tag_places}

    def _restore(self, cfg: dict) -> "MentionRepairer":
        self.use_lemmatizer = bool(cfg.get("use_lemmatizer", self.use_lemmatizer))
        self.extra_places = list(cfg.get("extra_places", self.extra_places))
        self.extra_common = list(cfg.get("extra_common", self.extra_common))
        self.tag_places = bool(cfg.get("tag_places", self.tag_places))
        self._places = KNOWN_PLACES | {fold(p) for p in self.extra_places}
        self._lexicon = None
        return self

    def _state(self) -> dict:
        return self._cfg()

    def _set_state(self, state: dict) -> None:
        self._restore(state)


def make_mention_repairer(nlp, name: str, use_lemmatizer: bool, extra_places: list,
                          extra_common: list, tag_places: bool) -> MentionRepairer:
    return MentionRepairer(nlp, name, use_lemmatizer=use_lemmatizer, extra_places=extra_places,
                           extra_common=extra_common, tag_places=tag_places)


def _register() -> None:
    from spacy.language import Language

    if "kner_mentions" not in Language.factories:
        Language.factory(
            "kner_mentions",
            default_config={"use_lemmatizer": True, "extra_places": [], "extra_common": [],
                            "tag_places": True},
        )(make_mention_repairer)


_register()

__all__ = ["KNOWN_PLACES", "Lexicon", "MentionRepairer", "is_ea_syllable", "lexicon_of",
           "split_point", "trim_leading", "trim_trailing"]
