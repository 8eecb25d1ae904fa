"""The public library API, as the README shows it (the CLI is a layer over it)."""

from __future__ import annotations

import korea_ner
from korea_ner.inputs import iter_documents

from .conftest import SEEDS


def test_analyze_strings_and_records(tiny_model):
    records = list(
        korea_ner.analyze(["„Wir kommen“, sagte Lawrow.", {"id": "a2", "text": "Merkel traf Lawrow.", "date": "2024"}], model=tiny_model)
    )
    assert [(r["doc"], r["date"]) for r in records] == [("0", None), ("a2", "2024")]
    (quote,) = records[0]["quotes"]
    assert quote["text"] == "Wir kommen" and quote["speaker"]["name"] == "Lawrow"


def test_entity_and_quote_views(tiny_model, corpus):
    records = list(korea_ner.analyze(iter_documents([str(corpus)]), model=tiny_model))
    people = korea_ner.aggregate_entities(records, labels=["PER"], min_count=2)
    assert [p["name"] for p in people] == ["Sergej Lawrow", "Angela Merkel"]
    assert [q["text"] for q in korea_ner.select_quotes(records, speaker="lwrow")] == ["Wir sind zufrieden"]


def test_pipeline_attaches_extensions(tiny_model):
    nlp = korea_ner.load_pipeline(tiny_model)
    doc = nlp("Sergej Lawrow kam. „Wir bleiben“, sagte Lawrow.")
    assert [(e.text, e._.canonical) for e in doc.ents] == [("Sergej Lawrow", "Sergej Lawrow"), ("Lawrow", "Sergej Lawrow")]
    assert [q.speaker.name for q in doc._.quotes] == ["Sergej Lawrow"]


def test_components_compose_with_another_pipeline():
    import spacy

    import korea_ner.names  # noqa: F401  (registers the factories)
    import korea_ner.quotes  # noqa: F401

    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PER", "pattern": "Reker"}])
    nlp.add_pipe("kner_names")
    nlp.add_pipe("kner_quotes")
    doc = nlp("„Das ist gut“, sagte Reker.")
    assert doc._.quotes[0].speaker.mention == "Reker"


def test_analyze_batch_equals_analyze(tiny_model):
    texts = [(SEEDS / name).read_text(encoding="utf-8") for name in sorted(p.name for p in SEEDS.glob("*.txt"))[:2]]
    assert korea_ner.analyze_batch(texts, model=tiny_model) == list(korea_ner.analyze(texts, model=tiny_model))
