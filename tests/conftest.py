"""Shared fixtures: a tiny rule-based German pipeline the tests build and save.

It lets the CLI and library tests run in well under a second per call and
exercises the real loading code for "an installed pipeline" (a path given with
--model / KNER_MODEL), independent of the bundled statistical model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "fixtures"

TINY_PATTERNS = [
    {"label": "PER", "pattern": "Sergej Lawrow"},
    {"label": "PER", "pattern": "Lawrow"},
    {"label": "PER", "pattern": "Lwrow"},
    {"label": "PER", "pattern": "Angela Merkel"},
    {"label": "PER", "pattern": "Merkel"},
    {"label": "PER", "pattern": [{"TEXT": "Olaf"}, {"TEXT": "Scholz"}]},
    {"label": "PER", "pattern": "Scholz"},
    {"label": "LOC", "pattern": "Pjöngjang"},
    {"label": "LOC", "pattern": "Moskau"},
    {"label": "LOC", "pattern": "Berlin"},
    {"label": "ORG", "pattern": "Bundestag"},
]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    import spacy

    nlp = spacy.blank("de")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(TINY_PATTERNS)
    path = tmp_path_factory.mktemp("models") / "de_tiny"
    nlp.to_disk(path)
    return str(path)


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """A small directory of articles written for the tests."""
    (tmp_path / "a.txt").write_text(
        " date 2024-03 Sergej Lawrow traf Olaf Scholz in Berlin. "
        "„Wir sind zufrieden“, sagte Lawrow nach dem Treffen.\n",
        encoding="utf-8",
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "b.txt").write_text(
        "Angela Merkel besuchte den Bundestag. „Das ist ein guter Tag“, sagte Merkel. Lwrow blieb in Moskau.\n",
        encoding="utf-8",
    )
    (sub / "ignored.md").write_text("Merkel in Moskau", encoding="utf-8")
    return tmp_path


def read_json(text: str):
    return json.loads(text)
