"""The kner command: every command and format, exit codes, errors, pipes.

Most tests run the CLI in-process with the tiny rule-based pipeline from
conftest.py; a few run it as a subprocess where the process itself matters
(start-up imports, broken pipes, stdin).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from korea_ner.cli import main

from .conftest import FIXTURES


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def kner(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "korea_ner", *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_entities_json_merges_variants(capsys, corpus, tiny_model):
    code, out, err = run(capsys, "entities", str(corpus), "--model", tiny_model, "--format", "json")
    assert code == 0, err
    entries = {e["name"]: e for e in json.loads(out)}
    assert entries["Sergej Lawrow"]["label"] == "PER"
    assert set(entries["Sergej Lawrow"]["variants"]) >= {"Sergej Lawrow", "Lawrow", "Lwrow"}
    assert entries["Sergej Lawrow"]["docs"] == 2
    assert entries["Berlin"]["label"] == "LOC"


def test_entities_label_filter_min_count_and_per_doc(capsys, corpus, tiny_model):
    code, out, err = run(capsys, "entities", str(corpus), "-m", tiny_model, "-f", "json", "--label", "loc")
    assert code == 0 and {e["label"] for e in json.loads(out)} == {"LOC"} and err == ""
    # a label nothing has (a typo) is named on stderr instead of passing as an empty result
    code, out, err = run(capsys, "entities", str(corpus), "-m", tiny_model, "-f", "json", "--label", "PERSON,loc")
    assert code == 0 and {e["label"] for e in json.loads(out)} == {"LOC"}
    assert err.strip().splitlines() == ["kner: warning: no entity in the input is labelled PERSON; labels found: LOC, ORG, PER"]
    code, out, _ = run(capsys, "entities", str(corpus), "-m", tiny_model, "-f", "json", "--min-count", "3")
    assert [e["name"] for e in json.loads(out)] == ["Sergej Lawrow"]
    code, out, _ = run(capsys, "entities", str(corpus), "-m", tiny_model, "-f", "json", "--per-doc")
    per_doc = json.loads(out)
    assert {e["doc"] for e in per_doc} == {str(corpus / "a.txt"), str(corpus / "sub" / "b.txt")}
    assert all(e["docs"] == 1 for e in per_doc)


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_every_command_in_every_format(capsys, corpus, tiny_model, fmt):
    for command in ("entities", "quotes", "analyze"):
        code, out, err = run(capsys, command, str(corpus), "-m", tiny_model, "--format", fmt)
        assert code == 0, err
        if fmt == "json":
            assert isinstance(json.loads(out), list)
        elif fmt == "jsonl":
            assert all(isinstance(json.loads(line), dict) for line in out.splitlines())
        elif fmt == "csv":
            rows = list(csv.reader(io.StringIO(out)))
            assert len(rows) >= 2
        else:
            assert out.strip()


def test_analyze_jsonl_schema(capsys, corpus, tiny_model):
    code, out, _ = run(capsys, "analyze", str(corpus), "-m", tiny_model, "-f", "jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["date"] for r in records] == ["2024-03", None]
    text = (corpus / "a.txt").read_text(encoding="utf-8")
    for entity in records[0]["entities"]:
        assert set(entity) == {"text", "label", "start", "end", "canonical"}
        assert text[entity["start"]:entity["end"]] == entity["text"]
    for quote in records[0]["quotes"]:
        assert text[quote["start"]:quote["end"]] == quote["text"]


def test_quotes_speaker_filter_tolerates_case_and_typos(capsys, corpus, tiny_model):
    results = {}
    for query in ("Lawrow", "lawrow", "LWROW", "Merkel", "Putin"):
        code, out, _ = run(capsys, "quotes", str(corpus), "-m", tiny_model, "-f", "json", "--speaker", query)
        assert code == 0
        results[query] = json.loads(out)
    assert [q["text"] for q in results["Lawrow"]] == ["Wir sind zufrieden"]
    assert results["lawrow"] == results["Lawrow"] == results["LWROW"]
    assert [q["text"] for q in results["Merkel"]] == ["Das ist ein guter Tag"]
    assert results["Putin"] == []
    assert results["Lawrow"][0]["doc"] == str(corpus / "a.txt")


def test_output_file_format_from_suffix(capsys, corpus, tiny_model, tmp_path):
    target = tmp_path / "out.csv"
    code, out, _ = run(capsys, "entities", str(corpus), "-m", tiny_model, "-o", str(target))
    assert code == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("name,label,count,docs,variants")


def test_missing_path_is_one_line_and_exit_2(capsys, tiny_model):
    code, out, err = run(capsys, "entities", "does/not/exist", "-m", tiny_model)
    assert code == 2
    assert err.strip().splitlines() == ["kner: error: no such file or directory: does/not/exist"]


def test_missing_model_is_one_line_and_exit_2(capsys, corpus, tmp_path):
    code, _, err = run(capsys, "analyze", str(corpus), "--model", str(tmp_path / "nope"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "nope" in err


def test_bad_option_is_a_usage_error(capsys, corpus):
    code, _, err = run(capsys, "entities", str(corpus), "--min-count", "zero")
    assert code == 2
    assert err.strip().splitlines() == [
        "kner: error: invalid value for '--min-count': Input should be a valid integer, "
        "unable to parse string as an integer (see 'kner entities -h')"]
    code, _, err = run(capsys, "entities", str(corpus), "--bogus")
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("kner: error: no such option: --bogus")
    code, _, err = run(capsys, "entitis", str(corpus))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Did you mean 'entities'?" in err
    code, _, err = run(capsys, "entities", str(corpus), "--format", "xml")
    assert code == 2 and "unknown format" in err


def test_skipped_binary_file_warns_and_exits_1(capsys, tiny_model):
    code, out, err = run(capsys, "analyze", str(FIXTURES / "mixed"), "-m", tiny_model, "-f", "jsonl")
    assert code == 1
    docs = [json.loads(line)["doc"] for line in out.splitlines()]
    assert [os.path.basename(d) for d in docs] == ["article.txt", "zz_article.txt"]
    assert err.count("kner: warning:") == 2 and "picture.txt" in err and "scan.txt" in err


def test_info_reports_pipeline(capsys, tiny_model):
    code, out, _ = run(capsys, "info", "--model", tiny_model, "--format", "json")
    details = json.loads(out)
    assert code == 0
    assert details["origin"] == "--model" and details["location"] == tiny_model
    assert details["components"][-2:] == ["kner_names", "kner_quotes"]
    assert "PER" in details["labels"]


def test_model_from_environment(capsys, corpus, tiny_model, monkeypatch):
    monkeypatch.setenv("KNER_MODEL", tiny_model)
    code, out, _ = run(capsys, "info", "-f", "json")
    assert json.loads(out)["origin"] == "KNER_MODEL"


def test_help_and_version_do_not_import_spacy():
    probe = "import sys; from korea_ner.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit: pass\nprint('SPACY' if 'spacy' in sys.modules else 'CLEAN')"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith("CLEAN")
    version = kner("--version")
    assert version.returncode == 0 and version.stdout.decode().startswith("kner ")


def test_stdin_and_jsonl_stdin(tiny_model):
    result = kner("analyze", "-", "-m", tiny_model, "-f", "jsonl", stdin="Merkel traf Lawrow.".encode())
    (record,) = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert record["doc"] == "<stdin>" and len(record["entities"]) == 2
    lines = b'{"id": "x1", "text": "Merkel."}\n{"id": "x2", "text": "Lawrow."}\n'
    result = kner("analyze", "-", "--input-format", "jsonl", "-m", tiny_model, "-f", "jsonl", stdin=lines)
    assert [json.loads(line)["doc"] for line in result.stdout.decode().splitlines()] == ["x1", "x2"]


def test_broken_pipe_is_quiet(tmp_path, tiny_model):
    for i in range(30):
        (tmp_path / f"{i:03}.txt").write_text("Merkel traf Lawrow in Moskau. " * 50, encoding="utf-8")
    script = f"{sys.executable} -m korea_ner analyze {tmp_path} -m {tiny_model} --format jsonl | head -1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True, timeout=300)
    assert len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.returncode == 141  # pipefail: kner's own status


def test_interrupt_stops_parallel_workers(tmp_path, tiny_model):
    import signal
    import time

    corpus = tmp_path / "many.jsonl"
    with corpus.open("w", encoding="utf-8") as fh:
        for i in range(20000):
            fh.write(json.dumps({"id": str(i), "text": "Merkel traf Lawrow in Moskau. " * 40}) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "korea_ner", "analyze", str(corpus), "-m", tiny_model, "-f", "jsonl", "-j", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(6)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert b"Traceback" not in err


def test_empty_directory_among_inputs_fails_before_work(capsys, corpus, tmp_path, tiny_model):
    empty = tmp_path / "leer"
    empty.mkdir()
    code, out, err = run(capsys, "analyze", str(empty), str(corpus), "-m", tiny_model, "-f", "jsonl")
    assert code == 2 and out == "" and "no files matching" in err


def test_piped_jsonl_is_recognised_on_stdin(tiny_model):
    lines = b'{"id": "x1", "text": "Merkel."}\n{"id": "x2", "text": "Lawrow."}\n'
    result = kner("analyze", "-", "-m", tiny_model, "-f", "jsonl", stdin=lines)
    assert [json.loads(line)["doc"] for line in result.stdout.decode().splitlines()] == ["x1", "x2"]


@pytest.mark.parametrize("command", ["ner", "quotes"])
def test_evaluate_rejects_files_of_the_wrong_kind(capsys, tiny_model, command):
    wrong = FIXTURES / ("jsonl/mixed.jsonl" if command == "ner" else "encodings/utf8.txt")
    code, out, err = run(capsys, "evaluate", command, str(wrong), "-m", tiny_model)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and f"{wrong}:1" in err


@pytest.mark.parametrize("name", ["broken.toml", "broken.json", "missing.toml"])
def test_bad_alias_file_is_one_line_naming_it(capsys, corpus, tiny_model, name):
    path = FIXTURES / "aliases" / name
    code, out, err = run(capsys, "entities", str(corpus), "-m", tiny_model, "--aliases", str(path))
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("kner: error:") and name in line
    if name != "missing.toml":
        assert f"{name}:" in line  # names the line too


def test_alias_file_declares_canonical_names(capsys, tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text("Merkel sprach. Die Kanzlerin Merkel ging.", encoding="utf-8")
    aliases = tmp_path / "aliases.toml"
    aliases.write_text('[[person]]\nname = "Angela Dorothea Merkel"\nvariants = ["Merkel"]\n', encoding="utf-8")
    code, out, _ = run(capsys, "entities", str(tmp_path), "-m", tiny_model, "-f", "json", "--aliases", str(aliases))
    assert code == 0
    assert [e["name"] for e in json.loads(out)] == ["Angela Dorothea Merkel"]


def test_evaluate_ner_scores_a_conll_file(capsys, tiny_model, tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_text(
        "# eine Quelle\n1\tMerkel\tB-PER\tO\n2\ttraf\tO\tO\n3\tLawrow\tB-PER\tO\n4\tin\tO\tO\n5\tRom\tB-LOC\tO\n\n"
        "Der\tO\nBundestag\tS-ORG\ntagte\tO\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "evaluate", "ner", str(gold), "-m", tiny_model, "--format", "json")
    scores = json.loads(out)
    assert code == 0 and scores["sentences"] == 2
    assert scores["per_label"]["PER"]["f1"] == 1.0 and scores["per_label"]["ORG"]["f1"] == 1.0
    assert scores["per_label"]["LOC"]["recall"] == 0.0  # the tiny model knows no Rom
    assert scores["overall"]["tp"] == 3 and scores["overall"]["fn"] == 1
    code, out, _ = run(capsys, "evaluate", "ner", str(gold), "-m", tiny_model, "-f", "table")
    assert "overall" in out and "PER" in out


def test_evaluate_quotes_scores_annotated_articles(capsys, tiny_model, tmp_path):
    text = "„Wir kommen wieder“, sagte Merkel am Abend. Der Bundestag tagte."
    quote = [text.index("„"), text.index("“") + 1]
    speaker = [text.index("Merkel"), text.index("Merkel") + len("Merkel")]
    annotation = {"type": "Direct", "quote": [quote], "speaker": [speaker], "speaker_text": "Merkel"}
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "1", "text": text, "annotations": [annotation]}) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "evaluate", "quotes", str(gold), "-m", tiny_model, "-f", "table")
    assert code == 0
    assert "F1 1.000" in out and "speaker right: 1/1" in out
    code, out, _ = run(capsys, "evaluate", "quotes", str(gold), "-m", tiny_model)  # piped: JSON
    assert json.loads(out)["articles"] == 1


def test_progress_appears_with_the_first_document(capsys, monkeypatch):
    import threading

    import korea_ner.cli as cli

    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws as on a terminal
    records = [{"doc": str(i)} for i in range(5)]
    threads_while_first_made = []

    def made():
        for record in records:
            if not threads_while_first_made:
                threads_while_first_made.append(threading.active_count())
            yield record

    before = threading.active_count()  # (dask's tests leave one running)
    assert list(cli._progress(made())) == records
    # no refresh thread before the first document: --jobs N forks its workers then
    assert threads_while_first_made == [before]
    assert "documents" in capsys.readouterr().err
    assert list(cli._progress(iter([]))) == []
