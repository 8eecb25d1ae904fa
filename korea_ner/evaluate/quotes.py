"""Measure kner's quotes against gold quotation annotations (JSONL).

Gold format (one article a line): ``{"id", "text", "annotations": [{"type",
"quote": [[start, end], ...], "speaker": [[start, end], ...], "speaker_text", ...}]}``
with offsets into ``text``; gold quote spans include the quotation marks.
Only ``type == "Direct"`` annotations are scored; annotations of the same
quote span (one per speaker) count as one gold quote.

Matching: a predicted quote matches a gold direct quote when it covers at least
half of the gold quote's characters; matching is one-to-one (greedy by
overlap).  A gold quote split by its frame (several spans) may be matched by
one predicted piece; the other predicted pieces that lie inside it are not
counted as false positives.

Speaker: right when the predicted speaker mention overlaps a gold speaker span,
or the predicted name names the same person as a gold speaker text (its surname
is a word of it, or ``korea_ner.names.speaker_matches`` matches them in either
direction, so a pronoun "er" resolved to "Kim Jong Un" is right for gold
"Machthaber Kim Jong Un" or "Kim"),
or both are empty.  Speaker accuracy is the share of *all*
gold direct quotes (an unmatched gold quote counts as wrong).

Usage::

    python -m korea_ner.evaluate.quotes ../shared/data/quotes/dev.jsonl [--errors N]
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Optional, Union

DEFAULT_DATA_DIR = Path("../shared/data/quotes")
GOLD_TYPE = "Direct"


def read_gold(path: Union[str, Path]) -> Iterator[dict]:
    """Gold articles, one JSON object per line with ``text`` and ``annotations``."""
    from korea_ner.errors import InputError

    try:
        handle = open(path, encoding="utf8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        for lineno, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: not a JSON line ({exc.msg})") from exc
            if not isinstance(record, dict) or not isinstance(record.get("text"), str) or "annotations" not in record:
                raise InputError(f'{path}:{lineno}: expected an object with "text" and "annotations"')
            yield record


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text) if len(w) > 1}


def _names_person(name: str, gold_text: str) -> bool:
    """Does the predicted canonical ``name`` name the person of ``gold_text``?
    Its surname is a word of the gold text ("Jennifer Lopez" for "die in New
    York geborene Lopez"; case-sensitive, so "Kim Jong Un" does not name
    "UN-Generalsekretär Ban"), or ``names.speaker_matches`` says they are the
    same name in either direction ("Kim" for "Kim Jong Un")."""
    if not name or not gold_text.strip():
        return False
    last = re.findall(r"\w+", name)
    if last and len(last[-1]) > 1 and last[-1] in re.findall(r"\w+", gold_text):
        return True
    try:
        from korea_ner.names import speaker_matches
    except ImportError:  # pragma: no cover - names module unavailable
        return False
    return speaker_matches(gold_text, name) or speaker_matches(name, gold_text)


def speaker_right(pred: Any, gold: dict) -> bool:
    spk = getattr(pred, "speaker", None)
    gold_spans = [tuple(s) for s in gold.get("speaker") or []]
    if spk is None:
        return not gold_spans
    if not gold_spans:
        return False
    if any(_overlap((spk.start, spk.end), g) > 0 for g in gold_spans):
        return True
    if spk.name:
        texts = gold.get("speaker_texts") or [gold.get("speaker_text") or ""]
        return any(_names_person(spk.name, t) for t in texts)
    return False


def gold_direct(annotations: list[dict]) -> list[dict]:
    """Gold direct quotes, one per quote span: the data annotates a quote once
    per speaker (e.g. the person and the newspaper quoting them); such
    duplicates become one gold quote with all their speaker spans."""
    by_span: dict[tuple, dict] = {}
    for a in annotations:
        if a.get("type") != GOLD_TYPE or not a.get("quote"):
            continue
        key = tuple(tuple(x) for x in a["quote"])
        if key not in by_span:
            by_span[key] = {**a, "speaker": list(a.get("speaker") or []), "speaker_texts": [a.get("speaker_text") or ""]}
        else:
            by_span[key]["speaker"].extend(a.get("speaker") or [])
            by_span[key]["speaker_texts"].append(a.get("speaker_text") or "")
            by_span[key]["speaker_text"] = " | ".join(t for t in by_span[key]["speaker_texts"] if t)
    return list(by_span.values())


def match_doc(quotes: list, annotations: list[dict]) -> tuple[list[tuple[dict, Any]], list[dict], list[Any]]:
    """Return (matched pairs, missed gold, spurious predictions) for one article."""
    golds = gold_direct(annotations)
    candidates = []
    for gi, g in enumerate(golds):
        g_len = sum(e - s for s, e in g["quote"])
        for pi, q in enumerate(quotes):
            cov = sum(_overlap((q.start, q.end), (s, e)) for s, e in g["quote"])
            if g_len and cov * 2 >= g_len:
                candidates.append((cov, gi, pi))
    candidates.sort(reverse=True)
    used_g, used_p, pairs = set(), set(), []
    for cov, gi, pi in candidates:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((golds[gi], quotes[pi]))
    # Other pieces of a matched split gold quote are not false positives.
    for pi, q in enumerate(quotes):
        if pi in used_p:
            continue
        for g, _ in pairs:
            if any(_overlap((q.start, q.end), (s, e)) * 2 >= (q.end - q.start) for s, e in g["quote"]):
                used_p.add(pi)
                break
    missed = [g for gi, g in enumerate(golds) if gi not in used_g]
    spurious = [q for pi, q in enumerate(quotes) if pi not in used_p]
    return pairs, missed, spurious


def evaluate_quotes(nlp, path: Union[str, Path], *, keep_errors: bool = False, limit: Optional[int] = None) -> dict:
    """Quote precision/recall/F1 and speaker accuracy of ``nlp`` on a gold JSONL file."""
    tp = fp = fn = spk_ok = n_gold = 0
    n_words = 0
    kinds = Counter()
    errors: dict[str, list] = {"missed": [], "spurious": [], "speaker": []}
    started = time.perf_counter()
    articles = list(read_gold(path))
    if limit:
        articles = articles[:limit]
    texts = [a["text"] for a in articles]
    for art, doc in zip(articles, nlp.pipe(texts)):
        quotes = list(doc._.quotes or [])
        pairs, missed, spurious = match_doc(quotes, art.get("annotations") or [])
        n_words += len(art["text"].split())
        tp += len(pairs)
        fn += len(missed)
        fp += len(spurious)
        n_gold += len(pairs) + len(missed)
        for g, q in pairs:
            kinds[q.kind] += 1
            if speaker_right(q, g):
                spk_ok += 1
            elif keep_errors:
                errors["speaker"].append((art["id"], art["text"], g, q))
        if keep_errors:
            errors["missed"].extend((art["id"], art["text"], g) for g in missed)
            errors["spurious"].extend((art["id"], art["text"], q) for q in spurious)
    elapsed = time.perf_counter() - started
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    result = {
        "path": str(path),
        "articles": len(articles),
        "gold_direct": n_gold,
        "predicted": tp + fp,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "speaker_correct": spk_ok,
        "speaker_accuracy": round(spk_ok / n_gold, 4) if n_gold else 0.0,
        "speaker_accuracy_matched": round(spk_ok / tp, 4) if tp else 0.0,
        "matched_kinds": dict(kinds),
        "words": n_words,
        "seconds": round(elapsed, 2),
        "words_per_second": round(n_words / elapsed) if elapsed else None,
    }
    if keep_errors:
        result["errors"] = errors
    return result


def _ctx(text: str, start: int, end: int, width: int = 90) -> str:
    return (text[max(0, start - width):start] + "[[" + text[start:end] + "]]" + text[end:end + width]).replace("\n", " ⏎ ")


def format_report(result: dict, n_errors: int = 0) -> str:
    lines = [
        f"gold: {result['path']} ({result['articles']} articles, {result['words']} words, "
        f"{result['seconds']} s, {result['words_per_second']} words/s)",
        f"direct quotes: gold {result['gold_direct']}  predicted {result['predicted']}  "
        f"tp {result['tp']}  fp {result['fp']}  fn {result['fn']}",
        f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  F1 {result['f1']:.3f}",
        f"speaker right: {result['speaker_correct']}/{result['gold_direct']} = {result['speaker_accuracy']:.3f} "
        f"of gold direct quotes ({result['speaker_accuracy_matched']:.3f} of matched)",
        f"matched kinds: {result['matched_kinds']}",
    ]
    errors = result.get("errors")
    if errors and n_errors:
        lines.append(f"\n== missed ({len(errors['missed'])})")
        for doc_id, text, g in errors["missed"][:n_errors]:
            s, e = g["quote"][0][0], g["quote"][-1][1]
            lines.append(f"- {doc_id}: {_ctx(text, s, e)}  | speaker: {g.get('speaker_text')!r}")
        lines.append(f"\n== spurious ({len(errors['spurious'])})")
        for doc_id, text, q in errors["spurious"][:n_errors]:
            lines.append(f"- {doc_id}: {_ctx(text, q.start, q.end)}  | {q.kind} cue={q.cue} spk={q.speaker.mention if q.speaker else None}")
        lines.append(f"\n== wrong speaker ({len(errors['speaker'])})")
        for doc_id, text, g, q in errors["speaker"][:n_errors]:
            sp = q.speaker
            lines.append(f"- {doc_id}: {_ctx(text, q.start, q.end, 140)}\n    gold {g.get('speaker_text')!r}  "
                         f"pred {(sp.mention, sp.name) if sp else None} cue={q.cue}")
    return "\n".join(lines)


def print_report(nlp, path: Union[str, Path], n_errors: int = 0, file=None) -> dict:
    result = evaluate_quotes(nlp, path, keep_errors=bool(n_errors))
    print(format_report(result, n_errors), file=file or sys.stdout)
    result.pop("errors", None)
    return result


def build_pipeline(model: Optional[str] = None, blank: bool = False):
    """kner's pipeline; falls back to assembling one by hand when kner's other
    components are not importable (a blank model has no entities)."""
    import spacy

    import korea_ner.quotes  # noqa: F401

    if not blank:
        try:
            from korea_ner.model import load_pipeline

            return load_pipeline(model)
        except ImportError:
            pass
    nlp = spacy.blank("de") if blank or not model else spacy.load(model)
    if not {"parser", "senter", "sentencizer"} & set(nlp.pipe_names):
        nlp.add_pipe("sentencizer")
    try:
        import korea_ner.names  # noqa: F401

        nlp.add_pipe("kner_names")
    except Exception:
        pass
    nlp.add_pipe("kner_quotes")
    return nlp


def main(argv: Optional[list[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gold", nargs="?", default=str(DEFAULT_DATA_DIR / "dev.jsonl"))
    parser.add_argument("--model", default=None, help="spaCy pipeline (default: kner's choice)")
    parser.add_argument("--blank", action="store_true", help="blank German pipeline (no NER) + kner components")
    parser.add_argument("--errors", type=int, default=0, help="print this many errors of each class")
    args = parser.parse_args(argv)
    nlp = build_pipeline(args.model, blank=args.blank)
    print_report(nlp, args.gold, n_errors=args.errors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
