"""Reporting cues next to a quote: cue verbs and prepositional cues.

Verb forms come from tables (``resources/quote_words.txt``): weak verbs are
inflected here, strong verbs list their forms; separable verbs ("fügte … hinzu")
are matched as finite stem + particle later in the clause, and lemmas are used
when the pipeline has a lemmatizer.  Prepositional cues: laut X, X zufolge, nach
Angaben von X, so X, Zitat von X, mit den Worten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from korea_ner.quotes.context import DocContext, Word, is_capitalized
from korea_ner.quotes.lexicon import (
    ACCORDING_TO_NOUNS, CONJUNCTIONS, INSEPARABLE_PREFIXES, NAMING_CUES, NOM_DETERMINERS, NOM_PRONOUNS, REFLEXIVE_CUES,
    SEPARABLE_PARTICLES, STRONG_FORMS, WEAK_CUE_BLACKLIST_FORMS, WEAK_CUE_VERBS, WORDS_DETERMINERS,
)


def _weak_forms(stem: str, prefix_ge: bool) -> list[str]:
    e = "e" if stem.endswith(("t", "d")) or re.search(r"[^aeiouäöülr][mn]$", stem) else ""
    finite = [stem + "e", stem + e + "t", stem + e + "te", stem + e + "ten", stem + e + "tet", stem + "en"]
    participle = ("ge" + stem + e + "t") if prefix_ge else (stem + e + "t")
    return finite + [participle]


def build_cue_forms(lemmas: Iterable[str] = WEAK_CUE_VERBS) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Return (form -> lemma) for words that are a cue on their own and
    (form -> [(particle, lemma)]) for the finite stems of separable verbs."""
    forms: dict[str, str] = {}
    separable: dict[str, list[tuple[str, str]]] = {}
    for lemma in lemmas:
        particle = max((p for p in SEPARABLE_PARTICLES if lemma.startswith(p) and len(lemma) > len(p) + 3), key=len, default="")
        if particle and lemma in {"ergänzen", "erklären", "erläutern", "erzählen", "antworten", "angeben"}:
            particle = ""
        base = lemma[len(particle):] if particle else lemma
        if base in STRONG_FORMS:
            base_forms = list(STRONG_FORMS[base]) + [base]
            finite = [f for f in base_forms if not f.startswith("ge") or base.startswith("ge")]
            participles = [f for f in base_forms if f.startswith("ge") and not base.startswith("ge")] or [base_forms[-1]]
        else:
            stem = base[:-2] if base.endswith("en") else base[:-1]
            prefix_ge = not (base.endswith("ieren") or base.startswith(INSEPARABLE_PREFIXES))
            generated = _weak_forms(stem, prefix_ge)
            finite, participles = generated[:-1], [generated[-1]]
        if particle:
            for f in finite:
                separable.setdefault(f, []).append((particle, lemma))
                forms[particle + f] = lemma  # "wie er mitteilte", "hinzufügte"
            for p in participles:
                forms[particle + p] = lemma  # "mitgeteilt", "hinzugefügt"
        else:
            for f in finite + participles:
                if f not in WEAK_CUE_BLACKLIST_FORMS:
                    forms.setdefault(f, lemma)
    return forms, separable


CUE_FORMS, SEPARABLE_FORMS = build_cue_forms()
CUE_LEMMAS = frozenset(CUE_FORMS.values()) | frozenset(lemma for v in SEPARABLE_FORMS.values() for _, lemma in v)


# Forms too ambiguous to be cues anywhere ("meinen Sohn", "hoffen auf") that are cues in the
# inverted frame right after a quote: "„…“, meinen die Experten", "„…“, glauben Kritiker".
INVERTED_ONLY_FORMS = {"meine": "meinen", "meinen": "meinen", "sage": "sagen", "klage": "klagen",
                       "hoffen": "hoffen", "glauben": "glauben"}


@dataclass
class Cue:
    lemma: str
    index: int  # index of the cue word in the window word list
    kind: str  # "verb" | "prep"
    particle_index: int = -1


def find_cue(ctx: DocContext, words: list[Word], lo: int = 0, hi: Optional[int] = None, last: bool = False) -> Optional[Cue]:
    """The first (or with ``last``, the last) cue among words[lo:hi]: a verb beats a prepositional cue."""
    hi = len(words) if hi is None else hi
    prep: Optional[Cue] = None
    verb: Optional[Cue] = None
    for cue in _iter_cues(ctx, words, lo, hi):
        if cue.kind == "verb":
            verb = cue
            if not last:
                break
        elif prep is None:
            prep = cue
    return verb or prep


