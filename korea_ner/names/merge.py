"""Across documents: one entity per person, place and organisation of a corpus.

``merge_entities`` groups the per-document canonical names by key, then merges
groups that are the same entity: similar spellings ("Kim Jung Un" ~ "Kim Jong Un"),
a surname that belongs to exactly one full name ("Lawrow" -> "Sergej Lawrow"), and
the names an alias file declares. An ambiguous short name ("Kim") stays apart.
``speaker_matches`` answers ``--speaker`` queries with the same notion of "same name".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Union

from korea_ner.names.aliases import Aliases, load_aliases
from korea_ner.names.fold import fold, skeleton
from korea_ner.names.normalize import clean_name, drop_initials, key_of
from korea_ner.names.similarity import (
    DEFAULT_FUZZY_THRESHOLD, DEFAULT_MIN_FUZZY_LEN, extends_name, is_subsequence, names_similar,
    surnames, tokens_similar,
)


@dataclass
class _Group:
    """The mentions of one key (or one alias) across the corpus."""

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

    @property
    def top_name(self) -> str:
        return self.names.most_common(1)[0][0]

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
    groups = _collect_groups(mentions, aliases)
    uf = _UnionFind()
    _merge_similar(groups, uf, min_fuzzy_len, fuzzy_threshold)
    _merge_short_names(groups, uf, min_fuzzy_len, fuzzy_threshold)
    merged: dict[str, _Group] = {}
    for k in groups:
        root = uf.find(k)
        if root not in merged:
            merged[root] = _Group(key=groups[root].key)
        merged[root].absorb(groups[k])
    out = [{"name": g.alias or _corpus_name(g), "label": g.label, "count": g.count, "docs": g.docs,
            "variants": sorted(g.variants)} for g in merged.values()]
    out.sort(key=lambda e: (-e["count"], e["name"]))
    return out


def _collect_groups(mentions: Iterable[dict], aliases: Optional[Aliases]) -> dict[str, _Group]:
    """Group key ("LABEL\\tkey", or "ALIAS\\tLABEL\\tname" for declared names) -> group."""
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
            display = clean_name(canon, label) or canon
            key = key_of(display, label)
            if not key:
                continue
            alias = None
            if aliases is not None:
                alias = aliases.lookup(key) or aliases.lookup(key_of(text, label))
            gkey = f"ALIAS\t{alias[1]}\t{alias[0]}" if alias is not None else f"{label}\t{key}"
            g = groups.get(gkey)
            if g is None:
                g = groups[gkey] = _Group(key=key, alias=alias[0] if alias is not None else None)
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
    return groups


def _merge_similar(groups: dict[str, _Group], uf: _UnionFind, min_fuzzy_len: int, threshold: float) -> None:
    """Fuzzy/transliteration merges, compared only within blocks of the same label, token
    count and first skeleton letter (so not all pairs of the corpus)."""
    blocks: dict[tuple, list[str]] = {}
    for gk, g in groups.items():
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
                                                               min_fuzzy_len, threshold):
                    uf.union(a, b)


def _merge_short_names(groups: dict[str, _Group], uf: _UnionFind, min_fuzzy_len: int,
                       threshold: float) -> None:
    """PER: a shorter name inside exactly one longer name joins it ("Lawrow" -> "Sergej Lawrow",
    "Kim Kardashian" -> "Kim Kardashian West"); ambiguous ones ("Kim") stay apart."""
    per_keys = [k for k in groups if k.startswith("PER\t")]
    by_token: dict[str, set[str]] = {}
    for k in per_keys:
        for t in set(groups[k].key.split()):
            by_token.setdefault(t, set()).add(k)
    surname_buckets: dict[str, dict[str, set[str]]] = {}  # first letter -> surname -> groups
    for k in per_keys:
        ktoks = groups[k].key.split()
        if len(ktoks) > 1:
            for s_tok in surnames(ktoks, groups[k].top_name.split()):
                surname_buckets.setdefault(s_tok[:1], {}).setdefault(s_tok, set()).add(k)
    for k in sorted(per_keys, key=lambda k: len(groups[k].key.split())):
        toks = groups[k].key.split()
        cands = set.intersection(*(by_token.get(t, set()) for t in toks)) if toks else set()
        supers = set()
        for c in cands:
            ctoks = groups[c].key.split()
            if not extends_name(toks, ctoks):
                continue
            if len(toks) == 1 and toks[0] not in surnames(ctoks, groups[c].top_name.split()):
                continue
            supers.add(uf.find(c))
        if not supers and len(toks) == 1 and len(toks[0]) >= min_fuzzy_len:
            # a lone misspelt surname ("Lwrow") in a document without the full name
            for s_tok, owners in surname_buckets.get(toks[0][0], {}).items():
                if tokens_similar(toks[0], s_tok, min_fuzzy_len, threshold):
                    supers |= {uf.find(o) for o in owners}
        if len(supers) == 1:
            uf.union(supers.pop(), k)


def _corpus_name(g: _Group) -> str:
    """Fullest common spelling: among spellings used in at least a third as many documents as
    the most common one, the one with most words (initials ignored), then most documents/mentions."""
    top = max(g.name_docs.values(), default=0)

    def score(n: str):
        return (g.name_docs[n] * 3 >= top, len(drop_initials(n.split())), g.name_docs[n], g.names[n], n)

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
    q_key = key_of(query, "PER") or q
    q_toks = q_key.split()
    for cand in (name, *variants):
        if not cand:
            continue
        k = key_of(cand, "PER") or fold(cand)
        if not k:
            continue
        if k == q_key or fold(cand) == q:
            return True
        toks = k.split()
        if len(q_toks) == 1:
            # one word: any word of the name; short words only exactly ("Kim" is no typo of "Kin")
            if any(tokens_similar(q_toks[0], t, threshold=threshold) if len(q_toks[0]) >= 4 else q_toks[0] == t
                   for t in toks):
                return True
        elif (names_similar(q_key, k, threshold=threshold)
              or (len(q_toks) < len(toks) and is_subsequence(q_toks, toks))
              or skeleton(q_key) == skeleton(k)):
            return True
    return False
