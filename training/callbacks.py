"""Training-only registered functions (imported by training/train.py or via ``spacy train --code``)."""
from __future__ import annotations

import time

from spacy.util import registry


class TimeLimitReached(Exception):
    """Raised from before_update to end training after a wall-clock budget.

    spaCy's training loop saves model-last on the way out; model-best is the best
    checkpoint written at the last evaluation.
    """


@registry.callbacks("kner.time_limit.v1")
def create_time_limit(max_seconds: float = 0.0):
    start = [None]

    def before_update(nlp, info):
        if start[0] is None:
            start[0] = time.monotonic()
        if max_seconds and time.monotonic() - start[0] > max_seconds:
            raise TimeLimitReached(f"time limit of {max_seconds:.0f}s reached at step {info.get('step')}")

    return before_update
