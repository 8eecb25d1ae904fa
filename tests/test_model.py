"""Choosing and loading pipelines: bundled model, named pipelines, the environment."""

from __future__ import annotations

import pytest

from korea_ner.errors import ModelError
from korea_ner.model import BUNDLED_MODEL, TOKENIZER_CACHE_CHUNKS, add_kner_components, choose_model, load_pipeline

from .conftest import SEEDS


def test_choice_order(monkeypatch):
    monkeypatch.delenv("KNER_MODEL", raising=False)
    assert choose_model("some/path").origin == "--model"
    monkeypatch.setenv("KNER_MODEL", "from_env")
    assert choose_model(None) == choose_model(None) and choose_model(None).target == "from_env"
    assert choose_model("explicit").target == "explicit"
    monkeypatch.delenv("KNER_MODEL")
    expected = "installed" if choose_model(None).target == "de_core_news_md" else "bundled"
    assert choose_model(None).origin == expected


def test_named_pipeline_gets_kner_components(tiny_model):
    nlp = load_pipeline(tiny_model)
    assert nlp.pipe_names == ["entity_ruler", "sentencizer", "kner_names", "kner_quotes"]
    assert load_pipeline(tiny_model) is nlp  # cached per process


def test_loaded_tokenizer_remembers_more_chunks_than_spacys_default(tiny_model):
    import spacy

    assert spacy.blank("de").tokenizer.max_cache_size < TOKENIZER_CACHE_CHUNKS
    nlp = load_pipeline(tiny_model)
    assert nlp.tokenizer.max_cache_size == TOKENIZER_CACHE_CHUNKS
    words = [f"Wort{i}," for i in range(200)]
    assert [t.text for t in nlp(" ".join(words))][:4] == ["Wort0", ",", "Wort1", ","]


def test_components_are_not_added_twice():
    import spacy

    nlp = spacy.blank("de")
    nlp.add_pipe("senter", config={})
    add_kner_components(nlp)
    add_kner_components(nlp)
    assert nlp.pipe_names == ["senter", "kner_names", "kner_quotes"]


def test_unknown_package_name_is_a_model_error():
    with pytest.raises(ModelError, match="de_no_such_pipeline"):
        load_pipeline("de_no_such_pipeline")


@pytest.fixture(scope="module")
def bundled():
    if not (BUNDLED_MODEL / "meta.json").exists():
        pytest.fail("the bundled model is missing from korea_ner/model")
    return load_pipeline(str(BUNDLED_MODEL))


def test_bundled_model_finds_seed_people_and_places(bundled):
    text = (SEEDS / "000_96c8ceafc6e47d4f.txt").read_text(encoding="utf-8")
    doc = bundled(text)
    found = {(ent.text, ent.label_) for ent in doc.ents}
    assert ("Kim Jong-un", "PER") in found
    assert ("Sergej Lawrow", "PER") in found
    assert ("Pjöngjang", "LOC") in found
    assert ("Moskau", "LOC") in found


def test_bundled_model_credits_its_training_data(bundled):
    sources = " ".join(str(s) for s in bundled.meta.get("sources", []))
    assert "GermEval 2014" in sources


def test_bundled_pipeline_skips_lemmatizing_yet_finds_cues_by_lemma(bundled):
    # kner's output has no lemmas: the lemmatizer is loaded but off ...
    assert "lemmatizer" in bundled.disabled
    doc = bundled("„Wir dürfen jetzt nicht nachlassen“, mahnt die Ministerin am Dienstag.")
    assert not doc.has_annotation("LEMMA")
    # ... yet "mahnt", a form only the lemma table knows, is still the cue "mahnen"
    assert [(q.cue, q.speaker.mention) for q in doc._.quotes] == [("mahnen", "die Ministerin")]
    bundled.enable_pipe("lemmatizer")
    try:
        assert bundled("Die Kinder schrieben Briefe.")[2].lemma_ == "schreiben"
    finally:
        bundled.disable_pipe("lemmatizer")


def test_saved_kner_pipeline_loads_with_plain_spacy(tmp_path, tiny_model):
    # kner's components are spaCy entry points: spacy.load finds them without
    # importing korea_ner first, so a saved kner pipeline composes like any other
    # (entry points come from the install's metadata: reinstall after changing pyproject.toml)
    import subprocess
    import sys

    path = tmp_path / "saved"
    load_pipeline(tiny_model).to_disk(path)
    script = (
        "import sys, spacy\n"
        f"nlp = spacy.load({str(path)!r})\n"
        "doc = nlp('„Wir bleiben hier“, sagte Sergej Lawrow in Moskau.')\n"
        "print(nlp.pipe_names[-2:], [(q.text, q.speaker.name) for q in doc._.quotes])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['kner_names', 'kner_quotes'] [('Wir bleiben hier', 'Sergej Lawrow')]"
