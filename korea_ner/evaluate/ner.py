"""Scoring NER on CoNLL/GermEval-style files: exact span and label, per label.

Accepted formats: one token per line, blank lines between sentences, ``#``
comment lines ignored; either ``token TAG`` (2+ columns) or GermEval's
``index token outer-tag nested-tag``. Tags may be BIO or BIOES. Only the
labels in ``labels`` are scored (GermEval's OTH and *deriv/*part count as O).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Iterator, Sequence

from korea_ner.errors import InputError

if TYPE_CHECKING:
    from spacy.language import Language

SCORED_LABELS = ("PER", "LOC", "ORG")

Sentence = tuple[list[str], list[str]]  # tokens, tags


def read_conll(path: str) -> Iterator[Sentence]:
    """Yield (tokens, tags) per sentence; a line that is no token/tag line is an error naming it."""
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        try:
            yield from _sentences(handle, path)
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text") from exc


def _sentences(handle, path: str) -> Iterator[Sentence]:
    tokens: list[str] = []
    tags: list[str] = []
    for lineno, line in enumerate(handle, start=1):
        line = line.rstrip("\n")
        columns = line.split("\t") if "\t" in line else line.split()
        if line.startswith("#") and not _is_token_line(columns):
            continue
        if not columns or not line.strip():
            if tokens:
                yield tokens, tags
            tokens, tags = [], []
            continue
        if len(columns) >= 4 and columns[0].isdigit():
            token, tag = columns[1], columns[2]
        elif len(columns) >= 2:
            token, tag = columns[0], columns[1]
        else:
            token, tag = "", ""
        if not _is_tag(tag):
            raise InputError(f"{path}:{lineno}: expected 'token TAG' columns (or GermEval's 'index token tag tag') with BIO/BIOES tags")
        tokens.append(token)
        tags.append(tag)
    if tokens:
        yield tokens, tags


def _is_tag(tag: str) -> bool:
    return tag == "O" or (tag[:2] in {"B-", "I-", "E-", "S-"} and len(tag) > 2)


def _is_token_line(columns: list[str]) -> bool:
    # "#" is also a token ("#\tO"); a comment's second column is no tag.
    return len(columns) == 2 and _is_tag(columns[1])


def spans_from_tags(tags: Sequence[str], labels: Sequence[str] = SCORED_LABELS) -> set[tuple[int, int, str]]:
    """(start, end, label) token spans from BIO or BIOES tags, keeping only ``labels``."""
    spans = set()
    start, current = None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix in {"I", "E"} and label == current
        if start is not None and not continues:
            spans.add((start, i, current))
            start, current = None, None
        if prefix in {"B", "S"} or (prefix in {"I", "E"} and not continues):
            start, current = i, label
        if prefix in {"E", "S"} and start is not None:
            spans.add((start, i + 1, current))
            start, current = None, None
    return {span for span in spans if span[2] in labels}


def evaluate_ner(nlp: "Language", path: str, labels: Sequence[str] = SCORED_LABELS) -> dict:
    """Score ``nlp`` on the gold file; returns counts, P/R/F1 per label and overall, and speed."""
    from spacy.tokens import Doc

    sentences = list(read_conll(path))
    if not sentences:
        raise InputError(f"no sentences found in {path}")
    counts = {label: Counter() for label in labels}
    docs = (Doc(nlp.vocab, words=tokens) for tokens, _ in sentences)
    started = time.perf_counter()
    n_words = 0
    for (tokens, tags), doc in zip(sentences, nlp.pipe(docs, batch_size=256)):
        n_words += len(tokens)
        gold = spans_from_tags(tags, labels)
        predicted = {(e.start, e.end, e.label_) for e in doc.ents if e.label_ in labels}
        for label in labels:
            g = {s for s in gold if s[2] == label}
            p = {s for s in predicted if s[2] == label}
            counts[label].update(tp=len(g & p), fp=len(p - g), fn=len(g - p))
    elapsed = time.perf_counter() - started
    per_label = {label: _prf(counts[label]) for label in labels}
    total = sum(counts.values(), Counter())
    return {
        "file": path,
        "sentences": len(sentences),
        "words": n_words,
        "words_per_second": round(n_words / elapsed) if elapsed else None,
        "overall": _prf(total),
        "per_label": per_label,
    }


def _prf(c: Counter) -> dict:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "tp": tp, "fp": fp, "fn": fn}


def format_scores(scores: dict) -> str:
    lines = [f"{scores['file']}: {scores['sentences']} sentences, {scores['words']} words, {scores['words_per_second']} words/s", ""]
    lines.append(f"{'label':<8} {'P':>7} {'R':>7} {'F1':>7} {'gold':>6}")
    rows = [*scores["per_label"].items(), ("overall", scores["overall"])]
    for label, s in rows:
        lines.append(f"{label:<8} {s['precision']:>7.4f} {s['recall']:>7.4f} {s['f1']:>7.4f} {s['tp'] + s['fn']:>6}")
    return "\n".join(lines)
