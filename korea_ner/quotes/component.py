"""The ``kner_quotes`` spaCy component: sets ``doc._.quotes``; its config is saved with the pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import ensure_path

from korea_ner.quotes.extract import extract_quotes

if not Doc.has_extension("quotes"):
    Doc.set_extension("quotes", default=None)


@Language.factory("kner_quotes", default_config={"min_words_without_cue": 4})
def make_quote_finder(nlp: Language, name: str, min_words_without_cue: int) -> "QuoteFinder":
    return QuoteFinder(nlp, name, min_words_without_cue=min_words_without_cue)


class QuoteFinder:
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

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps(self.cfg).encode("utf8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "QuoteFinder":
        self.cfg.update(json.loads(data.decode("utf8")))
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "cfg.json").write_text(json.dumps(self.cfg, indent=2), encoding="utf8")

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> "QuoteFinder":
        path = ensure_path(path)
        cfg_path = path / "cfg.json"
        if cfg_path.exists():
            self.cfg.update(json.loads(cfg_path.read_text(encoding="utf8")))
        return self
