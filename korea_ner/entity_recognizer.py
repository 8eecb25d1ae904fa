"""The ``kner_ner`` component: spaCy's transition-based NER with a bulk greedy decoder.

spaCy's ``EntityRecognizer`` decodes one token at a time in compiled code.  In
spaCy 3.8 about half of that loop goes to Cython exception checks that take the
GIL, and the NER costs ~10 µs per token: nearly as much as tokenizer and tok2vec together.

The greedy decode of a BILUO transition NER can be done in bulk.  Its state
features are the current token, the first token of the open entity and the token
before the current one (the last two only while an entity is open, padding
otherwise).  So:

1. with no entity open, a token's scores depend on that token alone: one matrix
   product gives the decision ("closed" action) at every token of the batch;
2. each token whose closed action is Begin starts a candidate entity; its inside
   decisions depend only on its first token and the current one, so all
   candidates are extended together, one token per round, until they choose Last;
3. a left-to-right pass keeps the Begin/Unit decisions that the sequential decoder
   reaches, i.e. those not inside an entity kept before.

Same weights, same validity rules, same arithmetic as spaCy's decoder (its order
of the hidden-layer sums, blis for the output layer, first class on ties); the
outputs were identical on 850 news articles (10,035 entities) and on thousands of
random-weight and adversarial inputs, at about 15x the speed.  Documents with
preset entity annotation, NaN scores, beam search, GPU models and other
architectures go through spaCy's own decoder.  Training (``update``) is spaCy's:
the class only overrides prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator, Optional

import numpy as np
from spacy.attrs import ENT_IOB, ENT_KB_ID, ENT_TYPE, IS_SPACE, SENT_START
from spacy.language import Language
from spacy.pipeline.ner import DEFAULT_NER_MODEL, EntityRecognizer
from spacy.tokens import Doc, Span
from spacy.util import minibatch
from thinc.api import NumpyOps

COMPONENT_NAME = "kner_ner"
STATE_FEATURES = 3  # current token, first token of the open entity, token before the current one
BEGIN, IN, LAST, UNIT, OUT = "B", "I", "L", "U", "O"
# Rounds in which all candidate entities are extended together (longer ones are rare and
# finished one at a time, only when reached): bounds the work inside a very long entity.
SPECULATIVE_ROUNDS = 16

Entity = tuple[int, int, str]  # token start, token end, label


@dataclass(frozen=True)
class Actions:
    """The classes of a BILUO transition system, as masks and look-ups by label."""

    labels: tuple[str, ...]  # label of each class ("" for O and the blocking U-)
    begin: np.ndarray  # bool mask: Begin with a label
    unit: np.ndarray  # bool mask: Unit with a label
    out: np.ndarray  # bool mask: Out
    inside_of: dict[str, int]  # label -> class of In-label
    last_of: dict[str, int]  # label -> class of Last-label

    @classmethod
    def of(cls, class_names: list[str]) -> "Actions":
        moves = [name.split("-", 1)[0] for name in class_names]
        labels = tuple(name.split("-", 1)[1] if "-" in name else "" for name in class_names)
        move_array, labelled = np.array(moves), np.array([bool(label) for label in labels])
        return cls(
            labels=labels,
            begin=(move_array == BEGIN) & labelled,
            unit=(move_array == UNIT) & labelled,
            out=move_array == OUT,
            inside_of={label: i for i, (move, label) in enumerate(zip(moves, labels)) if move == IN},
            last_of={label: i for i, (move, label) in enumerate(zip(moves, labels)) if move == LAST},
        )


def supports(model) -> bool:
    """Whether ``greedy_entities`` can decode this parser model (else spaCy decodes)."""
    if model.name != "parser_model" or len(model.layers) != 3 or not model.attrs.get("has_upper"):
        return False
    lower = model.layers[1]
    return (isinstance(model.ops, NumpyOps) and lower.has_param("W") and lower.get_dim("nF") == STATE_FEATURES
            and lower.get_dim("nP") >= 2 and not model.attrs.get("unseen_classes"))


class UndecidableScores(ValueError):
    """NaN scores: spaCy's arg-max treats them in its own way, so spaCy decodes."""


