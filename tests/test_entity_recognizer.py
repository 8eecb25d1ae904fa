"""kner_ner must find exactly the entities spaCy's own transition decoder finds."""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from spacy.tokens import Span
from spacy.training import Example

from korea_ner.entity_recognizer import GreedyEntityRecognizer, GreedyParses, supports
from korea_ner.model import BUNDLED_MODEL

from tests.conftest import SEEDS

OWN_TEXTS = [
    "Der Außenminister der Russischen Föderation, Sergej Lawrow, traf am Montag in Genf "
    "den Generalsekretär der Vereinten Nationen.",
    "Die Deutsche Bank AG und die Europäische Zentralbank in Frankfurt am Main widersprachen.",
    "Kim Jong Un\n\nPjöngjang  Seoul   Tokio",  # whitespace tokens between names
    "Merkel",
    "",
    "   ",
    "„Wir werden das prüfen“, sagte Olaf Scholz in Berlin, während Emmanuel Macron schwieg.",
]


def annotations(docs):
    return [([(e.start, e.end, e.label_) for e in doc.ents], doc.to_array("ENT_IOB").tolist()) for doc in docs]


@pytest.fixture(scope="module")
def both_decoders():
    fast = spacy.load(BUNDLED_MODEL, disable=["lemmatizer"])
    reference = spacy.load(BUNDLED_MODEL, disable=["lemmatizer"], config={"components": {"ner": {"factory": "ner"}}})
    return fast, reference


def test_bundled_model_uses_the_bulk_decoder(both_decoders):
    fast, reference = both_decoders
    assert isinstance(fast.get_pipe("ner"), GreedyEntityRecognizer)
    assert not isinstance(reference.get_pipe("ner"), GreedyEntityRecognizer)
    assert supports(fast.get_pipe("ner").model)


def test_same_entities_as_spacy_on_seeds_and_own_texts(both_decoders):
    fast, reference = both_decoders
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))] + OWN_TEXTS
    expected = annotations(reference.pipe(texts, batch_size=4))
    assert sum(len(ents) for ents, _ in expected) > 50  # the comparison covers real entities
    assert annotations(fast.pipe(texts, batch_size=4)) == expected
    assert annotations([fast(text) for text in texts]) == expected  # one doc at a time too


def test_preset_entities_go_through_spacys_decoder(both_decoders):
    fast, reference = both_decoders
    text = "Olaf Scholz sprach in Berlin mit Vertretern der Deutschen Bahn."
    results = []
    for nlp in (fast, reference):
        doc = nlp.make_doc(text)
        doc.set_ents([Span(doc, 4, 5, label="ORG")], default="unmodified")  # "Berlin" preset as ORG
        for _, pipe in nlp.pipeline:
            doc = pipe(doc)
        results.append(annotations([doc]))
    assert results[0] == results[1]
    assert (4, 5, "ORG") in results[0][0][0]
    ner = fast.get_pipe("ner")
    preset = fast.make_doc(text)
    preset.set_ents([Span(preset, 0, 2, label="PER")], default="unmodified")
    assert not isinstance(ner.predict([preset]), GreedyParses)
    assert isinstance(ner.predict([fast.make_doc(text)]), GreedyParses)


def _untrained_pair(seed: int):
    """A kner_ner with random weights and a spaCy ner with a copy of them."""
    nlp = spacy.blank("de")
    ner = nlp.add_pipe("kner_ner")
    for label in ("PER", "LOC", "ORG"):
        ner.add_label(label)
    nlp.initialize()
    upper = ner.model.layers[2]
    rng = np.random.default_rng(seed)
    # zero output weights make every score a tie; random ones give entities of all lengths
    upper.set_param("W", rng.normal(size=upper.get_param("W").shape).astype("float32") * seed)
    reference = spacy.blank("de")
    reference.add_pipe("ner")
    reference.get_pipe("ner").from_bytes(ner.to_bytes())
    return nlp, reference


def test_same_decisions_as_spacy_with_random_weights():
    texts = OWN_TEXTS + ["Ein Satz. Noch ein Satz mit Wörtern, Zahlen (12,5 %) und Namen wie Anna Schmidt."] * 3
    lengths = set()
    for seed in range(5):
        nlp, reference = _untrained_pair(seed)
        expected = annotations(reference.pipe(texts, batch_size=3))
        got = annotations(nlp.pipe(texts, batch_size=3))
        assert got == expected, seed
        lengths |= {end - start for ents, _ in got for start, end, _ in ents}
        if seed == 0:  # all scores tie: the first valid class (here O) wins, as in spaCy
            assert not any(ents for ents, _ in got)
    assert {1, 2, 3} <= lengths  # single- and multi-token entities were decoded


