"""The ``kner`` command: parses options and calls the library, nothing more.

spaCy and the model are imported inside the commands that need them, so
``kner --help`` and ``kner --version`` start fast.
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from typing import IO, Annotated, Iterable, Iterator, List, Optional

import typer


from korea_ner import __version__
from korea_ner.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SKIPPED,
    EXIT_USAGE,
    KnerError,
)

app = typer.Typer(
    name="kner",
    help="Persons, places, organisations and who-said-what in German news articles.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
evaluate_app = typer.Typer(help="Score kner against annotated data.", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")

Paths = Annotated[List[str], typer.Argument(help="Files, directories (recursive) or - for stdin.", show_default=False)]
Format = Annotated[
    Optional[str],
    typer.Option("--format", "-f", help="table, json, jsonl or csv [default: table on a terminal, else json]", show_default=False),
]
Output = Annotated[Optional[str], typer.Option("--output", "-o", help="Write to this file instead of stdout.")]
Model = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help="spaCy pipeline name or path [default: $KNER_MODEL, else de_core_news_md if installed, else the bundled model]"),
]
Aliases = Annotated[Optional[str], typer.Option("--aliases", help="TOML or JSON file declaring canonical names and variants.")]
Glob = Annotated[str, typer.Option("--glob", help="Pattern for files inside directories.")]
InputFormat = Annotated[str, typer.Option("--input-format", help="auto, text or jsonl (auto: .jsonl files are JSONL).")]
Jobs = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processes to run on: this one and N-1 workers (output order is kept).")]


class Problems:
    """Counts skipped inputs; each is warned about on stderr as it happens."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, where: str, why: str) -> None:
        self.count += 1
        print(f"kner: warning: {where}: {why}", file=sys.stderr, flush=True)

    @property
    def exit_code(self) -> int:
        return EXIT_SKIPPED if self.count else EXIT_OK