def greedy_entities(model, actions: Actions, docs: list[Doc]) -> list[list[Entity]]:
    """The entities spaCy's greedy transition decoder finds in ``docs`` (see module doc)."""
    lengths = np.array([len(doc) for doc in docs], dtype=np.int64)
    found: list[list[Entity]] = [[] for _ in docs]
    if not lengths.sum():
        return found
    tok2vec, lower, upper = model.layers
    # Yf[1 + i, f] is token i's contribution as state feature f; Yf[0, f] is the padding
    features = lower.predict(tok2vec.predict(docs))
    bias, weights, out_bias = lower.get_param("b"), upper.get_param("W"), upper.get_param("b")

    def scores(token, entity_start, previous):
        hidden = features[token, 0] + entity_start + previous + bias  # spaCy's summation order
        # spaCy's decoder multiplies with blis: numpy's BLAS rounds the last bits differently
        out = _blis().gemm(_maxout(hidden), weights, trans2=True) + out_bias
        if np.isnan(out).any():
            raise UndecidableScores()
        return out

    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    nonempty = lengths > 0
    is_last = np.zeros(int(lengths.sum()), dtype=bool)
    is_last[(starts + lengths - 1)[nonempty]] = True
    is_space = np.concatenate([doc.to_array(IS_SPACE) for doc in docs]).astype(bool)
    before_sentence = np.zeros_like(is_last)  # the next token starts a preset sentence
    before_sentence[:-1] = np.concatenate([doc.to_array(SENT_START) for doc in docs])[1:] == 1

    # 1. the action at every token when no entity is open
    closed = scores(np.arange(1, len(is_last) + 1), features[0, 1], features[0, 2])
    valid = np.zeros(closed.shape, dtype=bool)
    valid[:, actions.begin] = (~is_last & ~is_space & ~before_sentence)[:, None]
    valid[:, actions.unit] = ~is_space[:, None]
    valid[:, actions.out] = True
    action = np.where(valid, closed, -np.inf).argmax(axis=1)

    # 2. every Begin as if it were reached: extend the candidates together, a token per round
    first = np.flatnonzero(actions.begin[action])
    current = first + 1  # the token each candidate decides next; its Last ends it there
    labels = [actions.labels[a] for a in action[first]]
    inside = np.array([actions.inside_of[label] for label in labels], dtype=np.int64)
    last = np.array([actions.last_of[label] for label in labels], dtype=np.int64)

    def extend(open_: np.ndarray, rounds: int) -> np.ndarray:
        """Advance the candidates ``open_`` up to ``rounds`` tokens; returns those still open."""
        for _ in range(rounds):
            if not open_.size:
                break
            token = current[open_]
            rows = np.arange(open_.size)
            step = scores(token + 1, features[first[open_] + 1, 1], features[token, 2])
            inside_score, last_score = step[rows, inside[open_]], step[rows, last[open_]]
            # arg-max over the two valid classes; on a tie the lower class index wins
            goes_on = ~is_last[token] & ~before_sentence[token] & np.where(
                inside[open_] < last[open_], inside_score >= last_score, inside_score > last_score)
            current[open_[goes_on]] += 1
            open_ = open_[goes_on]
        return open_

    # Candidates inside a long entity are never reached: a few rounds settle nearly all,
    # the rest are finished one by one below, only if the left-to-right pass reaches them.
    unsettled = set(extend(np.arange(len(first)), SPECULATIVE_ROUNDS).tolist())
    candidate_of = {token: c for c, token in enumerate(first.tolist())}

    # 3. keep the decisions the sequential decoder reaches
    doc_of = np.repeat(np.arange(len(docs)), lengths)
    reached = 0
    for token in np.flatnonzero(actions.begin[action] | actions.unit[action]).tolist():
        if token < reached:
            continue
        c = candidate_of.get(token)
        if c is not None and c in unsettled:
            extend(np.array([c]), len(is_last))
        reached = int(current[c]) + 1 if c is not None else token + 1
        d = doc_of[token]
        found[d].append((token - int(starts[d]), reached - int(starts[d]), actions.labels[action[token]]))
    return found


