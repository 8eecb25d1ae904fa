"""Reading articles: files, directories, stdin and JSONL, in any common encoding.

Everything here is lazy: documents are yielded one at a time, so memory does not
grow with the corpus. Problems with single inputs (a binary file, a malformed
JSONL line) are reported through ``on_skip`` and reading goes on; problems that
make the whole request meaningless (a path that does not exist) raise
``InputError`` before any work starts.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Optional

from korea_ner.errors import InputError

STDIN = "-"
DEFAULT_GLOB = "*.txt"
INPUT_FORMATS = ("auto", "text", "jsonl")
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
# " date 2018-05 " at the very start of a file, as in the seed articles.
DATE_MARKER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\b[ \t]*")
# A JSONL "date" may also be a year or year-month, as in the date markers.
YEAR_OR_MONTH = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2]))?")
# Malformed lines named one by one per file; a text file read as JSONL would
# otherwise give one warning per line.
MAX_LINE_WARNINGS = 10
BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x7fELF")
# Tried in this order when a file is not UTF-8: German text from Windows tools
# is cp1252 (which has „“ and €), anything else is read as Latin-1.
FALLBACK_ENCODINGS = ("utf_16", "cp1252", "latin_1")

SkipHandler = Callable[[str, str], None]  # (where, why)


@dataclass
class Document:
    """One article. ``text`` is the decoded text that all offsets refer to."""

    id: str
    text: str
    date: Optional[str] = None


def check_inputs(paths: Iterable[str], glob: str = DEFAULT_GLOB, input_format: str = "auto") -> list[str]:
    """Everything that can be checked before any work: paths, formats, empty directories."""
    if input_format not in INPUT_FORMATS:
        raise InputError(f"unknown input format {input_format!r}: choose one of {', '.join(INPUT_FORMATS)}")
    checked = check_paths(paths)
    for path in checked:
        if path != STDIN and Path(path).is_dir() and next(_matching_files(Path(path), glob), None) is None:
            raise InputError(f"no files matching {glob!r} in directory: {path}")
    return checked


def _matching_files(directory: Path, glob: str) -> Iterator[Path]:
    return (p for p in directory.rglob(glob) if p.is_file())


def input_files(path: str, glob: str = DEFAULT_GLOB) -> list[Path]:
    """The files behind one input path: the file itself, or a directory's matches, sorted."""
    if Path(path).is_dir():
        return sorted(_matching_files(Path(path), glob))
    return [Path(path)]


def is_jsonl_file(path: Path, input_format: str = "auto") -> bool:
    return input_format == "jsonl" or (input_format == "auto" and path.suffix.lower() in JSONL_SUFFIXES)


def check_paths(paths: Iterable[str]) -> list[str]:
    """Fail early, naming the path, for inputs that cannot be read at all."""
    checked = []
    for raw in paths:
        path = str(raw)
        if path != STDIN:
            p = Path(path)
            if not p.exists():
                raise InputError(f"no such file or directory: {path}")
            if p.is_dir() and not _readable_dir(p):
                raise InputError(f"cannot read directory: {path}")
            if p.is_file() and not _readable_file(p):
                raise InputError(f"cannot read file: {path}")
        checked.append(path)
    if not checked:
        raise InputError("no input given: name files, directories or - for stdin")
    return checked


def _readable_dir(p: Path) -> bool:
    try:
        next(iter(p.iterdir()), None)
        return True
    except OSError:
        return False


def _readable_file(p: Path) -> bool:
    try:
        with p.open("rb") as fh:
            fh.read(1)
        return True
    except OSError:
        return False


def iter_documents(
    paths: Iterable[str],
    glob: str = DEFAULT_GLOB,
    input_format: str = "auto",
    on_skip: Optional[SkipHandler] = None,
) -> Iterator[Document]:
    """Yield the documents behind ``paths`` in order (directories sorted, recursive)."""
    skip = on_skip or _ignore
    for path in check_inputs(paths, glob, input_format):
        if path == STDIN:
            yield from _read_stream(sys.stdin.buffer, "<stdin>", input_format, skip)
        else:
            for file in input_files(path, glob):
                yield from _read_file(file, input_format, skip)


def _ignore(where: str, why: str) -> None:
    pass


def _read_file(path: Path, input_format: str, skip: SkipHandler) -> Iterator[Document]:
    try:
        if is_jsonl_file(path, input_format):
            with path.open("rb") as fh:
                yield from read_jsonl(fh, str(path), skip)
            return
        data = path.read_bytes()
    except OSError as exc:
        skip(str(path), f"cannot read: {exc.strerror or exc}")
        return
    document = document_from_bytes(str(path), data, skip)
    if document is not None:
        yield document


