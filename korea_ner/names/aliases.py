"""User-declared canonical names: a TOML or JSON file of names and their variants.

An alias always wins: every mention whose key matches a declared name or variant
gets the declared name, in a document (``kner_names``) and across documents
(``merge_entities``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence, Union

from korea_ner.names.fold import fold
from korea_ner.names.normalize import key_of

#: Section names accepted in an alias file -> entity label.
ALIAS_SECTIONS = {
    "person": "PER", "persons": "PER", "people": "PER", "per": "PER",
    "place": "LOC", "places": "LOC", "location": "LOC", "locations": "LOC", "loc": "LOC",
    "org": "ORG", "orgs": "ORG", "organisation": "ORG", "organisations": "ORG",
    "organization": "ORG", "organizations": "ORG",
}
_ENTRY_KEYS = {"name", "variants"}


@dataclass
class Aliases:
    """Canonical names declared by the user: folded key -> (canonical name, label)."""

    entries: list[dict] = field(default_factory=list)  # [{"name", "label", "variants"}]
    by_key: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, name: str, label: str, variants: Sequence[str] = ()) -> None:
        self.entries.append({"name": name, "label": label, "variants": list(variants)})
        for text in (name, *variants):
            self.by_key[key_of(text, label)] = (name, label)
            # the plain folded text too: a variant may be something normalize would shorten
            self.by_key.setdefault(fold(text), (name, label))

    def lookup(self, key: str) -> Optional[tuple[str, str]]:
        return self.by_key.get(key)

    def to_dict(self) -> dict:
        return {"entries": self.entries}

    @classmethod
    def from_dict(cls, data: dict) -> "Aliases":
        out = cls()
        for e in data.get("entries", []):
            out.add(e["name"], e["label"], e.get("variants", []))
        return out

    def __len__(self) -> int:
        return len(self.entries)


def _line_of_entry(raw: str, section: str, index: int, suffix: str) -> int:
    """Best-effort line number of the ``index``-th entry of ``section`` in the raw file (for errors)."""
    if suffix == ".toml":
        entry_start = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(section)}[ \t]*\]\]", re.M)
        search_from = 0
    else:  # JSON: the index-th "{" after the section's key
        sec = re.search(rf'"{re.escape(section)}"\s*:', raw)
        if sec is None:
            return 1
        entry_start = re.compile(r"\{")
        search_from = sec.end()
    hits = list(entry_start.finditer(raw, search_from))
    return raw.count("\n", 0, hits[index].start()) + 1 if index < len(hits) else 1


def _parse(p: Path, raw: str, suffix: str) -> object:
    """The file's data; a syntax error becomes a ``ValueError`` naming file and line."""
    if suffix == ".json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{p}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    import tomllib

    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"line (\d+)", msg)
        line = m.group(1) if m else str(max(1, len(raw.splitlines())))  # "at end of document"
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg).splitlines()[0]
        raise ValueError(f"{p}:{line}: invalid TOML: {msg}") from None


def load_aliases(path: Union[str, Path]) -> Aliases:
    """Read a TOML or JSON alias file.

    TOML::

        [[person]]
        name = "Kim Jong Un"
        variants = ["Kim Jong-un", "Kim Jung Un"]

    JSON: ``{"person": [{"name": "Kim Jong Un", "variants": [...]}]}``. Sections:
    person, place, org (and plural/English spellings). Any problem raises a
    ``ValueError`` with a one-line message naming the file and the line.
    """
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{p}: alias file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{p}: cannot read alias file: {exc}") from None
    suffix = p.suffix.lower()
    if suffix not in (".toml", ".json"):
        suffix = ".json" if raw.lstrip().startswith("{") else ".toml"
    data = _parse(p, raw, suffix)
    if not isinstance(data, dict):
        raise ValueError(f"{p}:1: alias file must contain a table/object of sections")
    aliases = Aliases()
    for section, entries in data.items():
        label = ALIAS_SECTIONS.get(str(section).lower())
        if label is None:
            line = _line_of_entry(raw, section, 0, suffix)
            known = ", ".join(sorted({"person", "place", "org"}))
            raise ValueError(f"{p}:{line}: unknown section {section!r} (expected one of: {known})")
        if not isinstance(entries, list):
            line = _line_of_entry(raw, section, 0, suffix)
            raise ValueError(f"{p}:{line}: section {section!r} must be a list of entries ([[{section}]])")
        for i, entry in enumerate(entries):
            line = _line_of_entry(raw, section, i, suffix)
            if not isinstance(entry, dict):
                raise ValueError(f"{p}:{line}: entry {i + 1} of {section!r} must be a table/object")
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"{p}:{line}: entry {i + 1} of {section!r} needs a non-empty string 'name'")
            variants = entry.get("variants", [])
            if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
                raise ValueError(f"{p}:{line}: 'variants' of {name!r} must be a list of non-empty strings")
            unknown = set(entry) - _ENTRY_KEYS
            if unknown:
                raise ValueError(f"{p}:{line}: unknown key(s) {', '.join(sorted(unknown))} in entry {name!r}")
            aliases.add(name.strip(), label, [v.strip() for v in variants])
    return aliases
