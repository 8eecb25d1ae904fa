"""What the words around a mention say about it: its sentence, its salience, its role.

"Der russische Außenminister Sergej Lawrow sagte": the mention starts its sentence
(subject-like, so salient) and is introduced by a role ("aussenminister", nation RU)
that a later "der Chefdiplomat" can refer back to. "mit Lawrow": an oblique mention.
"""

from __future__ import annotations

import bisect
import re
from typing import Optional

from spacy.attrs import IDX, SENT_START

from korea_ner.names.docindex import Mention
from korea_ner.doctext import doc_text, doc_words
from korea_ner.names.fold import fold
from korea_ner.names.normalize import ARTICLES, key_of
from korea_ner.names.roles import Role, is_role_word, role_of_phrase

#: Tokens before a mention that make it an oblique (less salient) mention.
PREPOSITIONS = frozenset(
    """von mit zu zum zur zwischen an am auf aufs fuer bei beim ueber gegen nach aus vor
    neben hinter unter um ohne durch seit laut""".split()
)
#: Tokens that may separate a first name from its surname: "(Präsident Wladimir) Putin".
_BRACKET_GAP = frozenset(")]\"“”»«'")
#: Punctuation that may stand between a mention and the words introducing it.
_OPENING_PUNCT = "(\"„“"
#: How far back to look for a mention's preposition, and for its role words.
_WEIGHT_LOOKBACK = 4
_ROLE_LOOKBACK = 5

_SENTENCE_END_RE = re.compile(r"(?:[.!?]\s+|\n\s*)(?=\S)")

SUBJECT_WEIGHT = 2.0
PLAIN_WEIGHT = 1.0
OBLIQUE_WEIGHT = 0.25


def sentence_starts(doc) -> list[int]:
    """Char offsets of the sentence starts; without sentence boundaries, paragraphs and end punctuation."""
    if doc.has_annotation("SENT_START"):
        if "sents" in doc.user_hooks or len(doc) == 0:
            return [s.start_char for s in doc.sents]
        # like doc.sents (a sentence at the first token and at each sentence start after it)
        # without building a Span per sentence
        array = doc.to_array([SENT_START, IDX])
        later = (array[1:, 0] == 1).nonzero()[0] + 1
        return [int(array[0, 1])] + array[later, 1].tolist()
    return [0] + [m.end() for m in _SENTENCE_END_RE.finditer(doc_text(doc))]


class SentenceIndex:
    """Where the sentence of a span starts (``span.sent.start``), for many spans of one Doc.

    ``span.sent`` walks to both ends of the sentence and builds a Span on every call;
    this reads the sentence starts once. Sentence hooks (a custom ``doc.sents``) are
    still asked per span.
    """

    def __init__(self, doc):
        self.annotated = doc.has_annotation("SENT_START")
        self.hooked = "sent" in doc.user_span_hooks or "sents" in doc.user_hooks
        self.starts: list[int] = []
        if self.annotated and not self.hooked:
            self.starts = (doc.to_array("SENT_START") == 1).nonzero()[0].tolist()

    def start_of(self, span) -> Optional[int]:
        """The token where ``span``'s sentence starts; None without sentence boundaries."""
        if not self.annotated:
            return None
        if self.hooked:
            return span.sent.start
        # like Span.sent: the last sentence start at or before the span, else the doc start
        k = bisect.bisect_right(self.starts, span.start) - 1
        return self.starts[k] if k >= 0 else 0


def mention_weight(doc, span, sentences: Optional[SentenceIndex] = None) -> float:
    """Salience weight: subject-like (sentence-initial) mentions count more, oblique ones less.

    ``sentences``: the doc's SentenceIndex, when the caller weighs many mentions."""
    sent_start = (sentences or SentenceIndex(doc)).start_of(span)
    sent_start = 0 if sent_start is None else sent_start
    words = doc_words(doc)  # token texts and flags without a Token object per look-up
    texts, punct = words.texts, words.punct
    i = span.start - 1
    steps = 0
    while i >= sent_start and steps < _WEIGHT_LOOKBACK:
        text = texts[i]
        key = fold(text)
        if key in PREPOSITIONS:
            return OBLIQUE_WEIGHT
        if not key or key in ARTICLES or text[:1].islower() or is_role_word(key) or punct[i]:
            if punct[i] and text not in _OPENING_PUNCT:
                break
            i -= 1
            steps += 1
            continue
        break
    return SUBJECT_WEIGHT if i < sent_start else PLAIN_WEIGHT


def roles_before(doc, span, sentences: Optional[SentenceIndex] = None) -> list[Role]:
    """Role nouns introducing a mention: "Der russische Außenminister Sergej Lawrow"."""
    sent_start = (sentences or SentenceIndex(doc)).start_of(span)
    sent_start = max(0, span.start - 6) if sent_start is None else sent_start
    # role words inside the entity span itself ("US-Präsident Donald Trump" as one entity)
    words = doc_words(doc)  # token texts and flags without a Token object per look-up
    texts, punct = words.texts, words.punct
    inner = []
    for text in texts[span.start:span.end]:
        key = fold(text)
        if not (is_role_word(key) or key in ARTICLES or text[:1].islower()):
            break
        inner.append(text)
    i = span.start - 1
    before: list[str] = []
    while i >= sent_start and len(before) < _ROLE_LOOKBACK:
        if punct[i] and texts[i] not in "-":
            break
        before.append(texts[i])
        i -= 1
    before.reverse()
    # keep only a contiguous run ending in a role word right before the name
    if before and not inner and not is_role_word(fold(before[-1])):
        before = []
    role = role_of_phrase(before + inner)
    return [role] if role else []


def attach_bracketed_first_names(doc, mentions: list[Mention]) -> None:
    """"(Präsident Wladimir) Putin": a one-word PER mention followed, after only closing brackets
    or quotes, by a one-word PER mention gets the full name as display (both mentions)."""
    for m, n in zip(mentions, mentions[1:]):
        if m.label != "PER" or n.label != "PER" or not m.display or not n.display:
            continue
        if len(m.display.split()) != 1 or len(n.display.split()) != 1 or not 0 < n.start - m.end <= 2:
            continue
        gap = doc_words(doc).texts[m.end:n.start]
        if not all(g in _BRACKET_GAP for g in gap) or not any(g in ")]" for g in gap):
            continue
        full = f"{m.display} {n.display}"
        m.display = n.display = full
        m.key = n.key = key_of(full, "PER")
