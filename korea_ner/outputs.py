"""Writing results as a rich table, JSON, JSON Lines or CSV.

JSON and JSONL are the records exactly as the library yields them (the schema
in schema.py); CSV and the table flatten them through a ``View``. Writing
streams: JSONL flushes after each record and JSON is written as it comes.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable, Iterator, Optional

FORMATS = ("table", "json", "jsonl", "csv")
SUFFIX_FORMATS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".txt": "table"}
QUOTE_PREVIEW = 90

Row = list[Any]


@dataclass(frozen=True)
class View:
    """How one kind of record becomes flat rows (for CSV and the table)."""

    title: str
    columns: tuple[str, ...]
    rows: Callable[[dict], Iterable[Row]]
    wide: tuple[str, ...] = ()  # columns that get most of a narrow terminal's width


def choose_format(requested: Optional[str], output: Optional[str], is_terminal: bool) -> str:
    """Explicit ``--format`` wins; then the output file's suffix; then table on a terminal, JSON otherwise."""
    if requested:
        fmt = requested.lower()
        if fmt not in FORMATS:
            from korea_ner.errors import KnerError

            raise KnerError(f"unknown format {requested!r}: choose one of {', '.join(FORMATS)}")
        return fmt
    if output:
        for suffix, fmt in SUFFIX_FORMATS.items():
            if output.lower().endswith(suffix):
                return fmt
        return "json"
    return "table" if is_terminal else "json"


def write(records: Iterable[dict], fmt: str, stream: IO[str], view: View, console_width: Optional[int] = None) -> int:
    """Write ``records`` to ``stream`` in ``fmt``; returns the number of records written."""
    writer = {"json": _write_json, "jsonl": _write_jsonl, "csv": _write_csv, "table": _write_table}[fmt]
    return writer(records, stream, view, console_width)


def _dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)


def _write_jsonl(records: Iterable[dict], stream: IO[str], view: View, width: Optional[int]) -> int:
    count = 0
    for record in records:
        stream.write(_dumps(record) + "\n")
        stream.flush()
        count += 1
    return count


def _write_json(records: Iterable[dict], stream: IO[str], view: View, width: Optional[int]) -> int:
    count = 0
    # "[" only with the first record: a run that fails before it (a model that does not
    # load) leaves no half-written JSON behind
    for record in records:
        stream.write(("[\n" if count == 0 else ",\n") + _dumps(record))
        count += 1
    stream.write("\n]\n" if count else "[]\n")
    stream.flush()
    return count


def _write_csv(records: Iterable[dict], stream: IO[str], view: View, width: Optional[int]) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    count = 0
    for record in records:
        if count == 0:  # the header with the first record, as "[" of JSON
            writer.writerow(view.columns)
        for row in view.rows(record):
            writer.writerow(["" if value is None else value for value in row])
        count += 1
    if count == 0:
        writer.writerow(view.columns)
    stream.flush()
    return count


def _write_table(records: Iterable[dict], stream: IO[str], view: View, width: Optional[int]) -> int:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, width=width, soft_wrap=False)
    table = Table(title=view.title, header_style="bold", expand=bool(view.wide))
    for column in view.columns:
        if column in view.wide:
            table.add_column(column, overflow="fold", ratio=1)
        else:
            table.add_column(column, overflow="fold", max_width=max(10, console.width // 5))
    count = 0
    for record in records:
        for row in view.rows(record):
            table.add_row(*("" if value is None else str(value) for value in row))
        count += 1
    console.print(table)
    return count


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_PREVIEW else text[: QUOTE_PREVIEW - 1] + "…"


def _speaker_name(speaker: Optional[dict]) -> Optional[str]:
    if not speaker:
        return None
    return speaker["name"] or speaker["mention"]


def _entity_rows(entry: dict) -> Iterator[Row]:
    prefix = [entry["doc"]] if "doc" in entry else []
    yield [*prefix, entry["name"], entry["label"], entry["count"], entry["docs"], "; ".join(entry["variants"])]


def _quote_rows(quote: dict) -> Iterator[Row]:
    # CSV: the whole quote (only the terminal table shortens it)
    speaker = quote.get("speaker")
    yield [
        _speaker_name(speaker),
        speaker["mention"] if speaker else None,
        _speaker_name(quote.get("addressee")),
        quote["cue"],
        quote["kind"],
        quote["text"],
        quote["doc"],
        quote.get("date"),
        quote["start"],
        quote["end"],
    ]


def _quote_table_rows(quote: dict) -> Iterator[Row]:
    speaker = quote.get("speaker")
    who = _speaker_name(speaker)
    if speaker and speaker["name"] and speaker["mention"] != speaker["name"]:
        who = f"{who} ({speaker['mention']})"
    yield [who, _preview(quote["text"]), quote["cue"], quote["doc"].rsplit("/", 1)[-1]]


def _document_rows(record: dict) -> Iterator[Row]:
    for entity in record["entities"]:
        yield [record["doc"], record["date"], "entity", entity["label"], entity["text"], entity["canonical"], None, entity["start"], entity["end"]]
    for quote in record["quotes"]:
        yield [record["doc"], record["date"], "quote", quote["kind"], quote["text"], _speaker_name(quote["speaker"]), quote["cue"], quote["start"], quote["end"]]


def _document_summary_rows(record: dict) -> Iterator[Row]:
    people: dict[str, int] = {}
    for entity in record["entities"]:
        if entity["label"] == "PER":
            people[entity["canonical"]] = people.get(entity["canonical"], 0) + 1
    top = sorted(people, key=lambda name: (-people[name], name))[:5]
    yield [record["doc"], record["date"], len(record["entities"]), len(record["quotes"]), ", ".join(top)]


ENTITY_VIEW = View("Entities", ("name", "label", "count", "docs", "variants"), _entity_rows, wide=("variants",))
ENTITY_PER_DOC_VIEW = View(
    "Entities per document", ("doc", "name", "label", "count", "docs", "variants"), _entity_rows, wide=("variants",)
)
QUOTE_VIEW = View("Quotes", ("speaker", "mention", "addressee", "cue", "kind", "quote", "doc", "date", "start", "end"),
                  _quote_rows, wide=("quote",))
QUOTE_TABLE_VIEW = View("Quotes", ("speaker", "quote", "cue", "doc"), _quote_table_rows, wide=("quote",))
DOCUMENT_VIEW = View(
    "Documents",
    ("doc", "date", "type", "label_or_kind", "text", "canonical_or_speaker", "cue", "start", "end"),
    _document_rows,
    wide=("text",),
)
DOCUMENT_TABLE_VIEW = View("Documents", ("doc", "date", "entities", "quotes", "top persons"), _document_summary_rows, wide=("top persons",))
