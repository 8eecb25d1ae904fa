"""The ``kner_tok2vec`` component: spaCy's ``Tok2Vec`` that remembers word embeddings.

In spaCy's ``Tok2Vec.v2`` with ``MultiHashEmbed`` the first half of the network, the
embedding (hash embeddings of NORM, PREFIX, SUFFIX, SHAPE and a static vector, mixed by
a maxout layer and layer-normalised), is a function of those five attribute values
alone: the same word gives the same 64 numbers wherever it occurs.  Only the encoder
after it looks at neighbours.  News text repeats its words, so most tokens of a batch
were embedded in an earlier one; this component keeps the mixed embedding of each
attribute tuple it has seen (up to ``cache_size`` of them, then it starts afresh, so
memory stays flat) and runs the embedding only for new ones.  That halves the cost of
the tok2vec.  The numbers are those of the same layers; new words are embedded at
least 64 rows at a time, since BLAS computes a product of very few rows with other
code (other last float bits) than the thousands of rows of a batch.  With the cache
on, its Maxout layers predict without finding the argmax of their pieces, which only
training needs (``_maxout_forward``).

The cache is off by default (``cache_size = 0``: spaCy's behaviour exactly, e.g. while
training); kner's loader turns it on for the pipelines it runs.  It is emptied whenever
the weights may change (``update``, ``rehearse``, ``finish_update``, ``initialize``,
``use_params``, loading) or the vectors table is replaced or edited, and only used for
spaCy's own layers of the architecture described above.  Weights changed by hand in
place, vector keys re-pointed to other rows or rows swapped, and in-place edits of a
vectors table of more than 2 million values need ``forget_embeddings()``.
"""

from __future__ import annotations

import threading
from typing import Optional

import numpy as np
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.ml import featureextractor, staticvectors
from spacy.pipeline.tok2vec import DEFAULT_TOK2VEC_MODEL, Tok2Vec
from spacy.vectors import Mode, Vectors
from thinc.api import NumpyOps
from thinc.layers import maxout

COMPONENT_NAME = "kner_tok2vec"
# 100,000 words: about 40 MB with their inputs and index; beyond that the cache starts afresh.
RUNTIME_CACHE_SIZE = 100_000
EMBED_LAYERS = ("extract_features", "list2ragged", "static_vectors", "ragged2list")
# Vectors tables up to this many values (the bundled one has 370k) are summed at every
# batch to notice edits in place.
FINGERPRINT_MAX_VALUES = 2_000_000
# Fewest rows embedded in one product (see _embed).
MIN_ROWS = 64
# Threads sharing a pipeline (Dask's threaded scheduler) share its cache: finding rows and
# reading them must not interleave with another batch starting the cache afresh.  (Module
# level: a lock in the component would make it unpicklable.)
_CACHE_LOCK = threading.Lock()


