"""Kinds of `just verify` check, each on a made-up working copy: nothing is built.

A check reads what it needs from the manifest's keys and the working copy's own files
(its Cargo.toml, its scripts), never from a lesson's number or a crate's name, so each
is tried here on a folder of a few files with a lesson made up from the manifest's.
"""

from __future__ import annotations

import dataclasses
import sys
import textwrap

import pytest

from course import check, manifest

SCRIPT = """\
import string_doubles

print("doubles in 'aabbé':", string_doubles.count_doubles("aabbé"))
print("done")
"""


def _lesson(**keys) -> manifest.Lesson:
    return dataclasses.replace(manifest.load()[0], **keys)


def _write(folder, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(textwrap.dedent(text))


def _agree_checker(tmp_path, script: str, rust: str) -> check.Checker:
    """A working copy whose string_doubles is `rust` (Python standing in for the build),
    and a lesson that runs script.py and wants its counts to be the Python loop's."""
    _write(tmp_path, {"script.py": script, "string_doubles.py": rust})
    lesson = _lesson(verify=("string_doubles:count_doubles",), runs=("script.py",), runs_agree=("script.py",))
    return check.Checker(lesson, tmp_path)


def test_a_script_whose_counts_are_the_loops_agrees(tmp_path):
    checker = _agree_checker(
        tmp_path, SCRIPT, "def count_doubles(val):\n    return sum(a == b for a, b in zip(val, val[1:]))\n"
    )
    checker.runs()
    assert checker.problems == []
    assert checker.passed == ["`python script.py` runs, and prints the Python loop's counts"]


def test_a_script_whose_counts_differ_says_the_first_line_that_differs(tmp_path):
    wrong = "def count_doubles(val):\n    return 1 + sum(a == b for a, b in zip(val, val[1:]))\n"
    checker = _agree_checker(tmp_path, SCRIPT, wrong)
    checker.runs()
    assert checker.problems == [
        "`python script.py` printed “doubles in 'aabbé': 3” where, with the Python loop in place of "
        "string_doubles, it prints “doubles in 'aabbé': 2”: its counts are not the Python loop's."
    ]


def test_a_script_that_fails_says_where(tmp_path):
    script = SCRIPT.replace('print("done")', "print(1 / 0)")
    checker = _agree_checker(tmp_path, script, "def count_doubles(val):\n    return 0\n")
    checker.runs()
    (said,) = checker.problems
    assert said == (
        "`python script.py` failed (exit status 1): ZeroDivisionError: division by zero (at script.py, line 4)"
    )


def test_a_command_not_asked_to_agree_only_has_to_run_and_print(tmp_path):
    _write(tmp_path, {"script.py": SCRIPT, "string_doubles.py": "def count_doubles(val):\n    return 7\n"})
    checker = check.Checker(_lesson(runs=("script.py",)), tmp_path)
    checker.runs()
    assert checker.problems == [] and checker.passed == ["`python script.py` runs and prints its results"]


def test_runs_agree_must_name_a_command_of_runs():
    data = manifest.read_toml(manifest.MANIFEST, "")
    entry = next(entry for entry in data["lesson"] if entry.get("runs"))
    entry["runs_agree"] = ["elsewhere.py"]
    with pytest.raises(manifest.CourseError, match="'runs_agree' names 'elsewhere.py', which is not in its 'runs'"):
        manifest.parse(data)


CARGO = """\
[package]
name = "outer"

[workspace]
members = ["inner"]

[profile.release.package.outer]
debug = "line-tables-only"
"""


def test_line_tables_are_asked_of_the_crates_the_working_copy_has(tmp_path):
    _write(tmp_path, {"Cargo.toml": CARGO, "inner/Cargo.toml": '[package]\nname = "inner"\n'})
    checker = check.Checker(_lesson(), tmp_path)
    checker.line_tables()
    (said,) = checker.problems
    assert "release build of inner: add [profile.release.package.inner]" in said and "outer" not in said
    _write(tmp_path, {"Cargo.toml": CARGO + '\n[profile.release.package.inner]\ndebug = "line-tables-only"\n'})
    checker = check.Checker(_lesson(), tmp_path)
    checker.line_tables()
    assert checker.problems == [] and len(checker.passed) == 1


def test_line_tables_of_a_whole_release_profile_count_for_every_crate(tmp_path):
    cargo = '[package]\nname = "outer"\n\n[profile.release]\ndebug = "line-tables-only"\n'
    _write(tmp_path, {"Cargo.toml": cargo})
    checker = check.Checker(_lesson(), tmp_path)
    checker.line_tables()
    assert checker.problems == []


def test_the_advice_against_a_copy_follows_what_the_function_compares(tmp_path, monkeypatch):
    """A function that compares bytes (the manifest's ascii_only) is told to count the
    stored bytes; one that compares characters, to read the str where it lies."""
    bytes_one = next(item for item in sorted(manifest.ascii_only()) if item.startswith("doubles:"))
    names = [bytes_one.split(":")[1], "count_characters"]
    _write(tmp_path, {"doubles.py": "".join(f"def {name}(val):\n    return len(val.encode()) * 0\n" for name in names)})
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "doubles", raising=False)
    checker = check.Checker(_lesson(no_copy=(bytes_one, "doubles:count_characters")), tmp_path)
    checker.no_copy()
    first, second = checker.problems
    assert first.startswith(f"{bytes_one} made a copy") and first.endswith(check.NO_COPY_ADVICE[True])
    assert second.startswith("doubles:count_characters made a copy") and second.endswith(check.NO_COPY_ADVICE[False])


def test_long_inputs_go_past_a_lessons_cut_over():
    """A lesson that counts another way from `cut_over` items on is checked past it, in
    the narrowest and the widest storage, and in bytes-like objects if it takes them."""
    plain = check.long_inputs(bytes_like_too=True)
    past = check.long_inputs(bytes_like_too=True, cut_over=1000)
    assert past[: len(plain)] == plain
    added = past[len(plain) :]
    assert {type(value) for _, value in added} == {str, bytes, bytearray}
    assert all(1000 < len(value) <= 1003 for _, value in added)
    assert {max(map(ord, value)) for _, value in added if isinstance(value, str)} == {ord("b"), 0x1F980}
    assert all(value == eval(text) for text, value in added)  # noqa: S307 (what a message shows makes it)
    widest = [lesson.cut_over for lesson in manifest.load()]
    assert any(widest), "a lesson declares a cut-over (lessons.toml's cut_over)"
    assert max(widest) < max(len(value) for _, value in check.long_inputs(True, max(widest)))
