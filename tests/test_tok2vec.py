"""kner_tok2vec must give the tensors spaCy's tok2vec gives, with its cache on or off."""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from spacy.training import Example
from thinc.api import Adam, use_ops

import korea_ner.tok2vec as cached_tok2vec
from korea_ner.model import BUNDLED_MODEL, load_pipeline
from korea_ner.tok2vec import CachedTok2Vec

from tests.conftest import SEEDS

OWN_TEXTS = [
    "Die Bundesregierung in Berlin und die Regierung in Paris einigten sich am Montag.",
    "Berlin, Paris und Rom: die Regierungen in Berlin, Paris und Rom einigten sich.",
    "",
    "z.B. 3,5 % mehr – laut Statistik.  \n\n  Neue Zeile\tmit Tab.",
    "Wörter, die sonst nirgends stehen: Quellwasserspiegelmessung, Zuckerrübenernte.",
]


def tensors(nlp, texts, batch_size=3):
    return [doc.tensor.copy() for doc in nlp.pipe(texts, batch_size=batch_size)]


@pytest.fixture(scope="module")
def texts():
    return [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))] + OWN_TEXTS * 2


def load(cache_size: int, use_blis: bool = True):
    """The bundled tok2vec; with cache_size 0 it is spaCy's Tok2Vec.predict unchanged.
    ``use_blis=False``: the matrix multiply kner's loader chooses (numpy's BLAS)."""
    with use_ops("numpy", use_blis=use_blis):
        nlp = spacy.load(BUNDLED_MODEL, exclude=["gazetteer", "lemmatizer", "ner"])
    nlp.get_pipe("tok2vec").cache_size = cache_size
    return nlp


@pytest.mark.parametrize("cache_size", [0, 50, 100_000])
def test_same_tensors_as_spacys_tok2vec(texts, cache_size):
    expected = tensors(load(0), texts)
    nlp = load(cache_size)
    got = tensors(nlp, texts)
    assert all(g.shape == e.shape and np.array_equal(g, e) for g, e in zip(got, expected))
    cache = nlp.get_pipe("tok2vec")._cache
    if cache_size:
        assert 0 < cache.used <= max(cache_size, 2000)  # words were cached (a small cache started afresh)
        assert np.array_equal(tensors(nlp, texts)[0], expected[0])  # now from the cache
    else:
        assert cache is None


def test_few_new_words_get_the_bits_of_a_full_batch():
    # numpy's BLAS computes products of very few rows with other code: new words are
    # embedded at least 32 rows at a time so that they match spaCy's batch
    nlp, reference = load(100_000, use_blis=False), load(0, use_blis=False)
    known = "Die Bundesregierung in Berlin und die Regierung in Paris einigten sich am Montag auf neue Regeln."
    nlp(known)
    doc = known + " Quellwasserspiegel und Zuckerrübenernte."
    assert np.array_equal(nlp(doc).tensor, reference(doc).tensor)


def test_changed_vectors_are_not_served_from_the_cache():
    nlp, reference = load(100_000), load(0)
    text = "Die Regierung in Berlin sagte am Montag nichts."
    nlp(text)
    for pipeline in (nlp, reference):
        pipeline.vocab.set_vector("Berlin", np.full(pipeline.vocab.vectors.shape[1], 0.5, dtype="float32"))
    assert np.array_equal(nlp(text).tensor, reference(text).tensor)


def test_threads_sharing_a_small_cache_get_their_own_words(texts):
    from concurrent.futures import ThreadPoolExecutor

    reference = load(0)
    expected = {text: reference(text).tensor for text in texts if text}
    nlp = load(40)  # starts afresh every few batches, while other threads read it
    tok2vec = nlp.get_pipe("tok2vec")

    def work(seed):
        order = [str(text) for text in np.random.default_rng(seed).permutation(list(expected))]
        return [(text, tok2vec.predict([nlp.make_doc(text)])[0]) for text in order for _ in range(2)]

    with ThreadPoolExecutor(4) as pool:
        results = [pair for chunk in pool.map(work, range(8)) for pair in chunk]
    assert all(np.array_equal(tensor, expected[text]) for text, tensor in results)