def _with_the_words(words: list[Word], i: int, lo: int, hi: int) -> bool:
    """words[i] is "Worten" in "mit den Worten" with no cue verb right after ("mit diesen Worten meldete er sich")."""
    return (i - 2 >= lo and words[i - 2].lower == "mit" and words[i - 1].lower in WORDS_DETERMINERS
            and not any(words[k].lower in CUE_FORMS or words[k].lower in SEPARABLE_FORMS for k in range(i + 1, min(hi, i + 3))))


def _iter_cues(ctx: DocContext, words: list[Word], lo: int, hi: int) -> Iterable[Cue]:
    prep: Optional[Cue] = None
    verb_seen = False
    particles: set[int] = set()  # positions of particles already read with their verb
    for i in range(lo, hi):
        if i in particles:
            continue  # "bekannt" of "gab … bekannt" is no cue of its own ("bekennen")
        w = words[i]
        low = w.lower
        lemma = CUE_FORMS.get(low)
        if lemma is None and i == lo + 1 and words[lo].text == "," and low in INVERTED_ONLY_FORMS:
            lemma = INVERTED_ONLY_FORMS[low]
        if lemma is None and low in SEPARABLE_FORMS:
            for j in range(i + 1, hi):
                lw = words[j].lower
                if lw in {":", "„", "“", '"', "»", "«"}:
                    break
                hit = next((lem for particle, lem in SEPARABLE_FORMS[low] if particle == lw), None)
                if hit and (j + 1 >= hi or not words[j + 1].text[:1].isalpha() or words[j + 1].lower in CONJUNCTIONS):
                    verb_seen = True
                    particles.add(j)
                    yield Cue(hit, i, "verb", j)
                    break
            continue
        if lemma is None and low == "worten" and _with_the_words(words, i, lo, hi) and not verb_seen:
            yield Cue("mit den Worten", i, "verb")  # "beruhigte mit den Worten: „…“": like a cue verb
            continue
        if lemma is None and ctx.can_lemmatize:
            lem = ctx.lemma_of(w)
            if lem in CUE_LEMMAS and lem not in {"sprechen", "lauten", "heißen", "meinen", "glauben", "hoffen"} | NAMING_CUES:
                lemma = lem
        if lemma is not None:
            if is_capitalized(w) and i > lo and words[i - 1].text not in {".", ":", "!", "?", "“", '"', "»", "„"}:
                continue  # a noun ("Sagen", "Bericht"), not a verb
            if lemma in REFLEXIVE_CUES and not any(words[k].lower == "sich" for k in range(max(lo, i - 3), min(hi, i + 4))):
                continue
            if lemma in {"heißen", "lauten"} and not any(words[k].lower in {"es", "darin", "dort"} for k in range(max(lo, i - 3), min(hi, i + 3))):
                if lemma == "heißen":
                    continue
            if lemma == "sprechen" and not any(words[k].lower in {"von", "vom"} for k in range(i + 1, min(hi, i + 8))):
                continue
            verb_seen = True
            yield Cue(lemma, i, "verb")
            continue
        if prep is None:
            if low == "laut" and i + 1 < hi and words[i + 1].text[:1].isalpha():
                prep = Cue("laut", i, "prep")
            elif low == "zufolge":
                prep = Cue("zufolge", i, "prep")
            elif low in ACCORDING_TO_NOUNS and i > lo and (words[i - 1].lower == "nach" or (i - 2 >= lo and words[i - 2].lower == "nach" and words[i - 1].lower in {"den", "der", "eigenen", "seinen", "ihren"})):
                prep = Cue("nach " + ("Angaben" if low in {"angaben", "angabe"} else w.text), i, "prep")
            elif low == "zitat" and i + 1 < hi and words[i + 1].lower in {"von", "des", "der"}:
                prep = Cue("Zitat", i, "prep")
            elif low == "so" and i + 1 < hi and (i == lo or words[i - 1].text == ",") and (
                words[i + 1].lower in NOM_DETERMINERS or is_capitalized(words[i + 1])
                or (words[i + 1].lower in NOM_PRONOUNS and (i + 2 == hi or not words[i + 2].text[:1].isalnum()))
            ):  # "so der Sprecher", "so Müller", "„…“, so letztere." (a pronoun only where the clause ends)
                prep = Cue("so", i, "prep")
            if prep is not None:
                yield prep
