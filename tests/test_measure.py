"""`just compare` and `just race`: answers checked, reports written, verdicts honest.

Nothing here asserts a timing. The runs with `--check-only` check every answer; one
quick timed run on tiny inputs (conftest's measured_results) proves the tables and
charts get drawn; the statistics and the verdicts are tested on made-up numbers.
"""

import dataclasses
import json
import math
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from conftest import CHECK_ONLY, TINY_COMPARE, TINY_RACE, run_course
from course import CourseError, benchruns, contenders, machine_code, manifest, measure, peers, race, report, texts

PNG = b"\x89PNG\r\n\x1a\n"
course = run_course  # reports go to a temporary folder, never the reader's


def raw(results, name):
    return json.loads((results / f"{name}.json").read_text())


def rust_ids(lessons_and_functions):
    return {measure.rust_id(lesson, function, profile) for lesson, function in lessons_and_functions
            for profile in measure.PROFILES}  # fmt: skip


# --- real runs, timing off ------------------------------------------------------------


@pytest.mark.slow
def test_compare_checks_every_answer_and_times_nothing_with_check_only(tmp_path):
    result = course(tmp_path, *TINY_COMPARE, CHECK_ONLY)
    assert result.returncode == 0, result.stdout + result.stderr
    data = raw(tmp_path, "compare")
    lesson = manifest.compare_lesson()  # the first lesson that lists the compare report
    assert manifest.COMPARE_REPORT in lesson.reports
    (function,) = lesson.rust_functions
    assert [c["id"] for c in data["contenders"]] == [
        peers.ORACLE,
        *(measure.rust_id(lesson, function, profile) for profile in measure.PROFILES),
    ]
    assert all(a["correct"] and a["got"] == a["expected"] for a in data["answers"])
    assert data["rounds"] == []
    text = (tmp_path / "compare.md").read_text()
    assert "Timing was disabled" in text and "Measured" in text
    assert not (tmp_path / "compare.png").exists()


@pytest.fixture(scope="module")
def untimed_race(tmp_path_factory):
    results = tmp_path_factory.mktemp("race")
    result = course(results, *TINY_RACE, CHECK_ONLY)
    assert result.returncode == 0, result.stdout + result.stderr
    return results


def test_race_runs_every_contender_on_every_workload(untimed_race):
    data = raw(untimed_race, "race")
    ours = [*peers.python_contenders(), *peers.python_from_lessons(), *peers.numpy_contenders(),
            *peers.numba_contenders(), *peers.references()]  # fmt: skip
    expected = {c.id for c in ours} | rust_ids(manifest.contender_functions())
    workloads = {"letters-10", "letters-100", "accented-60", "cjk-60", "emoji-60"}
    assert {(a["contender"], a["workload"]) for a in data["answers"]} == {(c, w) for c in expected for w in workloads}
    assert len(expected) >= 13
    # the lessons' own functions come from the manifest, each from the lesson that lists it
    from_lessons = {(c["lesson"], c["function"], c["family"]) for c in data["contenders"] if c["lesson"]}
    rust = {(lesson.number, f"string_doubles:{function}", f"rust-{measure.build_name(profile)}")
            for lesson, function in manifest.contender_functions() for profile in measure.PROFILES}  # fmt: skip
    python = {(lesson.number, f"doubles:{function}") for lesson, function in manifest.python_functions()}
    oracle = (manifest.oracle_lesson().number, f"doubles:{manifest.manifest().oracle[1]}")
    assert {entry for entry in from_lessons if entry[2].startswith("rust-")} == rust
    assert {entry[:2] for entry in from_lessons if not entry[2].startswith("rust-")} == python | {oracle}


def test_the_targets_on_a_large_input_race_their_versions_alone_every_answer_checked(untimed_race):
    data = raw(untimed_race, "race")
    assert race.large_targets("text"), "a lesson sets a target on a large text"
    measured, _ = data["more"]
    (workload,) = measured["workloads"]
    assert workload["size"] == 3000 and workload["kind"] == "letters" and "path" not in workload
    ids = {c["id"] for c in measured["contenders"]}
    assert peers.ORACLE not in ids, "the oracle checks the answers, untimed"
    for lesson, _, target in race.large_targets("text"):
        subject = measure.rust_id(lesson, target.function.partition(":")[2], "release")
        assert (f"{subject}-in-threads" if target.workload == "large in threads" else subject) in ids
    expected = manifest.oracle()(texts.make("letters", 3000))
    assert {a["contender"] for a in measured["answers"]} == ids
    assert all(a["expected"] == expected and a["correct"] for a in measured["answers"])


def test_the_targets_on_a_large_file_race_their_versions_beside_wc_every_answer_checked(untimed_race):
    data = raw(untimed_race, "race")
    assert race.large_targets("file"), "a lesson sets a target on a large file"
    _, measured = data["more"]
    (workload,) = measured["workloads"]
    assert workload["size"] == 3000 and workload["kind"] == "letters" and workload["path"]
    assert not Path(workload["path"]).exists(), "the race removes its file"
    ids = {c["id"] for c in measured["contenders"]}
    expected_ids = {measure.rust_id(lesson, target.function.partition(":")[2], "release")
                    for lesson, _, target in race.large_targets("file")} | {peers.WC}  # fmt: skip
    assert ids == expected_ids
    expected = manifest.oracle()(texts.make("letters", 3000))
    for a in measured["answers"]:
        assert a["expected"] == expected and a["correct"], a
        assert a["checked"] == (a["contender"] != peers.WC)  # wc -l counts lines, not doubles


