"""Who a phrase of the text refers to: the person behind "Lawrow", "Kims" or "der US-Außenminister".

This is what the quotes component asks when it has found the words of a speaker:
``resolve_reference`` returns the best full-name entity span of that person, and
``canonical_name`` on it gives the name to report.
"""

from __future__ import annotations

from typing import Optional

from korea_ner.names.docindex import DocIndex
from korea_ner.doctext import doc_text
from korea_ner.names.fold import fold
from korea_ner.names.normalize import clean_name, key_of
from korea_ner.names.roles import classes_match, role_of_phrase
from korea_ner.names.resolve import doc_index, surname_candidates
from korea_ner.names.similarity import names_similar


def resolve_reference(doc, start_char: int, end_char: int, text: Optional[str] = None):
    """The PER entity span a mention refers to, or None.

    The mention can be a PER entity ("Lawrow", "Kim", "Kims"), a bare name the
    NER missed, or a role noun phrase ("der US-Außenminister", "Russlands
    Chefdiplomat", "der Chefdiplomat des Kreml") whose role was introduced in an
    apposition in the same document ("US-Außenminister Mike Pompeo"). Returns the
    best full-name mention of that person (use ``canonical_name`` on it).
    ``text`` is ``doc.text``, for callers that have it: building it walks every token.
    """
    index = doc_index(doc)
    per_clusters = [c for c in index.clusters if c.label == "PER"]
    if not per_clusters:
        return None
    # 1. an entity mention inside the span
    for m in index.mentions:
        if m.start_char < end_char and m.end_char > start_char and m.cluster >= 0:
            c = index.clusters[m.cluster]
            if c.label == "PER":
                return index.best_span(doc, c, start_char)
    text = (doc_text(doc) if text is None else text)[start_char:end_char]
    sent = index.sent_of_char(start_char)
    words = [w for w in text.split() if fold(w)]
    # 2. role noun phrase
    role = role_of_phrase(words, qualifiers_after=True)
    if role is not None:
        cid = _role_holder(index, per_clusters, role, start_char, sent)
        return index.best_span(doc, index.clusters[cid], start_char) if cid is not None else None
    # 3. a name the NER did not tag
    name = clean_name(text, "PER")
    key = key_of(name, "PER") if name else ""
    if not key:
        return None
    cands = [c.id for c in per_clusters if c.key == key or any(
        index.mentions[i].key == key for i in c.mentions)]
    if not cands:
        cands = surname_candidates(key, index.surname_index(per_clusters))
    if not cands:
        cands = [c.id for c in per_clusters if names_similar(c.key, key)]
    if not cands:
        return None
    cid = cands[0] if len(cands) == 1 else index.most_salient(cands, start_char, sent)
    return index.best_span(doc, index.clusters[cid], start_char)


def _role_holder(index: DocIndex, per_clusters, role, char: int, sent: int):
    """The person introduced with ``role`` who is most salient at ``char``, or None. Persons whose
    role had the same nation beat those whose role had none ("der russische Außenminister")."""
    classes, nation = role
    cands = []
    for c in per_clusters:
        for rc, rn in c.roles:
            if classes_match(classes, rc) and (nation is None or rn is None or nation == rn):
                cands.append((c.id, nation is not None and rn == nation))
                break
    if not cands:
        return None
    if any(exact for _, exact in cands):
        cands = [(cid, exact) for cid, exact in cands if exact]
    return index.most_salient([cid for cid, _ in cands], char, sent)
