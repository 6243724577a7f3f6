"""The course's tests in two tiers, the rule for tools a machine lacks, and what a plain
`pytest` at the course's root runs."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, cannot_run, missing


def test_a_missing_tool_skips_saying_how_to_install_it(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        missing("valgrind", "the step is checked by counting instructions")
    said = str(skipped.value)
    assert "valgrind is missing" in said and "`just doctor --install` installs it" in said


@pytest.mark.parametrize("ci", ["true", "1"])
def test_with_ci_true_a_missing_tool_fails_the_test(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception) as failed:
        missing("Chromium", "the browser tests open the book in headless Chromium")
    assert "Chromium is missing, and CI=true: `just doctor --install` installs it" in str(failed.value)
    with pytest.raises(pytest.fail.Exception):
        cannot_run("py-spy may not read another process here", "`sudo sysctl kernel.yama.ptrace_scope=0`")


def test_a_test_not_marked_slow_gets_a_cargo_that_builds_nothing():
    """So a test that builds cannot slip into `just test-quick` (conftest.builds_nothing)."""
    log = Path(os.environ["COURSE_TEST_CARGO_LOG"])
    assert subprocess.run(["cargo", "build"], capture_output=True).returncode == 1
    assert log.read_text() == "cargo build\n"
    log.unlink()  # called on purpose: the check after the test would fail it


def test_a_plain_pytest_at_the_root_runs_the_learners_doubles_py_only(course):
    """The course's own tests are `just test`: a learner who types `pytest` gets theirs."""
    course.just("lesson-1")
    shutil.copytree(ROOT / "tests", course.root / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(cmd, cwd=course.root, env=course.env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert collected and all(line.startswith("doubles.py::") for line in collected), result.stdout
