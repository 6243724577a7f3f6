"""The course checks itself, as rustlings' `dev check` does: for every lesson, the
checkpoint passes `just verify`'s checks for that lesson (its own tests and
benchmarks included), and the exercise's start state fails them.

The checks run against each checkpoint's own build, kept in .course/builds/ until its
sources change. The benchmarks run on a small input with timing disabled: they
prove they work and that every answer agrees with the Python loop, and measure nothing.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, have_valgrind, missing
from course import LESSONS_DIR, build, manifest, measure, read_toml

pytestmark = pytest.mark.slow  # every checkpoint built and checked
LESSONS = manifest.load()


def check(lesson: manifest.Lesson, folder: Path, built_from: manifest.Lesson | None, site: Path | None = None):
    """`just verify`'s checks for `lesson` on the files in `folder`, with `built_from`'s Rust
    (or the build installed in `site`)."""
    path = [str(ROOT / "tools")]
    if built_from is not None and built_from.has_rust:
        path.insert(0, str(build.checkpoint_site(built_from)))
    if site is not None:
        path.insert(0, str(site))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "DOUBLES_SIZE": "500"}
    cmd = [sys.executable, "-m", "course.check", str(lesson.number), str(folder)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.dir)
def test_checkpoint_passes_its_lessons_checks(lesson):
    result = check(lesson, lesson.path, lesson)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "✗" not in result.stdout
    if lesson.has_rust:
        # The checks imported this checkpoint's own build, made from its sources as they are...
        profile = build.profile_of(lesson.path)
        site = ROOT / ".course/builds" / f"{lesson.dir}-{profile}"
        assert (site / ".course-fingerprint").read_text() == build._fingerprint(lesson.path, profile)
        # ...and that build holds exactly this checkpoint's functions, no other lesson's.
        # (Its functions and classes; attributes such as #[pyo3(signature = ...)] may follow.)
        exported = r"#\[py(?:function|class)[^\n]*\]\s*(?:#\[[^\n]*\]\s*)*(?:pub\s+)?(?:fn|struct) (\w+)"
        declared = set(re.findall(exported, (lesson.path / "src/lib.rs").read_text()))
        module = measure.load_extension(site)
        assert {name for name in dir(module) if not name.startswith("_")} == declared


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.dir)
def test_exercise_start_fails_its_lessons_checks(lesson):
    if "vectorized" in lesson.verify and not have_valgrind():
        missing("valgrind", "the step is checked by counting instructions")
    if lesson.start:
        result = check(lesson, LESSONS_DIR / lesson.start, None)
    else:
        previous = manifest.find(lesson.number - 1)
        assert lesson.start_files() == previous.files()
        result = check(lesson, previous.path, previous)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗" in result.stdout and "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS if lesson.start], ids=lambda lesson: lesson.dir)
def test_a_start_folder_is_a_doubles_py_to_fill_in(lesson):
    start, done = lesson.start_files(), lesson.files()
    assert start.keys() == done.keys() and start["pyproject.toml"] == done["pyproject.toml"]
    assert b"raise NotImplementedError" in start["doubles.py"]
    assert "count_doubles" in check(lesson, LESSONS_DIR / lesson.start, None).stdout


CORE_LESSONS = [lesson for lesson in LESSONS if (lesson.path / "core/Cargo.toml").is_file()]
# Each core crate is tested as it is, and once with each cargo feature it declares (such
# as one that compiles out the kernels of one kind of processor, to test the others here).
CORE_RUNS = [
    (lesson, feature)
    for lesson in CORE_LESSONS
    for feature in [None, *read_toml(lesson.path / "core/Cargo.toml", "no core/Cargo.toml").get("features", {})]
]


@pytest.mark.parametrize(
    ("lesson", "feature"),
    CORE_RUNS,
    ids=[lesson.dir + (f"-{feature}" if feature else "") for lesson, feature in CORE_RUNS],
)
def test_the_core_crate_passes_its_own_tests(lesson, feature):
    """From lesson 6 on, the counting is a crate with no Python in it: `cargo test` alone
    checks it (its property tests against the definition, and its doc examples)."""
    for path in build.sources(lesson.path):
        path.touch()  # the shared target folder: see build.py
    cmd = ["cargo", "test", "--quiet", "--locked", "--manifest-path", str(lesson.path / "core/Cargo.toml")]
    if feature:
        cmd += ["--features", feature]
    env = {**os.environ, "CARGO_TARGET_DIR": str(build.TARGET_DIR)}
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.findall(r"^test result: ok\. (\d+) passed", result.stdout, re.M)  # one line per test binary
    assert passed and all(int(n) > 0 for n in passed), result.stdout
