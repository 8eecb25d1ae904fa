"""Sentences, words and entities around a quote, independent of the tokenizer.

The rules work on their own word list (:func:`words_between`) and sentence ends
(:func:`sentence_ends`) rather than spaCy tokens and sentences, so they behave
the same on any pipeline; :class:`DocContext` holds what they need from the Doc,
computed once per document, and the link to ``korea_ner.names``.
"""

from __future__ import annotations

import bisect
import re
from itertools import islice
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from spacy.tokens import Doc, Span

from korea_ner.names import canonical_name
from korea_ner.doctext import doc_text
from korea_ner.names import resolve_reference as names_resolve_reference
from korea_ner.quotes.lexicon import ABBREVIATIONS, FUNCTION_WORDS_CAPITALIZED, NOM_DETERMINERS, PERSON_ROLE_SUFFIXES, SUBJECT_PRONOUNS

if TYPE_CHECKING:
    from korea_ner.quotes.marks import RawQuote

SENTENCE_END_RE = re.compile(r"[.!?]+(?=[\s\"“”„»«’'‘)]|$)|\n")
NUMERIC_NOUN_RE = re.compile(r"\d+-[A-ZÄÖÜ]")
_CAPITALIZED_RE = re.compile(r"[A-ZÄÖÜ][a-zäöüß]*\b")
WORD_RE = re.compile(r"\w+(?:[-‐'’.]\w+)*|[^\w\s]")


@dataclass(slots=True)  # made for every word of every window around a quote: slots make that cheaper
class Word:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


def _opens_sentence(text: str, pos: int) -> bool:
    """The word at ``pos`` starts a sentence and cannot follow an ordinal ("3. Ein Sprecher"):
    a capitalised article, subject pronoun or function word ("Der", "Er", "Damit")."""
    m = _CAPITALIZED_RE.match(text[pos:pos + 20])
    if m is None:
        return False
    word = m.group().lower()
    return word in NOM_DETERMINERS or word in SUBJECT_PRONOUNS or word in FUNCTION_WORDS_CAPITALIZED


def sentence_ends(text: str) -> list[int]:
    """Character positions where a sentence ends (after the punctuation)."""
    ends = []
    for m in SENTENCE_END_RE.finditer(text):
        if m.group() == "\n":
            ends.append(m.start())
            continue
        if m.group() == ".":
            k = m.start()
            j = k
            while j > 0 and text[j - 1].isalnum():
                j -= 1
            before = text[j:k]
            nxt = m.end()
            while nxt < len(text) and text[nxt] in " \t":
                nxt += 1
            if before.isdigit() and not _opens_sentence(text, nxt):
                continue  # an ordinal: "am 3. Oktober", "die 2. Liga"
            if before.lower() in ABBREVIATIONS or (len(before) == 1 and before.isalpha()):
                continue
            if nxt < len(text) and text[nxt].islower():
                continue
        ends.append(m.end())
    return ends


def words_between(text: str, start: int, end: int, limit: Optional[int] = None) -> list[Word]:
    """The words of ``text[start:end]``; with ``limit``, only the first ``limit`` of them
    (making a Word for every match is what costs)."""
    matches = WORD_RE.finditer(text, start, end)
    if limit is not None:
        matches = islice(matches, limit)
    return [Word(m.group(), m.start(), m.end()) for m in matches]


def is_capitalized(w: Word) -> bool:
    """Capitalized, or a capitalized compound after a number ("58-Jährige")."""
    t = w.text
    return t[:1].isupper() or (t[:1].isdigit() and bool(NUMERIC_NOUN_RE.match(t)))


_FEMININE_ROLE_SUFFIXES = tuple(s + "in" for s in ("minister",))


def is_person_role(word: str) -> bool:
    low = word.lower().rsplit("-", 1)[-1]
    return low.endswith(PERSON_ROLE_SUFFIXES) or low.endswith(_FEMININE_ROLE_SUFFIXES)


class DocContext:
    """What the rules need from the Doc, computed once per document."""

    def __init__(self, doc: Doc, lemma_lookup: Optional[Callable[[str], Optional[str]]] = None,
                 text: Optional[str] = None) -> None:
        self.doc = doc
        self.text = doc_text(doc) if text is None else text
        self.sent_ends = sentence_ends(self.text)
        self.ents = sorted(doc.ents, key=lambda e: e.start_char)
        self.ent_starts = [e.start_char for e in self.ents]
        self.has_lemmas = doc.has_annotation("LEMMA")
        # Without lemma annotation, the few candidate words are looked up here
        # (the bundled pipeline skips lemmatizing every token: see model.py).
        self.lemma_lookup = None if self.has_lemmas else lemma_lookup
        self.can_lemmatize = self.has_lemmas or lemma_lookup is not None
        self.has_deps = doc.has_annotation("DEP")
        self._tok_starts: Optional[list[int]] = None
        self.quote_opens: list[int] = []
        self.quote_closes: list[int] = []

    def set_quotes(self, raws: list["RawQuote"]) -> None:
        self.quote_opens = [r.open for r in raws]
        self.quote_closes = [r.close for r in raws]

    def in_quote(self, pos: int) -> bool:
        k = bisect.bisect_right(self.quote_opens, pos) - 1
        return k >= 0 and pos <= self.quote_closes[k]

    def token_at(self, char: int):
        if self._tok_starts is None:
            self._tok_starts = [t.idx for t in self.doc]
        k = bisect.bisect_right(self._tok_starts, char) - 1
        if k < 0:
            return None
        tok = self.doc[k]
        return tok if tok.idx <= char < tok.idx + len(tok.text) else None

    def ent_at(self, start: int, end: int) -> Optional[Span]:
        """The entity overlapping [start, end), if any."""
        k = bisect.bisect_right(self.ent_starts, end - 1) - 1
        while k >= 0:
            e = self.ents[k]
            if e.end_char > start:
                return e
            if e.end_char <= start and k < len(self.ents) and self.ents[k].start_char < start - 200:
                break
            k -= 1
        return None

    def sentence_start(self, pos: int) -> int:
        k = bisect.bisect_right(self.sent_ends, pos) - 1
        return self.sent_ends[k] if k >= 0 else 0

    def sentence_end(self, pos: int) -> int:
        k = bisect.bisect_left(self.sent_ends, pos + 1)
        return self.sent_ends[k] if k < len(self.sent_ends) else len(self.text)

    def lemma_of(self, w: Word) -> Optional[str]:
        if self.lemma_lookup is not None:
            lemma = self.lemma_lookup(w.text)
            return lemma.lower() if lemma else None
        if not self.has_lemmas:
            return None
        tok = self.token_at(w.start)
        if tok is not None and tok.idx == w.start and len(tok.text) == len(w.text):
            return tok.lemma_.lower()
        return None


def canonical(ctx: DocContext, ent: Span) -> str:
    """The person's canonical name: set by kner_names, else resolved here."""
    value = ent._.canonical if Span.has_extension("canonical") else None
    return str(value) if value else str(canonical_name(ent))


def resolve_reference(ctx: DocContext, start: int, end: int) -> Optional[Span]:
    return names_resolve_reference(ctx.doc, start, end, text=ctx.text)