class EmbeddingCache:
    """Mixed embeddings by input row (the five attribute values), in growing arrays.

    Rows are found by a 64-bit mix of the five values and then compared in full, so a
    collision of the mix can only cost a cache miss, never a wrong embedding.
    """

    def __init__(self, width: int, n_inputs: int, size: int):
        self.size = size
        self.generation: tuple = ()  # the vectors table the rows were computed with
        self.used = 0  # rows filled (a colliding key may point at its newer row only)
        self.rows: dict[int, int] = {}
        capacity = min(size, 4096)
        self.data = np.zeros((capacity, width), dtype="float32")
        self.inputs = np.zeros((capacity, n_inputs), dtype="uint64")

    def clear(self) -> None:
        self.rows.clear()
        self.used = 0

    def find(self, keys: list[int], inputs: np.ndarray) -> np.ndarray:
        """Row of each key, -1 where it is not cached (or cached for other inputs)."""
        rows = np.array([self.rows.get(key, -1) for key in keys], dtype=np.int64)
        known = rows >= 0
        same = (self.inputs[rows[known]] == inputs[known]).all(axis=1)
        rows[np.flatnonzero(known)[~same]] = -1
        return rows

    def add(self, keys: list[int], inputs: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """Store and return the rows of new entries (the caller empties a full cache)."""
        start = self.used
        needed = start + len(keys)
        if needed > len(self.data):
            capacity = min(max(self.size, needed), max(needed, 2 * len(self.data)))
            self.data = _grown(self.data, capacity, start)
            self.inputs = _grown(self.inputs, capacity, start)
        self.data[start:needed] = vectors
        self.inputs[start:needed] = inputs
        self.rows.update(zip(keys, range(start, needed)))
        self.used = needed
        return np.arange(start, needed)


def _grown(array: np.ndarray, capacity: int, used: int) -> np.ndarray:
    grown = np.zeros((capacity,) + array.shape[1:], dtype=array.dtype)
    grown[:used] = array[:used]
    return grown


def _mix(inputs: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of uint64 values (wrapping multiply-add)."""
    key = np.zeros(len(inputs), dtype="uint64")
    with np.errstate(over="ignore"):
        for column in inputs.T:
            key = key * np.uint64(0x9E3779B97F4A7C15) + column
    return key


class CachedTok2Vec(Tok2Vec):
    """spaCy's ``Tok2Vec`` (same config, weights, training, listeners) with an embedding cache."""

    def __init__(self, vocab, model, name: str = COMPONENT_NAME, *, cache_size: int = 0) -> None:
        super().__init__(vocab, model, name=name)
        self.cache_size = int(cache_size)
        self._cache: Optional[EmbeddingCache] = None

    def predict(self, docs):
        docs = list(docs)
        if self.cache_size > 0:
            _predict_maxout_faster(self.model)
        layers = _embed_layers(self.model) if self.cache_size > 0 and docs else None
        if layers is None or not _has_vectors(docs[0].vocab.vectors) or not any(len(doc) for doc in docs):
            return super().predict(docs)
        with _CACHE_LOCK:
            embed_of_batch = self._embed(docs, *layers)
        if embed_of_batch is None:
            return super().predict(docs)
        encode = self.model.layers[1]
        return encode.predict(np.split(embed_of_batch, np.cumsum([len(doc) for doc in docs])[:-1]))

    def _embed(self, docs, extract, hash_embed, static, mix):
        table = docs[0].vocab.vectors  # where StaticVectors reads them
        features = np.concatenate(extract.predict(docs))  # (tokens, 4): NORM PREFIX SUFFIX SHAPE
        key_attr = getattr(table, "attr", ORTH)
        vector_keys = np.concatenate([doc.to_array(key_attr) for doc in docs]).astype("uint64")
        inputs = np.concatenate([features.astype("uint64"), vector_keys[:, None]], axis=1)
        unique_keys, first, inverse = np.unique(_mix(inputs), return_index=True, return_inverse=True)
        inverse = inverse.ravel()
        unique_inputs = inputs[first]
        if not (unique_inputs[inverse] == inputs).all():
            return None  # two inputs share a key: spaCy's own forward pass instead
        # vectors replaced or edited (vocab.set_vector writes into the table): start afresh;
        # the content sum is skipped for tables too big to add up at every batch
        content = float(table.data.sum(dtype="float64")) if table.data.size <= FINGERPRINT_MAX_VALUES else None
        generation = (id(table), id(table.data), table.data.shape, table.n_keys, content)
        if self._cache is None or self._cache.size != self.cache_size or self._cache.generation != generation:
            self._cache = EmbeddingCache(mix.get_dim("nO"), inputs.shape[1], self.cache_size)
            self._cache.generation = generation
        cache = self._cache
        keys = unique_keys.tolist()
        rows = cache.find(keys, unique_inputs)
        new = np.flatnonzero(rows < 0)
        if cache.used + new.size > cache.size:  # full: start afresh with this batch
            cache.clear()
            rows[:] = -1
            new = np.arange(len(keys))
        if new.size:
            # a product of few rows takes other BLAS code paths (other last bits) than the
            # thousands of rows of a batch: pad, so cached rows match spaCy's
            fresh = unique_inputs[new]
            padded = fresh[np.minimum(np.arange(max(len(fresh), MIN_ROWS)), len(fresh) - 1)]
            hashed = hash_embed.predict(np.ascontiguousarray(padded[:, :-1]))
            found = table.find(keys=padded[:, -1])
            projected = static.ops.gemm(static.ops.as_contig(static.ops.asarray(table.data)[found]),
                                        static.get_param("W"), trans2=True)
            projected[found < 0] = 0  # what StaticVectors does for words without a vector
            vectors = mix.predict(np.hstack([hashed, projected]))[: len(fresh)]
            rows[new] = cache.add([keys[i] for i in new.tolist()], fresh, vectors)
        return cache.data[rows[inverse]]

    # the weights may change: forget what was embedded with the old ones
    def update(self, *args, **kwargs):
        self.forget_embeddings()
        return super().update(*args, **kwargs)

    def rehearse(self, *args, **kwargs):
        self.forget_embeddings()
        return super().rehearse(*args, **kwargs)

    def finish_update(self, sgd) -> None:
        self.forget_embeddings()
        return super().finish_update(sgd)

    def initialize(self, get_examples, *, nlp=None) -> None:  # spaCy validates this signature
        self.forget_embeddings()
        return super().initialize(get_examples, nlp=nlp)

    def use_params(self, params):
        # a generator, not a context manager: Language.use_params steps through it with next()
        self.forget_embeddings()
        try:
            with self.model.use_params(params):
                yield
        finally:
            self.forget_embeddings()

    def from_bytes(self, *args, **kwargs):
        self.forget_embeddings()
        return super().from_bytes(*args, **kwargs)

    def from_disk(self, *args, **kwargs):
        self.forget_embeddings()
        return super().from_disk(*args, **kwargs)

    def forget_embeddings(self) -> None:
        """Empty the cache: call it after changing the weights or vectors by hand."""
        if getattr(self, "_cache", None) is not None:
            self._cache.clear()


def _predict_maxout_faster(model) -> None:
    """Let the model's Maxout layers predict with ``_maxout_forward`` (CPU only)."""
    if isinstance(model.ops, NumpyOps):
        for layer in model.walk():
            if layer._func is maxout.forward:
                layer._func = _maxout_forward


def _maxout_forward(model, X, is_train: bool):
    """thinc's Maxout forward, but predicting without the argmax of the pieces.

    thinc's ``ops.maxout`` finds the best piece's index for the backward pass
    too; ``np.maximum`` over the pieces gives the same values 4x faster (the
    encoder's maxouts were a fifth of the tok2vec). Training is thinc's own."""
    if is_train:
        return maxout.forward(model, X, is_train)
    n_out, n_pieces, n_in = model.get_dim("nO"), model.get_dim("nP"), model.get_dim("nI")
    Y = model.ops.gemm(X, model.ops.reshape2f(model.get_param("W"), n_out * n_pieces, n_in), trans2=True)
    Y += model.ops.reshape1f(model.get_param("b"), n_out * n_pieces)
    pieces = model.ops.reshape3f(Y, Y.shape[0], n_out, n_pieces)
    best = np.ascontiguousarray(pieces[..., 0])
    for piece in range(1, n_pieces):  # in thinc's order: a later piece wins only if greater
        np.maximum(best, pieces[..., piece], out=best)
    return best, _prediction_only


def _prediction_only(d_best):
    raise ValueError("kner_tok2vec: a forward pass run with is_train=False has no backward pass")


def _embed_layers(model):
    """(extract_features, hash embeddings, static vectors, mixing layer) of a
    ``Tok2Vec.v2``/``MultiHashEmbed.v2`` model with static vectors, else None."""
    if not isinstance(model.ops, NumpyOps) or len(model.layers) != 2:  # CPU, embed >> encode
        return None
    try:
        embed = model.layers[0]
        features_and_vectors, mix, to_list = embed.layers
        hash_chain, static = features_and_vectors.layers
        extract, to_ragged, hash_embed = hash_chain.layers
    except (IndexError, ValueError):
        return None
    if (extract.name, to_ragged.name, static.name, to_list.name) != EMBED_LAYERS:
        return None
    # spaCy's current StaticVectors and FeatureExtractor (spacy-legacy's treat unknown words otherwise)
    if static._func is not staticvectors.forward or extract._func is not featureextractor.forward:
        return None
    return extract, hash_embed, static, mix


def _has_vectors(vectors) -> bool:
    # floret and other tables look rows up differently; an empty table has nothing to project
    return isinstance(vectors, Vectors) and vectors.mode == Mode.default and vectors.data.size > 0


def make_cached_tok2vec(nlp, name: str, model, cache_size: int) -> CachedTok2Vec:
    return CachedTok2Vec(nlp.vocab, model, name=name, cache_size=cache_size)


def _register() -> None:
    if COMPONENT_NAME not in Language.factories:
        Language.factory(
            COMPONENT_NAME,
            assigns=["doc.tensor"],
            default_config={"model": DEFAULT_TOK2VEC_MODEL, "cache_size": 0},
        )(make_cached_tok2vec)


_register()

__all__ = ["CachedTok2Vec", "EmbeddingCache", "RUNTIME_CACHE_SIZE"]