def test_colliding_keys_never_mix_up_words(texts, monkeypatch):
    expected = tensors(load(0), texts)
    monkeypatch.setattr(cached_tok2vec, "_mix", lambda inputs: inputs[:, 0] % np.uint64(3))
    assert all(np.array_equal(g, e) for g, e in zip(tensors(load(100_000), texts), expected))


def test_kner_runs_with_the_cache_and_saves_it_off(tmp_path):
    nlp = load_pipeline()
    tok2vec = nlp.get_pipe("tok2vec")
    assert isinstance(tok2vec, CachedTok2Vec) and tok2vec.cache_size > 0
    nlp.to_disk(tmp_path / "saved")
    assert spacy.load(tmp_path / "saved").get_pipe("tok2vec").cache_size == 0


def test_training_forgets_cached_embeddings():
    def build():
        nlp = spacy.blank("de")
        nlp.vocab.vectors = spacy.vectors.Vectors(data=np.ones((2, 4), dtype="float32"), keys=["Anna", "Leipzig"])
        nlp.add_pipe("kner_tok2vec", config={"cache_size": 1000, "model": {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 16, "attrs": ["NORM", "SHAPE"],
                      "rows": [100, 50], "include_static_vectors": True},
            "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 16, "depth": 1,
                       "window_size": 1, "maxout_pieces": 2}}})
        nlp.add_pipe("kner_ner", config={"model": {"tok2vec": {"@architectures": "spacy.Tok2VecListener.v1",
                                                                "width": 16}}})
        return nlp

    nlp = build()
    doc = nlp.make_doc("Anna Schmidt wohnt in Leipzig .")
    examples = [Example.from_dict(doc, {"entities": [(0, 12, "PER"), (22, 29, "LOC")]})]
    optimizer = nlp.initialize(lambda: examples, sgd=Adam(0.001, use_averages=True))
    tok2vec = nlp.get_pipe("kner_tok2vec")
    before = tok2vec.predict([nlp.make_doc("Anna wohnt in Leipzig .")])[0].copy()
    assert tok2vec._cache.used > 0
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    after = tok2vec.predict([nlp.make_doc("Anna wohnt in Leipzig .")])[0]
    tok2vec.cache_size = 0  # the uncached forward pass with the new weights
    uncached = tok2vec.predict([nlp.make_doc("Anna wohnt in Leipzig .")])[0]
    assert not np.array_equal(before, after)
    assert np.allclose(after, uncached, atol=1e-6)
    tok2vec.cache_size = 1000
    tok2vec.predict([nlp.make_doc("Anna wohnt in Leipzig .")])
    assert optimizer.averages
    with nlp.use_params(optimizer.averages):  # as spaCy's training loop evaluates
        assert tok2vec._cache.used == 0  # swapped weights: nothing cached is valid
        averaged = tok2vec.predict([nlp.make_doc("Anna wohnt in Leipzig .")])[0].copy()
    assert tok2vec._cache.used == 0
    assert not np.array_equal(averaged, after)
    assert np.array_equal(tok2vec.predict([nlp.make_doc("Anna wohnt in Leipzig .")])[0], after)
    nlp.initialize(lambda: examples)  # new random weights
    assert tok2vec._cache.used == 0


@pytest.mark.parametrize("pieces", [1, 2, 3, 4])
def test_maxout_prediction_matches_thincs_and_training_stays_thincs(pieces):
    from thinc.api import Maxout

    layer = Maxout(nO=5, nI=4, nP=pieces)
    layer.initialize()
    X = np.random.default_rng(pieces).normal(size=(7, 4)).astype("float32")
    X[3] = X[2]  # equal rows, and a row of zeros: ties between pieces (the bias is zero)
    X[4] = 0
    expected = layer.predict(X)
    cached_tok2vec._predict_maxout_faster(layer)
    assert layer._func is cached_tok2vec._maxout_forward
    got = layer.predict(X)
    assert got.flags.c_contiguous and np.array_equal(got, expected)
    Y, backprop = layer(X, is_train=True)  # thinc's own forward, with its backward pass
    assert np.array_equal(Y, expected) and backprop(np.ones_like(Y)).shape == X.shape
    with pytest.raises(ValueError, match="no backward pass"):
        layer(X, is_train=False)[1](np.ones_like(Y))
