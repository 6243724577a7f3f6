"""Mutation testing: every mutant cargo-mutants makes of a lesson's crate is caught by
the checkpoint's own tests, or listed with its reason in lessons/equivalent-mutants.toml.

The first tests check the list and the judging without cargo-mutants. The last ones
install cargo-mutants once (into .course/tools/, as `just mutants` does), check that
every listed mutant is one it makes (`--list`, nothing built), and run the real
mutation run of each lesson that names a crate: the same run as `just mutants`.
"""

from __future__ import annotations

import json
import tomllib

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


@pytest.mark.parametrize("lesson", MUTATED, ids=lambda lesson: lesson.dir)
def test_every_mutant_is_caught_or_listed_as_equivalent(cargo_mutants, lesson):
    mine = [item for item in mutants.equivalents() if item.lesson == lesson.dir]
    verdict = mutants.judge(mutants.run(cargo_mutants, lesson), mine)
    assert verdict.ok, "\n".join(mutants.summary(lesson, verdict))
    assert verdict.outcomes.caught, "no mutant was caught: did the tests run at all?"
