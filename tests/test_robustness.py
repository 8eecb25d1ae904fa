"""Messy real-world input: encodings, empty files, stray quotes, huge documents.

The property tests run the whole extraction (tokenizer, entities, name
resolution, quotes) on random and adversarial Unicode and check the invariants
every consumer relies on: no exception, offsets inside the text, and
``text[start:end]`` equal to the reported text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from korea_ner.process import analyze

from .conftest import FIXTURES

QUOTE_MARKS = list("„“”\"»«‚‘’›‹'")
NAMES = ["Merkel", "Lawrow", "Sergej Lawrow", "Lwrow", "Moskau", "Olaf Scholz", "sagte", "so", "laut", "er"]

adversarial_text = st.lists(
    st.one_of(
        st.sampled_from(QUOTE_MARKS),
        st.sampled_from(NAMES),
        st.sampled_from([" ", "\n", "\n\n", ", ", ". ", ": ", "(", ")", "-"]),
        st.text(max_size=8),
    ),
    max_size=60,
).map("".join)


def check_record(text: str, record: dict) -> None:
    for entity in record["entities"]:
        assert 0 <= entity["start"] <= entity["end"] <= len(text)
        assert text[entity["start"]:entity["end"]] == entity["text"]
        assert isinstance(entity["canonical"], str) and entity["canonical"]
    for quote in record["quotes"]:
        assert 0 <= quote["start"] <= quote["end"] <= len(text)
        assert text[quote["start"]:quote["end"]] == quote["text"]
        assert quote["kind"] in {"direct", "partial"}
        for who in (quote["speaker"], quote.get("addressee")):
            if who:
                assert 0 <= who["start"] <= who["end"] <= len(text)
                assert text[who["start"]:who["end"]] == who["mention"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(adversarial_text, st.text(max_size=200)), min_size=1, max_size=4))
def test_invariants_on_random_and_adversarial_text(tiny_model, texts):
    records = list(analyze(texts, model=tiny_model))
    assert [r["doc"] for r in records] == [str(i) for i in range(len(texts))]
    for text, record in zip(texts, records):
        check_record(text, record)


def test_ten_thousand_quote_marks(tiny_model):
    text = "".join(QUOTE_MARKS[i % len(QUOTE_MARKS)] + ("Merkel sagte " if i % 7 == 0 else "x ") for i in range(10_000))
    (record,) = analyze([text], model=tiny_model)
    check_record(text, record)


@pytest.mark.parametrize("name", ["unbalanced.txt", "never_closed.txt"])
def test_stray_and_unclosed_quotes(tiny_model, name):
    text = (FIXTURES / "quotes" / name).read_text(encoding="utf-8")
    (record,) = analyze([text], model=tiny_model)
    check_record(text, record)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "korea_ner", *args], capture_output=True, timeout=600)


def test_all_encodings_give_the_same_text(tiny_model):
    result = cli("analyze", str(FIXTURES / "encodings"), "-m", tiny_model, "-f", "jsonl", "--glob", "utf*.txt")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(records) == 3
    reference = (FIXTURES / "encodings" / "utf8.txt").read_text(encoding="utf-8")
    for record in records:
        for quote in record["quotes"]:
            assert quote["text"] == "Wir müssen schnell handeln"
            assert reference[quote["start"]:quote["end"]] == quote["text"]
    for name in ("cp1252.txt", "latin1.txt"):
        result = cli("quotes", str(FIXTURES / "encodings" / name), "-m", tiny_model, "-f", "json")
        texts = [q["text"] for q in json.loads(result.stdout.decode("utf-8"))]
        assert "\ufeff" not in result.stdout.decode("utf-8")
        assert texts == ["Wir müssen schnell handeln"], name


def test_empty_and_blank_files_give_empty_records(tiny_model):
    result = cli("analyze", str(FIXTURES / "empty"), "-m", tiny_model, "-f", "jsonl")
    assert result.returncode == 0
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [os.path.basename(r["doc"]) for r in records] == ["blank.txt", "empty.txt"]
    assert all(r["entities"] == [] and r["quotes"] == [] for r in records)


def test_malformed_jsonl_lines_are_named_and_the_rest_processed(tiny_model):
    path = FIXTURES / "jsonl" / "mixed.jsonl"
    result = cli("analyze", str(path), "-m", tiny_model, "-f", "jsonl")
    assert result.returncode == 1
    assert [json.loads(line)["doc"] for line in result.stdout.decode().splitlines()] == ["a1", "a4"]
    warnings = result.stderr.decode().splitlines()
    assert [w.split(": ")[2] for w in warnings] == [f"{path}:2", f"{path}:3"]


def test_huge_single_document_in_bounded_memory(tmp_path, tiny_model):
    filler = "Die Gespräche dauerten bis in den Abend, danach gab es keine weiteren Termine mehr. " * 4
    paragraph = f"Merkel traf Lawrow in Moskau. {filler}„Wir reden weiter“, sagte Lawrow danach.\n\n"
    big = tmp_path / "big.txt"
    with big.open("w", encoding="utf-8") as fh:
        for _ in range(12 * 1024 * 1024 // len(paragraph)):  # about 12 MB, one document
            fh.write(paragraph)
    probe = (
        "import resource, sys, json\n"
        "from korea_ner.inputs import iter_documents\n"
        "from korea_ner.process import analyze\n"
        f"(record,) = analyze(iter_documents([{str(big)!r}]), model={tiny_model!r})\n"
        "print(len(record['entities']), len(record['quotes']), record['quotes'][-1]['end'],"
        " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    entities, quotes, last_end, peak_mb = map(int, result.stdout.split())
    repeats = 12 * 1024 * 1024 // len(paragraph)
    assert entities == 4 * repeats and quotes == repeats
    quote = "Wir reden weiter"
    assert last_end == (repeats - 1) * len(paragraph) + paragraph.index(quote) + len(quote)
    assert peak_mb < 1500, f"peak RSS {peak_mb} MB"
