"""Throughput, memory and start-up benchmark for kner (prints figures; no pass/fail).

    python bench/bench.py [--source ../shared/data/quotes/train.jsonl] [--min-words 300000] [--rounds 3] [--quick]

Builds a corpus by repeating the source articles to at least --min-words words,
then measures in one run (--rounds times, each round back to back; medians reported):
- words/s of spaCy's bare German tokenizer (spacy.blank("de")) on that corpus;
- words/s of `kner analyze --format jsonl` with --jobs 1 and --jobs 2, and the
  ratios (kner/tokenizer, jobs2/jobs1), both for the whole run and after start-up
  (the start-up, importing spaCy and loading the model in each process, is timed
  on a one-sentence input and subtracted: the tokenizer figure has no start-up
  either);
- peak RSS and PSS of the whole process tree (sampled from /proc) for the 1x
  corpus and a 4x corpus, with --jobs 1 and 2, to show memory does not grow with
  corpus size (RSS counts what forked workers share with their parent once per
  process, PSS once in all);
- the ceiling of --jobs 2 on this machine and corpus: the work alone (no start-up,
  no hand-over between processes) done by one process, and by two independent
  processes at once, each on every other job batch (first sight of the corpus's
  words is paid in both, and two busy cores slow each other);
- the wall time of `kner --help`.
Words are whitespace-separated tokens, counted the same way for every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "quotes" / "train.jsonl"
KNER = [sys.executable, "-m", "korea_ner"]


def build_corpus(source: Path, min_words: int, copies: int, target: Path) -> int:
    """Write source texts repeated until min_words * copies; returns the word count."""
    texts = [json.loads(line)["text"] for line in source.open(encoding="utf-8") if line.strip()]
    words = 0
    with target.open("w", encoding="utf-8") as out:
        n = 0
        while words < min_words * copies:
            text = texts[n % len(texts)]
            out.write(json.dumps({"id": f"doc{n}", "text": text}, ensure_ascii=False) + "\n")
            words += len(text.split())
            n += 1
    return words


def tokenizer_speed(corpus: Path) -> float:
    import spacy

    nlp = spacy.blank("de")
    texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8")]
    words = sum(len(t.split()) for t in texts)
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=256):
        pass
    return words / (time.perf_counter() - started)


def _tree_memory_kb(root_pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process and all its descendants, in kB.

    RSS counts the pages that forked workers share with their parent once per
    process; PSS divides them among the processes sharing them, so its sum is what
    the run takes from the machine. Walks the tree through
    /proc/<pid>/task/<tid>/children rather than all of /proc: the sampler shares the
    two cores with the run it measures."""
    rss = pss = 0
    stack = [root_pid]
    while stack:
        pid = stack.pop()
        try:
            rss += _proc_field_kb(f"/proc/{pid}/status", "VmRSS:")
            pss += _proc_field_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    stack.extend(int(child) for child in fh.read().split())
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return rss, pss


def _proc_field_kb(path: str, field: str) -> int:
    with open(path) as fh:
        return next((int(line.split()[1]) for line in fh if line.startswith(field)), 0)


def run_kner(args: list[str]) -> tuple[float, float, float]:
    """Run kner, return (wall seconds, peak tree RSS in MB, peak tree PSS in MB)."""
    peak_rss = peak_pss = 0
    started = time.perf_counter()
    proc = subprocess.Popen(KNER + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "KNER_NO_PROGRESS": "1"})
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not done.is_set():
            rss, pss = _tree_memory_kb(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"kner failed ({proc.returncode}): {err.decode()[-2000:]}")
    return elapsed, peak_rss / 1024, peak_pss / 1024


def work_alone(corpus: Path, part: str) -> float:
    """Seconds of pipeline work on the corpus's job batches (all, or every other from
    0 or 1) in this process, after loading: what --jobs N would do with no start-up
    and no hand-over."""
    from korea_ner.model import load_pipeline
    from korea_ner.process import JOB_BATCH_CHARS, JOB_BATCH_DOCS, _batched, _run_batch, as_document
    from korea_ner.spacy_import import defer_spacy_cli

    defer_spacy_cli()
    nlp = load_pipeline()
    documents = [as_document(json.loads(line), i) for i, line in enumerate(corpus.open(encoding="utf-8"))]
    batches = list(_batched(documents, lambda document: len(document.text), JOB_BATCH_CHARS, JOB_BATCH_DOCS))
    mine = batches if part == "all" else batches[int(part)::2]
    started = time.perf_counter()
    for batch in mine:
        _run_batch(nlp, batch)
    return time.perf_counter() - started


def jobs2_ceiling(corpus: Path, model: str | None) -> tuple[float, float, float]:
    """(one process's work, the slower of two processes working at once, their ratio)."""
    from korea_ner.process import ONE_THREAD_ENV  # as kner's own processes run

    env = {**os.environ, **ONE_THREAD_ENV}
    if model:
        env["KNER_MODEL"] = model

    def start(part: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, __file__, "--work-alone", part, str(corpus)], stdout=subprocess.PIPE, env=env, text=True)

    def seconds(proc: subprocess.Popen) -> float:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"work-alone run failed ({proc.returncode})")
        return float(out.split()[-1])

    one = seconds(start("all"))
    halves = [start("0"), start("1")]
    two = max(seconds(proc) for proc in halves)
    return one, two, one / two