def _version(value: bool) -> None:
    if value:
        print(f"kner {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Persons, places, organisations and who-said-what in German news articles."""


def _records(paths, model, aliases, glob, input_format, jobs, problems: Problems) -> Iterator[dict]:
    from korea_ner.inputs import check_inputs, iter_documents
    from korea_ner.process import analyze

    check_inputs(paths, glob, input_format)  # fail before loading the model
    if aliases:
        _check_aliases(aliases)
    documents = iter_documents(paths, glob=glob, input_format=input_format, on_skip=problems)
    records = analyze(documents, model=model, aliases=aliases, jobs=jobs, on_error=problems)
    return _with_progress(records)


def _check_aliases(path: str) -> None:
    from korea_ner.names import load_aliases

    if not os.path.isfile(path):
        raise KnerError(f"alias file not found: {path}")
    try:
        load_aliases(path)
    except ValueError as exc:  # the message names the file and line
        raise KnerError(str(exc)) from exc


def _with_progress(records: Iterator[dict]) -> Iterator[dict]:
    if not sys.stderr.isatty() or os.environ.get("KNER_NO_PROGRESS"):
        return records
    return _progress(records)


def _progress(records: Iterator[dict]) -> Iterator[dict]:
    from itertools import chain

    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    # The line appears with the first document: by then --jobs N has forked its
    # workers, which a thread running (rich's refresh) would have made unsafe
    # (process.forking_is_safe).
    records = iter(records)
    first = next(records, None)
    if first is None:
        return
    columns = (SpinnerColumn(), TextColumn("{task.completed} documents"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("analyze", total=None)
        for record in chain([first], records):
            yield record
            progress.advance(task)


@contextmanager
def _destination(output: Optional[str]) -> Iterator[IO[str]]:
    if not output or output == "-":
        yield sys.stdout
        return
    try:
        stream = open(output, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise KnerError(f"cannot write {output}: {exc.strerror or exc}") from exc
    with stream:
        yield stream


def _format(requested: Optional[str], output: Optional[str]) -> str:
    from korea_ner.outputs import choose_format

    return choose_format(requested, output, is_terminal=sys.stdout.isatty() and not output)


def _emit(rows: Iterable[dict], fmt: str, output: Optional[str], view, table_view=None) -> None:
    from korea_ner.outputs import write

    with _destination(output) as stream:
        try:
            write(rows, fmt, stream, table_view if (fmt == "table" and table_view) else view)
        except BrokenPipeError:
            # The reader went away (`| head -1`): stop quietly, as shell tools do.
            _silence_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None


def _list(rows_of, view, table_view, paths, format, output, model, aliases, glob, input_format, jobs) -> None:
    """What every listing command does: analyze, turn records into rows, write them."""
    fmt = _format(format, output)  # a bad --format fails before the model loads
    problems = Problems()
    records = _records(paths, model, aliases, glob, input_format, jobs, problems)
    _emit(rows_of(records), fmt, output, view, table_view)
    raise typer.Exit(problems.exit_code)


def _labels(label: Optional[str]) -> Optional[list[str]]:
    if not label:
        return None
    return [part.strip().upper() for part in label.split(",") if part.strip()]


@app.command()
def entities(
    paths: Paths,
    label: Annotated[Optional[str], typer.Option("--label", "-l", help="Only these labels, e.g. PER,LOC.")] = None,
    min_count: Annotated[int, typer.Option("--min-count", min=1, help="Only entities mentioned at least N times.")] = 1,
    per_doc: Annotated[bool, typer.Option("--per-doc", help="One entry per document and entity.")] = False,
    format: Format = None,
    output: Output = None,
    model: Model = None,
    aliases: Aliases = None,
    glob: Glob = "*.txt",
    input_format: InputFormat = "auto",
    jobs: Jobs = 1,
) -> None:
    """Persons, places and organisations over all inputs, name variants merged."""
    from korea_ner.outputs import ENTITY_PER_DOC_VIEW, ENTITY_VIEW
    from korea_ner.process import aggregate_entities

    wanted = _labels(label)

    def rows(records):
        seen: set[str] = set()

        def noting_labels(records):
            for record in records:
                seen.update(entity["label"] for entity in record["entities"])
                yield record

        result = aggregate_entities(noting_labels(records), labels=wanted, min_count=min_count, per_doc=per_doc)
        unknown = [name for name in wanted or () if name not in seen]
        if unknown:  # a typo ("PERSON") or simply absent: say so rather than print a silent empty list
            print(f"kner: warning: no entity in the input is labelled {', '.join(unknown)}; labels found: "
                  f"{', '.join(sorted(seen)) or 'none'}", file=sys.stderr, flush=True)
        return result

    _list(
        rows,
        ENTITY_PER_DOC_VIEW if per_doc else ENTITY_VIEW,
        None,
        paths, format, output, model, aliases, glob, input_format, jobs,
    )


@app.command()
def quotes(
    paths: Paths,
    speaker: Annotated[Optional[str], typer.Option("--speaker", "-s", help="Only quotes by this person (any spelling).")] = None,
    format: Format = None,
    output: Output = None,
    model: Model = None,
    aliases: Aliases = None,
    glob: Glob = "*.txt",
    input_format: InputFormat = "auto",
    jobs: Jobs = 1,
) -> None:
    """Direct quotes with speaker, cue verb and document."""
    from korea_ner.outputs import QUOTE_TABLE_VIEW, QUOTE_VIEW
    from korea_ner.process import select_quotes

    _list(
        lambda records: select_quotes(records, speaker=speaker),
        QUOTE_VIEW,
        QUOTE_TABLE_VIEW,
        paths, format, output, model, aliases, glob, input_format, jobs,
    )


@app.command()
def analyze(
    paths: Paths,
    format: Format = None,
    output: Output = None,
    model: Model = None,
    aliases: Aliases = None,
    glob: Glob = "*.txt",
    input_format: InputFormat = "auto",
    jobs: Jobs = 1,
) -> None:
    """Everything per document: entities with canonical names, quotes with speakers."""
    from korea_ner.outputs import DOCUMENT_TABLE_VIEW, DOCUMENT_VIEW

    _list(lambda records: records, DOCUMENT_VIEW, DOCUMENT_TABLE_VIEW, paths, format, output, model, aliases, glob, input_format, jobs)


@app.command("dask")
def dask_run(
    paths: Paths,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="JSONL records, in input order [default: stdout unless --parts].")] = None,
    parts: Annotated[Optional[str], typer.Option("--parts", help="Directory for one JSONL file per partition, written by the workers.")] = None,
    entities_to: Annotated[Optional[str], typer.Option("--entities", help="Also write the corpus-wide entities (JSON) here.")] = None,
    scheduler: Annotated[str, typer.Option("--scheduler", help="processes, threads, sync, or a dask.distributed address tcp://host:8786.")] = "processes",
    partition_size: Annotated[int, typer.Option("--partition-size", min=1, help="Documents per partition.")] = 64,
    model: Model = None,
    aliases: Aliases = None,
    glob: Glob = "*.txt",
    input_format: InputFormat = "auto",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Local worker processes (ignored for a cluster).")] = 2,
) -> None:
    """Analyze on Dask (local processes or a cluster): the records of `analyze -f jsonl`, entities merged."""
    from contextlib import nullcontext

    from korea_ner.dask import run
    from korea_ner.outputs import ENTITY_VIEW

    problems = Problems()
    with (_destination(output) if output or not parts else nullcontext()) as stream:
        result = run(paths, output=stream, parts=parts, model=model, aliases=aliases, glob=glob, input_format=input_format,
                     partition_size=partition_size, scheduler=scheduler, workers=jobs, on_problem=problems)
    if entities_to:
        _emit(result.entities, "json", entities_to, ENTITY_VIEW)
    raise typer.Exit(problems.exit_code)


@app.command()
def report(
    paths: Paths,
    output: Annotated[str, typer.Option("--output", "-o", help="The HTML file to write (- for stdout).")],
    title: Annotated[str, typer.Option("--title", help="Title of the page.")] = "kner-Bericht",
    model: Model = None,
    aliases: Aliases = None,
    glob: Glob = "*.txt",
    input_format: InputFormat = "auto",
    jobs: Jobs = 1,
) -> None:
    """One self-contained HTML page: overview, highlighted articles, every person's quotes."""
    from korea_ner.report import analyze_pairs, write_report

    problems = Problems()
    pairs = analyze_pairs(paths, model=model, aliases=aliases, glob=glob, input_format=input_format, jobs=jobs, on_skip=problems, on_error=problems)
    write_report(_with_progress(pairs), sys.stdout if output == "-" else output, title=title)
    raise typer.Exit(problems.exit_code)


@app.command()
def info(
    model: Model = None,
    format: Format = None,
) -> None:
    """Version, the spaCy pipeline in use and where it came from, components and labels."""
    import json

    from korea_ner.model import describe, load_pipeline

    fmt = _report_format(format)
    details = {"kner": __version__, **describe(load_pipeline(model))}
    if fmt == "json":
        print(json.dumps(details, ensure_ascii=False, indent=2))
        return
    for key, value in details.items():
        print(f"{key + ':':<14} {', '.join(map(str, value)) if isinstance(value, list) else value}")


@evaluate_app.command("ner")
def evaluate_ner(
    gold: Annotated[str, typer.Argument(help="CoNLL/GermEval-style file: token and BIO/BIOES tag columns.")],
    model: Model = None,
    format: Format = None,
) -> None:
    """Precision, recall and F1 per label (exact span and label) on annotated text."""
    from korea_ner.evaluate.ner import evaluate_ner as run, format_scores
    from korea_ner.model import load_pipeline

    fmt = _report_format(format)
    scores = run(load_pipeline(model), gold)
    _print_scores(scores, format_scores, fmt)


@evaluate_app.command("quotes")
def evaluate_quotes(
    gold: Annotated[str, typer.Argument(help="JSONL with text and gold quote annotations.")],
    model: Model = None,
    format: Format = None,
) -> None:
    """Quote precision, recall, F1 and speaker accuracy on annotated articles."""
    from korea_ner.evaluate.quotes import evaluate_quotes as run, format_report as format_scores
    from korea_ner.model import load_pipeline

    fmt = _report_format(format)
    scores = run(load_pipeline(model), gold)
    _print_scores(scores, format_scores, fmt)


def _report_format(requested: Optional[str]) -> str:
    """``evaluate`` and ``info`` print one report: a text table or JSON."""
    fmt = _format(requested, None)
    if fmt not in {"table", "json"}:
        raise KnerError(f"--format {fmt} is not available here: choose table or json")
    return fmt


def _print_scores(scores: dict, formatter, fmt: str) -> None:
    import json

    if fmt == "json":
        print(json.dumps(scores, ensure_ascii=False, indent=2))
    else:
        print(formatter(scores))


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point: maps every failure to one line on stderr and an exit code."""
    # One BLAS thread per process, as for the workers: --jobs N then means N cores,
    # and a second thread barely speeds up the small matrices of one process (bench/bench.py).
    from korea_ner.process import ONE_THREAD_ENV
    from korea_ner.spacy_import import defer_spacy_cli

    for name, value in ONE_THREAD_ENV.items():
        os.environ.setdefault(name, value)
    defer_spacy_cli()  # spaCy's own command line is never used here: not imported
    try:
        code = app(args=argv, prog_name="kner", standalone_mode=False)
    except typer.Abort:
        code = EXIT_INTERRUPTED
    except typer.TyperException as exc:  # usage errors: bad options, missing arguments
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `kner`: the help is the answer
            exc.show()
        else:
            print(usage_error_line(exc), file=sys.stderr)
        code = getattr(exc, "exit_code", EXIT_USAGE)
    except KnerError as exc:
        print(f"kner: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except BrokenPipeError:
        _silence_stdout()
        code = EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except OSError as exc:  # a full disk, an unreachable scheduler: the system's words, one line
        print(f"kner: error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), file=sys.stderr)
        code = EXIT_USAGE
    if argv is None:  # the program itself (not a caller that catches SystemExit)
        # Everything alive now lives until the exit: leave it out of the interpreter's
        # last garbage collection, which takes 0.2-0.3 s over a loaded pipeline.
        gc.freeze()
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def usage_error_line(exc: Exception) -> str:
    """A usage error as one line, like every other error ("kner: error: ..."), with where to look."""
    format_message = getattr(exc, "format_message", None)
    message = " ".join((format_message() if format_message else str(exc)).split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} -h')" if ctx is not None and getattr(ctx, "command_path", "") else ""
    return f"kner: error: {message[:1].lower()}{message[1:]}{hint}"


def _silence_stdout() -> None:
    # Python would print a second BrokenPipeError while flushing stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


__all__ = ["app", "main", "EXIT_USAGE"]
