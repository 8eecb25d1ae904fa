"""In-document resolution: which entity mentions of one Doc name the same entity.

Persons are clustered in three passes, each linear in the number of mentions
(candidates come from dict indexes, never from comparing all pairs):

1. full names (2+ words), longest first, so that "Kim Jong-un", "Kim Jung Un" and
   "Kim Kardashian" (inside "Kim Kardashian West") join the name they spell;
2. bare names ("Lawrow", "Kims", "Lwrow", "Wladimir") join the full name whose
   surname (or only first name) they are; several candidates go to the most salient;
3. places, organisations and the rest join by key or transliteration skeleton.

Each cluster then gets its canonical name (the fullest well-supported spelling, or
the user's alias) and the roles its person was introduced with. The result is a
``DocIndex``, cached per Doc because the quotes component asks about the same Doc
many times.
"""

from __future__ import annotations

import weakref
from collections import Counter, OrderedDict
from typing import Any, Optional, Sequence

from korea_ner.names.aliases import Aliases
from korea_ner.names.context import (
    SentenceIndex, attach_bracketed_first_names, mention_weight, roles_before, sentence_starts,
)
from korea_ner.names.docindex import Cluster, DocIndex, Mention
from korea_ner.doctext import doc_text, doc_words, keep_newest
from korea_ner.names.fold import fold, skeleton
from korea_ner.names.normalize import (
    clean_name, complete_truncated, drop_initials, key_of, truncated_partner, unglue,
)
from korea_ner.names.similarity import (
    DEFAULT_FUZZY_THRESHOLD, DEFAULT_MIN_FUZZY_LEN, extends_name, is_surname_first,
    names_similar, tokens_similar,
)

PLACE_LABELS = ("LOC", "GPE")


def surname_candidates(key: str, surname_index: dict[str, set[int]],
                       min_fuzzy_len: int = DEFAULT_MIN_FUZZY_LEN,
                       threshold: float = DEFAULT_FUZZY_THRESHOLD) -> list[int]:
    """Clusters a bare name can be the surname of: exact, genitive ("Ris" -> "Ri") or misspelt ("Lwrow")."""
    if not key:
        return []
    cands = surname_index.get(key)
    if not cands and key.endswith("s") and len(key) > 2:
        cands = surname_index.get(key[:-1])
    if not cands and len(key) >= min_fuzzy_len:
        cands = {cid for s, cids in surname_index.items()
                 if tokens_similar(s, key, min_fuzzy_len, threshold) for cid in cids}
    return sorted(cands or ())