def test_the_file_oracle_counts_any_file_exactly_a_block_at_a_time(tmp_path):
    """Blocks cut inside characters, repeated blocks and a file that repeats nothing:
    the count a block at a time is the Python loop's over the whole text."""
    loop = manifest.oracle()
    for kind in texts.ALPHABETS:
        path = tmp_path / f"{kind}.txt"
        texts.write_file(kind, 1000, path, block=97)  # 97 characters repeated, the last time cut short
        text = path.read_text(encoding="utf-8")
        assert len(text) == 1000 and text == (texts.make(kind, 97) * 11)[:1000]
        for block in (1, 2, 3, 5, 64, 4096):
            assert peers.file_oracle(block).run(str(path)) == loop(text), (kind, block)
    path = tmp_path / "mixed.txt"
    text = "aa" + "é" * 3 + "😀😀" + "x" + "人人" + "".join(texts.make("cjk", 50)) + "zz"
    path.write_text(text, encoding="utf-8")
    for block in (1, 2, 3, 4, 7):
        assert peers.file_oracle(block).run(str(path)) == loop(text), block
    empty = tmp_path / "empty.txt"
    texts.write_file("letters", 0, empty)
    assert empty.read_bytes() == b"" and peers.file_oracle(4).run(str(empty)) == 0


def test_peak_memory_is_this_programs_own():
    before = measure.peak_rss()
    assert before is not None and before > 1e6
    block = bytearray(b"x") * (64 * 2**20)  # written, so resident
    assert measure.peak_rss() >= before + len(block) * 0.9
    del block


def test_race_checks_every_answer_against_the_python_loop(untimed_race):
    data = raw(untimed_race, "race")
    oracle = peers.oracle().run
    kinds = {w["id"]: w for w in data["workloads"]}
    ascii_only = {c["id"] for c in data["contenders"] if c["ascii_only"]}
    for a in data["answers"]:
        workload = kinds[a["workload"]]
        assert a["expected"] == oracle(texts.make(workload["kind"], workload["size"]))
        assert a["correct"] == (a["got"] == a["expected"] or not a["checked"])
        if a["contender"] not in ascii_only or workload["kind"] == "letters":
            assert a["correct"], a


def test_race_reports_byte_based_versions_wrong_beyond_ascii_and_keeps_them(untimed_race):
    data = raw(untimed_race, "race")
    byte_based = {c["id"] for c in data["contenders"] if c["ascii_only"]}
    rust_bytes = {
        measure.rust_id(lesson, function, profile)
        for lesson, function in manifest.contender_functions()
        if f"string_doubles:{function}" in manifest.ascii_only()
        for profile in ("dev", "release")
    }
    assert rust_bytes, "the lessons race a Rust function that compares bytes"
    python_bytes = {c.id for c in [*peers.python_from_lessons(), *peers.numpy_contenders()] if c.ascii_only}
    assert byte_based == {*python_bytes, *rust_bytes}
    kinds = {w["id"]: w["kind"] for w in data["workloads"]}
    # every byte-based version, on every text beyond ASCII, and no other version
    wrong = {(a["contender"], kinds[a["workload"]]) for a in data["answers"] if not a["correct"]}
    assert wrong == {(c, kind) for c in byte_based for kind in ("accented", "cjk", "emoji")}
    text = (untimed_race / "race.md").read_text()
    assert "✗ 0, not" in text and "compare bytes are wrong here" in text
    assert "a bug" not in text


def test_compare_and_race_draw_their_tables_and_charts(measured_results):
    text = (measured_results / "compare.md").read_text()
    assert "](results/compare.png)" in text and "The release build was" in text and "the debug build" in text
    assert "paired rounds" in text and "95%" in text
    assert (measured_results / "compare.png").read_bytes().startswith(PNG)
    data = raw(measured_results, "compare")
    # the raw data: every round's times, its order and the worker process that timed it
    assert data["workers"] >= measure.MIN_WORKERS and len(data["rounds"]) == 2 * data["workers"]
    assert {r["worker"] for r in data["rounds"]} == set(range(data["workers"]))
    everyone = sorted([w["id"], c["id"]] for w in data["workloads"] for c in data["contenders"])
    assert all(sorted(r["order"]) == everyone for r in data["rounds"])
    assert all(set(r["seconds_per_call"]["letters-50"]) == {c["id"] for c in data["contenders"]}
               for r in data["rounds"])  # fmt: skip
    assert "fresh worker processes" in text
    text = (measured_results / "race.md").read_text()
    for image in ["race-1m.png", "race-sweep.png"]:
        assert f"](results/{image})" in text
        assert (measured_results / image).read_bytes().startswith(PNG)
    assert "How this machine compares with the original tutorial" in text
    assert "Measured " in text and "PyO3 0.30" in text
    assert "| python zip loop |" in text and "the baseline" in text
    assert "clearly faster than the Python loop at" in text