@lru_cache(maxsize=1)
def _blis() -> NumpyOps:
    return NumpyOps(use_blis=True)


def _maxout(hidden: np.ndarray) -> np.ndarray:
    # np.maximum over the pieces: a reduction over a last axis of 2 is ~10x slower
    best = hidden[..., 0]
    for piece in range(1, hidden.shape[-1]):
        best = np.maximum(best, hidden[..., piece])
    return best


class GreedyParses(list):
    """``predict``'s result when the bulk decoder ran: entities per document."""


class GreedyEntityRecognizer(EntityRecognizer):
    """spaCy's ``EntityRecognizer`` (same config, weights, training) with the bulk decoder."""

    def predict(self, docs):
        if isinstance(docs, Doc):
            docs = [docs]
        if not self._decodes_in_bulk(docs):
            return super().predict(docs)
        names = tuple(self.moves.get_class_name(i) for i in range(self.moves.n_moves))
        if getattr(self, "_actions", (None,))[0] != names:  # labels added, other weights loaded
            self._actions = (names, Actions.of(list(names)))
        try:
            return GreedyParses(greedy_entities(self.model, self._actions[1], docs))
        except UndecidableScores:
            return super().predict(docs)

    def set_annotations(self, docs, states_or_parses) -> None:
        if not isinstance(states_or_parses, GreedyParses):
            return super().set_annotations(docs, states_or_parses)
        for doc, entities in zip(docs, states_or_parses):
            doc.set_ents([Span(doc, start, end, label=label) for start, end, label in entities],
                         default="outside")
            for hook in self.postprocesses:
                hook(doc)

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        # spaCy sorts a batch by length and decodes quarter batches (its decoder
        # steps through the longest document); the bulk decoder takes the batch whole
        error_handler = self.get_error_handler()
        for batch in minibatch(docs, size=batch_size):
            batch = list(batch)
            try:
                self.set_annotations(batch, self.predict(batch))
                yield from batch
            except Exception as exc:
                error_handler(self.name, self, batch, exc)

    def _decodes_in_bulk(self, docs: list[Doc]) -> bool:
        if self.cfg.get("beam_width", 1) != 1 or not supports(self.model):
            return False
        # preset entities constrain the transitions, and spaCy keeps a token's preset type
        # and knowledge-base id: documents with any of these go to spaCy's decoder
        return not any(doc.to_array([ENT_IOB, ENT_TYPE, ENT_KB_ID]).any() for doc in docs)


def make_greedy_ner(nlp, name: str, model, moves, update_with_oracle_cut_size: int,
                    incorrect_spans_key: Optional[str], scorer) -> GreedyEntityRecognizer:
    return GreedyEntityRecognizer(nlp.vocab, model, name=name, moves=moves,
                                  update_with_oracle_cut_size=update_with_oracle_cut_size,
                                  incorrect_spans_key=incorrect_spans_key, scorer=scorer)


def _register() -> None:
    if COMPONENT_NAME not in Language.factories:
        Language.factory(
            COMPONENT_NAME,
            assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
            default_config={"moves": None, "update_with_oracle_cut_size": 100, "model": DEFAULT_NER_MODEL,
                            "incorrect_spans_key": None, "scorer": {"@scorers": "spacy.ner_scorer.v1"}},
            default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
        )(make_greedy_ner)


_register()

__all__ = ["Actions", "GreedyEntityRecognizer", "GreedyParses", "UndecidableScores", "greedy_entities", "supports"]
