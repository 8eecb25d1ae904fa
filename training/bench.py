"""Speed / load-time / accuracy check of a pipeline directory (default: korea_ner/model).

    python -m training.bench [MODEL_DIR] [--no-eval] [--seeds]

words/s: nlp.pipe over the GermEval dev sentences glued into 20-sentence texts, 1 process.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", nargs="?", type=Path, default=REPO_ROOT / "korea_ner" / "model")
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--seeds", action="store_true", help="print entities found in seeds/*.txt")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    import spacy

    t1 = time.perf_counter()
    nlp = spacy.load(a.model)
    t2 = time.perf_counter()
    print(f"import spacy {t1 - t0:.2f}s, spacy.load {t2 - t1:.2f}s, pipes {nlp.pipe_names}, "
          f"size {dir_size(a.model) / 1e6:.1f} MB")

    from training.train import dev_examples, dev_texts, evaluate, fmt

    texts = dev_texts(nlp)
    n_words = sum(len(d) for d in spacy.blank("de").pipe(texts))
    for label, pipe in (("bare tokenizer (blank de, fresh)", None), ("pipeline", nlp)):
        best = 0.0
        for _ in range(a.repeat):
            p = spacy.blank("de") if pipe is None else pipe  # fresh blank => no tokenizer cache
            t = time.perf_counter()
            for _doc in p.pipe(texts, batch_size=64):
                pass
            best = max(best, n_words / (time.perf_counter() - t))
        print(f"{label}: {best:,.0f} words/s ({n_words} words)")
    names = nlp.pipe_names
    for k in range(1, len(names)):
        with nlp.select_pipes(enable=names[:k]):
            t = time.perf_counter()
            for _doc in nlp.pipe(texts, batch_size=64):
                pass
            print(f"  up to {names[k - 1]}: {n_words / (time.perf_counter() - t):,.0f} words/s")
    if not a.no_eval:
        print("dev:", fmt(evaluate(nlp, dev_examples(nlp))))
    if a.seeds:
        for f in sorted((REPO_ROOT / "seeds").glob("*.txt")):
            doc = nlp(f.read_text(encoding="utf-8"))
            print(f.name, sorted({(e.text, e.label_) for e in doc.ents}))


if __name__ == "__main__":
    main()
