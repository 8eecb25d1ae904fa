"""Running kner on Dask: a local process pool or a ``dask.distributed`` cluster.

Needs the ``dask`` extra (``pip install "kner[dask]"``; add ``distributed`` to
use a cluster). The results are the same as the single-process library and CLI:
the same records in the same order, the same corpus-wide entities.

How the work is cut: the client only *plans* (lists the files, finds the byte
ranges of JSONL line blocks); each partition of the bag is one such chunk, and
the worker that gets it reads the text itself, runs ``analyze`` with the
pipeline it has cached (``load_pipeline`` is cached per process, so a worker
loads the model once however many partitions it runs), and hands back records.
Partitions are numbered in input order, so concatenating them gives the
single-process order.

Two layers:

* a composable bag API: ``read_documents`` -> ``analyze_bag`` -> ``entities`` /
  ``write_parts``, for building on Dask;
* ``run``, the whole job in one pass (what ``kner dask`` and the benchmark call):
  records written in order (one file, or one file per partition written by the
  workers), problems reported back to the caller, entity mentions pre-aggregated
  per partition and merged once at the end.

This module is ``korea_ner.dask``; inside it ``import dask`` still means the
Dask package (absolute imports), as with ``xgboost.dask`` or ``lightgbm.dask``.
"""

from __future__ import annotations

import io
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional

from korea_ner.errors import InputError
from korea_ner.inputs import (
    DEFAULT_GLOB,
    STDIN,
    Document,
    check_inputs,
    document_from_bytes,
    input_files,
    is_jsonl_file,
    read_jsonl,
)

if TYPE_CHECKING:
    import dask.bag

Record = dict[str, Any]
Problem = tuple[str, str]  # (where, why), as the CLI reports them

# Documents (JSONL lines or text files) per partition: big enough that the
# per-task overhead vanishes next to spaCy's work, small enough that several
# partitions per worker keep everyone busy to the end.
PARTITION_SIZE = 64
SCHEDULERS = ("processes", "threads", "sync")
MENTION_KEYS = ("text", "label", "canonical")


# --- planning: cutting the input into chunks, one per partition ---------------


@dataclass(frozen=True)
class Chunk:
    """What one partition reads: some text files, or a block of lines of one JSONL file.

    ``names`` are the paths as the single-process reader names them (document
    ids, warnings); ``locations`` are absolute, so that a worker on a cluster
    with a shared file system finds them whatever its working directory.
    """

    names: tuple[str, ...]
    locations: tuple[str, ...]
    jsonl: bool = False
    start: int = 0  # JSONL: byte range [start, end) and the number of its first line
    end: int = 0
    first_line: int = 1


def plan(
    paths: Iterable[str],
    glob: str = DEFAULT_GLOB,
    input_format: str = "auto",
    partition_size: int = PARTITION_SIZE,
) -> list[Chunk]:
    """Cut the inputs into chunks of at most ``partition_size`` documents, in input order.

    Files are found exactly as ``korea_ner.inputs.iter_documents`` finds them.
    Reading a JSONL file here only counts its lines; parsing happens on workers.
    """
    if partition_size < 1:
        raise ValueError("partition_size must be at least 1")
    chunks: list[Chunk] = []
    texts: list[Path] = []

    def flush_texts() -> None:
        for i in range(0, len(texts), partition_size):
            group = texts[i:i + partition_size]
            chunks.append(Chunk(tuple(str(p) for p in group), tuple(str(p.resolve()) for p in group)))
        texts.clear()

    for file in _files(paths, glob, input_format):
        if is_jsonl_file(file, input_format):
            flush_texts()
            chunks.extend(_jsonl_chunks(file, partition_size))
        else:
            texts.append(file)
    flush_texts()
    return chunks


def _files(paths: Iterable[str], glob: str, input_format: str) -> Iterator[Path]:
    paths = list(paths)
    if STDIN in paths:
        raise InputError("standard input cannot be distributed: name files or directories")
    for path in check_inputs(paths, glob, input_format):
        yield from input_files(path, glob)


def _jsonl_chunks(file: Path, size: int) -> Iterator[Chunk]:
    name, location = str(file), str(file.resolve())
    start = offset = count = 0
    first_line = 1
    with file.open("rb") as fh:
        for raw in fh:  # split on b"\n", as the reader does
            if count == size:
                yield Chunk((name,), (location,), True, start, offset, first_line)
                start, first_line, count = offset, first_line + size, 0
            offset += len(raw)
            count += 1
    if count:
        yield Chunk((name,), (location,), True, start, offset, first_line)


# --- on a worker: reading and analyzing one chunk -----------------------------


