"""``kner report``: one self-contained HTML page over a corpus.

The page has an overview (persons by mentions and by quotes, places,
organisations, documents), every article with its entities and quotes
highlighted (the speaker's mention links to the person), one panel per person
with all their quotes linking back into the articles, and a person filter. CSS
and JS are inlined, so the file works offline from ``file://``.

Records do not carry the article text, so the report works on
``(Document, record)`` pairs; ``analyze_pairs`` reads and analyzes inputs and
keeps each document with its record::

    from korea_ner.report import analyze_pairs, write_report
    write_report(analyze_pairs(["seeds/"]), "report.html")

All document text is HTML-escaped. Highlights are built from character offsets
with a boundary sweep, so spans that nest (an entity inside a quote) or even
cross each other always produce well-formed markup.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import IO, Any, Callable, Iterable, Iterator, Optional, Union

from korea_ner.inputs import Document

Record = dict[str, Any]
Pair = tuple[Document, Record]
ErrorHandler = Callable[[str, str], None]

TOP_N = 15  # rows shown in each overview table before "more"
LABEL_CLASSES = {"PER": "per", "LOC": "loc", "ORG": "org"}
LABEL_NAMES = {"PER": "Person", "LOC": "Ort", "ORG": "Organisation", "MISC": "Sonstiges"}
UNKNOWN_SPEAKER = "unbekannt"


# --- getting (document, record) pairs -----------------------------------------


def analyze_pairs(
    paths: Iterable[str],
    model: Optional[str] = None,
    aliases: Optional[str] = None,
    glob: str = "*.txt",
    input_format: str = "auto",
    jobs: int = 1,
    nlp: Any = None,
    on_skip: Optional[ErrorHandler] = None,
    on_error: Optional[ErrorHandler] = None,
) -> Iterator[Pair]:
    """Read ``paths`` like ``kner analyze`` and yield ``(Document, record)`` pairs in input order."""
    from korea_ner.inputs import check_inputs, iter_documents
    from korea_ner.process import analyze

    check_inputs(paths, glob, input_format)  # fail before loading the model
    documents = iter_documents(paths, glob=glob, input_format=input_format, on_skip=on_skip)
    yield from pair_records(documents, lambda docs: analyze(docs, model=model, aliases=aliases, jobs=jobs, nlp=nlp, on_error=on_error))


def pair_records(documents: Iterable[Document], run: Callable[[Iterable[Document]], Iterable[Record]]) -> Iterator[Pair]:
    """Run ``run`` (e.g. ``process.analyze``) over ``documents``, pairing each record with its document.

    ``run`` must yield records in input order but may skip documents (failures
    reported elsewhere); documents it skipped are dropped here.
    """
    seen: deque[Document] = deque()

    def remember() -> Iterator[Document]:
        for document in documents:
            seen.append(document)
            yield document

    for record in run(remember()):
        while seen and seen[0].id != record["doc"]:
            seen.popleft()
        if seen:
            yield seen.popleft(), record


# --- the model of the page ------------------------------------------------------


@dataclass
class Entry:
    """A canonical person, place or organisation over the whole corpus."""

    name: str
    label: str
    id: str = ""
    mentions: int = 0
    docs: set[int] = field(default_factory=set)
    variants: dict[str, int] = field(default_factory=dict)
    quotes: list[tuple[int, int]] = field(default_factory=list)  # (doc index, quote index)


class Corpus:
    """Entities merged over all documents, and who said what where."""

    def __init__(self, pairs: list[Pair]) -> None:
        self.pairs = pairs
        self.entries: dict[tuple[str, str], Entry] = {}
        self._alias = _canonical_aliases([record for _, record in pairs])
        for d, (_, record) in enumerate(pairs):
            for entity in record.get("entities", ()):
                entry = self.entry(entity.get("canonical") or entity["text"], entity["label"])
                entry.mentions += 1
                entry.docs.add(d)
                entry.variants[entity["text"]] = entry.variants.get(entity["text"], 0) + 1
            for q, quote in enumerate(record.get("quotes", ())):
                person = self.speaker(quote)
                if person is not None:
                    person.quotes.append((d, q))
                    person.docs.add(d)
        self.persons = sorted(
            (e for e in self.entries.values() if e.label == "PER"),
            key=lambda e: (-e.mentions, -len(e.quotes), e.name.casefold()),
        )
        for i, entry in enumerate(self.persons, start=1):
            entry.id = f"p{i}"
        # Per document: its persons' ids, most mentioned first (for filters and the overview).
        self.doc_persons: list[list[Entry]] = [[] for _ in pairs]
        counts: list[dict[str, int]] = [{} for _ in pairs]
        for entry in self.persons:
            for d in entry.docs:
                self.doc_persons[d].append(entry)
        for d, (_, record) in enumerate(pairs):
            for entity in record.get("entities", ()):
                if entity["label"] == "PER":
                    name = self.entry(entity.get("canonical") or entity["text"], "PER").name
                    counts[d][name] = counts[d].get(name, 0) + 1
            self.doc_persons[d].sort(key=lambda e: (-counts[d].get(e.name, 0), int(e.id[1:])))

    def entry(self, name: str, label: str) -> Entry:
        name = self._alias.get((name, label), name)
        key = (name, label)
        if key not in self.entries:
            self.entries[key] = Entry(name, label)
        return self.entries[key]

    def speaker(self, quote: Record) -> Optional[Entry]:
        who = quote.get("speaker") or {}
        name = who.get("name")
        return self.entry(name, "PER") if name else None

    def ranked(self, label: str) -> list[Entry]:
        return sorted(
            (e for e in self.entries.values() if e.label == label and e.mentions),
            key=lambda e: (-e.mentions, e.name.casefold()),
        )

    def other_labels(self) -> list[str]:
        return sorted({e.label for e in self.entries.values()} - {"PER", "LOC", "ORG"})


def _canonical_aliases(records: list[Record]) -> dict[tuple[str, str], str]:
    """Map per-document canonical names onto the corpus-wide names of ``names.merge_entities``."""
    from korea_ner.names import merge_entities

    merged = merge_entities(records)
    alias: dict[tuple[str, str], str] = {}
    ambiguous: set[tuple[str, str]] = set()
    for entry in merged:
        name, label = entry.get("name"), entry.get("label")
        if not name or not label:
            continue
        alias[(name, label)] = name
        for variant in entry.get("variants") or ():
            key = (variant, label)
            if key in alias and alias[key] != name:
                ambiguous.add(key)
            alias.setdefault(key, name)
    for key in ambiguous:
        if alias.get(key) != key[0]:
            alias.pop(key, None)
    # A name that is itself canonical never maps elsewhere.
    for entry in merged:
        if entry.get("name") and entry.get("label"):
            alias[(entry["name"], entry["label"])] = entry["name"]
    return alias


# --- highlighting: offsets to nested markup -------------------------------------


@dataclass
class Mark:
    """One highlighted span: how to open it the first time, how to re-open it
    after a crossing span forced it closed, and how to close it at its end."""

    start: int
    end: int
    rank: int  # among spans with the same extent, lower opens first (outer)
    open_first: str
    open_again: str
    close_last: Union[str, Callable[[list["Mark"]], str]]
    close_part: str
    link: bool = False  # an <a>: nothing inside may be another link


def render_marked(text: str, marks: Iterable[Mark]) -> str:
    """Escape ``text`` and wrap the ``marks`` around their character ranges.

    A sweep over all span boundaries keeps a stack of open spans; when a span
    ends below the top of the stack, the spans above it are closed and
    re-opened after it, so the output is always well nested.
    """
    size = len(text)
    valid = [m for m in marks if 0 <= m.start < m.end <= size]
    starts: dict[int, list[Mark]] = {}
    for order, mark in enumerate(valid):
        starts.setdefault(mark.start, []).append(mark)
    points = sorted({0, size, *(m.start for m in valid), *(m.end for m in valid)})
    out: list[str] = []
    stack: list[Mark] = []
    position = 0
    for point in points:
        if point > position:
            out.append(html.escape(text[position:point], quote=False))
            position = point
        if any(m.end == point for m in stack):
            reopen: list[Mark] = []
            while any(m.end == point for m in stack):
                mark = stack.pop()
                if mark.end == point:
                    close = mark.close_last
                    out.append(close(stack) if callable(close) else close)
                else:
                    out.append(mark.close_part)
                    reopen.append(mark)
            for mark in reversed(reopen):
                out.append(mark.open_again)
                stack.append(mark)
        for mark in sorted(starts.get(point, ()), key=lambda m: (-m.end, m.rank)):
            out.append(mark.open_first)
            stack.append(mark)
    return "".join(out)


def _attr(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _document_marks(corpus: Corpus, d: int, record: Record, text: str) -> list[Mark]:
    marks: list[Mark] = []
    for q, quote in enumerate(record.get("quotes", ())):
        person = corpus.speaker(quote)
        who = quote.get("speaker") or {}
        pid = person.id if person else ""
        label = person.name if person else (who.get("mention") or UNKNOWN_SPEAKER)
        tip = f"Zitat von {label}" + (f" ({quote['cue']})" if quote.get("cue") else "")
        addressee = (quote.get("addressee") or {}).get("name") or (quote.get("addressee") or {}).get("mention")
        if addressee:
            tip += f", an {addressee}"
        attrs = f' class="quote" data-person="{_attr(pid)}" title="{_attr(tip)}"'

        def badge(stack: list[Mark], pid: str = pid, label: str = label, known: bool = person is not None) -> str:
            text_ = "— " + html.escape(label, quote=False)
            if not known:
                return f'<span class="who unknown">{text_}</span></span>'
            if any(m.link for m in stack):  # never an <a> inside an <a>
                return f'<span class="who">{text_}</span></span>'
            return f'<a class="who" href="#{pid}" data-filter="{pid}">{text_}</a></span>'

        marks.append(Mark(quote["start"], quote["end"], 0, f'<span id="q{d}-{q}"{attrs}>', f"<span{attrs}>", badge, "</span>"))
        if person is not None and who.get("start") is not None and who.get("end") is not None:
            tip = f"Sprecher: {person.name}"
            a = f'<a class="speaker" href="#{pid}" data-filter="{pid}" title="{_attr(tip)}">'
            marks.append(Mark(who["start"], who["end"], 1, a, a, "</a>", "</a>", link=True))
    for entity in record.get("entities", ()):
        label = entity["label"]
        entry = corpus.entry(entity.get("canonical") or entity["text"], label)
        css = LABEL_CLASSES.get(label, "misc")
        tip = f"{LABEL_NAMES.get(label, label)}: {entry.name}"
        person = f' data-person="{_attr(entry.id)}"' if label == "PER" else ""
        span = f'<span class="ent {css}"{person} title="{_attr(tip)}">'
        marks.append(Mark(entity["start"], entity["end"], 2, span, span, "</span>", "</span>"))
    # Offsets that do not match the text are dropped rather than misplaced.
    return [m for m in marks if 0 <= m.start < m.end <= len(text)]


# --- the page ---------------------------------------------------------------------


def render_report(pairs: Iterable[Pair], title: str = "kner-Bericht") -> str:
    """The whole report as one HTML string."""
    corpus = Corpus(list(pairs))
    css = _resource("report.css")
    js = _resource("report.js").replace("</", "<\\/")
    n_quotes = sum(len(r.get("quotes", ())) for _, r in corpus.pairs)
    parts = [
        "<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n",
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
        f"<title>{html.escape(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n",
        '<header class="top">',
        f"<h1>{html.escape(title)}</h1>",
        f'<span class="meta">{len(corpus.pairs)} Artikel · {len(corpus.persons)} Personen · {n_quotes} Zitate</span>',
        '<label>Person: <select id="person-filter"><option value="">alle</option>',
        *(f'<option value="{p.id}">{html.escape(p.name)}</option>' for p in sorted(corpus.persons, key=lambda p: p.name.casefold())),
        '</select></label> <button type="button" id="filter-reset">alle zeigen</button>',
        '<span id="filter-status" aria-live="polite"></span></header>\n<main>\n',
        _overview(corpus),
        '<div class="columns">\n<section class="articles" aria-label="Artikel">\n<h2 id="articles">Artikel</h2>\n',
        _legend(corpus),
        *(_article(corpus, d, document, record) for d, (document, record) in enumerate(corpus.pairs)),
        '</section>\n<aside class="people" aria-label="Personen">\n<h2 id="persons">Personen und ihre Zitate</h2>\n',
        *(_person_panel(corpus, person) for person in corpus.persons),
        "" if corpus.persons else '<p class="empty">Keine Personen gefunden.</p>',
        "</aside>\n</div>\n</main>\n",
        f'<footer>Erstellt von kner am {datetime.now():%Y-%m-%d %H:%M}</footer>\n',
        f"<script>\n{js}</script>\n</body>\n</html>\n",
    ]
    return "".join(parts)


def write_report(pairs: Iterable[Pair], output: Union[str, os.PathLike, IO[str]], title: str = "kner-Bericht") -> int:
    """Write the report to a path (atomically) or an open text stream; returns the number of documents."""
    if not hasattr(output, "write"):
        _check_writable(os.fspath(output))  # before the (possibly long) analysis runs
    pairs = list(pairs)
    page = render_report(pairs, title=title)
    if hasattr(output, "write"):
        output.write(page)  # type: ignore[union-attr]
        return len(pairs)
    path = os.fspath(output)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".kner-report-", suffix=".html", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        from korea_ner.errors import KnerError

        raise KnerError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return len(pairs)


def _check_writable(path: str) -> None:
    from korea_ner.errors import KnerError

    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise KnerError(f"cannot write {path}: is a directory")
    if not os.path.isdir(directory):
        raise KnerError(f"cannot write {path}: no such directory: {directory}")
    if not os.access(directory, os.W_OK):
        raise KnerError(f"cannot write {path}: permission denied")


def _resource(name: str) -> str:
    return resources.files("korea_ner").joinpath("resources", name).read_text(encoding="utf-8")


def _legend(corpus: Corpus) -> str:
    items = [
        '<span class="ent per">Person</span>',
        '<span class="ent loc">Ort</span>',
        '<span class="ent org">Organisation</span>',
    ]
    if corpus.other_labels():
        items.append(f'<span class="ent misc">{html.escape(", ".join(corpus.other_labels()))}</span>')
    items.append('<span class="quote">Zitat<span class="who">— Sprecher</span></span>')
    items.append('<span><a class="speaker" href="#persons">Sprecher-Erwähnung</a> (Link zur Person)</span>')
    return f'<div class="legend">{"".join(items)}</div>\n'


def _table(title: str, head: list[str], rows: list[list[str]], numeric: set[int], css: str = "") -> str:
    def cls(i: int) -> str:
        return ' class="n"' if i in numeric else ""

    def row(cells: list[str]) -> str:
        return "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(cells)) + "</tr>"

    header = "<tr>" + "".join(f"<th{cls(i)}>{html.escape(h)}</th>" for i, h in enumerate(head)) + "</tr>"
    body = "".join(row(r) for r in rows[:TOP_N])
    more = ""
    if len(rows) > TOP_N:
        more = f"<details><summary>{len(rows) - TOP_N} weitere</summary><table>{''.join(row(r) for r in rows[TOP_N:])}</table></details>"
    content = f"<table><thead>{header}</thead><tbody>{body}</tbody></table>{more}" if rows else '<p class="empty">keine</p>'
    return f'<div class="card {css}"><h3>{html.escape(title)}</h3>{content}</div>\n'


def _person_link(person: Entry) -> str:
    return f'<a href="#{person.id}" data-filter="{person.id}">{html.escape(person.name)}</a>'


def _overview(corpus: Corpus) -> str:
    persons = corpus.persons
    by_mentions = [[_person_link(p), str(p.mentions), str(len(p.quotes)), str(len(p.docs))] for p in persons]
    quoted = sorted((p for p in persons if p.quotes), key=lambda p: (-len(p.quotes), -p.mentions, p.name.casefold()))
    by_quotes = [[_person_link(p), str(len(p.quotes)), str(len(p.docs))] for p in quoted]

    def plain(label: str) -> list[list[str]]:
        return [[html.escape(e.name), str(e.mentions), str(len(e.docs))] for e in corpus.ranked(label)]

    documents = []
    for d, (document, record) in enumerate(corpus.pairs):
        documents.append([
            f'<a href="#d{d}">{html.escape(_short_id(document.id))}</a>',
            html.escape(document.date or record.get("date") or ""),
            str(len(record.get("entities", ()))),
            str(len(record.get("quotes", ()))),
            ", ".join(_person_link(p) for p in corpus.doc_persons[d][:4]),
        ])
    tables = [
        _table("Personen nach Erwähnungen", ["Person", "Erw.", "Zitate", "Artikel"], by_mentions, {1, 2, 3}),
        _table("Personen nach Zitaten", ["Person", "Zitate", "Artikel"], by_quotes, {1, 2}),
        _table("Orte", ["Ort", "Erw.", "Artikel"], plain("LOC"), {1, 2}),
        _table("Organisationen", ["Organisation", "Erw.", "Artikel"], plain("ORG"), {1, 2}),
        *(_table(label, [label, "Erw.", "Artikel"], plain(label), {1, 2}) for label in corpus.other_labels()),
        _table("Artikel", ["Artikel", "Datum", "Entitäten", "Zitate", "häufigste Personen"], documents, {2, 3}, css="docs"),
    ]
    return '<h2 id="overview">Überblick</h2>\n<section class="overview">\n' + "".join(tables) + "</section>\n"


def _short_id(doc_id: str) -> str:
    return os.path.basename(doc_id.rstrip("/")) or doc_id


def _article(corpus: Corpus, d: int, document: Document, record: Record) -> str:
    text = document.text
    persons = [p.id for p in corpus.doc_persons[d]]
    marks = _document_marks(corpus, d, record, text)
    # Leading/trailing whitespace (e.g. the blanked date marker) is not shown;
    # spans there, if any, are clipped.
    lead = len(text) - len(text.lstrip())
    trail = len(text.rstrip())
    shown = text[lead:trail]
    shifted = [
        Mark(max(m.start, lead) - lead, min(m.end, trail) - lead, m.rank, m.open_first, m.open_again, m.close_last, m.close_part, m.link)
        for m in marks
    ]
    date = document.date or record.get("date")
    meta = " · ".join(
        x for x in (
            html.escape(date) if date else "",
            f"{len(record.get('entities', ()))} Entitäten",
            f"{len(record.get('quotes', ()))} Zitate",
        ) if x
    )
    return (
        f'<article class="doc card" id="d{d}" data-persons="{" ".join(persons)}">'
        f'<header><h3 title="{_attr(document.id)}">{html.escape(_short_id(document.id))}</h3><span class="meta">{meta}</span></header>'
        f'<div class="text">{render_marked(shown, shifted)}</div></article>\n'
    )


QUOTE_MARKS = "\"'„“”‚‘’»«›‹"


def _quoted(text: str) -> str:
    """The quote with quotation marks, whether or not the record's text has them."""
    text = " ".join(text.split())
    if text[:1] in QUOTE_MARKS or text[-1:] in QUOTE_MARKS:
        return text
    return f"„{text}“"


