"""The README's set-up commands are the ones CI runs, and its examples are true."""

from __future__ import annotations

import re

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def bash_blocks() -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S)]


def test_ci_runs_the_readme_test_command():
    test_command = next(block for block in bash_blocks() if "pytest" in block)
    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci_script.splitlines()


def test_readme_install_command_runs_the_main_job_on_the_seeds():
    assert any("pip install" in block and "kner entities seeds/" in block for block in bash_blocks())


def test_readme_has_no_unfilled_placeholders():
    assert "@@" not in README
