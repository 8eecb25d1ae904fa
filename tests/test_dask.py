"""kner on Dask, for real in local mode: same records, same order, same entities as one process."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

pytest.importorskip("dask.bag")

from korea_ner import dask as kdask  # noqa: E402
from korea_ner.inputs import iter_documents  # noqa: E402
from korea_ner.process import aggregate_entities as entities, analyze  # noqa: E402

TEXTS = [
    "Sergej Lawrow traf Olaf Scholz in Berlin. „Wir sind zufrieden“, sagte Lawrow.",
    "Angela Merkel besuchte den Bundestag. „Das ist ein guter Tag“, sagte Merkel.",
    "Lwrow blieb in Moskau. Scholz flog nach Pjöngjang.",
    "Merkel und Scholz sprachen in Berlin mit dem Bundestag.",
    "Kein Name hier.",
]


@pytest.fixture()
def many_files(tmp_path) -> Path:
    """Two JSONL files (ids, no ids, dates, a blank and a broken line) and a directory of texts."""
    root = tmp_path / "corpus"
    (root / "texts" / "sub").mkdir(parents=True)
    lines = [json.dumps({"id": f"a{i}", "text": TEXTS[i % len(TEXTS)], "date": "2024-03"}, ensure_ascii=False) for i in range(7)]
    lines[2] = json.dumps({"text": TEXTS[3]}, ensure_ascii=False)  # id from file and line
    lines.insert(4, "")  # blank: skipped silently, still counted as a line
    lines.insert(6, "{not json")  # reported, reading goes on
    (root / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "b.jsonl").write_text(
        "\n".join(json.dumps({"id": f"b{i}", "text": TEXTS[-1 - i % len(TEXTS)]}, ensure_ascii=False) for i in range(5)),
        encoding="utf-8",
    )  # no final newline
    for i, text in enumerate(TEXTS):
        folder = root / "texts" / ("sub" if i % 2 else "")
        (folder / f"t{i}.txt").write_text(f" date 2023-0{i + 1} {text}\n", encoding="utf-8")
    (root / "texts" / "binary.txt").write_bytes(b"%PDF-1.4\x00\x01")
    return root


def paths_of(root: Path) -> list[str]:
    return [str(root / "a.jsonl"), str(root / "texts"), str(root / "b.jsonl")]


def single_process(paths, model):
    problems = []
    report = lambda where, why: problems.append((where, why))  # noqa: E731
    records = list(analyze(iter_documents(paths, on_skip=report), model=model, on_error=report))
    return records, problems


def test_plan_reads_every_document_once_in_order(many_files):
    paths = paths_of(many_files)
    chunks = kdask.plan(paths, partition_size=2)
    assert len(chunks) == 5 + 3 + 3  # 9 lines, 6 text files, 5 lines
    planned, planned_skips = [], []
    for chunk in chunks:
        planned.extend(kdask.read_chunk(chunk, lambda where, why: planned_skips.append((where, why))))
    skips = []
    assert planned == list(iter_documents(paths, on_skip=lambda where, why: skips.append((where, why))))
    assert planned_skips == skips and [where for where, _ in skips] == [f"{paths[0]}:7", str(many_files / "texts" / "binary.txt")]
    assert f"{paths[0]}:3" in [d.id for d in planned]


def test_plan_rejects_stdin_and_missing_paths(many_files):
    from korea_ner.errors import InputError

    with pytest.raises(InputError):
        kdask.plan(["-"])
    with pytest.raises(InputError):
        kdask.plan([str(many_files / "nope.jsonl")])


def test_run_on_two_processes_equals_single_process(many_files, tiny_model, tmp_path):
    paths = paths_of(many_files)
    expected, expected_problems = single_process(paths, tiny_model)
    out, reported = io.StringIO(), []
    result = kdask.run(
        paths, output=out, parts=str(tmp_path / "parts"), model=tiny_model, partition_size=2,
        scheduler="processes", workers=2, on_problem=lambda where, why: reported.append((where, why)),
    )
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert records == expected and result.documents == len(expected) == 17
    assert result.entities == entities(expected) and any(e["count"] > 1 for e in result.entities)
    assert result.problems == reported == expected_problems and len(reported) == 2
    assert result.partitions == len(result.parts) == 11
    assert "".join(Path(p).read_text(encoding="utf-8") for p in result.parts) == out.getvalue()


def test_bag_api_on_a_local_cluster_equals_single_process(many_files, tiny_model, tmp_path):
    distributed = pytest.importorskip("distributed")
    paths = paths_of(many_files)
    expected, _ = single_process(paths, tiny_model)
    records = kdask.analyze_bag(kdask.read_documents(paths, partition_size=3), model=tiny_model)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            assert records.compute() == expected
            assert kdask.entities(records, labels=["PER"]).compute() == entities(expected, labels=["PER"])
            written = kdask.write_parts(records, str(tmp_path / "out"), scheduler=None)
    assert len(written) == records.npartitions
    assert [json.loads(line) for p in written for line in Path(p).read_text(encoding="utf-8").splitlines()] == expected


def test_cli_dask_command_matches_analyze_and_entities(many_files, tiny_model, tmp_path, capsys):
    from korea_ner.cli import main

    def kner(*args) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exit_:
            main(list(args))
        return exit_.value.code, capsys.readouterr().out

    paths = paths_of(many_files)
    code, jsonl = kner("analyze", *paths, "-m", tiny_model, "-f", "jsonl")
    assert code == 1  # the broken line and the binary file were skipped
    code, ents = kner("entities", *paths, "-m", tiny_model, "-f", "json")
    target, ents_file = tmp_path / "records.jsonl", tmp_path / "entities.json"
    code, out = kner("dask", *paths, "-m", tiny_model, "-o", str(target), "--entities", str(ents_file),
                     "--scheduler", "sync", "--partition-size", "4")
    assert code == 1 and out == ""
    assert target.read_text(encoding="utf-8") == jsonl
    assert ents_file.read_text(encoding="utf-8") == ents


def test_unknown_scheduler_is_an_error(many_files, tiny_model):
    from korea_ner.errors import InputError

    with pytest.raises(InputError):
        kdask.run([str(many_files / "b.jsonl")], model=tiny_model, scheduler="gpu")
