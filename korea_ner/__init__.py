"""kner: persons, places, organisations and who-said-what in German news.

The public API (everything the ``kner`` command does is a thin layer over it)::

    import korea_ner
    for record in korea_ner.analyze(["Lawrow sagte: „Wir kommen.“"]):
        print(record["entities"], record["quotes"])

    nlp = korea_ner.load_pipeline()          # a spaCy Language with kner's components
    doc = nlp("…")                           # doc.ents[i]._.canonical, doc._.quotes

spaCy is imported only when a pipeline is needed, so ``import korea_ner`` is cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "analyze",
    "analyze_batch",
    "load_pipeline",
    "aggregate_entities",
    "select_quotes",
    "Document",
]


def __getattr__(name: str):
    # Lazy re-exports keep `kner --help` and `import korea_ner` free of spaCy.
    if name in {"analyze", "analyze_batch", "aggregate_entities", "select_quotes"}:
        from korea_ner import process

        return getattr(process, name)
    if name == "load_pipeline":
        from korea_ner.model import load_pipeline

        return load_pipeline
    if name == "Document":
        from korea_ner.inputs import Document

        return Document
    raise AttributeError(f"module 'korea_ner' has no attribute {name!r}")
