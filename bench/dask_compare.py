"""Same job single-process and on Dask: checks the outputs are identical, prints throughput.

    python bench/dask_compare.py [CORPUS ...] [--model PATH] [--workers 2] [--partition-size 32]
                                 [--cluster] [--repeat N]

CORPUS: JSONL files or directories (default ../shared/data/quotes/train.jsonl);
--repeat N analyzes the corpus N times over (the files named N times), for a
longer run. The job is what ``kner dask`` does: records of every document in
input order plus the corpus-wide merged entities.

Measured, wall clock, each including its own model loading:
- single: ``korea_ner.process.analyze`` + ``entities`` in this process;
- dask processes: ``korea_ner.dask.run`` on the local processes scheduler with
  --workers processes (each spawns, imports spaCy and loads the model);
- with --cluster, also a ``distributed.LocalCluster`` of --workers processes:
  a first (cold) run, then a second (warm) run that finds the pipeline already
  cached in each worker -- what a long-lived cluster pays per job.
Exits 1 if any output differs from the single-process one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "quotes" / "train.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", default=[str(DEFAULT_CORPUS)])
    parser.add_argument("--model", default=None, help="pipeline name or path [default: as kner chooses, i.e. bundled]")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cluster", action="store_true", help="also run on a distributed.LocalCluster (cold and warm)")
    args = parser.parse_args()
    os.environ.setdefault("KNER_NO_PROGRESS", "1")

    from korea_ner import dask as kdask
    from korea_ner.inputs import iter_documents
    from korea_ner.model import choose_model
    from korea_ner.process import aggregate_entities as entities, analyze

    paths = list(args.corpus) * args.repeat
    docs = list(iter_documents(paths))
    words = sum(len(d.text.split()) for d in docs)
    print(f"corpus: {len(docs)} documents, {words} words ({', '.join(args.corpus)} x{args.repeat})")
    print(f"model: {choose_model(args.model).target}; workers: {args.workers}; partition size: {args.partition_size}; "
          f"cpus: {os.cpu_count()}")

    start = time.perf_counter()
    expected = list(analyze(iter_documents(paths), model=args.model))
    expected_entities = entities(expected)
    single = time.perf_counter() - start
    rows = [("single process", single)]
    same = True

    def dask_run(label: str, **options) -> None:
        nonlocal same
        out = io.StringIO()
        start = time.perf_counter()
        result = kdask.run(paths, output=out, model=args.model, partition_size=args.partition_size, **options)
        elapsed = time.perf_counter() - start
        records = [json.loads(line) for line in out.getvalue().splitlines()]
        identical = records == expected and result.entities == expected_entities
        if not identical:
            differing = [a["doc"] for a, b in zip(expected, records) if a != b]
            print(f"{label}: {len(records)} records, {len(differing)} differ (first: {differing[:3]}); "
                  f"entities {'same' if result.entities == expected_entities else 'differ'}", file=sys.stderr)
        same = same and identical
        rows.append((f"{label} ({result.partitions} partitions){'' if identical else '  OUTPUT DIFFERS'}", elapsed))

    dask_run(f"dask processes x{args.workers}", scheduler="processes", workers=args.workers)
    if args.cluster:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with Client(cluster):
                dask_run(f"dask LocalCluster x{args.workers}, cold", scheduler=None)
                dask_run(f"dask LocalCluster x{args.workers}, warm", scheduler=None)

    print(f"\n{'engine':<52} {'seconds':>8} {'docs/s':>8} {'words/s':>9} {'vs single':>9}")
    for label, seconds in rows:
        print(f"{label:<52} {seconds:8.2f} {len(docs) / seconds:8.1f} {words / seconds:9.0f} {single / seconds:8.2f}x")
    print(f"\noutputs identical to single process (records in order, merged entities): {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
