"""``kner_entity_tagger``: named entities as one BILUO tag per token.

A trainable spaCy component that can stand in for spaCy's ``ner``: a softmax
over the tok2vec vectors gives every token one of "O", "B-PER", "I-PER",
"L-PER", "U-PER", ... and the tags are decoded into ``doc.ents``.

Why not the transition-based ``ner``: its greedy parse takes one step per token
in a loop that costs about twice as much as tokenizing the text, while tagging
is one matrix multiply per batch and decoding only visits the tokens that are
not "O".  What is lost is the parser's view of its own earlier decisions; the
decoder makes up for part of it by reading any run of entity tags as well-formed
spans (see ``biluo_spans``).
"""

# No `from __future__ import annotations`: spaCy validates initialize()'s
# signature with pydantic, which needs the annotations as real types.
from itertools import islice
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_examples, validate_get_examples
from thinc.api import Config, Model, SequenceCategoricalCrossentropy

PREFIXES = ("B", "I", "L", "U")
BEGIN, INSIDE, LAST, UNIT = range(4)

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = false

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 64
depth = 2
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = true
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]


@Language.factory(
    "kner_entity_tagger",
    assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
    default_config={"model": DEFAULT_MODEL, "scorer": {"@scorers": "spacy.ner_scorer.v1"}},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_entity_tagger(nlp: Language, name: str, model: Model, scorer: Optional[Callable]) -> "EntityTagger":
    return EntityTagger(nlp.vocab, model, name, scorer=scorer)


def tag_names(labels: Sequence[str]) -> List[str]:
    """The tag set: "O", then B/I/L/U for each label (tag id k > 0 is label (k-1)//4, prefix (k-1)%4)."""
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in PREFIXES]


def biluo_spans(tag_ids: Sequence[int]) -> List[Tuple[int, int, int]]:
    """(start, end, label index) of the entities in a sequence of tag ids.

    Lenient: an entity starts at B or U, at any entity tag after "O", after L or
    U, or where the label changes; it ends at L or U, or before the next start.
    So "I-PER L-PER" or a lone "I-LOC" still make an entity.
    """
    spans: List[Tuple[int, int, int]] = []
    start = label = -1
    previous = -2
    for i in numpy.flatnonzero(numpy.asarray(tag_ids)).tolist():
        lab, prefix = divmod(int(tag_ids[i]) - 1, 4)
        if start >= 0 and (i != previous + 1 or prefix in (BEGIN, UNIT) or lab != label):
            spans.append((start, previous + 1, label))
            start = -1
        if start < 0:
            start, label = i, lab
        if prefix in (LAST, UNIT):
            spans.append((start, i + 1, label))
            start = -1
        previous = i
    if start >= 0:
        spans.append((start, previous + 1, label))
    return spans


class EntityTagger(TrainablePipe):
    """Sets ``doc.ents`` from per-token BILUO tags; every other token is "O"."""

    def __init__(self, vocab, model: Model, name: str = "ner", *, scorer: Optional[Callable] = None) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.cfg: dict = {"labels": []}
        self.scorer = scorer

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def label_data(self) -> List[str]:
        return list(self.labels)

    def add_label(self, label: str) -> int:
        if label in self.cfg["labels"]:
            return 0
        self._allow_extra_label()
        self.cfg["labels"].append(label)
        self.vocab.strings.add(label)
        return 1

    def predict(self, docs: Iterable[Doc]) -> List[numpy.ndarray]:
        docs = list(docs)
        if not any(len(doc) for doc in docs):
            return [numpy.zeros((len(doc),), dtype="int32") for doc in docs]
        scores = self.model.predict(docs)
        return [self.model.ops.to_numpy(s).argmax(axis=1) if len(s) else numpy.zeros((0,), dtype="int32") for s in scores]

    def set_annotations(self, docs: Iterable[Doc], tag_ids: List[numpy.ndarray]) -> None:
        labels = self.labels
        for doc, ids in zip(docs, tag_ids):
            spans = [Span(doc, start, end, label=labels[lab]) for start, end, lab in biluo_spans(ids)]
            doc.set_ents(spans, default="outside")

    def get_loss(self, examples: Iterable[Example], scores) -> Tuple[float, list]:
        validate_examples(examples, "EntityTagger.get_loss")
        names = tag_names(self.labels)
        known = set(names)
        loss_func = SequenceCategoricalCrossentropy(names=names, normalize=False)
        # tokens whose gold tag is missing or misaligned (None, "-") or of an unknown label teach nothing
        truths = [[tag if tag in known else None for tag in eg.get_aligned_ner()] for eg in examples]
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError("kner_entity_tagger: the loss is NaN")
        return float(loss), d_scores

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None,
                   labels: Optional[List[str]] = None) -> None:
        validate_get_examples(get_examples, "EntityTagger.initialize")
        if labels is None:
            labels = sorted({ent.label_ for eg in get_examples() for ent in eg.reference.ents})
        for label in labels:
            self.add_label(label)
        if not self.labels:
            raise ValueError("kner_entity_tagger: no entity labels in the training examples")
        n_tags = len(tag_names(self.labels))
        doc_sample = [eg.x for eg in islice(get_examples(), 10)]
        tag_sample = [self.model.ops.alloc2f(len(doc), n_tags) for doc in doc_sample]
        self.model.initialize(X=doc_sample, Y=tag_sample)
