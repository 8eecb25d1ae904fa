"""kner's processes import spaCy without its command line; everything of spaCy still works."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_pipeline_runs_without_spacys_command_line_and_the_command_line_still_imports():
    out = run_python("""
        import sys
        from korea_ner.spacy_import import defer_spacy_cli

        assert defer_spacy_cli()
        from korea_ner.model import load_pipeline

        doc = load_pipeline()("„Wir kommen morgen“, sagte Anna Berg in Köln.")
        assert [e.text for e in doc.ents] == ["Anna Berg", "Köln"], doc.ents
        assert doc._.quotes[0].speaker.name == "Anna Berg"
        print("weasel" in sys.modules, "spacy.cli.download" in sys.modules)

        import spacy
        assert spacy.info()["spacy_version"] == spacy.__version__  # imports the real one on first call
        from spacy.cli import setup_cli

        assert callable(setup_cli)
        assert spacy.cli is sys.modules["spacy.cli"] and hasattr(spacy.cli, "app")
        print("weasel" in sys.modules)
    """)
    assert out.split() == ["False", "False", "True"]


def test_submodules_import_before_the_package_is_needed():
    run_python("""
        import sys
        from korea_ner.spacy_import import defer_spacy_cli

        defer_spacy_cli()
        import spacy

        assert type(sys.modules["spacy.cli"]).__name__ == "_Deferred"
        import spacy.cli.download
        from spacy.cli.download import download

        # as without kner: the package's names, not its submodules ("download" is a function)
        assert spacy.cli.download is download and callable(download)
        assert type(sys.modules["spacy.cli"]).__name__ == "module"
    """)


def test_an_already_imported_spacy_is_left_alone():
    out = run_python("""
        import spacy
        from korea_ner.spacy_import import defer_spacy_cli

        print(defer_spacy_cli(), type(spacy.cli).__name__)
    """)
    assert out.split() == ["False", "module"]


def test_the_kner_command_does_not_import_spacys_command_line(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Anna Berg sprach in Köln.", encoding="utf-8")
    out = run_python(f"""
        import sys
        from korea_ner.cli import main

        try:
            main(["analyze", {str(article)!r}, "--format", "jsonl"])
        except SystemExit as exit:
            assert not exit.code, exit.code
        print("weasel" in sys.modules)
    """)
    assert '"Anna Berg"' in out and out.split()[-1] == "False"


def test_the_real_package_looks_as_if_never_deferred():
    out = run_python("""
        import sys
        from korea_ner.spacy_import import defer_spacy_cli

        defer_spacy_cli()
        import spacy
        import spacy.cli._util  # a submodule first, under the stand-in

        print(type(spacy.cli._util.app).__name__)  # bound on the real package too
        print(len(dir(spacy.cli)) > 20, defer_spacy_cli())  # the real names; never deferred twice
    """)
    assert out.split() == ["Typer", "True", "False"]


def test_star_import_gives_the_real_names():
    out = run_python("""
        from korea_ner.spacy_import import defer_spacy_cli

        defer_spacy_cli()
        import spacy
        from spacy.cli import *  # noqa: F403

        print(callable(setup_cli), callable(download))  # noqa: F405
    """)
    assert out.split() == ["True", "True"]
