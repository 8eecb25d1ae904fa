"""Reading inputs: paths, directories, stdin, JSONL, encodings and the date marker."""

from __future__ import annotations

import codecs

import pytest

from korea_ner.errors import InputError
from korea_ner.inputs import check_paths, decode, iter_documents, make_document

GERMAN = "Über „Größe“ und Maß: Jürgen sagte, es sei schön.\n"


def test_directory_is_read_recursively_in_sorted_order(corpus):
    docs = list(iter_documents([str(corpus)]))
    assert [d.id.removeprefix(str(corpus)) for d in docs] == ["/a.txt", "/sub/b.txt"]


def test_glob_selects_other_files(corpus):
    docs = list(iter_documents([str(corpus)], glob="*.md"))
    assert [d.text for d in docs] == ["Merkel in Moskau"]


def test_date_marker_becomes_date_and_offsets_stay_valid():
    text = " date 2018-05 Kim traf Lawrow."
    doc = make_document("x", text)
    assert doc.date == "2018-05"
    assert len(doc.text) == len(text)
    assert doc.text.strip() == "Kim traf Lawrow."
    assert doc.text[text.index("Lawrow"):].startswith("Lawrow")


def test_full_date_marker():
    assert make_document("x", "date 2024-01-31\nText").date == "2024-01-31"


def test_text_without_marker_is_untouched():
    doc = make_document("x", "Die date 2018-05 steht mitten im Text.")
    assert doc.date is None and doc.text.startswith("Die date")


@pytest.mark.parametrize(
    "encoded",
    [
        GERMAN.encode("utf-8"),
        codecs.BOM_UTF8 + GERMAN.encode("utf-8"),
        GERMAN.encode("utf-16"),
        GERMAN.encode("utf-16-le"),
        GERMAN.encode("utf-16-be"),
        GERMAN.encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16le-no-bom", "utf16be-no-bom", "cp1252"],
)
def test_encodings_decode_to_the_same_text(encoded):
    assert decode(encoded) == GERMAN


def test_zero_bytes_everywhere_are_still_binary():
    assert decode(bytes(4000)) is None
    assert decode(b"\x01\x00\x00\x00" * 500) is None
    # UTF-16-shaped zero bytes that decode to control characters are not text either
    assert decode(b"\x01\x00" * 1000) is None


def test_latin1_umlauts():
    text = "Grüße aus Köln, sagte Müller. " * 3
    assert decode(text.encode("latin-1")) == text


def test_binary_data_is_recognised():
    assert decode(b"%PDF-1.7\n\x00\x01binary") is None
    assert decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None
    assert decode(bytes(range(256)) * 4) is None


def test_missing_path_raises_naming_it(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(InputError, match="nope.txt"):
        check_paths([str(missing)])


def test_empty_directory_raises(tmp_path):
    with pytest.raises(InputError, match="no files matching"):
        list(iter_documents([str(tmp_path)]))


def test_binary_file_in_directory_is_skipped_with_report(tmp_path):
    (tmp_path / "a.txt").write_text("Ein Text.", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    skipped = []
    docs = list(iter_documents([str(tmp_path)], on_skip=lambda where, why: skipped.append(where)))
    assert [d.text for d in docs] == ["Ein Text."]
    assert skipped == [str(tmp_path / "b.txt")]


def test_jsonl_records_and_bad_lines(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": "eins", "text": "Erster Text", "date": "2020-01"}\n'
        "{kaputt\n"
        "\n"
        '{"text": "Ohne id"}\n'
        '{"id": 3}\n',
        encoding="utf-8",
    )
    skipped = []
    docs = list(iter_documents([str(path)], on_skip=lambda where, why: skipped.append(where)))
    assert [(d.id, d.text, d.date) for d in docs] == [("eins", "Erster Text", "2020-01"), (f"{path}:4", "Ohne id", None)]
    assert skipped == [f"{path}:2", f"{path}:5"]


def test_jsonl_dates_are_iso_or_dropped_with_a_warning(tmp_path):
    path = tmp_path / "dated.jsonl"
    dates = ['"2024-03-05T10:00:00Z"', '"gestern"', "20240305", '" 2024 "', '""', '"2024-13-45"', '"2024-03"', '"2024-00"']
    path.write_text("".join(f'{{"id": "{i}", "text": "T", "date": {d}}}\n' for i, d in enumerate(dates)), encoding="utf-8")
    skipped = []
    docs = list(iter_documents([str(path)], on_skip=lambda where, why: skipped.append((where, why))))
    assert [d.date for d in docs] == ["2024-03-05T10:00:00Z", None, None, "2024", None, None, "2024-03", None]
    # an empty date is a missing one; the others are named, and their documents kept
    assert [where for where, _ in skipped] == [f"{path}:{n}" for n in (2, 3, 6, 8)]
    assert "not an ISO date" in skipped[0][1] and "document kept" in skipped[0][1]


def test_text_read_as_jsonl_names_ten_lines_then_sums_up(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("".join(f"Zeile {i}\n" for i in range(1, 31)), encoding="utf-8")
    skipped = []
    docs = list(iter_documents([str(path)], input_format="jsonl", on_skip=lambda where, why: skipped.append((where, why))))
    assert docs == []
    assert [where for where, _ in skipped] == [f"{path}:{i}" for i in range(1, 11)] + [str(path)]
    assert skipped[-1][1].startswith("20 more lines with problems not listed")


def test_unknown_input_format():
    with pytest.raises(InputError, match="input format"):
        list(iter_documents(["-"], input_format="xml"))
