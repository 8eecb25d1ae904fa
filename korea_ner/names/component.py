"""The ``kner_names`` spaCy component: sets ``Span._.canonical`` on every entity.

Registered with spaCy when ``korea_ner.names`` is imported. Config: ``aliases`` (path
of a TOML/JSON alias file), ``fuzzy_threshold``, ``min_fuzzy_len`` (see
``tokens_similar``) and ``overwrite`` (replace a canonical name set before). The
aliases are saved with the pipeline, so a saved model needs no alias file.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Iterable, Iterator, Optional

from korea_ner.names.aliases import Aliases, load_aliases
from korea_ner.names.resolve import DocResolver, doc_index
from korea_ner.names.similarity import DEFAULT_FUZZY_THRESHOLD, DEFAULT_MIN_FUZZY_LEN
from korea_ner.serialize import SerializableState

COMPONENT_NAME = "kner_names"
DEFAULT_CONFIG = {"aliases": None, "fuzzy_threshold": DEFAULT_FUZZY_THRESHOLD,
                  "min_fuzzy_len": DEFAULT_MIN_FUZZY_LEN, "overwrite": True}


def make_name_resolver(nlp, name: str, aliases: Optional[str], fuzzy_threshold: float,
                       min_fuzzy_len: int, overwrite: bool) -> "NameResolver":
    return NameResolver(nlp, name, aliases=aliases, fuzzy_threshold=fuzzy_threshold,
                        min_fuzzy_len=min_fuzzy_len, overwrite=overwrite)


class NameResolver(SerializableState):
    """Pipeline component ``kner_names``: sets ``Span._.canonical`` for every entity."""

    def __init__(self, nlp=None, name: str = COMPONENT_NAME, *, aliases: Optional[str] = None,
                 fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
                 min_fuzzy_len: int = DEFAULT_MIN_FUZZY_LEN, overwrite: bool = True):
        self.name = name
        self.aliases_path = str(aliases) if aliases else None
        self.fuzzy_threshold = float(fuzzy_threshold)
        self.min_fuzzy_len = int(min_fuzzy_len)
        self.overwrite = overwrite
        self.aliases: Optional[Aliases] = None
        if self.aliases_path:
            if Path(self.aliases_path).exists():
                self.aliases = load_aliases(self.aliases_path)
            else:  # from_disk may still restore them
                warnings.warn(f"kner_names: alias file not found: {self.aliases_path}", stacklevel=2)
        self._resolver = self._make_resolver()

    def _make_resolver(self) -> DocResolver:
        return DocResolver(self.aliases, self.fuzzy_threshold, self.min_fuzzy_len)

    def __call__(self, doc):
        ents = doc.ents  # builds a Span per entity: read once, also for the resolver
        if not ents:
            return doc
        # a cached index (from resolve_reference/canonical_name) is only valid for default settings;
        # otherwise resolve again and cache this index, so that later look-ups see the aliases
        index = doc_index(doc, self._resolver, use_cached=self.aliases is None and self._is_default(), ents=ents)
        for span, m in zip(ents, index.mentions):
            if not self.overwrite and span._.canonical:
                continue
            span._.canonical = index.canonical_of(m)
        return doc

    def _is_default(self) -> bool:
        return (self.fuzzy_threshold, self.min_fuzzy_len) == (DEFAULT_FUZZY_THRESHOLD, DEFAULT_MIN_FUZZY_LEN)

    def pipe(self, stream: Iterable, batch_size: int = 128) -> Iterator:
        for doc in stream:
            yield self(doc)

    # -- serialisation: the config, and the aliases themselves -------------

    def _state(self) -> dict:
        return {"aliases": self.aliases_path, "fuzzy_threshold": self.fuzzy_threshold,
                "min_fuzzy_len": self.min_fuzzy_len, "overwrite": self.overwrite,
                # the table itself, so a saved pipeline works without the original file
                "alias_table": self.aliases.to_dict() if self.aliases else None}

    def _set_state(self, state: dict) -> None:
        self._restore(state, state.get("alias_table"))

    def _restore(self, cfg: dict, aliases: Optional[dict]) -> None:
        self.aliases_path = cfg.get("aliases", self.aliases_path)
        self.fuzzy_threshold = float(cfg.get("fuzzy_threshold", self.fuzzy_threshold))
        self.min_fuzzy_len = int(cfg.get("min_fuzzy_len", self.min_fuzzy_len))
        self.overwrite = bool(cfg.get("overwrite", self.overwrite))
        if aliases:
            self.aliases = Aliases.from_dict(aliases)
        self._resolver = self._make_resolver()


def register() -> None:
    """Register the ``canonical`` Span extension and the ``kner_names`` factory (once)."""
    from spacy.language import Language
    from spacy.tokens import Span

    if not Span.has_extension("canonical"):
        Span.set_extension("canonical", default=None)
    if COMPONENT_NAME not in Language.factories:
        Language.factory(COMPONENT_NAME, default_config=dict(DEFAULT_CONFIG))(make_name_resolver)


register()
