"""Which spaCy pipeline kner runs, where it came from, and how kner's components join it.

Resolution order (first match wins):
1. the ``name`` argument (``--model``): any installed pipeline package name or a path;
2. the ``KNER_MODEL`` environment variable, same forms;
3. ``de_core_news_md`` when it is installed;
4. the pipeline bundled with this package (``korea_ner/model``), trained by ``training/``.

Whatever is loaded, kner appends what it needs and the pipeline lacks: sentence
boundaries (``kner_sentencizer`` named ``sentencizer`` when there is no parser or senter), ``kner_mentions``
(after a statistical NER), ``kner_names`` and ``kner_quotes``.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from korea_ner.errors import ModelError

if TYPE_CHECKING:
    from spacy.language import Language

BUNDLED_MODEL = Path(__file__).parent / "model"
PREFERRED_INSTALLED = "de_core_news_md"
MODEL_ENV_VAR = "KNER_MODEL"
SENTENCE_SETTERS = {"parser", "senter", "sentencizer"}
# Large articles are split on paragraphs before they reach spaCy (see process.py),
# so this only guards against a single paragraph of absurd size.
MAX_LENGTH = 2_000_000
# Whitespace-separated chunks whose tokenization spaCy's tokenizer remembers. Its
# default, 10,000, is used up within a few hundred articles, after which a chunk not
# cached by then is split by regular expressions again every time it recurs. 100,000
# chunks (the distinct ones of some 700,000 words of news; at most about 22 MB)
# tokenize the benchmark's corpus 30% faster and keep memory bounded.
TOKENIZER_CACHE_CHUNKS = 100_000
# Components of the bundled pipeline that are off while it loads (see _load).
BUNDLED_OFF_WHILE_LOADING = ("tok2vec", "ner", "lemmatizer")


@dataclass(frozen=True)
class ModelChoice:
    """The pipeline to load and why it was chosen (shown by ``kner info``)."""

    target: str  # package name or filesystem path
    origin: str  # "--model", "KNER_MODEL", "installed", "bundled"


def choose_model(name: Optional[str] = None) -> ModelChoice:
    if name:
        return ModelChoice(str(name), "--model")
    from_env = os.environ.get(MODEL_ENV_VAR, "").strip()
    if from_env:
        return ModelChoice(from_env, MODEL_ENV_VAR)
    if importlib.util.find_spec(PREFERRED_INSTALLED) is not None:
        return ModelChoice(PREFERRED_INSTALLED, "installed")
    return ModelChoice(str(BUNDLED_MODEL), "bundled")


def load_pipeline(name: Optional[str] = None, aliases: Optional[str] = None) -> "Language":
    """Load the chosen spaCy pipeline with kner's components added.

    Cached per process (and so per worker of a parallel run): calling it again
    with the same arguments returns the same object. The bundled pipeline comes
    with its lemmatizer switched off (see ``_load``); ``nlp.enable_pipe("lemmatizer")``
    turns it on.
    """
    choice = choose_model(name)
    return _load(choice.target, choice.origin, str(aliases) if aliases else None)


@lru_cache(maxsize=4)
def _load(target: str, origin: str, aliases: Optional[str]) -> "Language":
    import spacy

    # Importing the modules registers the kner_* factories with spaCy.
    import korea_ner.entity_recognizer  # noqa: F401  (kner_ner, the bundled model's NER)
    from korea_ner.tok2vec import RUNTIME_CACHE_SIZE, CachedTok2Vec  # kner_tok2vec
    import korea_ner.names  # noqa: F401
    import korea_ner.quotes  # noqa: F401

    is_path = Path(target).exists() or os.sep in target or target.startswith(".")
    if is_path and not Path(target).exists():
        raise ModelError(f"model path not found: {target}")
    # The bundled gazetteer (an entity ruler) tokenizes its patterns with the
    # pipeline before it when loading: with tok2vec and ner still off, that is
    # plain tokenization rather than 0.3 s of NER on 2,800 place names.
    # kner's output has no lemmas and kner_quotes looks up the few it needs, so
    # the lemmatizer stays off (5% of a run); nlp.enable_pipe("lemmatizer")
    # brings token.lemma_ back.
    is_bundled = is_path and Path(target).resolve() == BUNDLED_MODEL.resolve()
    off_while_loading = BUNDLED_OFF_WHILE_LOADING if is_bundled else ()
    try:
        with _cpu_ops():
            nlp = spacy.load(target, disable=off_while_loading)
    except OSError as exc:
        if origin == "bundled":
            raise ModelError(
                f"the bundled model is missing at {target}; reinstall kner or retrain it (see training/README.md)"
            ) from exc
        raise ModelError(f"cannot load spaCy pipeline {target!r}: not an installed package or pipeline directory") from exc
    except Exception as exc:  # a broken pipeline directory raises many kinds of errors
        raise ModelError(f"cannot load spaCy pipeline {target!r}: {exc}") from exc
    for name in off_while_loading:
        if name != "lemmatizer" or lemma_table(nlp) is None:
            nlp.enable_pipe(name)
    # kner_tok2vec remembers word embeddings while kner runs (off in a saved config, so
    # training and plain spacy.load behave as spaCy's tok2vec)
    for _, pipe in nlp.pipeline:
        if isinstance(pipe, CachedTok2Vec) and not pipe.cache_size:
            pipe.cache_size = RUNTIME_CACHE_SIZE
    nlp.max_length = max(nlp.max_length, MAX_LENGTH)
    if isinstance(getattr(nlp.tokenizer, "max_cache_size", None), int):  # spaCy's Tokenizer (not a custom one)
        nlp.tokenizer.max_cache_size = max(nlp.tokenizer.max_cache_size, TOKENIZER_CACHE_CHUNKS)
    add_kner_components(nlp, aliases=aliases)
    nlp.meta["kner"] = {"target": target, "origin": origin}
    return nlp


def _cpu_ops():
    """Build the pipeline's models on numpy's matrix multiply instead of blis.

    thinc's CPU backend multiplies with blis by default; numpy's BLAS (OpenBLAS
    in numpy's wheels) is about three times faster for the tok2vec shapes of a
    batch of articles, and gives the same predictions.  Any other backend a user
    chose (a GPU, Apple's) is left alone.
    """
    from contextlib import nullcontext

    from thinc.api import NumpyOps, get_current_ops, use_ops

    if type(get_current_ops()) is NumpyOps:
        return use_ops("numpy", use_blis=False)
    return nullcontext()


def add_kner_components(nlp: "Language", aliases: Optional[str] = None) -> "Language":
    """Append what is missing: sentence boundaries, ``kner_mentions`` (only after a
    statistical ``ner``, whose span errors it repairs), ``kner_names``, ``kner_quotes``."""
    import korea_ner.names  # noqa: F401
    import korea_ner.quotes  # noqa: F401

    if not SENTENCE_SETTERS & set(nlp.pipe_names):
        import korea_ner.sentencizer  # noqa: F401  (spaCy's sentencizer, vectorised)

        nlp.add_pipe("kner_sentencizer", name="sentencizer")
    if "kner_names" not in nlp.pipe_names:
        nlp.add_pipe("kner_names", config={"aliases": aliases} if aliases else {})
    if "ner" in nlp.pipe_names and "kner_mentions" not in nlp.pipe_names:
        import korea_ner.mentions  # noqa: F401  (span repairs for a statistical NER, see mentions.py)

        nlp.add_pipe("kner_mentions", before="kner_names")
    if "kner_quotes" not in nlp.pipe_names:
        nlp.add_pipe("kner_quotes")
    return nlp


def lemma_table(nlp: Optional["Language"]):
    """The word -> lemma table of the pipeline's lookup lemmatizer (enabled or not), if it has one.

    kner's components use it as a German word list and to lemmatize the few words
    they ask about, so they work the same whether the lemmatizer runs or not.
    """
    if nlp is None:
        return None
    for pipe_name in ("lemmatizer", "trainable_lemmatizer"):
        if pipe_name in nlp.component_names:
            lookups = getattr(nlp.get_pipe(pipe_name), "lookups", None)
            if lookups is not None and lookups.has_table("lemma_lookup"):
                return lookups.get_table("lemma_lookup")
    return None


def describe(nlp: "Language") -> dict:
    """What ``kner info`` reports about a loaded pipeline."""
    meta = nlp.meta
    ner_labels: list[str] = []
    for pipe_name, pipe in nlp.pipeline:
        labels = getattr(pipe, "labels", None)
        if pipe_name in {"ner", "entity_ruler"} and labels:
            ner_labels.extend(label for label in labels if label not in ner_labels)
    return {
        "pipeline": f"{meta.get('lang', '?')}_{meta.get('name', '?')}",
        "version": meta.get("version"),
        "origin": meta.get("kner", {}).get("origin"),
        "location": meta.get("kner", {}).get("target"),
        "components": list(nlp.pipe_names),
        "labels": ner_labels,
        "spacy_version": meta.get("spacy_version"),
        "sources": [s.get("name") if isinstance(s, dict) else str(s) for s in meta.get("sources", [])],
    }
