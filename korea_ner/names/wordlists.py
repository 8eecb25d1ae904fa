"""Word lists kept as text files under ``korea_ner/resources/`` (one file per list).

The long plain lists (titles, role endings, -s names, East Asian surnames) live in
data files so that they can be extended without reading code; each file explains
itself in its ``#`` header. They are read once, at import.
"""

from __future__ import annotations

from importlib import resources


def load_words(filename: str) -> tuple[str, ...]:
    """The whitespace-separated words of ``korea_ner/resources/<filename>``, ``#`` lines skipped."""
    text = resources.files("korea_ner").joinpath("resources", filename).read_text(encoding="utf-8")
    return tuple(word for line in text.splitlines() if not line.lstrip().startswith("#")
                 for word in line.split())
