"""Noun phrases by word order: the candidates for speaker and addressee.

No parser or tagger is needed: a phrase is a pronoun, an entity (with role
nouns before it: "US-Außenminister Mike Pompeo"), or determiner + adjectives +
capitalized nouns with at most one genitive ("der Chef der Bundesagentur").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from spacy.tokens import Span

from korea_ner.quotes.context import DocContext, Word, is_capitalized, is_person_role
from korea_ner.quotes.lexicon import (
    ADVERB_SUFFIXES, CONJUNCTIONS, DETERMINERS, FUNCTION_WORDS_CAPITALIZED, NOM_DETERMINERS, NOM_PRONOUNS,
    PREPOSITIONS, SKIP_AFTER_VERB, SOURCE_PREPOSITIONS, SUBJUNCTIVE, SUBORDINATORS, UNNAMED_DETERMINERS,
)


_NUMERIC_ADJECTIVE_RE = re.compile(r"\d+-[a-zäöüß]+")


@dataclass
class Mention:
    start: int
    end: int
    kind: str  # "pron" | "name" | "np"
    ent: Optional[Span] = None
    definite: bool = True


def np_right(ctx: DocContext, words: list[Word], i: int, hi: int, subject_only: bool = True) -> Optional[Mention]:
    """A noun phrase starting at words[i]: pronoun, entity, or determiner + adjectives + nouns."""
    if i >= hi:
        return None
    w = words[i]
    low = w.lower
    if low in NOM_PRONOUNS:
        return Mention(w.start, w.end, "pron")
    ent = ctx.ent_at(w.start, w.end)
    if ent is not None and ent.start_char >= w.start - 1 and ent.label_ in {"PER", "ORG", "MISC", "PERSON"}:
        end = ent.end_char
        return Mention(w.start, end, "name" if ent.label_ in {"PER", "PERSON"} else "np", ent)
    if low in PREPOSITIONS or low in SUBORDINATORS or low in CONJUNCTIONS:
        return None
    if low in DETERMINERS or is_capitalized(w):
        if subject_only and low in DETERMINERS and low not in NOM_DETERMINERS:
            return None
        j = i + 1 if low in DETERMINERS else i
        last_noun = -1
        person_ent = None
        while j < hi:
            x = words[j]
            if is_capitalized(x):
                e = ctx.ent_at(x.start, x.end)
                if e is not None and e.label_ in {"PER", "PERSON"}:
                    person_ent = e
                    while j < hi and words[j].start < e.end_char:
                        j += 1
                    last_noun = j - 1
                    break
                last_noun = j
                j += 1
                continue
            if (x.text.isalpha() or _numeric_adjective(x)) and x.lower not in DETERMINERS and x.lower not in SKIP_AFTER_VERB and last_noun < 0 and x.lower.endswith(("e", "en", "er", "es", "em")):
                j += 1  # adjective before the noun
                continue
            break
        if last_noun < 0:
            return None
        # One genitive complement: "der Chefdiplomat des Kreml", "der Chef der Bundesagentur".
        k = last_noun + 1
        if person_ent is None and k < hi and words[k].lower in {"des", "der"}:
            m = k + 1
            while m < hi and words[m].text.isalpha() and not is_capitalized(words[m]) and words[m].lower.endswith(("e", "en", "er")):
                m += 1
            if m < hi and is_capitalized(words[m]):
                last_noun = m
                while last_noun + 1 < hi and is_capitalized(words[last_noun + 1]):
                    last_noun += 1
        # Apposition with a name: "der Sprecher, Max Muster," handled by the entity check above.
        head_words = [words[x].text for x in range(i, last_noun + 1)]
        if person_ent is None and not any(is_person_role(h) for h in head_words if h[:1].isupper()):
            # Not obviously a person; keep organisations/sources with a determiner.
            if subject_only and low not in NOM_DETERMINERS:
                return None
        return Mention(w.start, words[last_noun].end, "name" if person_ent is not None else "np", person_ent,
                       definite=low not in UNNAMED_DETERMINERS)
    return None


def np_left(ctx: DocContext, words: list[Word], v: int, lo: int) -> Optional[Mention]:
    """The noun phrase ending right before words[v] (None when it is inside a
    prepositional phrase: "Über Steve Fossett sagte Branson")."""
    m = _np_left(ctx, words, v, lo)
    if m is None or m.kind == "pron":
        return m
    k = _index_at(words, m.start, lo, v)
    if k - 1 >= lo and words[k - 1].lower in PREPOSITIONS:
        return None
    if words[k].lower in PREPOSITIONS:
        return None
    return m


def _index_at(words: list[Word], char: int, lo: int, hi: int) -> int:
    for k in range(lo, hi):
        if words[k].end > char:
            return k
    return hi


def _np_left(ctx: DocContext, words: list[Word], v: int, lo: int) -> Optional[Mention]:
    if v - 1 >= lo and words[v - 1].text == ")":
        k = v - 2
        while k >= lo and k > v - 8 and words[k].text != "(":
            k -= 1
        if k >= lo and words[k].text == "(":
            v = k
    i = v - 1
    if i < lo:
        return None
    w = words[i]
    if w.lower in NOM_PRONOUNS:
        return Mention(w.start, w.end, "pron")
    ent = ctx.ent_at(w.start, w.end)
    if ent is not None and ent.label_ in {"PER", "PERSON", "ORG"}:
        start = ent.start_char
        k = i
        while k >= lo and words[k].start >= ent.start_char:
            k -= 1
        # Role nouns and determiner before the name: "US-Außenminister Mike Pompeo".
        while k >= lo and words[k].lower not in PREPOSITIONS and (is_capitalized(words[k]) or words[k].lower in DETERMINERS or _adjective(words[k])):
            start = words[k].start
            if words[k].lower in DETERMINERS:
                break
            k -= 1
        return Mention(start, ent.end_char, "name" if ent.label_ in {"PER", "PERSON"} else "np", ent)
    if w.lower in FUNCTION_WORDS_CAPITALIZED:
        return None
    if is_capitalized(w) and w.text.isalpha() or ("-" in w.text and is_capitalized(w)):
        k = i
        start = w.start
        definite = True
        while k - 1 >= lo:
            x = words[k - 1]
            if x.lower in DETERMINERS:
                start = x.start
                definite = x.lower not in UNNAMED_DETERMINERS
                break
            if x.lower in PREPOSITIONS:
                break
            if _adjective(x) or is_capitalized(x):
                start = x.start
                k -= 1
                continue
            break
        return Mention(start, w.end, "np", None, definite)
    return None


def _numeric_adjective(w: Word) -> bool:
    """"23-jährige", "75-jähriger"."""
    return bool(_NUMERIC_ADJECTIVE_RE.fullmatch(w.text))


def _adjective(w: Word) -> bool:
    return w.text.isalpha() and w.text.islower() and w.lower.endswith(("e", "en", "er", "es", "em")) and w.lower not in DETERMINERS and w.lower not in SKIP_AFTER_VERB and w.lower not in SUBJUNCTIVE


def clause_start(words: list[Word], v: int, lo: int) -> int:
    k = v - 1
    while k >= lo:
        t = words[k].text
        if t in {",", ";", ":", "–", "—"} or (words[k].lower in SUBORDINATORS and not (
                words[k].lower == "wie" and k + 1 < len(words) and words[k + 1].lower == "folgt")):
            return k + 1
        k -= 1
    return lo


def clause_initial_np(ctx: DocContext, words: list[Word], lo: int, hi: int) -> Optional[Mention]:
    """The subject-like noun phrase that opens the clause words[lo:hi]
    (skipping a leading conjunction or connective adverb), not a prepositional phrase."""
    k = lo
    while k < hi and (words[k].text in {",", ";", ":", "(", "–", "-", "—"} or words[k].lower in CONJUNCTIONS or words[k].lower in {"auch", "so", "zudem", "dabei", "nun", "doch", "jedoch", "hierzu", "dazu", "demnach", "daraufhin", "anschließend", "außerdem", "später", "zuvor"}):
        k += 1
    if k >= hi or words[k].lower in PREPOSITIONS or words[k].lower in SUBORDINATORS:
        return None
    m = np_right(ctx, words, k, hi)
    if m is None:
        if _lone_subject_name(words, k, hi):
            return Mention(words[k].start, words[k].end, "np", None)
        return None
    if m.kind == "np" and not is_person_np(ctx, m) and m.ent is None:
        mention_words = ctx.text[m.start:m.end].split()
        if not mention_words[-1][:1].isupper():
            return None
        if len(mention_words) == 1 and words[k].lower not in DETERMINERS and not _lone_subject_name(words, k, hi):
            return None  # "Relativierend fügte Gall hinzu" (but "Milinkewitsch kritisierte")
    return m


def has_subject_candidate(ctx: DocContext, words: list[Word], lo: int, hi: int) -> bool:
    """Could a word of words[lo:hi] (before the verb) be its subject?  Not so for
    "Relativierend fügte Gall hinzu" or "Dazu sagte Gall"."""
    for k in range(lo, hi):
        w = words[k]
        after_prep = k > lo and (words[k - 1].lower in PREPOSITIONS or words[k - 1].lower in DETERMINERS)
        if w.lower in NOM_PRONOUNS or (w.lower in NOM_DETERMINERS and not after_prep):
            return True
        if is_capitalized(w) and not after_prep and (_name_like(w) or is_person_role(w.text) or ctx.ent_at(w.start, w.end) is not None):
            return True
    return False


def name_after(words: list[Word], j: int, hi: int) -> Optional[Mention]:
    """One or more name-like capitalized words starting at words[j]."""
    if j >= hi or not is_capitalized(words[j]) or not _name_like(words[j]):
        return None
    end = j
    while end + 1 < hi and is_capitalized(words[end + 1]) and _name_like(words[end + 1]):
        end += 1
    return Mention(words[j].start, words[end].end, "np", None)


def _lone_subject_name(words: list[Word], k: int, hi: int) -> bool:
    """A lone name-like word opening the clause right before its verb ("Milinkewitsch kritisierte …")."""
    if not _name_like(words[k]) or (k + 2 < len(words) and words[k + 2].lower in NOM_PRONOUNS):
        return False  # "Aktuell lässt sie …": the pronoun is the subject
    return k + 1 == hi or (k + 1 < hi and words[k + 1].text.isalpha() and words[k + 1].text.islower()
                           and words[k + 1].lower not in DETERMINERS and words[k + 1].lower not in CONJUNCTIONS)


def _name_like(w: Word) -> bool:
    """A lone capitalized word that may be a surname: not an adverb or participle."""
    low = w.lower
    return (w.text.isalpha() and len(low) > 2 and low not in SKIP_AFTER_VERB and low not in PREPOSITIONS
            and low not in SUBORDINATORS and low not in CONJUNCTIONS and low not in NOM_PRONOUNS
            and not low.endswith(ADVERB_SUFFIXES) and not is_person_role(w.text))


def first_np(ctx: DocContext, words: list[Word], lo: int, hi: int) -> Optional[Mention]:
    for k in range(lo, hi):
        w = words[k]
        if w.lower in NOM_PRONOUNS:
            return Mention(w.start, w.end, "pron")
        e = ctx.ent_at(w.start, w.end)
        if e is not None and e.label_ in {"PER", "PERSON"}:
            m = np_left(ctx, words, index_after(words, e.end_char, k, hi), lo)
            return m or Mention(e.start_char, e.end_char, "name", e)
        if w.lower in NOM_DETERMINERS and k + 1 < hi:
            m = np_right(ctx, words, k, hi)
            if m is not None:
                return m
        if is_capitalized(w) and is_person_role(w.text) and k + 1 < hi and _name_like(words[k + 1]):
            return Mention(w.start, words[k + 1].end, "np", None)  # "VW-Chef Winterkorn" without an entity
    return None


def index_after(words: list[Word], char: int, k: int, hi: int) -> int:
    while k < hi and words[k].start < char:
        k += 1
    return k


def is_person_np(ctx: DocContext, m: Mention) -> bool:
    words = ctx.text[m.start:m.end].split()
    return any(is_person_role(w) for w in words if w[:1].isupper())


def source_phrase(words: list[Word], lo: int, hi: int) -> Optional[Mention]:
    """The noun phrase of the first "in/im/auf/aus …" among words[lo:hi], without the preposition."""
    for k in range(lo, hi - 1):
        if words[k].lower not in SOURCE_PREPOSITIONS:
            continue
        m = k + 1
        while m < hi and m <= k + 5 and not (is_capitalized(words[m]) and words[m].lower not in DETERMINERS):
            if not words[m].text[:1].isalnum():
                return None
            m += 1
        if m >= hi or m > k + 5:
            return None
        while m + 1 < hi and is_capitalized(words[m + 1]):
            m += 1
        return Mention(words[k + 1].start, words[m].end, "np", None, definite=words[k + 1].lower not in UNNAMED_DETERMINERS)
    return None
