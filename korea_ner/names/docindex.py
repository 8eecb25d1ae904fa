"""The resolution of one document: its entity mentions grouped into clusters, one per entity.

``DocIndex`` is what ``resolve`` builds and what ``references`` and the ``kner_names``
component read. Besides the data it answers the questions both ask of it: which
cluster is most salient at a point of the text, which mention best spells a cluster.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from korea_ner.names.roles import Role
from korea_ner.names.similarity import surnames


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
    roles: list[Role] = field(default_factory=list)
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
        return max(0, bisect.bisect_right(self.sent_starts, char) - 1)

    def canonical_of(self, m: Mention) -> str:
        """The canonical name of a mention's entity (its own cleaned text when unclustered)."""
        return self.clusters[m.cluster].canonical if m.cluster >= 0 else (m.display or m.text)

    def surname_index(self, clusters: Iterable[Cluster]) -> dict[str, set[int]]:
        """Surname key -> ids of the ``clusters`` with a full name that has this surname."""
        index: dict[str, set[int]] = {}
        for c in clusters:
            for mi in c.mentions:
                for s in surnames(c.tokens, self.mentions[mi].display.split()):
                    index.setdefault(s, set()).add(c.id)
        return index

    def most_salient(self, cands: Sequence[int], char: int, sent: int) -> int:
        """Candidate cluster with most salience at ``char``: recent, subject-like mentions before
        it count most (halved per sentence back); with nothing before, the nearest mention after
        it; the first-introduced breaks ties."""
        scores: dict[int, float] = {}
        first_seen: dict[int, int] = {}
        nearest_after: dict[int, int] = {}
        for cid in cands:
            score = 0.0
            for mi in self.clusters[cid].mentions:
                p = self.mentions[mi]
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

    def best_span(self, doc, c: Cluster, near: int):
        """The mention of ``c`` spelled like its canonical name, nearest to ``near`` (before preferred)."""
        ms = [self.mentions[i] for i in c.mentions]
        full = ([m for m in ms if m.display == c.canonical]
                or [m for m in ms if len(m.display.split()) > 1] or ms)
        before = [m for m in full if m.start_char <= near]
        m = max(before, key=lambda m: m.start_char) if before else min(full, key=lambda m: m.start_char)
        return doc.ents[m.index]