class DocResolver:
    """Builds the DocIndex of one document."""

    def __init__(self, aliases: Optional[Aliases] = None, threshold: float = DEFAULT_FUZZY_THRESHOLD,
                 min_fuzzy_len: int = DEFAULT_MIN_FUZZY_LEN):
        self.aliases = aliases
        self.threshold = threshold
        self.min_fuzzy_len = min_fuzzy_len

    def sim(self, a: str, b: str) -> bool:
        return names_similar(a, b, self.min_fuzzy_len, self.threshold)

    def __call__(self, doc, ents: Sequence | None = None) -> DocIndex:
        """``ents``: ``doc.ents``, when the caller has read them already."""
        ents = list(doc.ents if ents is None else ents)
        index = DocIndex([], [], sentence_starts(doc))
        if not ents:
            return index
        sentences = SentenceIndex(doc)
        index.mentions = self._read_mentions(doc, ents, index, sentences)
        attach_bracketed_first_names(doc, index.mentions)
        self._cluster(doc, ents, index, sentences)
        return index

    def _read_mentions(self, doc, ents, index: DocIndex, sentences: SentenceIndex) -> list[Mention]:
        # Span.text and label_ build new strings on every access: read them once, the
        # texts from the doc's text (Span.text builds a Token per word)
        doc_chars = doc_text(doc)
        texts = [doc_chars[e.start_char:e.end_char] for e in ents]
        labels = [e.label_ for e in ents]
        raw_key_list = [key_of(t, lab) for t, lab in zip(texts, labels)]
        raw_keys = set(raw_key_list)
        # last words of all mentions, folded: lets strip_genitive see "Ri" before "Ris"
        last_words = {k.split()[-1] for k in raw_keys if k}
        place_keys = {k for k, lab in zip(raw_key_list, labels) if lab in PLACE_LABELS}
        mentions: list[Mention] = []
        # a name comes back in the document: clean each spelling once
        names: dict[tuple[str, str], tuple[str, str]] = {}
        for i, span in enumerate(ents):
            label, text = labels[i], texts[i]
            named = text
            if text.endswith("-"):  # "Nord-" of "Nord- und Südkorea" is named "Nordkorea"
                partner = truncated_partner(doc_words(doc).texts, span.end)
                named = (complete_truncated(text, partner) if partner else None) or text
            name = names.get((named, label))
            if name is None:
                name = names[named, label] = self._display_and_key(named, label, last_words, raw_keys, place_keys)
            display, key = name
            mentions.append(Mention(
                index=i, start=span.start, end=span.end, start_char=span.start_char,
                end_char=span.end_char, label=label, text=text, display=display, key=key,
                sent=index.sent_of_char(span.start_char), weight=mention_weight(doc, span, sentences),
            ))
        return mentions

    @staticmethod
    def _display_and_key(text: str, label: str, last_words: set[str], raw_keys: set[str],
                         place_keys: set[str]) -> tuple[str, str]:
        """Display and key of a mention text, given the (folded) last words, keys and place keys
        of all mentions of its document."""
        display = clean_name(text, label, last_words)
        key = key_of(display, label) if display else ""
        if key and key not in raw_keys or (key and len(display.split()) > 1):
            unglued = unglue(display, raw_keys - {key}, label) if len(display.split()) > 1 else display
            if unglued != display:
                display, key = unglued, key_of(unglued, label)
        words = display.split()
        if label == "PER" and len(words) > 2 and key_of(words[-1], "LOC") in place_keys:
            display = " ".join(words[:-1])  # "Sergej Lawrow Pjöngjang": NER swallowed a place
            key = key_of(display, label)
        return display, key

    # -- clustering -------------------------------------------------------

    def _new_cluster(self, index: DocIndex, m: Mention, label: str) -> Cluster:
        c = Cluster(id=len(index.clusters), label=label, key=m.key)
        index.clusters.append(c)
        return c

    def _join(self, c: Cluster, m: Mention) -> None:
        c.mentions.append(m.index)
        m.cluster = c.id

    def _cluster(self, doc, ents, index: DocIndex, sentences: SentenceIndex) -> None:
        per = [m for m in index.mentions if m.label == "PER" and m.key]
        others = [m for m in index.mentions if m.label != "PER" and m.key]
        by_key = self._cluster_full_names(index, per)
        self._cluster_bare_names(index, per, others, by_key)
        self._cluster_others(index, others)
        for c in index.clusters:
            self._finish(doc, ents, index, c, sentences)

    def _cluster_full_names(self, index: DocIndex, per: list[Mention]) -> dict[str, int]:
        """Pass 1: full names (2+ words), longest first so shorter spellings can join them.
        Returns key -> cluster id of every full-name key."""
        by_key: dict[str, int] = {}
        by_token: dict[str, set[int]] = {}
        full = sorted((m for m in per if len(m.display.split()) > 1),
                      key=lambda m: (-len(m.key.split()), m.start))
        for m in full:
            cid = by_key.get(m.key)
            if cid is None:
                cid = self._find_full(index, m, by_token)
            if cid is None:
                cid = self._new_cluster(index, m, "PER").id
                by_key[m.key] = cid
                for t in m.key.split():
                    by_token.setdefault(t, set()).add(cid)
            by_key.setdefault(m.key, cid)
            self._join(index.clusters[cid], m)
        return by_key

    def _cluster_bare_names(self, index: DocIndex, per: list[Mention], others: list[Mention],
                            by_key: dict[str, int]) -> None:
        """Pass 2: bare names ("Lawrow", "Kim", "Kims", "Lwrow") in document order join a full name."""
        full_clusters = list(index.clusters)
        surname_index = index.surname_index(full_clusters)
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
            cands = surname_candidates(m.key, surname_index, self.min_fuzzy_len, self.threshold)
            if not cands and m.label == "PER":
                # a lone first name ("Wladimir") of exactly one full name of the document
                cands = [c.id for c in full_clusters if len(c.tokens) > 1 and c.tokens[0] == m.key
                         and not is_surname_first(c.tokens)][:2]
                cands = cands if len(cands) == 1 else []
            if len(cands) == 1:
                self._join(index.clusters[cands[0]], m)
            elif len(cands) > 1:
                self._join(index.clusters[index.most_salient(cands, m.start_char, m.sent)], m)
            elif m.label == "PER":  # a person known only by one name: similar ones join
                cid = single_by_key.get(m.key)
                if cid is None:
                    cid = next((single_by_key[k] for k in single_by_key if self.sim(k, m.key)), None)
                if cid is None:
                    cid = self._new_cluster(index, m, "PER").id
                    single_by_key[m.key] = cid
                self._join(index.clusters[cid], m)

    def _cluster_others(self, index: DocIndex, others: list[Mention]) -> None:
        """Pass 3: places, organisations, misc: same key or same transliteration skeleton."""
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

    def _find_full(self, index: DocIndex, m: Mention, by_token: dict[str, set[int]]) -> Optional[int]:
        """The cluster a full name joins: a similar spelling, else the unique longer form of it."""
        toks = m.key.split()
        cands: set[int] = set()
        for t in toks:
            cands |= by_token.get(t, set())
        similar = [cid for cid in cands if self.sim(index.clusters[cid].key, m.key)]
        if similar:
            return min(similar)
        # "Kim Kardashian" inside "Kim Kardashian West" (unique superset, no Jr./Sr.)
        supers = [cid for cid in cands if extends_name(toks, index.clusters[cid].tokens)]
        return supers[0] if len(supers) == 1 else None

    def _finish(self, doc, ents, index: DocIndex, c: Cluster, sentences: SentenceIndex) -> None:
        """Roles and canonical name of a complete cluster."""
        ms = [index.mentions[i] for i in c.mentions]
        if c.label == "PER":
            for m in ms:
                if len(m.display.split()) > 1 or m.label == "PER":
                    c.roles.extend(roles_before(doc, ents[m.index], sentences))
        c.canonical = choose_display([m.display for m in ms])
        if self.aliases is not None:
            for k in [c.key] + [m.key for m in ms]:
                hit = self.aliases.lookup(k)
                if hit is not None:
                    c.alias = c.canonical = hit[0]
                    break


