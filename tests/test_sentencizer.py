"""kner_sentencizer sets exactly the sentence boundaries spaCy's Sentencizer sets."""

from __future__ import annotations

import pytest
import spacy
from spacy.attrs import SENT_START
from spacy.tokens import Doc

import korea_ner.sentencizer  # noqa: F401  (registers kner_sentencizer)
from tests.conftest import SEEDS

OWN_TEXTS = [
    "",
    ".",
    "... !",
    "Er kam. Sie ging! Wer blieb? Niemand.",
    "„Wir kommen.“ Dann sagte sie: „Gut!“ (Und ging.) Ende",
    "Am 3. Oktober 1990. 2. Teil: Fortsetzung folgt…",
    ". Ein Anfang mit Punkt. . . Und weiter",
    "Kein Satzende am Schluss",
    "Ja!! Nein?! Vielleicht...\n\nNeuer Absatz. - Ein Strich",
]


def boundaries(doc: Doc) -> list[int]:
    return doc.to_array(SENT_START).astype("int64").tolist()


def pair(**config):
    spacy_nlp, kner_nlp = spacy.blank("de"), spacy.blank("de")
    spacy_nlp.add_pipe("sentencizer", config=config)
    kner_nlp.add_pipe("kner_sentencizer", name="sentencizer", config=config)
    return spacy_nlp, kner_nlp


@pytest.mark.parametrize("config", [{}, {"punct_chars": [".", ";"]}])
def test_same_boundaries_as_spacys_sentencizer(config):
    spacy_nlp, kner_nlp = pair(**config)
    texts = OWN_TEXTS + [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    for theirs, ours in zip(spacy_nlp.pipe(texts), kner_nlp.pipe(texts)):
        assert boundaries(ours) == boundaries(theirs), theirs.text[:80]
        assert [s.text for s in ours.sents] == [s.text for s in theirs.sents]


def test_same_boundaries_on_random_token_sequences():
    from hypothesis import given, settings, strategies as st

    spacy_nlp, kner_nlp = pair()
    token = st.sampled_from(["Wort", "und", ".", "!", "?", "“", "„", ")", "(", "-", ",", "…", "3.", "。"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.tuples(token, st.booleans()), max_size=25))
    def check(tokens):
        words = [t for t, _ in tokens]
        spaces = [s for _, s in tokens]
        theirs = spacy_nlp.get_pipe("sentencizer")(Doc(spacy_nlp.vocab, words=words, spaces=spaces))
        ours = kner_nlp.get_pipe("sentencizer")(Doc(kner_nlp.vocab, words=words, spaces=spaces))
        assert boundaries(ours) == boundaries(theirs)

    check()


@pytest.mark.parametrize("overwrite", [False, True])
def test_boundaries_set_before_are_kept_unless_overwritten(overwrite):
    spacy_nlp, kner_nlp = pair(overwrite=overwrite)
    results = []
    for nlp in (spacy_nlp, kner_nlp):
        doc = nlp.make_doc("Er kam. Sie ging und sie blieb. Ende")
        doc[2].is_sent_start = False  # "." set by something earlier
        doc[5].is_sent_start = True  # "und" too
        results.append(boundaries(nlp.get_pipe("sentencizer")(doc)))
    assert results[0] == results[1]


def test_saved_and_loaded_with_its_settings(tmp_path):
    _, kner_nlp = pair(punct_chars=["|"])
    kner_nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert loaded.get_pipe_meta("sentencizer").factory == "kner_sentencizer"
    assert [s.text for s in loaded("a | b. c").sents] == ["a |", "b. c"]
