"""Mutation testing: every mutant cargo-mutants makes of a lesson's step (the code its
crate adds or changes) is caught by the checkpoint's own tests, or listed with its reason
in lessons/equivalent-mutants.toml.

The first tests check the list, the judging and the diff of a step without cargo-mutants.
The last ones install cargo-mutants once (into .course/tools/, as `just mutants` does),
check that it reads the course's diffs, that every listed mutant is one it makes
(`--list`, nothing built), and run the real mutation run of each lesson's step: the same
run as `just mutants`.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import CARGO_MUTANTS_INSTALL
from course import CourseError, manifest, mutants

MUTATED = mutants.mutated_lessons()


def test_lessons_with_cargo_tests_name_their_crate_for_mutation_testing():
    """A lesson whose chapter runs `cargo test` holds those tests to cargo-mutants too."""
    assert MUTATED, "no lesson names a crate with `mutants` in lessons.toml"
    for lesson in manifest.load():
        if lesson.cargo_tests:
            assert lesson.mutants, f"{lesson} runs cargo tests but names no crate with `mutants`"


@pytest.mark.parametrize("lesson", MUTATED, ids=lambda lesson: lesson.dir)
def test_each_named_crate_is_a_package_of_its_checkpoint(lesson):
    with (mutants.crate_dir(lesson) / "Cargo.toml").open("rb") as f:
        assert "package" in tomllib.load(f), f"lessons/{lesson.dir}/{lesson.mutants}/Cargo.toml is no package"


def test_a_crate_folder_that_is_not_there_is_named():
    lesson = manifest.Lesson(number=99, dir=MUTATED[0].dir, title="t", verify=(), hint="h", mutants="no-such-crate")
    with pytest.raises(CourseError, match="no-such-crate/ holds no Cargo.toml"):
        mutants.crate_dir(lesson)


def test_the_equivalent_mutants_are_listed_with_reasons():
    listed = mutants.equivalents()
    for item in listed:
        assert len(item.reason.split()) >= 12, f"{item.mutant}: say why no test can catch it"


ENTRY = {"lesson": MUTATED[0].dir, "mutant": "core/src/lib.rs:1:1: replace f -> u64 with 0", "reason": "because"}


@pytest.mark.parametrize(
    "entries, message",
    [
        ([{k: v for k, v in ENTRY.items() if k != "reason"}], "exactly lesson, mutant and reason"),
        ([{**ENTRY, "why": "extra"}], "exactly lesson, mutant and reason"),
        ([{**ENTRY, "reason": "  "}], "none empty"),
        ([{**ENTRY, "lesson": "01-python"}], "is no lesson with `mutants`"),
        ([ENTRY, ENTRY], "listed twice"),
    ],
    ids=["no reason", "unknown key", "empty reason", "lesson without a crate", "twice"],
)
def test_a_broken_list_of_equivalent_mutants_is_named(tmp_path, entries, message):
    path = tmp_path / "equivalent-mutants.toml"
    path.write_text(
        "".join("[[equivalent]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in e.items()) for e in entries)
    )
    with pytest.raises(CourseError, match=message):
        mutants.equivalents(path)


def _equivalent(name: str) -> mutants.Equivalent:
    return mutants.Equivalent(lesson=MUTATED[0].dir, mutant=name, reason="it does the same")


def test_judging_outcomes_against_the_list():
    outcomes = mutants.Outcomes(
        caught=["a", "listed but caught"], missed=["hole", "same"], unviable=["u"], timeout=["loops"]
    )
    listed = [_equivalent("same"), _equivalent("listed but caught"), _equivalent("not run")]
    verdict = mutants.judge(outcomes, listed)
    assert verdict.missed == ["hole"] and not verdict.ok
    assert [item.mutant for item in verdict.equivalent] == ["same"]
    assert [item.mutant for item in verdict.listed_but_caught] == ["listed but caught"]
    lines = mutants.summary(MUTATED[0], verdict)
    assert any(line.split() == ["caught", "3", *line.split()[2:]] for line in lines), lines  # timeouts are caught
    assert "    hole" in lines
    assert mutants.judge(mutants.Outcomes(caught=["a"], missed=["same"]), listed).ok


def test_a_whole_crate_keeps_the_equivalent_mutants_of_the_steps_it_copies():
    """With --whole, a mutant an earlier lesson lists (same file, function and change) at
    another line is equivalent here too; one at another place, or listed only by a later
    lesson, is not."""
    first, second = MUTATED[0], MUTATED[1]
    listed = [
        mutants.Equivalent(first.dir, "core/src/lib.rs:10:5: replace < with <= in parts", "why"),
        mutants.Equivalent(second.dir, "core/src/lib.rs:12:5: replace * with + in later", "later"),
    ]
    missed = ["core/src/lib.rs:40:9: replace < with <= in parts", "core/src/lib.rs:40:9: replace < with == in parts",
              "core/src/lib.rs:44:9: replace * with + in later"]  # fmt: skip
    (copy,) = mutants.inherited(missed, second, listed)
    assert copy.mutant == missed[0] and copy.lesson == second.dir and copy.reason == f"as listed for {first.dir}: why"
    assert mutants.inherited(missed, first, listed) == []


def test_outcomes_are_read_from_cargo_mutants_json(tmp_path):
    def mutant(name: str, summary: str) -> dict:
        return {"scenario": {"Mutant": {"name": name, "file": "core/src/lib.rs"}}, "summary": summary}

    outcomes = [
        {"scenario": "Baseline", "summary": "Success"},
        mutant("c", "CaughtMutant"),
        mutant("m", "MissedMutant"),
        mutant("u", "Unviable"),
        mutant("t", "Timeout"),
    ]
    path = tmp_path / "outcomes.json"
    path.write_text(json.dumps({"outcomes": outcomes}))
    read = mutants.read_outcomes(path)
    assert (read.caught, read.missed, read.unviable, read.timeout) == (["c"], ["m"], ["u"], ["t"])
    path.write_text(json.dumps({"outcomes": [{"scenario": "Baseline", "summary": "Failure"}]}))
    with pytest.raises(CourseError, match="tests fail before any mutant is made"):
        mutants.read_outcomes(path)


# --- the step: a diff of two crates ---------------------------------------------------

WORKSPACE = '[workspace]\nmembers = ["core"]\nresolver = "3"\n'
CRATE = '[package]\nname = "tiny"\nversion = "0.1.0"\nedition = "2024"\n'
LIB = """\
pub fn double(x: u64) -> u64 {
    x * 2
}