def test_preset_sentence_starts_bound_entities_as_in_spacy():
    nlp, reference = _untrained_pair(0)
    ner = nlp.get_pipe("kner_ner")
    names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    bias = np.zeros(len(names), dtype="float32")
    bias[names.index("B-ORG")] = 1.0  # entities run on until something stops them
    ner.model.layers[2].set_param("b", bias)
    reference.get_pipe("ner").from_bytes(ner.to_bytes())
    results = []
    for pipeline in (nlp, reference):
        doc = pipeline.make_doc("Eins zwei drei vier fünf sechs sieben")
        for i in (3, 5):
            doc[i].is_sent_start = True
        results.append(annotations([pipeline.get_pipe(pipeline.pipe_names[0])(doc)]))
    assert results[0] == results[1]
    assert results[0][0][0] == [(0, 3, "ORG"), (3, 5, "ORG"), (5, 7, "ORG")]


def test_ties_between_in_and_last_go_to_the_lower_class_as_in_spacy():
    nlp, reference = _untrained_pair(0)
    ner = nlp.get_pipe("kner_ner")
    names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    upper = ner.model.layers[2]
    bias = np.zeros(len(names), dtype="float32")
    bias[names.index("B-PER")] = 1.0  # every closed state begins a PER; inside, I-PER and L-PER tie
    upper.set_param("b", bias)
    reference.get_pipe("ner").from_bytes(ner.to_bytes())
    long_text = " ".join(["Wort"] * 60)  # longer than the rounds all candidates share
    texts = ["Eins zwei drei vier fünf", "Eins zwei", "Eins", long_text]
    expected = annotations(reference.pipe(texts))
    assert annotations(nlp.pipe(texts)) == expected
    # a one-token doc cannot Begin, and Unit ties with O, which comes first
    assert expected[0][0] == [(0, 5, "PER")] and expected[2][0] == []
    assert expected[3][0] == [(0, 60, "PER")]


def test_other_weights_with_other_class_order_are_decoded_with_their_classes():
    nlp, reference = _untrained_pair(2)
    nlp("Anna Schmidt wohnt in Leipzig.")  # the component has decoded once with its classes
    other = spacy.blank("de")
    other_ner = other.add_pipe("kner_ner")
    for label in ("ORG", "LOC", "PER"):  # same labels, other class order
        other_ner.add_label(label)
    other.initialize()
    upper = other_ner.model.layers[2]
    upper.set_param("W", np.random.default_rng(7).normal(size=upper.get_param("W").shape).astype("float32"))
    nlp.get_pipe("kner_ner").from_bytes(other_ner.to_bytes())
    reference.get_pipe("ner").from_bytes(other_ner.to_bytes())
    texts = OWN_TEXTS[:3]
    assert annotations(nlp.pipe(texts)) == annotations(reference.pipe(texts))


def test_nan_scores_and_preset_token_annotation_go_to_spacys_decoder():
    nlp, reference = _untrained_pair(3)
    ner = nlp.get_pipe("kner_ner")
    text = "Anna Schmidt wohnt in Leipzig."
    marked = nlp.make_doc(text)
    marked[0].ent_kb_id_ = "Q1"  # a knowledge-base id without an entity: spaCy keeps it
    assert not isinstance(ner.predict([marked]), GreedyParses)
    upper = ner.model.layers[2]
    weights = upper.get_param("W").copy()
    weights[0, 0] = np.nan
    upper.set_param("W", weights)
    reference.get_pipe("ner").from_bytes(ner.to_bytes())
    assert not isinstance(ner.predict([nlp.make_doc(text)]), GreedyParses)
    assert annotations([nlp(text)]) == annotations([reference(text)])


def test_training_updates_the_model():
    nlp = spacy.blank("de")
    nlp.add_pipe("kner_ner")
    doc = nlp.make_doc("Anna Schmidt wohnt in Leipzig .")
    examples = [Example.from_dict(doc, {"entities": [(0, 12, "PER"), (22, 29, "LOC")]})]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        losses = nlp.update(examples, sgd=optimizer)
    assert losses["kner_ner"] < 1.0
    assert [(e.text, e.label_) for e in nlp("Anna Schmidt wohnt in Leipzig .").ents] == [
        ("Anna Schmidt", "PER"), ("Leipzig", "LOC")]
