"""The ``kner_quotes`` spaCy component: sets ``doc._.quotes``; its config is saved with the pipeline."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Iterable, Optional

from spacy.language import Language
from spacy.tokens import Doc

from korea_ner.quotes.extract import extract_quotes
from korea_ner.serialize import SerializableState

if not Doc.has_extension("quotes"):
    Doc.set_extension("quotes", default=None)


@Language.factory("kner_quotes", default_config={"min_words_without_cue": 4})
def make_quote_finder(nlp: Language, name: str, min_words_without_cue: int) -> "QuoteFinder":
    return QuoteFinder(nlp, name, min_words_without_cue=min_words_without_cue)


class QuoteFinder(SerializableState):
    """Sets ``doc._.quotes`` to the list of :class:`Quote` found in the doc."""

    def __init__(self, nlp: Optional[Language] = None, name: str = "kner_quotes", *, min_words_without_cue: int = 4) -> None:
        self.nlp = nlp
        self.name = name
        self.cfg: dict[str, Any] = {"min_words_without_cue": int(min_words_without_cue)}
        self._lemma_lookup: Optional[Callable[[str], str]] = None
        self._looked_for_lemmas = False

    # For docs without lemma annotation (the bundled pipeline does not lemmatize
    # every token), the few candidate cue words are looked up in the pipeline's
    # lemma table.  That table is loaded after this component is built: look it up lazily.
    @property
    def lemma_lookup(self) -> Optional[Callable[[str], str]]:
        if not self._looked_for_lemmas:
            from korea_ner.model import lemma_table

            self._looked_for_lemmas = True
            table = lemma_table(self.nlp)
            if table is not None:
                # cached: the same cue candidates come back in every document, and the
                # table hashes each word anew on every look-up
                @lru_cache(maxsize=65536)
                def lookup(word: str) -> str:
                    lemma = table.get(word, word)
                    return lemma if isinstance(lemma, str) else lemma[0]

                self._lemma_lookup = lookup
        return self._lemma_lookup

    def __call__(self, doc: Doc) -> Doc:
        doc._.quotes = extract_quotes(doc, lemma_lookup=self.lemma_lookup, **self.cfg)
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)

    def _state(self) -> dict:
        return dict(self.cfg)

    def _set_state(self, state: dict) -> None:
        self.cfg.update(state)
