"""The ``kner_sentencizer`` component: spaCy's rule-based ``Sentencizer``, a batch at a time.

kner adds it (as ``sentencizer``) to pipelines that set no sentence boundaries, such as
the bundled one. spaCy's builds a Token object per token to read its text and
punctuation flag; this one reads both from arrays (shared with kner's other components,
see ``doctext.py``) and decides all boundaries of a document at once, with the same
rule and the same result: a sentence starts at the first token, and at each token that
is neither punctuation nor a sentence-final character after a sentence-final character
("." "!" "?" ...) since the previous such token. Configuration and serialisation are
spaCy's.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.pipeline.senter import senter_score
from spacy.tokens import Doc

from korea_ner.doctext import doc_words

COMPONENT_NAME = "kner_sentencizer"
# Token.sent_start values: 1 starts a sentence, -1 does not, 0 is unknown (not set yet).
STARTS, CONTINUES, UNSET = 1, -1, 0


def sentence_starts(texts: list[str], punct: list[int], punct_chars: set[str]) -> np.ndarray:
    """Whether each token starts a sentence, by spaCy's Sentencizer rule."""
    n = len(texts)
    starts = np.zeros(n, dtype=bool)
    if not n:
        return starts
    final = np.fromiter((text in punct_chars for text in texts), dtype=bool, count=n)
    words = np.flatnonzero(~(final | np.asarray(punct, dtype=bool)))
    # sentence-final tokens up to each position; a word starts a sentence when there is one
    # between it and the previous word (or the start of the document)
    finals_so_far = np.cumsum(final)
    before_word = np.where(words > 0, finals_so_far[words - 1], 0)
    previous = np.concatenate(([-1], words[:-1]))
    before_previous = np.where(previous >= 0, finals_so_far[previous], 0)
    starts[words[before_word > before_previous]] = True
    starts[0] = True
    return starts


class FastSentencizer(Sentencizer):
    """spaCy's ``Sentencizer`` with a vectorised ``predict`` and ``set_annotations``."""

    def predict(self, docs):
        return [sentence_starts(words.texts, words.punct, self.punct_chars) for words in map(doc_words, docs)]

    def set_annotations(self, docs, batch_tag_ids) -> None:
        if isinstance(docs, Doc):
            docs = [docs]
        for doc, starts in zip(docs, batch_tag_ids):
            if not len(doc):
                continue
            values = np.where(starts, STARTS, CONTINUES)
            if not self.overwrite:  # keep boundaries something before has set
                current = doc.to_array(SENT_START).astype(np.int64)
                values = np.where(current == UNSET, values, current)
            doc.from_array([SENT_START], values.astype(np.uint64))


@Language.factory(
    COMPONENT_NAME,
    assigns=["token.is_sent_start", "doc.sents"],
    default_config={"punct_chars": None, "overwrite": False, "scorer": {"@scorers": "spacy.senter_scorer.v1"}},
    default_score_weights={"sents_f": 1.0, "sents_p": 0.0, "sents_r": 0.0},
)
def make_fast_sentencizer(nlp: Language, name: str, punct_chars, overwrite: bool, scorer=senter_score) -> FastSentencizer:
    return FastSentencizer(name, punct_chars=punct_chars, overwrite=overwrite, scorer=scorer)
