"""Static word vectors from Brown clusters (spacy-lookups-data ``de_lexeme_cluster``).

GermEval's 24k training sentences are too few for the model to learn that "Lawrow" or
"Pjöngjang" look like names; Brown clusters computed on a large German corpus know it
("Merkel", "Trump", "Lawrow" share a cluster; "Moskau", "Peking" another).  Every cluster
(750 in all) gets one vector: the normalised sum of fixed random vectors for the cluster
itself and for prefixes/suffixes of its bit path, so that related clusters get related
vectors, plus a smaller random vector for the word's frequency class (log-probability
from ``de_lexeme_prob``), so one row per (cluster, frequency class).  The ``max_words`` most frequent words point at their cluster's row (rows are
shared, so the table stays small); ``include_static_vectors`` feeds them to tok2vec.

    python -m training.cluster_vectors [--out training/corpus/cluster_vectors] [--max-words 500000] [--dims 64]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import zlib
from pathlib import Path

import numpy

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "training" / "corpus" / "cluster_vectors"


def _feature_vector(feature: str, dims: int) -> numpy.ndarray:
    rng = numpy.random.default_rng(zlib.crc32(feature.encode("utf-8")))
    return rng.standard_normal(dims).astype("float32")


def cluster_vector(cluster: int, dims: int) -> numpy.ndarray:
    bits = bin(cluster)[2:]
    feats = [f"c:{cluster}"]
    for k in (2, 3, 4, 5, 6, 8, 10, 12):
        if k < len(bits):
            feats.append(f"lo{k}:{bits[-k:]}")
            feats.append(f"hi{k}:{bits[:k]}")
    v = sum(_feature_vector(f, dims) for f in feats)
    return (v / numpy.linalg.norm(v)).astype("float32")


def build(out: Path, max_words: int = 500_000, dims: int = 64, freq_weight: float = 0.5) -> Path:
    import spacy
    import spacy_lookups_data
    from spacy.strings import get_string_id
    from spacy.vectors import Vectors

    base = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data")
    with gzip.open(os.path.join(base, "de_lexeme_cluster.json.gz"), "rt", encoding="utf-8") as fh:
        clusters = json.load(fh)
    with gzip.open(os.path.join(base, "de_lexeme_prob.json.gz"), "rt", encoding="utf-8") as fh:
        prob = json.load(fh)
    words = [w for w, c in clusters.items() if c]
    words.sort(key=lambda w: -prob.get(w, -99.0))
    words = words[:max_words]
    # row = (cluster, frequency class): rare capitalised words are more often names
    def row_key(w: str) -> tuple[int, int]:
        return clusters[w], min(18, int(-prob.get(w, -18.0)))

    ids = sorted({row_key(w) for w in words})
    row_of = {k: i for i, k in enumerate(ids)}
    rows = []
    for c, f in ids:
        v = cluster_vector(c, dims) + freq_weight * _feature_vector(f"freq:{f}", dims) / numpy.sqrt(dims)
        rows.append((v / numpy.linalg.norm(v)).astype("float32"))
    data = numpy.stack(rows)
    nlp = spacy.blank("de")
    vectors = Vectors(data=data, name="kner_brown_clusters")
    for w in words:
        vectors.add(get_string_id(w), row=row_of[row_key(w)])
    nlp.vocab.vectors = vectors
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    print(f"cluster vectors: {len(words)} words, {len(ids)} rows (cluster x frequency class) x {dims} -> {out}")
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--max-words", type=int, default=500_000)
    ap.add_argument("--freq-weight", type=float, default=0.5)
    ap.add_argument("--dims", type=int, default=64)
    a = ap.parse_args(argv)
    build(a.out, a.max_words, a.dims, a.freq_weight)


if __name__ == "__main__":
    main()