def read_chunk(chunk: Chunk, on_skip: Callable[[str, str], None]) -> Iterator[Document]:
    """The documents of one chunk, named and skipped exactly as the single-process reader does."""
    if chunk.jsonl:
        with open(chunk.locations[0], "rb") as fh:
            fh.seek(chunk.start)
            block = io.BytesIO(fh.read(chunk.end - chunk.start))
        # Blank lines are skipped (and counted) by the reader, so leading blanks
        # make its line numbers -- ids of lines without "id", warnings -- those of the file.
        lines = chain(repeat(b"", chunk.first_line - 1), block)
        yield from read_jsonl(lines, chunk.names[0], on_skip)
        return
    for name, location in zip(chunk.names, chunk.locations):
        try:
            data = Path(location).read_bytes()
        except OSError as exc:
            on_skip(name, f"cannot read: {exc.strerror or exc}")
            continue
        document = document_from_bytes(name, data, on_skip)
        if document is not None:
            yield document


def _analyze_chunk(chunk: Chunk, model: Optional[str], aliases: Optional[str]) -> tuple[list[Record], list[Problem]]:
    from korea_ner.process import analyze

    problems: list[Problem] = []
    add = lambda where, why: problems.append((where, why))  # noqa: E731
    records = list(analyze(read_chunk(chunk, add), model=model, aliases=aliases, on_error=add))
    return records, problems


# --- the composable bag API ----------------------------------------------------


def read_documents(
    paths: Iterable[str],
    glob: str = DEFAULT_GLOB,
    input_format: str = "auto",
    partition_size: int = PARTITION_SIZE,
) -> "dask.bag.Bag":
    """A bag of ``{"id", "text", "date"}`` dicts, one partition per chunk, in input order.

    Skipped inputs (binary files, malformed JSON lines) are left out, as by
    ``iter_documents`` without a handler; use ``run`` to have them reported.
    """
    import dask.bag as db

    chunks = plan(paths, glob=glob, input_format=input_format, partition_size=partition_size)
    if not chunks:
        return db.from_sequence([], npartitions=1)
    return db.from_sequence(chunks, npartitions=len(chunks)).map_partitions(_documents_of)


def _documents_of(chunks: Iterable[Chunk]) -> list[dict]:
    return [
        {"id": d.id, "text": d.text, "date": d.date}
        for chunk in chunks
        for d in read_chunk(chunk, lambda where, why: None)
    ]


def analyze_bag(documents: "dask.bag.Bag", model: Optional[str] = None, aliases: Optional[str] = None) -> "dask.bag.Bag":
    """Records for a bag of documents (strings, ``Document``s or ``{"id", "text"}`` dicts).

    Each partition goes through ``korea_ner.process.analyze_batch`` on a worker,
    with the pipeline cached in that worker process. A document that fails
    fails the computation; ``run`` reports such documents and goes on instead.
    """
    from korea_ner.process import analyze_batch

    return documents.map_partitions(_analyze_partition, analyze_batch, model, aliases)


def _analyze_partition(items: Iterable[Any], analyze_batch: Callable, model: Optional[str], aliases: Optional[str]) -> list[Record]:
    return analyze_batch(list(items), model=model, aliases=aliases)


def entities(records: "dask.bag.Bag", labels: Optional[Iterable[str]] = None, min_count: int = 1) -> Any:
    """Corpus-wide canonical entities of a bag of records, as a Dask item (``.compute()`` it).

    Each partition is reduced to its entity mentions; all mentions are then
    merged once, in partition order, by ``korea_ner.process.aggregate_entities`` -- so the
    result equals the single-process ``aggregate_entities(records)``.
    """
    labels = list(labels) if labels else None
    return records.reduction(
        _mentions,
        lambda parts: merge_mentions(parts, labels=labels, min_count=min_count),
        split_every=False,
        name="kner-entities",
    )


def _mentions(records: Iterable[Record]) -> list[Record]:
    """The per-partition pre-aggregation: what entity merging reads of each record.

    ``names.merge_entities`` counts every mention and every document, so each
    record keeps its mentions' text, label and canonical name (offsets, quotes
    and text are dropped); the merge itself happens once, over all of them.
    """
    return [
        {"doc": r["doc"], "entities": [{k: e[k] for k in MENTION_KEYS if k in e} for e in r["entities"]]}
        for r in records
    ]


def merge_mentions(parts: Iterable[list[Record]], labels: Optional[Iterable[str]] = None, min_count: int = 1) -> list[Record]:
    """The final reduce: per-partition mentions (in partition order) -> canonical entities."""
    from korea_ner.process import aggregate_entities as aggregate

    return aggregate(chain.from_iterable(parts), labels=labels, min_count=min_count)


def write_parts(records: "dask.bag.Bag", directory: str, **compute: Any) -> list[str]:
    """Write partition N to ``directory/part-NNNNN.jsonl`` (on the workers); returns the paths.

    The parts, concatenated in name order, are the single-process JSONL output.
    """
    lines = records.map(json.dumps, ensure_ascii=False)
    pattern = os.path.join(str(Path(directory).resolve()), "part-*.jsonl")
    written = lines.to_textfiles(
        pattern, name_function=_part_name, encoding="utf-8", last_endline=True, compute=False
    )
    import dask

    dask.compute(*written, **_compute_options(**compute))
    return sorted(str(p) for p in Path(directory).glob("part-*.jsonl"))


