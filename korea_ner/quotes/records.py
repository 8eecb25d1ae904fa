"""What the quotes component returns (also the records that ``korea_ner.schema`` serialises)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class Speaker:
    name: Optional[str]  # canonical person name; None for unnamed sources
    mention: str  # the words in the text, doc.text[start:end] == mention
    start: int
    end: int


@dataclass
class Quote:
    text: str  # without the quotation marks; doc.text[start:end] == text
    start: int
    end: int
    kind: str  # "direct" | "partial"
    cue: Optional[str]  # cue verb lemma, or "laut" / "zufolge" / "so" / "nach Angaben"
    speaker: Optional[Speaker]
    addressee: Optional[Speaker] = None
