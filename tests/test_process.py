"""The processing core: splitting big documents, input kinds, order, error isolation."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager

import pytest

from korea_ner.inputs import Document
from korea_ner.process import analyze, as_document, split_text


def start_workers_by(method: str, monkeypatch) -> None:
    """Make analyze(jobs=N) fork or spawn its workers, whatever threads run in the test
    process (dask's tests leave one; numpy's BLAS may have its own)."""
    import korea_ner.process as process

    if method == "fork" and not sys.platform.startswith("linux"):
        pytest.skip("workers are forked on Linux only")
    monkeypatch.setattr(process, "forking_is_safe", lambda: method == "fork")


@contextmanager
def failing_on_boom(nlp):
    """``nlp`` with a first component that fails on documents containing "BOOM"."""
    import spacy

    if "kner_test_boom" not in spacy.Language.factories:
        @spacy.Language.component("kner_test_boom")
        def boom(doc):
            if "BOOM" in doc.text:
                raise ValueError("kaputt")
            return doc

    nlp.add_pipe("kner_test_boom", first=True)
    try:
        yield nlp
    finally:
        nlp.remove_pipe("kner_test_boom")


def test_short_text_is_one_part():
    assert split_text("kurz", limit=100) == [(0, "kurz")]


def test_parts_cover_text_and_cut_at_paragraphs():
    text = "".join(f"Absatz {i} mit etwas Text.\n\n" for i in range(200))
    parts = split_text(text, limit=500)
    assert "".join(part for _, part in parts) == text
    assert all(len(part) <= 500 for _, part in parts)
    assert all(text[offset:].startswith(part) for offset, part in parts)
    assert all(part.endswith("\n\n") for _, part in parts[:-1])


def test_text_without_breaks_is_still_bounded():
    text = "x" * 1234
    parts = split_text(text, limit=100)
    assert "".join(p for _, p in parts) == text and max(len(p) for _, p in parts) == 100


def test_as_document_accepts_strings_dicts_and_documents():
    assert as_document("Text", 3) == Document("3", "Text", None)
    assert as_document({"id": "x", "text": "T", "date": "2020"}, 0) == Document("x", "T", "2020")
    doc = Document("d", "t")
    assert as_document(doc, 0) is doc
    with pytest.raises(TypeError):
        as_document(42, 0)


def test_analyze_with_a_named_pipeline(tiny_model):
    records = list(analyze(["Merkel traf Lawrow in Moskau.", "", "Der Bundestag tagte."], model=tiny_model))
    assert [r["doc"] for r in records] == ["0", "1", "2"]
    assert [(e["text"], e["label"]) for e in records[0]["entities"]] == [("Merkel", "PER"), ("Lawrow", "PER"), ("Moskau", "LOC")]
    assert records[1]["entities"] == [] and records[1]["quotes"] == []
    assert records[2]["entities"][0]["label"] == "ORG"


def test_offsets_of_split_documents_index_the_whole_text(tiny_model, monkeypatch):
    import korea_ner.process as process

    monkeypatch.setattr(process, "PART_CHARS", 120)
    text = "".join(f"Absatz {i}: Merkel sprach in Berlin.\n\n" for i in range(30))
    (record,) = analyze([text], model=tiny_model)
    assert len(record["entities"]) == 60
    for entity in record["entities"]:
        assert text[entity["start"]:entity["end"]] == entity["text"]


def test_failing_document_is_reported_and_the_rest_processed(tiny_model):
    from korea_ner.model import load_pipeline

    nlp = load_pipeline(tiny_model)
    with failing_on_boom(nlp):
        errors = []
        records = list(analyze(["Merkel.", "BOOM", "Lawrow."], nlp=nlp, on_error=lambda d, m: errors.append(d)))
    assert [r["doc"] for r in records] == ["0", "2"]
    assert errors == ["1"]


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_parallel_jobs_keep_order_and_results(tiny_model, monkeypatch, start):
    import korea_ner.process as process

    start_workers_by(start, monkeypatch)
    monkeypatch.setattr(process, "JOB_BATCH_CHARS", 100)  # many small batches over two workers
    texts = [f"Text {i}: Merkel traf Lawrow." if i % 2 else f"Text {i} in Moskau." for i in range(40)]
    serial = list(analyze(texts, model=tiny_model))
    parallel = list(analyze(texts, model=tiny_model, jobs=2))
    assert parallel == serial


def test_parallel_run_shares_batches_with_this_process(tiny_model, monkeypatch):
    import korea_ner.process as process

    ran_here = []
    real_run_batch = process._run_batch
    monkeypatch.setattr(process, "_run_batch", lambda nlp, batch: ran_here.append(len(batch)) or real_run_batch(nlp, batch))
    monkeypatch.setattr(process, "JOB_BATCH_CHARS", 100)
    monkeypatch.setattr(process, "IN_FLIGHT_PER_WORKER", 1)
    texts = [f"Text {i}: Merkel traf Lawrow in Moskau." for i in range(30)]
    parallel = list(analyze(texts, model=tiny_model, jobs=2))
    assert parallel == list(analyze(texts, model=tiny_model))
    # the worker takes the first batch while it loads: the next ones run here
    assert 0 < sum(ran_here) < len(texts)


def test_errors_of_batches_run_here_are_reported_in_order(tiny_model, monkeypatch):
    import korea_ner.process as process
    from korea_ner.model import load_pipeline

    monkeypatch.setattr(process, "JOB_BATCH_CHARS", 10)
    monkeypatch.setattr(process, "IN_FLIGHT_PER_WORKER", 0)  # the worker gets nothing
    nlp = load_pipeline(tiny_model)  # the pipeline this process uses for jobs=2
    with failing_on_boom(nlp):
        events = []
        records = analyze(["Merkel.", "BOOM", "Lawrow.", "BOOM"], model=tiny_model, jobs=2,
                          on_error=lambda doc_id, message: events.append(("error", doc_id)))
        for record in records:
            events.append(("record", record["doc"]))
    # each batch's errors come before its records; nothing is reported twice
    assert events == [("error", "1"), ("record", "0"), ("error", "3"), ("record", "2")]


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_forked_workers_share_this_processs_pipeline_spawned_ones_load_their_own(tiny_model, monkeypatch, start):
    import korea_ner.process as process
    from korea_ner.model import load_pipeline

    start_workers_by(start, monkeypatch)

    monkeypatch.setattr(process, "JOB_BATCH_CHARS", 10)  # one document per batch
    monkeypatch.setattr(process, "IN_FLIGHT_PER_WORKER", 1000)  # every batch goes to the worker
    ran_here = []
    real_run_batch = process._run_batch
    monkeypatch.setattr(process, "_run_batch", lambda nlp, batch: ran_here.append(batch) or real_run_batch(nlp, batch))
    with failing_on_boom(load_pipeline(tiny_model)):  # a change a loaded model would not have
        errors = []
        records = list(analyze(["Merkel.", "BOOM", "Lawrow.", "BOOM"], model=tiny_model, jobs=2,
                               on_error=lambda doc_id, message: errors.append(doc_id)))
    assert ran_here == []  # (the list of a forked worker's own copy of this process stays apart)
    if start == "fork":
        assert [record["doc"] for record in records] == ["0", "2"]
        assert errors == ["1", "3"]
    else:  # a spawned worker loads the pipeline afresh, without the change
        assert [record["doc"] for record in records] == ["0", "1", "2", "3"]
        assert errors == []


def test_workers_are_spawned_while_another_thread_runs():
    import threading

    from korea_ner.process import forking_is_safe

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forking_is_safe()  # it might hold a lock the forked worker would wait for
    finally:
        stop.set()
        thread.join()
    program = "import numpy; from korea_ner.process import forking_is_safe; print(forking_is_safe())"
    for blas_threads, safe in (("1", sys.platform.startswith("linux")), ("2", False)):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": blas_threads}
        alone = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, env=env)
        assert alone.stdout.strip() == str(safe), blas_threads  # OpenBLAS's threads count too


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_a_model_that_does_not_load_is_an_error_not_a_hang(tmp_path, monkeypatch, start):
    from korea_ner.errors import ModelError

    start_workers_by(start, monkeypatch)
    broken = tmp_path / "broken_model"
    broken.mkdir()
    (broken / "config.cfg").write_text("not a spaCy config", encoding="utf-8")
    # spawned: the one document goes to the worker, and this process never loads a model itself
    with pytest.raises(ModelError, match="broken_model"):
        list(analyze(["Ein Satz."], model=str(broken), jobs=2))


def test_an_input_that_fails_is_raised_not_swallowed(tiny_model):
    errors = []

    def items():
        yield "Merkel traf Lawrow."
        raise OSError("the archive went away")

    records = analyze(items(), model=tiny_model, on_error=lambda doc_id, message: errors.append(doc_id))
    with pytest.raises(OSError, match="went away"):
        for _ in records:
            pass
    assert errors == []  # not a document's processing error
    with pytest.raises(TypeError, match="cannot analyze item 1"):
        list(analyze(["Merkel.", 5, "Lawrow."], model=tiny_model, on_error=lambda *a: None))


def test_forking_leaves_the_callers_frozen_objects_frozen(tiny_model, monkeypatch):
    import gc

    start_workers_by("fork", monkeypatch)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert len(list(analyze(["Merkel traf Lawrow."] * 3, model=tiny_model, jobs=2))) == 3
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
    assert len(list(analyze(["Merkel traf Lawrow."] * 3, model=tiny_model, jobs=2))) == 3
    assert gc.get_freeze_count() == 0  # nor leaves any frozen where there were none


def test_a_worker_killed_mid_run_is_an_error_not_a_hang(tiny_model, monkeypatch):
    import signal

    import spacy

    import korea_ner.process as process
    from korea_ner.errors import WorkerDiedError
    from korea_ner.model import load_pipeline

    start_workers_by("fork", monkeypatch)
    monkeypatch.setattr(process, "JOB_BATCH_CHARS", 10)  # one document per batch
    monkeypatch.setattr(process, "IN_FLIGHT_PER_WORKER", 1000)  # every batch goes to the worker
    this_process = os.getpid()
    if "kner_test_oom" not in spacy.Language.factories:
        @spacy.Language.component("kner_test_oom")
        def killed_like_by_the_oom_killer(doc):
            if "KILL" in doc.text and os.getpid() != this_process:
                os.kill(os.getpid(), signal.SIGKILL)
            return doc

    nlp = load_pipeline(tiny_model)
    nlp.add_pipe("kner_test_oom", first=True)
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("analyze hung after its worker was killed"))
    signal.alarm(60)
    seen = []
    try:
        with pytest.raises(WorkerDiedError, match="SIGKILL"):
            for record in analyze(["Merkel.", "Lawrow.", "KILL", "Kim."], model=tiny_model, jobs=2):
                seen.append(record["doc"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        nlp.remove_pipe("kner_test_oom")
    assert seen == ["0", "1"]  # what came before the lost batch is all there
