"""The documented output schema, built from spaCy Docs in this one place.

Per document (``kner analyze``)::

    {"doc": str, "date": str | null,
     "entities": [{"text", "label", "start", "end", "canonical"}],
     "quotes": [{"text", "start", "end", "kind", "cue",
                 "speaker": {"name", "mention", "start", "end"} | null,
                 "addressee": {"name", "mention", "start", "end"} | null}]}

Offsets are character offsets into the decoded document text, end exclusive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

    from korea_ner.inputs import Document
    from korea_ner.quotes import Quote, Speaker

SCHEMA_VERSION = 1


def entity_record(span: "Span", offset: int = 0) -> dict[str, Any]:
    canonical = span._.canonical if span.has_extension("canonical") else None
    return {
        "text": span.text,
        "label": span.label_,
        "start": span.start_char + offset,
        "end": span.end_char + offset,
        "canonical": canonical or span.text,
    }


def speaker_record(speaker: Optional["Speaker"], offset: int = 0) -> Optional[dict[str, Any]]:
    if speaker is None:
        return None
    return {
        "name": speaker.name,
        "mention": speaker.mention,
        "start": speaker.start + offset,
        "end": speaker.end + offset,
    }


def quote_record(quote: "Quote", offset: int = 0) -> dict[str, Any]:
    return {
        "text": quote.text,
        "start": quote.start + offset,
        "end": quote.end + offset,
        "kind": quote.kind,
        "cue": quote.cue,
        "speaker": speaker_record(quote.speaker, offset),
        "addressee": speaker_record(getattr(quote, "addressee", None), offset),
    }


def empty_record(document: "Document") -> dict[str, Any]:
    return {"doc": document.id, "date": document.date, "entities": [], "quotes": []}


def add_part(record: dict[str, Any], doc: "Doc", offset: int = 0) -> dict[str, Any]:
    """Add what kner found in ``doc`` (a document, or a part of one starting at ``offset``)."""
    record["entities"].extend(entity_record(span, offset) for span in doc.ents)
    if doc.has_extension("quotes"):
        record["quotes"].extend(quote_record(quote, offset) for quote in (doc._.quotes or ()))
    return record
