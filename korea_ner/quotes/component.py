"""The ``kner_quotes`` spaCy component: sets ``doc._.quotes``; its config is saved with the pipeline."""

from __future__ import annotations

from typing import Any, Iterable, Optional

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
        self.name = name
        self.cfg: dict[str, Any] = {"min_words_without_cue": int(min_words_without_cue)}

    def __call__(self, doc: Doc) -> Doc:
        doc._.quotes = extract_quotes(doc, **self.cfg)
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)

    def _state(self) -> dict:
        return dict(self.cfg)

    def _set_state(self, state: dict) -> None:
        self.cfg.update(state)
