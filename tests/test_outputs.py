"""Output formats: valid JSON/JSONL/CSV with awkward text, tables, format choice."""

from __future__ import annotations

import csv
import io
import json

import pytest

from korea_ner.errors import KnerError
from korea_ner.outputs import DOCUMENT_VIEW, ENTITY_VIEW, QUOTE_VIEW, choose_format, write

AWKWARD = 'Er sagte: "Nein,\nniemals", und ging; \\ „Zitat“ <b>'

RECORD = {
    "doc": "a.txt",
    "date": None,
    "entities": [{"text": "Reker", "label": "PER", "start": 0, "end": 5, "canonical": "Henriette Reker"}],
    "quotes": [
        {
            "text": AWKWARD,
            "start": 10,
            "end": 10 + len(AWKWARD),
            "kind": "direct",
            "cue": "sagen",
            "speaker": {"name": None, "mention": "ein Sprecher", "start": 1, "end": 13},
            "addressee": None,
        }
    ],
}


def render(records, fmt, view=DOCUMENT_VIEW) -> str:
    out = io.StringIO()
    write(records, fmt, out, view, console_width=200)
    return out.getvalue()


def test_jsonl_is_one_valid_object_per_line():
    lines = render([RECORD, RECORD], "jsonl").splitlines()
    assert len(lines) == 2
    assert all(json.loads(line) == RECORD for line in lines)


@pytest.mark.parametrize("records", [[], [RECORD], [RECORD, RECORD]])
def test_json_is_a_valid_list(records):
    assert json.loads(render(records, "json")) == records


def test_json_keeps_umlauts_readable():
    assert "„Zitat“" in render([RECORD], "json")


def test_csv_escapes_quotes_and_newlines():
    rows = list(csv.reader(io.StringIO(render([RECORD], "csv"))))
    assert rows[0] == list(DOCUMENT_VIEW.columns)
    assert rows[1][2:6] == ["entity", "PER", "Reker", "Henriette Reker"]
    assert rows[2][4] == AWKWARD and rows[2][5] == "ein Sprecher"


def test_quote_and_entity_views():
    quote = {"doc": "a.txt", "date": None, **RECORD["quotes"][0]}
    table = render([quote], "table", QUOTE_VIEW)
    assert "ein Sprecher" in table and "sagen" in table
    long_quote = {**quote, "text": "Wort " * 60, "date": "2024-03", "addressee": {"name": "Anna Berg", "mention": "Berg"}}
    rows = list(csv.reader(io.StringIO(render([long_quote], "csv", QUOTE_VIEW))))
    assert rows[0] == ["speaker", "mention", "addressee", "cue", "kind", "quote", "doc", "date", "start", "end"]
    assert rows[1][2] == "Anna Berg" and rows[1][5] == "Wort " * 60 and rows[1][7] == "2024-03"  # CSV is never shortened
    entry = {"name": "Henriette Reker", "label": "PER", "count": 3, "docs": 2, "variants": ["Reker", "Rekers"]}
    rows = list(csv.reader(io.StringIO(render([entry], "csv", ENTITY_VIEW))))
    assert rows[1] == ["Henriette Reker", "PER", "3", "2", "Reker; Rekers"]


def test_format_choice():
    assert choose_format(None, None, is_terminal=True) == "table"
    assert choose_format(None, None, is_terminal=False) == "json"
    assert choose_format(None, "out.jsonl", is_terminal=True) == "jsonl"
    assert choose_format(None, "out.CSV", is_terminal=True) == "csv"
    assert choose_format("JSON", "out.csv", is_terminal=True) == "json"
    with pytest.raises(KnerError, match="unknown format"):
        choose_format("xml", None, is_terminal=False)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_nothing_is_written_before_the_first_record(fmt):
    def failing():
        raise KnerError("the model did not load")
        yield RECORD  # pragma: no cover - a generator that fails before its first record

    stream = io.StringIO()
    with pytest.raises(KnerError):
        write(failing(), fmt, stream, DOCUMENT_VIEW)
    assert stream.getvalue() == ""
    assert list(csv.reader(io.StringIO(render([], "csv")))) == [list(DOCUMENT_VIEW.columns)]  # empty: the header