def _read_stream(stream: BinaryIO, name: str, input_format: str, skip: SkipHandler) -> Iterator[Document]:
    if input_format == "jsonl":
        yield from read_jsonl(stream, name, skip)
        return
    data = stream.read()
    if input_format == "auto" and _looks_like_jsonl(data):
        yield from read_jsonl(io.BytesIO(data), name, skip)
        return
    document = document_from_bytes(name, data, skip)
    if document is not None:
        yield document


def _looks_like_jsonl(data: bytes) -> bool:
    """Piped JSON Lines (``cat archive.jsonl | kner analyze -``): a first line that is an object with text."""
    first = data.lstrip()[:1_000_000].split(b"\n", 1)[0]
    if not first.startswith(b"{"):
        return False
    try:
        record = json.loads(first.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(record, dict) and isinstance(record.get("text"), str)


def read_jsonl(stream: Iterable[bytes], name: str, skip: SkipHandler) -> Iterator[Document]:
    """Documents of JSON Lines (id, text, date); a bad line is reported as NAME:LINE and skipped.

    A "date" that is not an ISO date is reported and dropped; its document is kept.
    """
    problems = 0

    def report(where: str, why: str) -> None:
        nonlocal problems
        problems += 1
        if problems <= MAX_LINE_WARNINGS:
            skip(where, why)

    for lineno, raw in enumerate(stream, start=1):
        where = f"{name}:{lineno}"
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            report(where, f"malformed JSON line: {exc}")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            report(where, 'JSON line needs an object with a string "text" field')
            continue
        doc_id = record.get("id")
        try:
            date = iso_date(record.get("date"))
        except ValueError:
            report(where, f"date {json.dumps(record['date'], ensure_ascii=False)} is not an ISO date "
                          "(YYYY-MM-DD); document kept without it")
            date = None
        yield make_document(str(doc_id) if doc_id is not None else where, record["text"], date)
    if problems > MAX_LINE_WARNINGS:
        skip(name, f"{problems - MAX_LINE_WARNINGS} more lines with problems not listed; is it JSONL?")


def iso_date(value: object) -> Optional[str]:
    """A JSONL date as given, when it is ISO 8601 (a date, a date-time, or a year or
    year-month as in the date markers); None when missing or empty.

    Raises ValueError for anything else ("gestern", 20240305, "2024-13-45").
    """
    from datetime import datetime

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a date string: {value!r}")
    text = value.strip()
    if not YEAR_OR_MONTH.fullmatch(text):
        datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)  # raises ValueError
    return text


def make_document(doc_id: str, text: str, date: Optional[str] = None) -> Document:
    """Build a Document, reading a leading ``date YYYY-MM[-DD]`` marker as its date.

    The marker is blanked with spaces rather than cut, so offsets still index the
    text as it was decoded from the file.
    """
    match = DATE_MARKER.match(text)
    if match:
        date = date or match.group(1)
        text = " " * match.end() + text[match.end():]
    return Document(doc_id, text, date)


def document_from_bytes(name: str, data: bytes, skip: SkipHandler) -> Optional[Document]:
    text = decode(data)
    if text is None:
        skip(name, "binary or undecodable file skipped")
        return None
    return make_document(name, text)


def decode(data: bytes) -> Optional[str]:
    """Decode article bytes to text, or None for binary data.

    BOMs decide first; then UTF-16 recognised by its zero bytes; then strict
    UTF-8; then charset-normalizer's guess among the encodings German news
    archives actually use.
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    if data.startswith(BINARY_SIGNATURES):
        return None
    text = _bomless_utf16(data)
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _guess_decode(data)
    if text is None or _looks_binary(text):
        return None
    return text


def _bomless_utf16(data: bytes) -> Optional[str]:
    """UTF-16 without a BOM (some Windows exports), or None.

    Latin-script text in UTF-16 has a zero byte in every other position (odd
    positions for little-endian, even for big-endian) and almost none in the
    others; binary data with runs of zeros has them in both.
    """
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2 or len(data) % 2:
        return None
    even_zeros, odd_zeros = sample[0::2].count(0), sample[1::2].count(0)
    if odd_zeros > 0.6 * half and even_zeros < 0.05 * half:
        encoding = "utf-16-le"
    elif even_zeros > 0.6 * half and odd_zeros < 0.05 * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _guess_decode(data: bytes) -> Optional[str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(FALLBACK_ENCODINGS)).best()
    if best is not None:
        return str(best)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    return "\x00" in sample or controls / len(sample) > 0.02
