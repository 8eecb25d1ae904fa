"""Convert GermEval 2014 NER data to spaCy DocBin files.

train.bioes: two columns ``token TAG`` (BIOES, outer level), blank line between sentences.
dev.tsv:     official format: ``#`` comment line, then ``index token outer nested`` (BIO).

Only PER, LOC and ORG are kept; OTH and all *deriv / *part labels become O.

Usage::

    python -m training.convert [--data-dir ../shared/data/germeval2014] [--out-dir training/corpus]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "germeval2014"
DEFAULT_OUT = REPO_ROOT / "training" / "corpus"
KEEP = {"PER", "LOC", "ORG"}


def _norm_tag(tag: str) -> tuple[str, str]:
    """Return (prefix, label) with label in KEEP or prefix 'O'."""
    if tag == "O" or "-" not in tag:
        return "O", ""
    prefix, label = tag.split("-", 1)
    if label not in KEEP:  # OTH, LOCderiv, ORGpart, ... (case-sensitive on purpose)
        return "O", ""
    return prefix.upper(), label


def tags_to_iob(tags: list[str]) -> list[str]:
    """Convert BIO or BIOES tags to spaCy IOB (B-/I-/O) after label mapping (robust to broken sequences)."""
    spans: list[tuple[int, int, str]] = []
    start = None
    cur = None
    for i, tag in enumerate(tags):
        prefix, label = _norm_tag(tag)
        if prefix == "O":
            if cur is not None:
                spans.append((start, i, cur))
            start, cur = None, None
            continue
        if prefix in ("B", "S") or cur != label:
            if cur is not None:
                spans.append((start, i, cur))
            start, cur = i, label
        # I / E continue the current span
        if prefix in ("E", "S"):
            spans.append((start, i + 1, cur))
            start, cur = None, None
    if cur is not None:
        spans.append((start, len(tags), cur))
    out = ["O"] * len(tags)
    for s, e, lab in spans:
        out[s] = f"B-{lab}"
        for k in range(s + 1, e):
            out[k] = f"I-{lab}"
    return out


def read_bioes(path: Path):
    words, tags = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if words:
                    yield words, tags
                words, tags = [], []
                continue
            parts = line.split()
            if len(parts) < 2:
                continue
            words.append(parts[0])
            tags.append(parts[-1])
    if words:
        yield words, tags


def read_germeval_tsv(path: Path):
    words, tags = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("#\t") or line == "#":
                continue
            if not line.strip():
                if words:
                    yield words, tags
                words, tags = [], []
                continue
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            words.append(parts[1])
            tags.append(parts[2])
    if words:
        yield words, tags


def to_docbin(sentences, vocab, docs_per_group: int = 1) -> tuple[DocBin, int]:
    db = DocBin(store_user_data=False)
    n = 0
    for words, tags in sentences:
        doc = Doc(vocab, words=words, spaces=[True] * (len(words) - 1) + [False],
                  ents=tags_to_iob(tags))
        db.add(doc)
        n += 1
    return db, n


def convert(data_dir: Path, out_dir: Path, train_name="train.bioes", dev_name="dev.tsv") -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("de")
    db, n = to_docbin(read_bioes(data_dir / train_name), nlp.vocab)
    db.to_disk(out_dir / "train.spacy")
    print(f"train: {n} sentences -> {out_dir / 'train.spacy'}")
    db, n = to_docbin(read_germeval_tsv(data_dir / dev_name), nlp.vocab)
    db.to_disk(out_dir / "dev.spacy")
    print(f"dev: {n} sentences -> {out_dir / 'dev.spacy'}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--train-file", default="train.bioes")
    ap.add_argument("--dev-file", default="dev.tsv")
    a = ap.parse_args(argv)
    convert(a.data_dir, a.out_dir, a.train_file, a.dev_file)


if __name__ == "__main__":
    main()
