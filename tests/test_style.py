"""Formatting and lints: the diffs between lessons stay about meaning."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT
from course import build, manifest

RUST_LESSONS = [lesson for lesson in manifest.load() if lesson.has_rust]


def run(cmd, **env):
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env})
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_passes_ruff():
    ruff = [sys.executable, "-m", "ruff"]
    # Not the learner's working copy (doubles.py at the top): the tests leave it alone.
    run([*ruff, "check", "tools", "tests", "lessons"])
    run([*ruff, "format", "--check", "tools", "tests", "lessons"])


@pytest.mark.parametrize("lesson", RUST_LESSONS, ids=lambda lesson: lesson.dir)
@pytest.mark.slow
def test_rust_is_formatted_and_clippy_clean(lesson):
    manifest_path = str(lesson.path / "Cargo.toml")
    run(["cargo", "fmt", "--all", "--check", "--manifest-path", manifest_path])
    # Same interpreter as every build, so PyO3 is not rebuilt; a touch so the shared
    # target folder cannot pass off another lesson's result as this one's.
    for path in build.sources(lesson.path):
        path.touch()
    run(
        ["cargo", "clippy", "--quiet", "--locked", "--workspace", "--all-targets", "--manifest-path", manifest_path]
        + ["--", "-D", "warnings"],
        PYO3_PYTHON=build.interpreter(),
        CARGO_TARGET_DIR=str(build.TARGET_DIR),
    )