def _part_name(number: int) -> str:
    return f"{number:05d}"


def _write_part(records: Iterable[Record], location: str, number: int) -> str:
    path = Path(location) / f"part-{_part_name(number)}.jsonl"
    with path.open("w", encoding="utf-8", newline="") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return str(path)


# --- the whole job in one pass -----------------------------------------------


@dataclass
class Result:
    """What ``run`` did: documents analyzed, merged entities, problems, files written."""

    documents: int = 0
    entities: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    partitions: int = 0


def run(
    paths: Iterable[str],
    output: Optional[IO[str]] = None,
    parts: Optional[str] = None,
    model: Optional[str] = None,
    aliases: Optional[str] = None,
    glob: str = DEFAULT_GLOB,
    input_format: str = "auto",
    partition_size: int = PARTITION_SIZE,
    scheduler: Optional[str] = "processes",
    workers: Optional[int] = None,
    on_problem: Optional[Callable[[str, str], None]] = None,
    labels: Optional[Iterable[str]] = None,
    min_count: int = 1,
) -> Result:
    """Analyze ``paths`` on Dask: records as JSONL, plus corpus-wide entities.

    Records go to ``output`` (a text stream, gathered in input order) and/or to
    ``parts`` (a directory: one ``part-NNNNN.jsonl`` per partition, written by
    the workers, so records never travel to the client). ``scheduler`` is
    ``processes`` (default, ``workers`` processes), ``threads``, ``sync``, the
    address of a ``dask.distributed`` scheduler (``tcp://host:8786``), or None
    for whatever Dask would use (e.g. an active ``distributed.Client``).
    Problems (skipped inputs, failed documents) are passed to ``on_problem``
    once the job is done, in input order, and listed in the result.
    """
    _require_dask()
    import dask.bag as db

    chunks = plan(paths, glob=glob, input_format=input_format, partition_size=partition_size)
    result = Result(partitions=len(chunks))
    if chunks:
        location = None
        if parts:
            Path(parts).mkdir(parents=True, exist_ok=True)
            location = str(Path(parts).resolve())
        bag = db.from_sequence(list(enumerate(chunks)), npartitions=len(chunks))
        job = bag.map_partitions(_run_partition, model, aliases, location, output is not None)
        with _scheduler(scheduler, workers) as options:
            summaries = job.compute(**options)
        for summary in summaries:
            result.documents += summary["documents"]
            result.problems.extend(summary["problems"])
            if summary["part"]:
                result.parts.append(summary["part"])
            if output is not None:
                for record in summary["records"]:
                    output.write(json.dumps(record, ensure_ascii=False) + "\n")
        result.entities = merge_mentions((s["mentions"] for s in summaries), labels=labels, min_count=min_count)
    if on_problem is not None:
        for where, why in result.problems:
            on_problem(where, why)
    return result


def _run_partition(
    items: Iterable[tuple[int, Chunk]], model: Optional[str], aliases: Optional[str], location: Optional[str], gather: bool
) -> list[dict]:
    summaries = []
    for number, chunk in items:
        records, problems = _analyze_chunk(chunk, model, aliases)
        part = _write_part(records, location, number) if location else None
        summaries.append({
            "documents": len(records),
            "problems": problems,
            "part": part,
            "records": records if gather else [],
            "mentions": _mentions(records),
        })
    return summaries


def _compute_options(scheduler: Optional[str] = "processes", workers: Optional[int] = None) -> dict:
    if scheduler is None:
        return {}
    if scheduler not in SCHEDULERS:
        raise InputError(f"unknown scheduler {scheduler!r}: choose {', '.join(SCHEDULERS)} or a tcp:// address")
    options: dict[str, Any] = {"scheduler": scheduler}
    if workers and scheduler != "sync":
        options["num_workers"] = workers
    if scheduler == "processes":
        options["chunksize"] = 1  # partitions are heavy: hand them out one at a time
    return options


@contextmanager
def _scheduler(scheduler: Optional[str], workers: Optional[int]) -> Iterator[dict]:
    if scheduler and "://" in scheduler:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise InputError("a scheduler address needs dask.distributed: pip install distributed") from exc
        with Client(scheduler) as client:
            yield {"scheduler": client}
        return
    # the "processes" scheduler starts its workers during compute, inside this block;
    # distributed's own workers are single-threaded by its default config already
    from korea_ner.process import single_threaded_children

    with single_threaded_children():
        yield _compute_options(scheduler, workers)


def _require_dask() -> None:
    try:
        import dask.bag  # noqa: F401
    except ImportError as exc:
        from korea_ner.errors import KnerError

        raise KnerError('the dask engine needs Dask: pip install "kner[dask]"') from exc


__all__ = [
    "Chunk",
    "PARTITION_SIZE",
    "Result",
    "analyze_bag",
    "entities",
    "merge_mentions",
    "plan",
    "read_chunk",
    "read_documents",
    "run",
    "write_parts",
]