def help_time(repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(KNER + ["--help"], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="JSONL with a text field per line")
    parser.add_argument("--min-words", type=int, default=300_000)
    parser.add_argument("--quick", action="store_true", help="skip the 4x memory run")
    parser.add_argument("--rounds", type=int, default=3, help="measurement rounds; medians are reported")
    parser.add_argument("--model", default=None, help="pipeline to benchmark (default: kner's choice)")
    parser.add_argument("--work-alone", nargs=2, metavar=("PART", "CORPUS"), help=argparse.SUPPRESS)
    parser.add_argument("--no-ceiling", action="store_true", help="skip the --jobs 2 ceiling measurement")
    args = parser.parse_args()
    if args.work_alone:  # a child of jobs2_ceiling
        print(f"{work_alone(Path(args.work_alone[1]), args.work_alone[0]):.4f}")
        return
    if not args.source.exists():
        raise SystemExit(f"source corpus not found: {args.source}")
    model = ["--model", args.model] if args.model else []

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus_1x.jsonl"
        words = build_corpus(args.source, args.min_words, 1, corpus)
        print(f"corpus: {words} words, {corpus.stat().st_size / 1e6:.1f} MB (from {args.source})", flush=True)

        tiny = Path(tmp) / "one_sentence.jsonl"
        tiny.write_text(json.dumps({"id": "s", "text": "„Wir kommen“, sagte Anna Berg in Köln."}, ensure_ascii=False) + "\n", encoding="utf-8")
        # This machine's speed drifts by 10-30% within minutes: every round measures
        # the tokenizer and both job counts back to back, and medians are reported.
        rounds: list[dict] = []
        for r in range(args.rounds):
            tok = tokenizer_speed(corpus)
            row = {"tok": tok}
            for jobs in (1, 2):
                startup = run_kner(["analyze", str(tiny), "--format", "jsonl", "--jobs", str(jobs), *model])[0]
                seconds, rss, pss = run_kner(["analyze", str(corpus), "--format", "jsonl", "--jobs", str(jobs), *model])
                row[jobs] = {"seconds": seconds, "startup": startup, "rss": rss, "pss": pss}
            rounds.append(row)
            print(f"round {r + 1}: tokenizer {tok:,.0f} words/s; "
                  + "; ".join(f"--jobs {j} {row[j]['seconds']:.1f} s (start-up {row[j]['startup']:.1f} s), "
                              f"peak RSS {row[j]['rss']:.0f} MB (PSS {row[j]['pss']:.0f})" for j in (1, 2)),
                  flush=True)

        def median(values) -> float:
            return statistics.median(list(values))

        tok = median(row["tok"] for row in rounds)
        print(f"bare tokenizer spacy.blank('de'): {tok:,.0f} words/s (median of {len(rounds)})")
        results = {}
        for jobs in (1, 2):
            whole = median(words / row[jobs]["seconds"] for row in rounds)
            after = median(words / (row[jobs]["seconds"] - row[jobs]["startup"]) for row in rounds)
            rss = max(row[jobs]["rss"] for row in rounds)
            pss = max(row[jobs]["pss"] for row in rounds)
            results[jobs] = (whole, after, rss, pss)
            print(f"kner analyze --jobs {jobs}: {whole:,.0f} words/s whole run, {after:,.0f} words/s after start-up "
                  f"(start-up {median(row[jobs]['startup'] for row in rounds):.1f} s), peak RSS {rss:.0f} MB (PSS {pss:.0f})")
        ratio_1 = [(words / row[1]["seconds"] / row["tok"], words / (row[1]["seconds"] - row[1]["startup"]) / row["tok"]) for row in rounds]
        ratio_2 = [(row[1]["seconds"] / row[2]["seconds"],
                    (row[1]["seconds"] - row[1]["startup"]) / (row[2]["seconds"] - row[2]["startup"])) for row in rounds]
        print(f"ratio kner --jobs 1 / tokenizer: {median(r[0] for r in ratio_1):.1%} whole run, "
              f"{median(r[1] for r in ratio_1):.1%} after start-up (median of rounds)")
        print(f"ratio --jobs 2 / --jobs 1: {median(r[0] for r in ratio_2):.2f}x whole run, "
              f"{median(r[1] for r in ratio_2):.2f}x after start-up (median of rounds)", flush=True)

        if not args.no_ceiling:
            ceilings = [jobs2_ceiling(corpus, args.model) for _ in range(args.rounds)]
            one, two, ceiling = sorted(ceilings, key=lambda c: c[2])[len(ceilings) // 2]
            startup = median(row[1]["startup"] for row in rounds)
            print(f"--jobs 2 ceiling, work alone (no start-up, no hand-over): one process {one:.2f} s, "
                  f"two at once on alternate batches {two:.2f} s: {ceiling:.2f}x; with the measured start-up "
                  f"({startup:.1f} s) added to both: {(one + startup) / (two + startup):.2f}x (median of {len(ceilings)})", flush=True)

        if not args.quick:
            big = Path(tmp) / "corpus_4x.jsonl"
            big_words = build_corpus(args.source, args.min_words, 4, big)
            for jobs in (1, 2):
                seconds, rss, pss = run_kner(["analyze", str(big), "--format", "jsonl", "--jobs", str(jobs), *model])
                print(f"kner analyze --jobs {jobs} on 4x corpus ({big_words} words): {big_words / seconds:,.0f} words/s, "
                      f"peak RSS {rss:.0f} MB (1x: {results[jobs][2]:.0f} MB), PSS {pss:.0f} MB (1x: {results[jobs][3]:.0f} MB)",
                      flush=True)

    print(f"kner --help: {help_time() * 1000:.0f} ms (median of 7)")


if __name__ == "__main__":
    main()