def choose_display(displays: Sequence[str]) -> str:
    """Fullest spelling; ties go to the one whose words the other mentions support most (not the typo)."""
    if displays and displays.count(displays[0]) == len(displays):
        return displays[0]  # one spelling (most entities): nothing to choose, nothing to shorten
    word_counts = Counter(fold(w) for d in displays for w in d.split())
    counts = Counter(displays)
    first = {}
    for i, d in enumerate(displays):
        first.setdefault(d, i)

    def score(d: str):
        words = drop_initials(d.split())  # "Donald J. Trump" is not fuller than "Donald Trump"
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


# DocIndex per Doc, for the many resolve_reference calls the quotes component makes on
# one Doc; keyed by id(doc) and validated by the Doc itself and its entity signature
# (a recycled id or changed entities must not return a stale index)
_INDEX_CACHE: "OrderedDict[int, tuple[bytes, Any, DocIndex]]" = OrderedDict()
_INDEX_CACHE_SIZE = 32
DEFAULT_RESOLVER = DocResolver()


def _ents_signature(doc) -> bytes:
    # the per-token entity annotation that doc.ents is read from: cheaper than doc.ents,
    # which builds a Span per entity on every call (and this runs on every look-up)
    return doc.to_array(["ENT_IOB", "ENT_TYPE"]).tobytes()


def doc_index(doc, resolver: Optional[DocResolver] = None, use_cached: bool = True,
              ents: Sequence | None = None) -> DocIndex:
    """The resolution of ``doc``'s entities into clusters, cached; ``use_cached=False`` resolves
    again (with a resolver whose aliases or thresholds differ) and caches the new index.
    ``ents``: ``doc.ents``, when the caller has read them already."""
    sig = _ents_signature(doc)
    hit = _INDEX_CACHE.get(id(doc)) if use_cached else None
    if hit is not None and hit[0] == sig and hit[1]() is doc:
        return hit[2]
    index = (resolver or DEFAULT_RESOLVER)(doc, ents)
    _INDEX_CACHE[id(doc)] = (sig, weakref.ref(doc), index)  # weakly: keeps no Doc alive
    keep_newest(_INDEX_CACHE, _INDEX_CACHE_SIZE)
    return index


def resolve_doc(doc, aliases: Optional[Aliases] = None) -> list[str]:
    """Canonical name of every entity of ``doc.ents`` (same order)."""
    index = doc_index(doc, DocResolver(aliases) if aliases is not None else None)
    return [index.canonical_of(m) for m in index.mentions]


def canonical_name(span) -> str:
    """Canonical name of an entity span: ``span._.canonical`` when the component ran, else the
    name resolved within its document, else the cleaned text ("US-Präsident Donald Trump" -> "Donald Trump")."""
    if span.has_extension("canonical"):
        value = span._.canonical
        if value:
            return value
    index = doc_index(span.doc)
    for m in index.mentions:
        if m.start_char == span.start_char and m.end_char == span.end_char and m.cluster >= 0:
            return index.clusters[m.cluster].canonical
    return clean_name(span.text, span.label_ or "PER") or span.text