# --- the command lines ------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, options",
    [("compare", ["--size", "--budget", "--workers", "--rounds", "--check-only"]),
     ("race", ["--sizes", "--race-size", "--beyond-ascii-size", "--large-size", "--file-size", "--file-dir",
               "--budget", "--workers", "--rounds", "--check-only"])],
)  # fmt: skip
def test_help_lists_every_option(tmp_path, command, options):
    result = course(tmp_path, command, "--help")
    assert result.returncode == 0, result.stderr
    for option in options:
        assert option in result.stdout
    parser_options = {a.option_strings[-1] for a in measure.parser("x", "", 1, 3)._actions}
    assert parser_options <= set(options) | {"--help"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "--size", "0"], "'0' is too small"),
        (["compare", "--size", "-5"], "'-5' is too small"),
        (["compare", "--size", "lots"], "'lots' is not a whole number"),
        (["race", "--sizes", "10,x"], "in '10,x': 'x' is not a whole number"),
        (["race", "--sizes", "10,0"], "'0' is too small"),
        (["race", "--race-size", "-1"], "'-1' is too small"),
        (["race", "--budget", "0"], "'0' must be more than 0"),
        (["compare", "--rounds", "two"], "'two' is not a whole number"),
        (["compare", "--workers", "1"], "'1' must be more than 1"),
    ],
)
def test_a_bad_option_is_refused_in_one_line(tmp_path, args, message):
    result = course(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr and "--help` lists the options" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


# --- the statistics, on made-up numbers -----------------------------------------------


def made_up(
    ratios_by_round: dict[str, list[float]], drift: list[float], workers: list[int] = ()
) -> measure.Measurement:
    """A measurement whose baseline takes 1 ms times the round's drift, and every other
    contender its ratio times that; `workers`: which worker timed each round (none
    given: each round a worker of its own)."""
    cs = [measure.Contender(cid, cid, "python", len) for cid in ["base", *ratios_by_round]]
    workload = texts.workload("letters", 10)
    rounds = [{workload["id"]: {"base": 1e-3 * d, **{cid: 1e-3 * d * r[i] for cid, r in ratios_by_round.items()}}}
              for i, d in enumerate(drift)]  # fmt: skip
    answers = [measure.Answer(c.id, workload["id"], 1, 1) for c in cs]
    return measure.Measurement(cs, [workload], answers, rounds=rounds, workers=list(workers), load=None)


def simulated(ratio: float, between: float, within: float, workers: int = 10, rounds: int = 12, seed: int = 1):
    """Rounds of `workers` processes timing a contender at `ratio` times the baseline:
    each process off by its own factor (sd `between`, on logs: how runs differ), each
    round by a little more (sd `within`), and the machine drifting for both alike."""
    rng = np.random.default_rng(seed)
    offsets = rng.normal(0, between, workers)
    ratios = [ratio * math.exp(offsets[k] + rng.normal(0, within)) for k in range(workers) for _ in range(rounds)]
    drift = list(rng.lognormal(0, 0.3, workers * rounds))
    return made_up({"other": ratios}, drift, [k for k in range(workers) for _ in range(rounds)])


def test_paired_ratios_cancel_drift_that_hits_every_contender_alike():
    drift = [1, 3, 1.5, 0.8, 2.2, 1.1, 4, 1]  # the machine slows down and speeds up
    m = made_up({"twice": [2.0] * 8}, drift)
    est = measure.paired_ratio(m, "letters-10", "twice", "base")
    assert math.isclose(est.value, 2.0) and math.isclose(est.low, 2.0) and math.isclose(est.high, 2.0)
    own = measure.time_of(m, "letters-10", "twice")
    assert own.high / own.low > 1.5  # each one's own time carries the drift, the ratio does not


def test_the_interval_is_students_t_over_the_workers_medians():
    # three workers, whose medians are 1, 2 and 4: on logs, 0, ln 2 and 2 ln 2
    values = [1, 1, 9, 2, 2, 0.1, 4, 4, 4]
    workers = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    est = measure.across_workers(np.array(values), np.array(workers))
    mean, sd = math.log(2), math.log(2)  # the mean and the standard deviation of 0, ln 2, 2 ln 2
    half = 4.303 * sd / math.sqrt(3)  # t for 2 degrees of freedom
    assert est.workers == 3 and math.isclose(est.value, 2.0)
    assert math.isclose(est.low, math.exp(mean - half)) and math.isclose(est.high, math.exp(mean + half))
    assert measure.across_workers(np.array([1.0, 2.0]), np.array([0, 0])).known is False  # one worker: no interval


def test_many_rounds_in_one_process_do_not_narrow_the_interval():
    """The rounds of one worker are alike: what decides the width is how the workers differ."""
    few = measure.paired_ratio(simulated(0.5, 0.05, 0.01, rounds=3), "letters-10", "other", "base")
    many = measure.paired_ratio(simulated(0.5, 0.05, 0.01, rounds=60), "letters-10", "other", "base")
    assert 0.7 < math.log(many.high / many.low) / math.log(few.high / few.low) < 1.3
    # about ±2.26 × 0.05 / √10 = ±0.036 on logs, from how the workers differ; the 600
    # rounds' own scatter alone would give about ±2 × 0.01 / √600 = ±0.001
    assert 0.015 < math.log(many.high / many.value) < 0.06


def test_t_quantiles_fall_between_the_tables_rows():
    assert measure.t975(9) == 2.262 and measure.t975(1000) < measure.t975(120) == 1.980
    assert measure.t975(60) < measure.t975(50) < measure.t975(40)
    assert math.isclose(measure.t975(10**9), 1.96, abs_tol=1e-3)


@pytest.mark.parametrize(
    "ratio, expected",
    [
        (measure.Estimate(1.3, 1.2, 1.4, 10), "1.30× slower (1.20–1.40×)"),
        (measure.Estimate(1 / 19, 1 / 20, 1 / 18, 10), "19.0× faster (18.0–20.0×)"),
        (measure.Estimate(1.02, 1 / 1.05, 1.1, 10), "1.02× slower (1.05× faster to 1.10× slower)"),
        (measure.Estimate(1 / 150, 1 / 160, 1 / 140, 10), "150× faster (140–160×)"),
        (measure.Estimate(1.3, math.nan, math.nan, 1), "1.30× slower (no interval: one worker)"),
    ],
)
def test_every_ratio_reads_one_way_with_its_interval(ratio, expected):
    assert report.relative(ratio) == expected


CLAIM = {claim.id: claim for claim in report.CLAIMS}
# A target as the race makes it from the manifest: at least 5x faster than a contender.
FIVE_TIMES = race.target_claim(manifest.load()[-1], manifest.Target("5x", "string_doubles:f", 0.2, "race", "x"), "1",
                               "f")  # fmt: skip
CLAIM["five-times"] = FIVE_TIMES


@pytest.mark.parametrize(
    "claim, low, high, expected",
    [
        ("debug-slower", 1.02, 1.05, "agrees"),  # clear of 1: no margin beyond the interval
        ("debug-slower", 0.8, 0.95, "disagrees: faster than the Python loop, not slower"),
        ("debug-slower", 0.97, 1.04, report.TOO_CLOSE),
        ("release-30x", 1 / 40, 1 / 25, "agrees"),
        ("release-30x", 1 / 18, 1 / 16.5, "disagrees: less than the tutorial's ~30× (under 20×)"),
        ("release-30x", 1 / 60, 1 / 50, "disagrees: more than the tutorial's ~30× (over 45×)"),
        ("release-30x", 1 / 22, 1 / 18, report.TOO_CLOSE),
        ("release-30x", 1 / 50, 1 / 40, report.TOO_CLOSE),
        ("numpy-only-just", 1.1, 1.8, "agrees"),
        ("numpy-only-just", 0.35, 0.45, "disagrees: numpy was faster than the release build"),
        ("numpy-only-just", 2.5, 3.0, "disagrees: numpy was slower by more than 2×"),
        ("numpy-only-just", 0.9, 1.2, report.TOO_CLOSE),
        ("bytes-faster", 0.3, 0.7, "agrees"),
        ("bytes-faster", 1.05, 1.3, "disagrees: slower than the tutorial said"),
        ("bytes-faster", 0.9, 1.1, report.TOO_CLOSE),
        ("five-times", 0.25, 0.3, "disagrees: less than 5× faster"),
        ("five-times", 0.1, 0.15, "agrees"),
    ],
)
def test_a_verdict_needs_the_interval_clear_of_the_claims_edges(claim, low, high, expected):
    est = measure.Estimate(math.sqrt(low * high), low, high, workers=10)
    assert report.verdict(CLAIM[claim], est).startswith(expected)
    few = measure.Estimate(math.sqrt(low * high), low, high, workers=measure.MIN_WORKERS - 1)
    assert report.verdict(CLAIM[claim], few).startswith("too few worker processes")


def test_too_close_names_the_edges_inside_the_interval():
    word = report.verdict(CLAIM["release-30x"], measure.Estimate(1 / 30, 1 / 50, 1 / 18, workers=10))
    assert (
        word
        == f"{report.TOO_CLOSE}: the interval includes both edges of the claim's range (45.0× faster, 20.0× faster)"
    )
    word = report.verdict(CLAIM["release-30x"], measure.Estimate(1 / 20, 1 / 22, 1 / 18, workers=10))
    assert word == f"{report.TOO_CLOSE}: the interval includes 20.0× faster, an edge of the claim's range"


def test_verdicts_on_simulated_runs():
    """A clear difference gets a verdict, the same code gets "too close", a claim's range
    that holds the interval agrees: measured across workers that differ as runs do."""
    release = CLAIM["release-30x"]

    def judged(ratio, claim):
        est = measure.paired_ratio(simulated(ratio, 0.04, 0.02), "letters-10", "other", "base")
        return est, report.verdict(claim, est)

    est, word = judged(1 / 17, release)  # the 17×, against the tutorial's 20–45×
    assert word == "disagrees: less than the tutorial's ~30× (under 20×)", (est, word)
    assert judged(1 / 30, release)[1] == "agrees"
    assert judged(1.0, CLAIM["debug-slower"])[1].startswith(report.TOO_CLOSE)  # the same speed: no call
    assert judged(1.3, CLAIM["debug-slower"])[1] == "agrees"
    est = measure.paired_ratio(simulated(1.0, 0.04, 0.02), "letters-10", "other", "base")
    assert report.short_relative(est) == "too close"


def test_runs_can_only_contradict_each_other_with_disjoint_intervals():
    """ "agrees" and "disagrees" on one claim need intervals on opposite sides of its
    boundary: two runs whose intervals overlap can never print both."""
    for claim in report.CLAIMS:
        boundaries = [b for b in (claim.low, claim.high) if 0 < b < math.inf]
        for b in boundaries:
            overlapping = [
                measure.Estimate(b, b * 0.9, b * 1.05, 10),
                measure.Estimate(b * 1.02, b * 0.99, b * 1.2, 10),
            ]
            words = {report.verdict(claim, est).split(":")[0] for est in overlapping}
            assert not {"agrees", "disagrees"} <= words, (claim.id, words)


def lesson_contenders_unbuilt() -> list[measure.Contender]:
    """The race's contenders made from the lessons, each Rust one a stand-in (nothing built)."""
    rust = [measure.Contender(measure.rust_id(lesson, function, profile), function,
                              f"rust-{measure.build_name(profile)}", len, lesson=lesson.number,
                              function=f"string_doubles:{function}")
            for lesson, function in manifest.contender_functions() for profile in measure.PROFILES]  # fmt: skip
    return [peers.oracle(), *peers.python_from_lessons(), *peers.numpy_contenders(), *rust]


def test_every_role_of_the_tutorials_claims_is_played_as_the_manifest_says():
    played = race.roles(lesson_contenders_unbuilt())
    wanted = {role for claim in report.CLAIMS for role in (claim.subject, claim.versus)}
    assert wanted <= {"python", *manifest.ROLES}, "report.CLAIMS names a role the manifest cannot give"
    assert set(played) == wanted, "every role is given by a lesson's `roles` (lessons/lessons.toml)"
    everyone = {c.id: c for c in lesson_contenders_unbuilt()}
    for lesson in manifest.load():
        for role, player in lesson.roles:
            function, _, build = player.partition(" ")
            c = everyone[played[role]]
            assert (c.lesson, c.function) == (lesson.number, function), role
            assert not build or c.family == f"rust-{build}", role
    assert played["python"] == peers.ORACLE


def test_an_answer_is_judged_by_the_oracles_rule():
    """measure.check judges as verify does (oracle.agree): an exception is recorded as the
    answer, wrong unless the loop raises the same kind, and True is not a count of 1."""

    def boom(text):
        raise ValueError("no")

    cs = [peers.oracle(), measure.Contender("bool", "bool", "python", lambda text: True),
          measure.Contender("boom", "boom", "python", boom),
          measure.Contender("right", "right", "python", contenders.count_doubles_once)]  # fmt: skip
    workload = texts.workload("letters", 10)
    answers, _ = measure.check(cs, [workload])
    by = {a.contender: a for a in answers}
    assert by["right"].correct and by[peers.ORACLE].correct
    assert isinstance(by["boom"].got, ValueError) and not by["boom"].correct
    assert by["boom"].to_json()["got"] == "raised ValueError: no"
    assert measure.said(by["boom"].got) == "raised ValueError"
    assert not measure.Answer("bool", "w", 1, True).correct  # True == 1 in Python; not a count
    assert measure.Answer("r", "w", ValueError("x"), ValueError("y")).correct  # the same kind of exception
    assert by["right"].expected == peers.oracle().run(texts.make("letters", 10))


def test_the_tutorials_claims_are_judged_from_paired_rounds():
    m = made_up({"debug": [1.5, 1.55, 1.6, 1.5, 1.52, 1.54], "release": [1 / 30] * 6}, [1, 2, 1, 3, 1, 1])
    judged = report.claims(m, "letters-10", {"python": "base", "debug": "debug", "release": "release"})
    assert [(claim.id, word) for claim, _, word in judged] == [("debug-slower", "agrees"), ("release-30x", "agrees")]
    section = "\n".join(report.claims_section(m, "letters-10", {"python": "base", "debug": "debug"}))
    assert "“slower”" in section and "1.53× slower" in section and "**agrees**" in section
    assert "no margin" in section and "6 separate worker processes" in section


def test_the_sweep_names_the_sizes_at_which_a_version_is_clearly_faster():
    faster, even = measure.Estimate(0.5, 0.4, 0.6, 10), measure.Estimate(1, 0.9, 1.1, 10)
    sizes = [10, 100, 1000, 10000]
    assert race.overtakes(sizes, dict(zip(sizes, [faster] * 4))) == "every size here"
    assert race.overtakes(sizes, dict(zip(sizes, [even, even, faster, faster]))) == "1,000 characters on"
    assert (
        race.overtakes(sizes, dict(zip(sizes, [faster, even, faster, faster]))) == "10 and 1,000 to 10,000 characters"
    )
    # faster in the middle only: said as it is, never "never" beside a cell that says faster
    assert race.overtakes(sizes, dict(zip(sizes, [even, faster, faster, even]))) == "100 to 1,000 characters"
    assert race.overtakes(sizes, dict(zip(sizes, [faster, even, faster, even]))) == "10 and 1,000 characters"
    assert race.overtakes(sizes, dict(zip(sizes, [even] * 4))) == "no size here"


# --- the charts fit their figure ---------------------------------------------------------


def full_size_rows():
    """A race as wide as `just race` makes it (every contender, every size), from made-up
    times: the longest names, the most lines."""
    ours = peers.python_contenders() + peers.python_from_lessons() + peers.numpy_contenders() + peers.references()
    rust = [measure.Contender(measure.rust_id(lesson, function, profile),
                              f"rust {function} (lesson {lesson.number}, {measure.build_name(profile)})",
                              f"rust-{measure.build_name(profile)}", len)
            for lesson, function in manifest.contender_functions() for profile in measure.PROFILES]  # fmt: skip
    numba = [measure.Contender("numba", "numba", "numba", len), measure.Contender("numba-x", "numba (array ready)",
                                                                                 "numba", len)]  # fmt: skip
    cs = [*ours[:-1], *numba, *rust, ours[-1]]
    workloads = [texts.workload("letters", size) for size in race.SIZES]
    rng = np.random.default_rng(0)
    speed = {c.id: 10 ** rng.uniform(-1.5, 2.5) for c in cs} | {peers.ORACLE: 1.0}
    rounds = [{w["id"]: {c.id: 4e-8 * w["size"] / speed[c.id] * rng.uniform(0.9, 1.2) for c in cs}
               for w in workloads} for _ in range(6)]  # fmt: skip
    answers = [measure.Answer(c.id, w["id"], 5, 5 if c.family != "numba" else 4) for w in workloads for c in cs]
    m = measure.Measurement(cs, workloads, answers, rounds=rounds, load=None)
    return m, report.rows(m)


STAMP = {"date": "2026-01-01 00:00 UTC", "machine": "AMD EPYC 7B13 64-Core Processor, 2 logical CPUs, Linux x86_64",
         "python": "3.12.3", "rust": "rustc 1.93.0 (254b59607 2026-01-19)", "pyo3": "0.30.1"}  # fmt: skip


def test_the_bar_chart_cuts_off_no_label():
    m, rows = full_size_rows()
    race_rows = [rows["letters-1000000", c.id] for c in m.contenders]
    for log in (True, False):
        fig = report.bar_figure(race_rows, "count_doubles on 1,000,000 random ASCII letters", STAMP, log=log)
        assert report.clipped_text(fig) == [] and report.overlapping_text(fig) == []
        (ax,) = fig.axes
        labels = [t for t in ax.texts if "×" in t.get_text() or "baseline" in t.get_text()]
        assert len(labels) == len(race_rows)  # and each ends inside the axes, where the bars are
        assert max(t.get_window_extent().x1 for t in labels) <= ax.get_window_extent().x1 + 0.5


def test_the_check_finds_a_label_that_is_cut_off():
    plt = report.pyplot()
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.set_title("a title far too long for a figure two inches wide")
    assert "a title far too long for a figure two inches wide" in report.clipped_text(fig)
    plt.close(fig)


def test_the_sweep_chart_gives_every_line_of_a_panel_its_own_colour_and_marker():
    m, rows = full_size_rows()
    lines = [(c.name, c.family, [(w["size"], 1 / rows[w["id"], c.id].ratio.value if rows[w["id"], c.id].ratio
                                  else 1.0) for w in m.workloads]) for c in m.contenders]  # fmt: skip
    fig = report.sweep_figure(lines, "Speed against input size", STAMP)
    assert report.clipped_text(fig) == [] and report.overlapping_text(fig) == []
    drawn = [line for ax in fig.axes for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert sorted(line.get_label() for line in drawn) == sorted(c.name for c in m.contenders)
    for ax in fig.axes:
        mine = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert len({line.get_color() for line in mine}) == len({line.get_marker() for line in mine}) == len(mine)


def test_the_scaling_chart_cuts_off_no_label_and_draws_the_ideal_line():
    points = [(1, None), *((n, measure.Estimate(1 / (0.9 * n), 1 / n, 1 / (0.8 * n), 5)) for n in (2, 4, 8, 16))]
    fig = report.scaling_figure(points, "lesson 10's count_doubles on 67,108,864 random ASCII letters", "threads",
                                STAMP)  # fmt: skip
    assert report.clipped_text(fig) == [] and report.overlapping_text(fig) == []
    (ax,) = fig.axes
    ideal = next(line for line in ax.get_lines() if line.get_label().startswith("ideal"))
    assert list(ideal.get_xdata()) == list(ideal.get_ydata()) == [1, 2, 4, 8, 16]
    assert ax.get_ylim()[1] >= 16
    report.pyplot().close(fig)


@pytest.mark.parametrize("cores, counts", [(1, [1]), (2, [1, 2]), (3, [1, 2, 3]), (4, [1, 2, 4]),
                                           (12, [1, 2, 4, 8, 12]), (16, [1, 2, 4, 8, 16])])  # fmt: skip
def test_scaling_is_swept_up_to_the_cores(cores, counts):
    assert race.thread_counts(cores) == counts
    assert 1 <= race.usable_cores() <= (os.cpu_count() or 1)


def test_the_race_draws_each_lessons_scaling_against_threads(measured_results):
    lessons = race.scaling_lessons()
    assert lessons, "a lesson sets `scaling` in lessons.toml"
    text = (measured_results / "scaling.md").read_text()
    data = json.loads((measured_results / "scaling.json").read_text())
    assert data["stamp"] and data["cores"] == race.usable_cores()
    for lesson in lessons:
        assert f"### Lesson {lesson.number}'s " in text
        assert (measured_results / f"scaling-{lesson.number}.png").is_file()
        assert f"](results/scaling-{lesson.number}.png)" in text
        (entry,) = [e for e in data["lessons"] if e["lesson"] == lesson.number]
        assert [row["n"] for row in entry["rows"]] == race.thread_counts()
        for _, call in manifest.scaling_calls(lesson, race.thread_counts()):
            assert f"`{call}`" in text
    assert "Measured " in text  # stamped


# --- just bench: what moved between two runs -------------------------------------------


def per_process(median: float, sd: float, rng, n: int = 1 + benchruns.REPEATS) -> list[float]:
    return list(median * np.exp(rng.normal(0, sd, n)))


def test_two_runs_of_unchanged_code_say_no_change():
    """The runs differ as processes do (here 10% on logs, more than the issue saw):
    unchanged code reads "no change" in all but the rarest pair of runs."""
    rng = np.random.default_rng(3)
    words = [benchruns.verdict(per_process(1e-3, 0.1, rng), per_process(1e-3, 0.1, rng)) for _ in range(300)]
    assert sum(w.startswith("no change") for w in words) >= 297, Counter(words)


def test_a_clear_change_is_called_with_its_size():
    rng = np.random.default_rng(4)
    for _ in range(50):
        assert benchruns.verdict(per_process(2e-3, 0.1, rng), per_process(1e-3, 0.1, rng)).endswith("× faster")
        assert benchruns.verdict(per_process(1e-3, 0.1, rng), per_process(3e-3, 0.1, rng)).endswith("× slower")
    assert benchruns.verdict([1e-3] * 5, [2e-3] * 5) == "2.00× slower"
    assert benchruns.verdict([1e-3], [2e-3] * 5).startswith("not judged")


def bench_run(folder, number, medians: dict[str, list[float]]):
    """A saved run as pytest-benchmark writes it, with the course's medians per process."""
    path = folder / "Linux-CPython-3.12-64bit" / f"{number:04d}_run.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    benchmarks = [{"name": name, "stats": {"median": values[0]}} for name, values in medians.items()]
    data = {"datetime": f"2026-01-0{number}T10:00:00", "course": {"medians_per_process": medians},
            "benchmarks": benchmarks}  # fmt: skip
    path.write_text(json.dumps(data))
    return path


def test_bench_compares_with_the_previous_run_and_the_lesson_before(tmp_path, monkeypatch):
    monkeypatch.setattr(benchruns, "storage", lambda lesson: tmp_path / f"lesson-{lesson}")
    monkeypatch.setattr(benchruns, "time_again", lambda run, args: None)
    rng = np.random.default_rng(5)
    tiny = {"test_rust_tiny": per_process(80e-9, 0.15, rng), "test_rust": per_process(1e-3, 0.05, rng)}
    bench_run(tmp_path / "lesson-7", 1, tiny | {"test_only_before": [1.0] * 5})
    previous = bench_run(tmp_path / "lesson-8", 1, tiny)
    again = {"test_rust_tiny": per_process(80e-9, 0.15, rng), "test_rust": per_process(1e-4, 0.05, rng)}
    bench_run(tmp_path / "lesson-8", 2, again | {"test_new": [1.0] * 5})
    said = "\n".join(benchruns.after_run(8, previous, [], 7))
    mine, before = said.split("Against your latest run of lesson 7")
    assert "Against your previous run of lesson 8" in mine
    assert re.search(r"test_rust_tiny +\S+ ns → \S+ ns: no change", mine), said
    assert re.search(r"test_rust +\S+ ms → \S+ µs: \d+\.\d\d× faster", mine), said
    assert re.search(r"test_new +new in this run", mine)
    assert "test_rust " in before and "test_new" not in before and "test_only_before" not in before


def test_a_busy_machine_is_warned_about_in_words():
    quiet = {"cpus": 2, "loadavg_before": 0.1, "loadavg_after": 0.2, "busy_elsewhere_cpus": 0.02, "seconds": 9}
    busy = {**quiet, "busy_elsewhere_cpus": 0.9}
    assert "⚠" not in report.load_note(quiet) and "0.02 of the 2 CPUs" in report.load_note(quiet)
    assert "⚠ Something else used the CPU" in report.load_note(busy)
    with measure.LoadWatch() as watch:
        sum(range(10_000))
    assert set(watch.summary()) == set(quiet)


def test_a_wrong_answer_from_a_contender_that_should_be_right_is_called_a_bug():
    m = made_up({"regex": [1.0]}, [1])
    m.answers[1] = measure.Answer("regex", "letters-10", 3, 2)
    assert "regex on letters-10" in report.wrong_answer_warning(m)
    assert measure.unexpected_wrong(m.answers, m.contenders, m.workloads) == [m.answers[1]]


# --- the byte loop's machine code, read from made-up listings ---------------------------

X86 = """\
_ZN14string_doubles14string_doubles32__pyfunction_count_doubles_bytes17h0123456789abcdefE:
\t.cfi_startproc
\tpushq\t%rbx
.LBB2_11:
\tmovzwl\t(%rcx,%rsi), %edi
\tmovd\t%edi, %xmm3
\tpcmpeqb\t%xmm4, %xmm3
\tpaddq\t%xmm3, %xmm0
\taddq\t$4, %rsi
\tcmpq\t%rsi, %rdx
\tjne\t.LBB2_11
.LBB2_13:
\tmovzbl\t(%rcx,%rdx), %esi
\tcmpb\t1(%rcx,%rdx), %sil
\tleaq\t1(%rdx), %rdx
\tjb\t.LBB2_13
\tretq
\t.cfi_endproc
"""

AARCH64 = """\
__ZN14string_doubles14string_doubles19count_doubles_bytes17h0123456789abcdefE:
\t.cfi_startproc
LBB0_4:
\tldr\tq0, [x8], #16
\tcmeq.16b\tv0, v0, v1
\tadd\tx9, x9, #1
\tsubs\tx10, x10, #16
\tb.ne\tLBB0_4
\tret
\t.cfi_endproc
"""


def test_the_byte_loop_is_read_from_x86_assembly():
    hot, rest = machine_code.hot_loops(X86, "count_doubles_bytes")
    assert (hot.label, hot.instructions, hot.stride, hot.vector, hot.vector_bytes) == (".LBB2_11", 7, 4, 3, 16)
    assert (rest.label, rest.stride, rest.vector) == (".LBB2_13", 1, 0)
    text = machine_code.render([hot, rest], "count_doubles_bytes", "a machine", "rustc 1.0")
    assert "pcmpeqb" in text and "| bytes of text one trip advances | 4 |" in text and ".LBB2_13" in text


def test_the_byte_loop_is_read_from_aarch64_assembly():
    (hot,) = machine_code.hot_loops(AARCH64, "count_doubles_bytes")
    assert (hot.instructions, hot.stride, hot.vector, hot.vector_bytes) == (5, 16, 2, 16)


# --- the contenders themselves ---------------------------------------------------------


@pytest.mark.slow
def test_the_rust_functions_refuse_bad_arguments_with_python_exceptions():
    for lesson, function in manifest.contender_functions():
        (c,) = measure.rust_contenders([(lesson, function)], ["release"])
        for bad in [123, None, ["a", "a"]]:
            with pytest.raises(TypeError):
                c.run(bad)
        assert c.run("") == 0 and c.run("a") == 0
        if "bytes-like" in lesson.every_input:
            assert c.run(b"aa") == 1
        else:
            with pytest.raises(TypeError):
                c.run(b"aa")
        compares_characters = f"string_doubles:{function}" not in manifest.ascii_only()
        if "str" in lesson.every_input and compares_characters:  # every str, lone surrogates too
            assert c.run("a\ud800\ud800") == 1
        else:  # &str, or the bytes of a str's UTF-8: a lone surrogate has no UTF-8
            with pytest.raises(UnicodeEncodeError):
                c.run("a\ud800\ud800")


def test_every_contender_has_a_stable_unique_id():
    everyone = [*peers.python_contenders(), *peers.python_from_lessons(), *peers.numpy_contenders(),
                *peers.numba_contenders(), *peers.references()]  # fmt: skip
    ids = [c.id for c in everyone] + sorted(rust_ids(manifest.contender_functions()))
    assert len(ids) == len(set(ids))
    assert all(" " not in i and i == i.lower() for i in ids)


@pytest.mark.parametrize("kind, width", [("accented", 2), ("cjk", 3), ("emoji", 4)])
def test_texts_beyond_ascii_catch_every_byte_comparison(kind, width):
    """No character repeats a byte inside itself (人 is E4 BA BA): bytes see no double of
    their own, miss every real one, and so are wrong whenever the text has a double."""
    for char in texts.ALPHABETS[kind]:
        encoded = char.encode()
        assert len(encoded) == width, char
        assert all(a != b for a, b in zip(encoded, encoded[1:])), char
    text = texts.make(kind, 60)
    assert contenders.count_doubles_count_nonzero(text) == 0 < contenders.count_doubles_once(text)


def test_a_yardstick_is_timed_but_its_answer_is_not_taken_for_a_count(untimed_race):
    data = raw(untimed_race, "race")
    (find,) = [c for c in data["contenders"] if c["reference"]]
    answers = [a for a in data["answers"] if a["contender"] == find["id"]]
    assert answers and all(a["got"] == -1 and not a["checked"] and a["correct"] for a in answers)
    text = (untimed_race / "race.md").read_text()
    assert "a bug" not in text and find["name"] in text


def _targets():
    return [(lesson, target) for lesson in manifest.load() for target in lesson.target]


def test_the_race_judges_every_lessons_targets(measured_results):
    text = (measured_results / "race.md").read_text()
    judged = _targets()
    assert judged, "lessons.toml sets targets ([[lesson.target]])"
    for number in {lesson.number for lesson, _ in judged}:  # a table each, as the chapters say: "Lesson N's targets"
        assert f"#### Lesson {number}'s targets, on this machine" in text
    for lesson, target in judged:
        assert f"lesson {lesson.number}'s {target.function.split(':')[1]}" in text
        # (the tiny race has no ASCII text as long as its texts beyond ASCII: nothing to judge per byte on)
        assert target.claim in text or target.workload == "per byte beyond ascii", target


def test_targets_are_judged_on_their_workloads():
    """Every kind of workload a target can name, judged from simulated rounds: against a
    contender on the race's input and on the smallest, and per byte against ASCII."""
    lesson = manifest.load()[-1]
    subject = measure.rust_id(lesson, "f", "release")
    contenders = [peers.oracle(), measure.Contender(subject, "f", "rust-release", len)]
    workloads = [texts.workload("letters", 10), texts.workload("letters", 1000), texts.workload("cjk", 1000),
                 texts.workload("emoji", 1000)]  # fmt: skip
    per_byte = {"letters": 1.0, "cjk": 2.0, "emoji": 4.0 * 3}  # emoji: 3 times ASCII's time per byte
    rounds = [{w["id"]: {subject: 1e-6 * w["size"] * per_byte[w["kind"]] / 1000, peers.ORACLE: 1e-3} for w in workloads}
              for _ in range(measure.MIN_WORKERS)]  # fmt: skip
    answers = [measure.Answer(c.id, w["id"], 1, 1) for w in workloads for c in contenders]
    m = measure.Measurement(contenders, workloads, answers, rounds=rounds, budget=1.0, load=None)
    goals = (
        manifest.Target("fast on the race", "string_doubles:f", 1.5, "race", peers.ORACLE),
        manifest.Target("fast when tiny", "string_doubles:f", 1, "smallest", peers.ORACLE),
        manifest.Target("per byte as ASCII", "string_doubles:f", 1.5, "per byte beyond ascii"),
    )
    fake = dataclasses.replace(lesson, target=goals)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest, "load", lambda: [fake])
        found = race.targets(m, workloads[1], workloads[:2], workloads[2:])
    n = lesson.number
    judged = {claim.id: (est.value, report.verdict(claim, est), claim.said, versus) for claim, est, versus in found}
    assert judged[f"target-{n}-1"][:3] == (pytest.approx(1e-3), "agrees", f"lesson {n}'s f: fast on the race")
    assert judged[f"target-{n}-2"][2:] == (f"lesson {n}'s f on 10 letters: fast when tiny", "the Python loop")
    assert judged[f"target-{n}-2"][1] == "agrees"  # 10 letters: 1e-8 s against 1e-3 s
    assert judged[f"target-{n}-3-cjk"][:2] == (pytest.approx(1.0), "agrees")
    assert judged[f"target-{n}-3-emoji"][:2] == (pytest.approx(3.0), "disagrees: more than 1.5× slower")
    assert "(4 bytes a character): per byte as ASCII" in judged[f"target-{n}-3-emoji"][2]


def test_a_target_against_a_contender_not_in_the_race_is_refused():
    lesson = manifest.load()[-1]
    subject = measure.rust_id(lesson, "f", "release")
    contenders = [peers.oracle(), measure.Contender(subject, "f", "rust-release", len)]
    workloads = [texts.workload("letters", 10)]
    rounds = [{"letters-10": {subject: 1e-6, peers.ORACLE: 1e-3}} for _ in range(measure.MIN_WORKERS)]
    answers = [measure.Answer(c.id, "letters-10", 1, 1) for c in contenders]
    m = measure.Measurement(contenders, workloads, answers, rounds=rounds, budget=1.0, load=None)
    fake = dataclasses.replace(lesson, target=(manifest.Target("x", "string_doubles:f", 1, "race", "numpy-nope"),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest, "load", lambda: [fake])
        with pytest.raises(CourseError, match="'numpy-nope', which is not in the race"):
            race.targets(m, workloads[0], workloads, [])


def test_a_text_cut_for_threads_keeps_every_double_inside_a_piece():
    for text in ["", "a", "aaaa", "abab", texts.make("letters", 1_001), "aab" * 50 + "c" * 40]:
        for parts in (1, 2, 3, 8):
            pieces = measure.cut_between_unequal(text, parts)
            assert "".join(pieces) == text and len(pieces) <= parts
            assert sum(manifest.oracle()(piece) for piece in pieces) == manifest.oracle()(text), (text, parts)
    assert len(measure.cut_between_unequal(texts.make("letters", 10_000), 8)) == 8


def test_a_contender_in_threads_adds_up_its_pieces_from_a_pool():
    import threading
    import time

    seen = set()

    def count(text):
        seen.add(threading.get_ident())
        time.sleep(0.02)  # long enough that the pool starts a thread for each piece
        return manifest.oracle()(text)

    plain = measure.Contender("python-zip-copy", "python zip loop", "python", count)
    pooled = measure.in_threads(plain, 4)
    text = texts.make("letters", 4_000)
    assert pooled.id == "python-zip-copy-in-threads" and "4 texts from 4 threads" in pooled.name
    assert pooled.run(pooled.prepare(text)) == manifest.oracle()(text)
    assert threading.get_ident() not in seen and len(seen) > 1, "each piece from a thread of the pool"
