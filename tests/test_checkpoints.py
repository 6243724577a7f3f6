"""Every checkpoint builds on its own and passes its own tests, benchmarks included.

The benchmarks run on a small input with timing disabled: this proves they work and
that every answer they check agrees with the Python loop, and measures nothing.
"""

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from course import build, manifest, peers


@pytest.mark.parametrize("lesson", manifest.load(), ids=lambda lesson: lesson.dir)
def test_checkpoint_passes_its_tests(lesson):
    result = subprocess.run(
        [sys.executable, "-m", "course", "test-checkpoint", str(lesson.number), "--benchmark-disable", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tools")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
    if lesson.has_rust:
        # The tests imported this checkpoint's own build, made from its sources as they are.
        profile = build.profile_of(lesson.path)
        site = ROOT / ".course/builds" / f"{lesson.dir}-{profile}"
        assert (site / ".course-fingerprint").read_text() == build._fingerprint(lesson.path, profile)
        # ...and that build holds exactly this checkpoint's functions, no other lesson's.
        declared = set(re.findall(r"#\[pyfunction\]\s*fn (\w+)", (lesson.path / "src/lib.rs").read_text()))
        module = peers.load_extension(site)
        assert {name for name in dir(module) if not name.startswith("_")} == declared
