"""Token texts and the text of a Doc, read once per Doc for the kner components.

``doc.text`` and ``[t.text for t in doc]`` build a Token object per token, and the
StringStore decodes a new string on every look-up; ``kner_mentions``, ``kner_names``
and ``kner_quotes`` all read the same Doc's words. ``doc_words`` reads them from the
ORTH/SPACY arrays through a string cache shared by all documents, and keeps them for
the last few Docs, checked by the Doc's identity and length: retokenizing (which
never changes the text) changes the length; only a merge and a split that keep the
length between two look-ups would go unnoticed.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

from spacy.attrs import IS_PUNCT, ORTH, SPACY

#: Whitespace after a token, indexed by its SPACY flag.
_WHITESPACE = ("", " ")
#: Docs whose words are kept: more than a batch of nlp.pipe, where each component
#: runs over the whole batch before the next one does.
_CACHE_SIZE = 64
#: Strings kept by ``_ORTH_STRINGS`` before it starts afresh (a bound on its memory).
_MAX_STRINGS = 500_000


class _OrthStrings(dict):
    """Orth id -> token text. An orth id is the hash of its text, the same in every vocab,
    so one dict serves all documents: a dict look-up instead of decoding the string."""

    def lookup(self, strings, orths: list[int]) -> list[str]:
        try:
            return list(map(self.__getitem__, orths))
        except KeyError:
            if len(self) > _MAX_STRINGS:
                self.clear()
            for orth in orths:
                if orth not in self:
                    self[orth] = strings[orth]
            return list(map(self.__getitem__, orths))


_ORTH_STRINGS = _OrthStrings()


class DocWords:
    """The token texts (``[t.text for t in doc]``), whitespace and punctuation flags of one
    Doc, and its text (``doc.text``), built from them on first use."""

    __slots__ = ("_text", "doc", "punct", "spaces", "texts")

    def __init__(self, doc):
        # weakly: the cache keeps neither the Doc (and its tensor) nor, once the Doc is
        # gone, these words
        self.doc = weakref.ref(doc, _forget)
        # one to_array call for all three: each call has a cost of its own
        array = doc.to_array([ORTH, SPACY, IS_PUNCT])
        self.texts: list[str] = _ORTH_STRINGS.lookup(doc.vocab.strings, array[:, 0].tolist())
        self.spaces: list[int] = array[:, 1].tolist()
        self.punct: list[int] = array[:, 2].tolist()  # token.is_punct (1 or 0)
        self._text: str | None = None

    @property
    def text(self) -> str:
        """``doc.text``: every token's text followed by its whitespace."""
        if self._text is None:
            parts = [""] * (2 * len(self.texts))
            parts[0::2] = self.texts
            parts[1::2] = map(_WHITESPACE.__getitem__, self.spaces)
            self._text = "".join(parts)
        return self._text

    def span_text(self, start: int, end: int) -> str:
        """``doc[start:end].text``: the words with the whitespace between them."""
        if end <= start:
            return ""
        last = end - 1
        inner = [t + " " if s else t for t, s in zip(self.texts[start:last], self.spaces[start:last])]
        return "".join(inner) + self.texts[last]


_CACHE: OrderedDict[int, DocWords] = OrderedDict()


def doc_words(doc) -> DocWords:
    """The DocWords of ``doc``, cached by the Doc's identity (and length, for a Doc re-read in place)."""
    hit = _CACHE.get(id(doc))
    if hit is not None and hit.doc() is doc and len(hit.texts) == len(doc):
        return hit
    words = _CACHE[id(doc)] = DocWords(doc)
    keep_newest(_CACHE, _CACHE_SIZE)
    return words


def keep_newest(cache: OrderedDict, size: int) -> None:
    """Drops the oldest entries of ``cache`` beyond ``size``."""
    while len(cache) > size:
        try:
            cache.popitem(last=False)
        except KeyError:  # emptied meanwhile by another thread
            break


def _forget(ref: weakref.ref) -> None:
    """Drops the words of a Doc that is gone (unless its id already serves a newer Doc)."""
    for key, words in list(_CACHE.items()):
        if words.doc is ref:
            _CACHE.pop(key, None)
            break


def doc_text(doc) -> str:
    """``doc.text``, shared with the other components that read the same Doc."""
    return doc_words(doc).text


def token_texts(doc) -> list[str]:
    """``[t.text for t in doc]`` without building a Token object per token (the shared list:
    do not modify it)."""
    return doc_words(doc).texts
