"""Running the pipeline over many documents: batching, big documents, processes.

``analyze`` is the library's main entry point and what every CLI command uses.
It streams: documents are read, processed and yielded one at a time (in input
order), so memory stays flat however large the corpus is.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import sys
from collections import deque
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Union

from korea_ner.errors import KnerError, WorkerDiedError
from korea_ner.inputs import Document, make_document
from korea_ner.schema import add_part, empty_record

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from spacy.language import Language

# Articles longer than this are processed in paragraph-aligned parts; offsets are
# shifted back so they still index the whole text.
PART_CHARS = 20_000
# nlp.pipe batches: spaCy holds a whole batch's activations in memory at once, so
# batches are small in documents and capped in characters.  16 articles (50k
# characters) run as fast as 64 (200k) and peak 100 MB lower (bench/bench.py).
BATCH_SIZE = 16
BATCH_CHARS = 50_000
# Documents handed to a worker process at once (about a third of a second of work):
# small enough that no process waits long for another at the end of a run.
JOB_BATCH_CHARS = 50_000
JOB_BATCH_DOCS = 1_000  # so that a run of tiny documents still makes batches
# Batches a worker holds at most, the one it works on included: one queued is enough
# for it never to wait while this process works on a batch of its own.
IN_FLIGHT_PER_WORKER = 2
# Finished batches kept for order (while an earlier one is still being worked on).
MAX_PENDING_PER_JOB = 4

Item = Union[str, Document, dict]
Record = dict[str, Any]
ErrorHandler = Callable[[str, str], None]


def as_document(item: Item, index: int) -> Document:
    """Accept plain strings, ``Document``s and ``{"id", "text", "date"}`` dicts."""
    if isinstance(item, Document):
        return item
    if isinstance(item, str):
        return make_document(str(index), item)
    if isinstance(item, dict) and isinstance(item.get("text"), str):
        doc_id = item.get("id", item.get("doc"))
        return make_document(str(doc_id) if doc_id is not None else str(index), item["text"], item.get("date"))
    raise TypeError(f"cannot analyze item {index}: expected str, Document or dict with 'text', got {type(item).__name__}")


def split_text(text: str, limit: int = PART_CHARS) -> list[tuple[int, str]]:
    """Cut ``text`` into (offset, part) pieces of at most ``limit`` characters.

    Cuts fall on paragraph breaks where possible, else on line breaks, else on
    spaces, so that sentences and quotes are rarely split.
    """
    if len(text) <= limit:
        return [(0, text)]
    parts = []
    start = 0
    while len(text) - start > limit:
        window_end = start + limit
        cut = -1
        for separator in ("\n\n", "\n", ". ", " "):
            found = text.rfind(separator, start + limit // 2, window_end)
            if found != -1:
                cut = found + len(separator)
                break
        if cut == -1:
            cut = window_end
        parts.append((start, text[start:cut]))
        start = cut
    parts.append((start, text[start:]))
    return parts


def analyze(
    items: Iterable[Item],
    model: Optional[str] = None,
    aliases: Optional[str] = None,
    jobs: int = 1,
    nlp: Optional["Language"] = None,
    on_error: Optional[ErrorHandler] = None,
) -> Iterator[Record]:
    """Analyze documents, yielding one record per document in input order.

    ``items`` may be strings, ``Document`` objects or dicts with ``id``/``text``
    (and optional ``date``). A document whose processing fails is reported to
    ``on_error(doc_id, message)`` and yields no record; without a handler the
    exception propagates. ``jobs=N`` runs on this process and N-1 worker
    processes (not with ``nlp``): on Linux, when this process runs no other thread
    (numpy's BLAS starts some unless OPENBLAS_NUM_THREADS=1), they are forked with
    the pipeline this process loaded, as it is (changes made to the object
    ``load_pipeline`` returned included); otherwise they are spawned and each loads
    the pipeline afresh. A worker killed from outside (out of memory) raises
    ``WorkerDiedError`` after the records before the documents it held.
    """
    documents = (as_document(item, i) for i, item in enumerate(items))
    if jobs and jobs > 1 and nlp is None:
        yield from _analyze_parallel(documents, model, aliases, jobs, on_error)
        return
    if nlp is None:
        from korea_ner.model import load_pipeline

        nlp = load_pipeline(model, aliases)
    yield from _analyze_serial(nlp, documents, on_error)


def analyze_batch(records: Iterable[Item], model: Optional[str] = None, aliases: Optional[str] = None) -> list[Record]:
    """Analyze a batch (e.g. a partition of a distributed engine) in this process.

    The pipeline is loaded once per process and cached, so calling this for many
    partitions in one worker pays the load only once.
    """
    from korea_ner.model import load_pipeline

    return list(_analyze_serial(load_pipeline(model, aliases), (as_document(r, i) for i, r in enumerate(records)), None))


def _analyze_serial(nlp: "Language", documents: Iterable[Document], on_error: Optional[ErrorHandler]) -> Iterator[Record]:
    # Parts of consecutive documents share nlp.pipe batches, which is what makes
    # spaCy fast; each document's record is complete when its last part arrives.
    documents = iter(documents)  # after a failure, one by one from where it broke (not again from a list's start)
    unfinished: deque[Document] = deque()

    def parts() -> Iterator[tuple[str, tuple[Document, int, bool]]]:
        while True:
            try:
                document = next(documents)
            except StopIteration:
                return
            except Exception as exc:  # the input's own failure, not the pipeline's
                raise _InputFailed() from exc
            unfinished.append(document)
            for offset, part, is_last in _parts(document.text):
                yield part, (document, offset, is_last)

    record: Optional[Record] = None
    try:
        for batch in _batched(parts(), lambda part: len(part[0]), BATCH_CHARS, BATCH_SIZE):
            for doc, (document, offset, is_last) in nlp.pipe(batch, as_tuples=True, batch_size=len(batch)):
                if offset == 0:
                    record = empty_record(document)
                add_part(record, doc, offset)
                if is_last:
                    unfinished.popleft()
                    yield record
    except KnerError:
        raise  # the input itself is unusable: nothing to isolate
    except _InputFailed as failed:
        raise failed.__cause__  # (reading one by one would find the input used up)
    except Exception:
        if on_error is None:
            raise
        # Rare: find the failing document by going one by one from where the
        # batch broke; every other document is still processed and yielded.
        yield from _analyze_one_by_one(nlp, chain(list(unfinished), documents), on_error)


class _InputFailed(Exception):
    """Reading the next document failed (a bad item, the caller's iterator raising)."""


def _batched(items: Iterable[Any], size_of: Callable[[Any], int], max_size: int, max_items: int) -> Iterator[list]:
    """Consecutive items in lists of at most ``max_items`` and about ``max_size`` in total size."""
    batch: list = []
    size = 0
    for item in items:
        batch.append(item)
        size += size_of(item)
        if size >= max_size or len(batch) >= max_items:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _analyze_one_by_one(nlp: "Language", documents: Iterable[Document], on_error: ErrorHandler) -> Iterator[Record]:
    for document in documents:
        try:
            record = empty_record(document)
            for offset, part, _ in _parts(document.text):
                add_part(record, nlp(part), offset)
        except Exception as exc:  # noqa: BLE001 - reported per document, never lost silently
            on_error(document.id, f"processing failed: {type(exc).__name__}: {exc}")
            continue
        yield record


def _parts(text: str) -> Iterator[tuple[int, str, bool]]:
    pieces = split_text(text)
    for i, (offset, part) in enumerate(pieces):
        yield offset, part, i == len(pieces) - 1


# --- parallel processing -----------------------------------------------------

_worker_nlp: Optional["Language"] = None
_worker_error: Optional[Exception] = None  # why the worker's pipeline did not load


# One process per core: worker processes keep their numeric libraries single-threaded.
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextmanager
def single_threaded_children() -> Iterator[None]:
    """Worker processes started inside inherit ``ONE_THREAD_ENV`` (where the user set
    nothing else); this process's environment is restored after.

    Set in the parent because BLAS reads it when numpy loads, and a spawned worker may
    load numpy before any of kner's code runs (it re-imports the caller's main module).
    """
    added = {name: value for name, value in ONE_THREAD_ENV.items() if name not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


FORKING_PLATFORM = sys.platform.startswith("linux")


def forking_is_safe() -> bool:
    """Whether workers may be forked from this process now: on Linux, with no
    thread running but this one.

    Another thread may hold a lock at the moment of the fork that the child then
    waits for for ever (an output stream's, logging's, an OpenMP runtime's), and
    BLAS threads would be inherited: numpy's OpenBLAS starts one per core unless
    OPENBLAS_NUM_THREADS=1, as kner sets it. Counted by the kernel, so threads of
    native libraries count too.
    """
    if not FORKING_PLATFORM:
        return False
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            threads = next(int(line.split()[1]) for line in status if line.startswith("Threads:"))
    except (OSError, StopIteration, ValueError):
        return False
    return threads == 1


def _forked_pool(workers: int, nlp: "Language") -> "Pool":
    """Workers that start with this process's loaded pipeline, its memory shared
    until written: no second import and load (about a second of CPU each), and
    about 120 MB less memory (PSS) per worker than a spawned one (bench/bench.py)."""
    import multiprocessing

    # Frozen objects are left out of the workers' garbage collections, which would
    # otherwise write to (and so copy) the pages of the pipeline's Python objects
    # (20 MB). Only the workers keep them frozen: this process unfreezes right
    # after, unless its caller had frozen objects of its own (unfreezing is all or
    # nothing).
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        return multiprocessing.get_context("fork").Pool(workers, initializer=_init_forked_worker, initargs=(nlp,))
    finally:
        if freeze:
            gc.unfreeze()


def _spawned_pool(workers: int, model: Optional[str], aliases: Optional[str]) -> "Pool":
    """Fresh worker processes that each import spaCy and load the pipeline (this
    process has loaded its own, or loads it once the workers are all busy)."""
    import multiprocessing

    with single_threaded_children():  # the pool starts its workers right here
        return multiprocessing.get_context("spawn").Pool(workers, initializer=_init_worker, initargs=(model, aliases))


def _init_forked_worker(nlp: "Language") -> None:
    global _worker_nlp
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in _init_worker
    _worker_nlp = nlp


def _init_worker(model: Optional[str], aliases: Optional[str]) -> None:
    global _worker_nlp, _worker_error
    # Ctrl-C is the parent's to handle: it stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from korea_ner.model import load_pipeline
    from korea_ner.spacy_import import defer_spacy_cli

    defer_spacy_cli()  # as in kner's own process (cli.main)
    # A worker's pipeline lives until it exits: as cli.main, skip walking it in the
    # interpreter's last garbage collection (the parent waits for that exit).
    atexit.register(gc.freeze)
    try:
        _worker_nlp = load_pipeline(model, aliases)
    except Exception as exc:  # noqa: BLE001 - raised with the first batch, see _work
        # A pool restarts a worker whose initializer fails, for ever: keep the error
        # and let every batch raise it, so the caller gets it from the batch's result.
        _worker_error = exc


def _work(batch: list[Document]) -> tuple[list[Record], list[tuple[str, str]]]:
    if _worker_error is not None:
        raise _worker_error
    assert _worker_nlp is not None
    return _run_batch(_worker_nlp, batch)


def _run_batch(nlp: "Language", batch: list[Document]) -> tuple[list[Record], list[tuple[str, str]]]:
    """The records of a batch and its (doc_id, message) errors, to report in input order."""
    errors: list[tuple[str, str]] = []
    records = list(_analyze_serial(nlp, batch, lambda doc_id, msg: errors.append((doc_id, msg))))
    return records, errors


def _analyze_parallel(
    documents: Iterable[Document],
    model: Optional[str],
    aliases: Optional[str],
    jobs: int,
    on_error: Optional[ErrorHandler],
) -> Iterator[Record]:
    """``jobs - 1`` worker processes and this one share the batches.

    Each batch goes to a worker while the workers have fewer than
    ``IN_FLIGHT_PER_WORKER`` unfinished batches each, else this process runs it
    itself, so no third process competes for the cores. On Linux the workers are
    forked once this process has loaded the pipeline, if no other thread runs
    (``forking_is_safe``); else they are spawned and load their own.
    Results are yielded in input order; a bounded number of batches is in flight,
    so reading the input stays lazy and memory flat.
    """
    from korea_ner.model import load_pipeline

    import numpy  # noqa: F401  (spaCy needs it anyway; its BLAS starts its threads, if any, before the check)

    nlp: Optional["Language"] = None
    if forking_is_safe():  # else spawned at once: loading here first would only delay them
        nlp = load_pipeline(model, aliases)
    # checked again: loading may start threads (numpy's BLAS, a library's own pool)
    if nlp is not None and forking_is_safe():
        pool = _forked_pool(jobs - 1, nlp)
    else:
        pool = _spawned_pool(jobs - 1, model, aliases)
    worker_limit = (jobs - 1) * IN_FLIGHT_PER_WORKER
    watch = _WorkerWatch(pool)
    finished = False
    try:
        pending: deque = deque()  # AsyncResult of a worker or _Done of this process, in input order
        for batch in _batched(documents, lambda document: len(document.text), JOB_BATCH_CHARS, JOB_BATCH_DOCS):
            if sum(not result.ready() for result in pending) < worker_limit:
                pending.append(pool.apply_async(_work, (batch,)))
            else:
                if nlp is None:  # spawned workers all busy for the first time: usually still loading
                    nlp = load_pipeline(model, aliases)
                pending.append(_Done(_run_batch(nlp, batch)))
            while pending and (pending[0].ready() or len(pending) > jobs * MAX_PENDING_PER_JOB):
                yield from _collect(watch.wait(pending.popleft()), on_error)
        while pending:
            yield from _collect(watch.wait(pending.popleft()), on_error)
        finished = True
    finally:
        # Interrupted, failed or abandoned (a closed pipe): stop the workers now
        # rather than wait for batches nobody will read.
        if finished:
            pool.close()
        else:
            pool.terminate()
        pool.join()


class _WorkerWatch:
    """Waits for a worker's result, and notices when a worker has died meanwhile.

    A worker killed from outside (the kernel's out-of-memory killer, ``kill -9``) takes
    its batch with it: multiprocessing's Pool starts a replacement but never completes
    that batch's result, so waiting on it would hang for ever. Pool workers exit only
    when the pool is closed, so any worker that has exited before is a death.
    """

    POLL_SECONDS = 0.2

    def __init__(self, pool: "Pool") -> None:
        self.pool = pool
        self.seen: list = []  # every worker the pool has had: a dead one leaves pool._pool at once
        self.note_workers()

    def wait(self, result):
        while not result.ready():
            result.wait(self.POLL_SECONDS)
            if not result.ready() and self.dead_exitcode() is not None:
                # what the worker sent before it died may still be in the pipe
                result.wait(self.POLL_SECONDS)
                if not result.ready():
                    raise WorkerDiedError(_death_message(self.dead_exitcode()))
        return result

    def note_workers(self) -> None:
        for worker in list(getattr(self.pool, "_pool", ())):  # replacements included
            if worker not in self.seen:
                self.seen.append(worker)

    def dead_exitcode(self) -> Optional[int]:
        self.note_workers()
        return next((worker.exitcode for worker in self.seen if worker.exitcode is not None), None)


def _death_message(exitcode: int) -> str:
    if exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
        if exitcode == -signal.SIGKILL:
            how += ", perhaps by the kernel for lack of memory"
    else:
        how = f"exit status {exitcode}"
    return f"a worker process died ({how}); output stops before the documents it held (try fewer --jobs)"


class _Done:
    """A batch this process has run, in the shape of a worker's pending result."""

    def __init__(self, value: tuple[list[Record], list[tuple[str, str]]]) -> None:
        self.value = value

    def ready(self) -> bool:
        return True

    def get(self) -> tuple[list[Record], list[tuple[str, str]]]:
        return self.value


def _collect(result, on_error: Optional[ErrorHandler]) -> Iterator[Record]:
    records, errors = result.get()
    for doc_id, message in errors:
        if on_error is None:
            raise RuntimeError(f"{doc_id}: {message}")
        on_error(doc_id, message)
    yield from records


# --- views over records ------------------------------------------------------


def aggregate_entities(
    records: Iterable[Record],
    labels: Optional[Iterable[str]] = None,
    min_count: int = 1,
    per_doc: bool = False,
) -> list[Record]:
    """Canonical entities aggregated over all records (or per document).

    Each entry: ``{"name", "label", "count", "docs", "variants"}`` (with ``"doc"``
    added when ``per_doc``), sorted by count, most frequent first.
    """
    from korea_ner.names import merge_entities

    wanted = {label.upper() for label in labels} if labels else None

    def keep(entry: Record) -> bool:
        return (wanted is None or entry["label"] in wanted) and entry["count"] >= min_count

    if not per_doc:
        return [entry for entry in merge_entities(records) if keep(entry)]
    result = []
    for record in records:
        for entry in merge_entities([record]):
            if keep(entry):
                result.append({"doc": record["doc"], **entry})
    return result


def select_quotes(records: Iterable[Record], speaker: Optional[str] = None) -> Iterator[Record]:
    """Quotes of all records, each with its ``doc`` (and ``date``), optionally by one speaker.

    ``speaker`` matches the speaker's canonical name, the mention, or any variant
    of that person in the same document: case-, accent- and typo-tolerant.
    """
    from korea_ner.names import speaker_matches

    for record in records:
        variants_by_name: dict[str, list[str]] = {}
        if speaker:
            for entity in record["entities"]:
                variants_by_name.setdefault(entity["canonical"], []).append(entity["text"])
        for quote in record["quotes"]:
            if speaker:
                who = quote.get("speaker")
                if not who:
                    continue
                variants = [who["mention"], *variants_by_name.get(who["name"] or "", [])]
                if not speaker_matches(speaker, who["name"] or "", variants):
                    continue
            yield {"doc": record["doc"], "date": record.get("date"), **quote}