pub fn triple(x: u64) -> u64 {
    x * 3
}
"""


def _checkpoint(root: Path, files: dict[str, str]) -> Path:
    """A made-up checkpoint: a workspace whose member core/ holds `files`; its crate folder."""
    (root / "Cargo.toml").parent.mkdir(parents=True)
    (root / "Cargo.toml").write_text(WORKSPACE)
    for name, text in {"Cargo.toml": CRATE, **files}.items():
        (root / "core" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "core" / name).write_text(text)
    return root / "core"


def test_a_step_is_the_diff_of_its_crates_rust_files(tmp_path):
    before = _checkpoint(tmp_path / "a", {"src/lib.rs": LIB, "src/same.rs": "pub fn same() {}\n", "src/gone.rs": "\n"})
    after = _checkpoint(
        tmp_path / "b",
        {
            "src/lib.rs": LIB.replace("x * 3", "x + x + x"),
            "src/same.rs": "pub fn same() {}\n",
            "src/new.rs": "pub fn one() -> u64 {\n    1\n}\n",
            "README.md": "not Rust\n",
        },
    )
    diff = mutants.step_diff(before, after, after.parent)
    # Named as cargo-mutants names a member's files: from the workspace's root.
    assert "--- a/core/src/lib.rs\n+++ b/core/src/lib.rs\n" in diff
    assert "-    x * 3\n+    x + x + x\n" in diff
    assert "    x * 2\n" not in diff.split("@@")[-1]  # only the changed function's lines and context
    # A new file comes from /dev/null, every line of it added.
    assert "--- /dev/null\n+++ b/core/src/new.rs\n@@ -0,0 +1,3 @@\n+pub fn one() -> u64 {\n+    1\n+}\n" in diff
    # Unchanged files, files the step removes and files that are not Rust are left out.
    assert "same.rs" not in diff and "gone.rs" not in diff and "README" not in diff
    assert diff.endswith("\n")


def test_a_crate_whose_rust_code_is_unchanged_has_an_empty_step(tmp_path):
    before = _checkpoint(tmp_path / "a", {"src/lib.rs": LIB})
    after = _checkpoint(tmp_path / "b", {"src/lib.rs": LIB})
    (after / "Cargo.toml").write_text(CRATE + "\n[dependencies]\n")  # not Rust code
    assert mutants.step_diff(before, after, after.parent) == ""


@pytest.mark.slow  # asks cargo (`cargo locate-project`), though it builds nothing
def test_a_crates_files_are_named_from_its_workspaces_root(tmp_path):
    crate = _checkpoint(tmp_path / "ws", {"src/lib.rs": LIB})
    assert mutants.workspace_root(crate) == tmp_path / "ws"
    alone = tmp_path / "alone"
    (alone / "src").mkdir(parents=True)
    (alone / "Cargo.toml").write_text(CRATE)
    (alone / "src" / "lib.rs").write_text(LIB)
    assert mutants.workspace_root(alone) == alone


@pytest.mark.slow  # asks cargo (`cargo locate-project`), though it builds nothing
def test_the_first_lesson_mutates_its_whole_crate_and_the_others_their_step():
    first, *later = MUTATED
    assert mutants.previous(first) is None and mutants.step(first) == []
    for before, lesson in zip(MUTATED, later, strict=False):
        assert mutants.previous(lesson) == before
        args = mutants.step(lesson)
        assert args is None or args[0] == "--in-diff" and Path(args[1]).read_text().startswith("--- ")


# --- with cargo-mutants itself ---------------------------------------------------------


@pytest.fixture(scope="module")
def cargo_mutants(request) -> str:
    # conftest.py started installing it in the background, if it was missing
    return mutants.ensure_cargo_mutants(request.config.stash.get(CARGO_MUTANTS_INSTALL, None))


def test_every_listed_equivalent_mutant_is_one_cargo_mutants_makes(cargo_mutants):
    listed = mutants.equivalents()
    for lesson in MUTATED:
        mine = [item for item in listed if item.lesson == lesson.dir]
        names = mutants.listed(cargo_mutants, lesson)
        assert names, f"cargo-mutants makes no mutant of lessons/{lesson.dir}/{lesson.mutants}"
        stale = mutants.unknown_equivalents(names, mine)
        assert not stale, f"not made by cargo-mutants (the code moved? `just mutants {lesson.number} --list`): {stale}"


def test_cargo_mutants_keeps_the_mutants_of_the_lines_a_step_changes(cargo_mutants, tmp_path):
    before = _checkpoint(tmp_path / "a", {"src/lib.rs": LIB})
    changed = LIB.replace("x * 3", "x + x + x") + "\npub mod new;\n"
    after = _checkpoint(tmp_path / "b", {"src/lib.rs": changed, "src/new.rs": "pub fn one() -> u64 {\n    1\n}\n"})
    diff = tmp_path / "step.diff"
    diff.write_text(mutants.step_diff(before, after, mutants.workspace_root(after)))

    def names(*args: str) -> list[str]:
        cmd = [cargo_mutants, "mutants", "--dir", str(after), "--list", *args]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        return out.splitlines()

    whole, step = names(), names("--in-diff", str(diff))
    assert any("double" in name for name in whole), whole
    assert step and not any("double" in name for name in step), step  # the unchanged function is left out
    assert any("triple" in name for name in step) and any("core/src/new.rs" in name for name in step), step


@pytest.mark.parametrize("lesson", MUTATED, ids=lambda lesson: lesson.dir)
def test_every_mutant_of_each_step_is_caught_or_listed_as_equivalent(cargo_mutants, lesson):
    args = mutants.step(lesson)
    if args is None or not mutants.listed(cargo_mutants, lesson, *args):
        pytest.skip(f"lesson {lesson.number}'s step changes no code cargo-mutants mutates")
    mine = [item for item in mutants.equivalents() if item.lesson == lesson.dir]
    verdict = mutants.judge(mutants.run(cargo_mutants, lesson, *args), mine)
    assert verdict.ok, "\n".join(mutants.summary(lesson, verdict))
    assert verdict.outcomes.caught, "no mutant was caught: did the tests run at all?"