def _person_panel(corpus: Corpus, person: Entry) -> str:
    variants = sorted(person.variants, key=lambda v: (-person.variants[v], v.casefold()))
    items = []
    for d, q in person.quotes:
        document, record = corpus.pairs[d]
        quote = record["quotes"][q]
        mention = (quote.get("speaker") or {}).get("mention")
        said = f" ({html.escape(mention)})" if mention and mention != person.name else ""
        source = html.escape(_short_id(document.id))
        if 0 <= quote.get("start", -1) < quote.get("end", -1) <= len(document.text):
            source = f'<a class="src" href="#q{d}-{q}">{source} ↗</a>'
        else:  # offsets that do not fit the text: the quote is not marked there
            source = f'<a class="src" href="#d{d}">{source}</a>'
        items.append(f'<li><span class="qt">{html.escape(_quoted(quote.get("text", "")))}</span>{said} {source}</li>')
    quotes = f"<ol>{''.join(items)}</ol>" if items else '<p class="empty">keine Zitate</p>'
    return (
        f'<section class="person card" id="{person.id}" data-person-panel="{person.id}">'
        f'<h3><span>{html.escape(person.name)}</span><span class="n">{person.mentions} Erw. · {len(person.quotes)} Zitate · {len(person.docs)} Artikel</span></h3>'
        f'<p class="variants">Schreibweisen: {html.escape(", ".join(variants)) if variants else "—"}</p>'
        f"{quotes}</section>\n"
    )
