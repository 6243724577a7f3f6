"""`just compare` and `just race`: answers checked, reports written, verdicts honest.

Nothing here asserts a timing. The runs with `--check-only` check every answer; one
quick timed run on tiny inputs (conftest's measured_results) proves the tables and
charts get drawn; the statistics and the verdicts are tested on made-up numbers.
"""

import json
import math

import numpy as np
import pytest

from conftest import CHECK_ONLY, TINY_COMPARE, TINY_RACE, run_course
from course import bytes_loop, contenders, manifest, measure, peers, race, report, texts

PNG = b"\x89PNG\r\n\x1a\n"
course = run_course  # reports go to a temporary folder, never the reader's


def raw(results, name):
    return json.loads((results / f"{name}.json").read_text())


def rust_ids(lessons_and_functions):
    return {measure.rust_id(lesson, function, profile) for lesson, function in lessons_and_functions
            for profile in measure.PROFILES}  # fmt: skip


# --- real runs, timing off ------------------------------------------------------------


def test_compare_checks_every_answer_and_times_nothing_with_check_only(tmp_path):
    result = course(tmp_path, *TINY_COMPARE, CHECK_ONLY)
    assert result.returncode == 0, result.stdout + result.stderr
    data = raw(tmp_path, "compare")
    lesson = manifest.compare_lesson()
    assert [c["id"] for c in data["contenders"]] == [
        "python-zip",
        f"rust-count_doubles-lesson{lesson.number}-debug",
        f"rust-count_doubles-lesson{lesson.number}-release",
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
    ours = peers.python_contenders() + peers.numpy_contenders() + peers.numba_contenders() + peers.references()
    expected = {c.id for c in ours} | rust_ids(manifest.rust_contenders())
    workloads = {"letters-10", "letters-100", "accented-60", "cjk-60", "emoji-60"}
    assert {(a["contender"], a["workload"]) for a in data["answers"]} == {(c, w) for c in expected for w in workloads}
    assert len(expected) >= 13
    # the lessons' Rust functions come from the manifest, one per lesson that lists it
    assert rust_ids(manifest.rust_contenders()) >= {
        "rust-count_doubles-lesson2-release", "rust-count_doubles_bytes-lesson5-debug"}  # fmt: skip


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
        for lesson, function in manifest.rust_contenders()
        if f"string_doubles:{function}" in manifest.ascii_only()
        for profile in ("dev", "release")
    }
    assert "rust-count_doubles_bytes-lesson5-release" in rust_bytes
    assert byte_based == {"numpy-sum", "numpy-count_nonzero", *rust_bytes}
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
    assert len(data["rounds"]) == len(data["orders"]) == 2  # the raw data: every round's times, and its order
    assert sorted(map(tuple, data["orders"][0])) == sorted((w["id"], c["id"]) for w in data["workloads"]
                                                           for c in data["contenders"])  # fmt: skip
    text = (measured_results / "race.md").read_text()
    for image in ["race-1m.png", "race-sweep.png"]:
        assert f"](results/{image})" in text
        assert (measured_results / image).read_bytes().startswith(PNG)
    assert "How this machine compares with the original tutorial" in text
    assert "Measured " in text and "PyO3 0.30" in text
    assert "| python zip loop |" in text and "the baseline" in text
    assert "faster than the Python loop from" in text


# --- the command lines ------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, options",
    [("compare", ["--size", "--budget", "--rounds", "--check-only"]),
     ("race", ["--sizes", "--race-size", "--beyond-ascii-size", "--budget", "--rounds", "--check-only"])],
)  # fmt: skip
def test_help_lists_every_option(tmp_path, command, options):
    result = course(tmp_path, command, "--help")
    assert result.returncode == 0, result.stderr
    for option in options:
        assert option in result.stdout
    parser_options = {a.option_strings[-1] for a in measure.parser("x", "", 1)._actions}
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
    ],
)
def test_a_bad_option_is_refused_in_one_line(tmp_path, args, message):
    result = course(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr and "--help` lists the options" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


# --- the statistics, on made-up numbers -----------------------------------------------


def made_up(ratios_by_round: dict[str, list[float]], drift: list[float]) -> measure.Measurement:
    """A measurement whose baseline takes 1 ms times the round's drift, and every other
    contender its ratio times that."""
    cs = [measure.Contender(cid, cid, "python", len) for cid in ["base", *ratios_by_round]]
    workload = texts.workload("letters", 10)
    rounds = [{workload["id"]: {"base": 1e-3 * d, **{cid: 1e-3 * d * r[i] for cid, r in ratios_by_round.items()}}}
              for i, d in enumerate(drift)]  # fmt: skip
    answers = [measure.Answer(c.id, workload["id"], 1, 1) for c in cs]
    return measure.Measurement(cs, [workload], answers, rounds=rounds, load=None)


def test_paired_ratios_cancel_drift_that_hits_every_contender_alike():
    drift = [1, 3, 1.5, 0.8, 2.2, 1.1, 4, 1]  # the machine slows down and speeds up
    m = made_up({"twice": [2.0] * 8}, drift)
    est = measure.paired_ratio(m, "letters-10", "twice", "base")
    assert math.isclose(est.median, 2.0) and math.isclose(est.low, 2.0) and math.isclose(est.high, 2.0)
    own = measure.time_of(m, "letters-10", "twice")
    assert own.high / own.low > 1.5  # each one's own time carries the drift, the ratio does not


def test_the_bootstrap_is_repeatable_and_brackets_the_median():
    values = np.random.default_rng(1).lognormal(0, 0.2, 40)
    first, second = measure.bootstrap_median(values), measure.bootstrap_median(values)
    assert first == second
    assert first.low < first.median < first.high


@pytest.mark.parametrize(
    "ratio, expected",
    [
        (measure.Estimate(1.3, 1.2, 1.4), "1.30× slower (1.20–1.40×)"),
        (measure.Estimate(1 / 19, 1 / 20, 1 / 18), "19.0× faster (18.0–20.0×)"),
        (measure.Estimate(1.02, 1 / 1.05, 1.1), "1.02× slower (1.05× faster to 1.10× slower)"),
        (measure.Estimate(1 / 150, 1 / 160, 1 / 140), "150× faster (140–160×)"),
    ],
)
def test_every_ratio_reads_one_way_with_its_interval(ratio, expected):
    assert report.relative(ratio) == expected


CLAIM = {claim.id: claim for claim in report.CLAIMS}
M = measure.RUN_TO_RUN  # the margin a verdict needs beyond its interval


@pytest.mark.parametrize(
    "claim, low, high, expected",
    [
        ("debug-slower", 1.05 * M, 1.3 * M, "agrees"),
        ("debug-slower", 0.8 / M, 0.95 / M, "disagrees"),
        ("debug-slower", 1.02, 1.05, report.TOO_CLOSE),  # clear of 1, but not by the run-to-run margin
        ("debug-slower", 0.97, 1.04, report.TOO_CLOSE),
        ("release-30x", 1 / (45 / M * 0.95), 1 / (20 * M * 1.05), "agrees"),
        ("release-30x", 1 / (20 / M * 0.9), 1 / (20 / M * 0.7), "disagrees"),
        ("release-30x", 1 / 22, 1 / 18, report.TOO_CLOSE),
        ("numpy-only-just", 1.02 * M, 2 / M * 0.98, "agrees"),
        ("numpy-only-just", 0.5 / M, 0.8 / M, "disagrees"),  # numpy beat release Rust
        ("numpy-only-just", 2 * M * 1.2, 2 * M * 1.6, "disagrees"),  # Rust far ahead
        ("numpy-only-just", 0.9, 1.2, report.TOO_CLOSE),
        ("bytes-faster", 0.3 / M, 0.7 / M, "agrees"),
        ("bytes-faster", 1.05 * M, 1.3 * M, "disagrees"),
        ("bytes-faster", 0.9, 1.1, report.TOO_CLOSE),
    ],
)
def test_a_verdict_waits_for_the_interval_to_clear_the_claim(claim, low, high, expected):
    est = measure.Estimate(math.sqrt(low * high), low, high)
    assert report.verdict(CLAIM[claim], est, rounds=50) == expected
    assert report.verdict(CLAIM[claim], est, rounds=2).startswith("too few rounds")


def test_runs_can_only_contradict_each_other_with_disjoint_intervals():
    """ "agrees" and "disagrees" on one claim need intervals on opposite sides of its
    boundary: two runs whose intervals overlap can never print both."""
    for claim in report.CLAIMS:
        boundaries = [b for b in (claim.low, claim.high) if 0 < b < math.inf]
        for b in boundaries:
            overlapping = [measure.Estimate(b, b * 0.9, b * 1.05), measure.Estimate(b * 1.02, b * 0.99, b * 1.2)]
            words = {report.verdict(claim, est, 50) for est in overlapping}
            assert not {"agrees", "disagrees"} <= words, (claim.id, words)


def test_the_tutorials_claims_are_judged_from_paired_rounds():
    m = made_up({"debug": [1.5, 1.55, 1.6, 1.5, 1.52, 1.54], "release": [1 / 30] * 6}, [1, 2, 1, 3, 1, 1])
    judged = report.claims(m, "letters-10", {"python": "base", "debug": "debug", "release": "release"})
    assert [(claim.id, word) for claim, _, word in judged] == [("debug-slower", "agrees"), ("release-30x", "agrees")]
    section = "\n".join(report.claims_section(m, "letters-10", {"python": "base", "debug": "debug"}))
    assert "“slower”" in section and "1.53× slower" in section and "**agrees**" in section


def test_the_sweep_names_the_size_from_which_a_version_stays_faster():
    faster, even = measure.Estimate(0.5, 0.4, 0.6), measure.Estimate(1, 0.9, 1.1)
    sizes = [10, 100, 1000]
    assert race.overtakes(sizes, dict(zip(sizes, [faster] * 3))) == "every size here"
    assert race.overtakes(sizes, dict(zip(sizes, [faster, even, faster]))) == "1,000 characters on"
    assert race.overtakes(sizes, dict(zip(sizes, [faster, faster, even]))).startswith("never")


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
    hot, rest = bytes_loop.hot_loops(X86)
    assert (hot.label, hot.instructions, hot.stride, hot.vector, hot.vector_bytes) == (".LBB2_11", 7, 4, 3, 16)
    assert (rest.label, rest.stride, rest.vector) == (".LBB2_13", 1, 0)
    text = bytes_loop.render([hot, rest], "a machine", "rustc 1.0")
    assert "pcmpeqb" in text and "| bytes of text one trip advances | 4 |" in text and ".LBB2_13" in text


def test_the_byte_loop_is_read_from_aarch64_assembly():
    (hot,) = bytes_loop.hot_loops(AARCH64)
    assert (hot.instructions, hot.stride, hot.vector, hot.vector_bytes) == (5, 16, 2, 16)


# --- the contenders themselves ---------------------------------------------------------


def test_the_rust_functions_refuse_bad_arguments_with_python_exceptions():
    for lesson, function in manifest.rust_contenders():
        (c,) = measure.rust_contenders([(lesson, function)], ["release"])
        for bad in [123, None, ["a", "a"]]:
            with pytest.raises(TypeError):
                c.run(bad)
        assert c.run("") == 0 and c.run("a") == 0
        if not lesson.every_input:  # before lesson 6: &str, so no bytes and no lone surrogate
            with pytest.raises(TypeError):
                c.run(b"aa")
            with pytest.raises(UnicodeEncodeError):  # a lone surrogate is no valid UTF-8: no &str
                c.run("a\ud800\ud800")
        elif function == "count_doubles":  # from lesson 6: bytes, and every str
            assert c.run(b"aa") == 1 and c.run("a\ud800\ud800") == 1
        else:  # the bytes of a str's UTF-8, which a lone surrogate does not have
            assert c.run(b"aa") == 1
            with pytest.raises(UnicodeEncodeError):
                c.run("a\ud800\ud800")


def test_every_contender_has_a_stable_unique_id():
    everyone = peers.python_contenders() + peers.numpy_contenders() + peers.numba_contenders() + peers.references()
    ids = [c.id for c in everyone] + sorted(rust_ids(manifest.rust_contenders()))
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


def test_the_race_judges_lesson_8s_targets(measured_results):
    text = (measured_results / "race.md").read_text()
    assert "#### Lesson 8's targets, on this machine" in text
    assert "at least 5× faster than numpy count_nonzero" in text and "one bytes.find pass" in text
    assert "lesson 8's count_doubles on 10 letters: not slower than the Python loop" in text


def test_lesson_8s_per_byte_targets_compare_texts_of_the_same_length():
    """Wider storage against ASCII, per byte: from the rounds' own pairs, scaled by width."""
    simd = f"rust-count_doubles-lesson{race.SIMD_LESSON}-release"
    contenders = [peers.oracle(), measure.Contender(simd, "simd", "rust-release", len)]
    workloads = [texts.workload("letters", 10), texts.workload("letters", 1000), texts.workload("cjk", 1000),
                 texts.workload("emoji", 1000)]  # fmt: skip
    per_byte = {"letters": 1.0, "cjk": 2.0, "emoji": 4.0 * 3}  # emoji: 3 times ASCII's time per byte
    rounds = [{w["id"]: {simd: 1e-6 * w["size"] * per_byte[w["kind"]] / 1000, peers.ORACLE: 1e-3} for w in workloads}
              for _ in range(measure.MIN_ROUNDS)]  # fmt: skip
    answers = [measure.Answer(c.id, w["id"], 1, 1) for w in workloads for c in contenders]
    m = measure.Measurement(contenders, workloads, answers, rounds=rounds, budget=1.0, load=None)
    judged = {claim.id: (est.median, report.verdict(claim, est, len(m.rounds)))
              for claim, est, _ in race.simd_targets(m, workloads[:2], workloads[2:])}  # fmt: skip
    assert judged["simd-per-byte-cjk"] == (pytest.approx(1.0), "agrees")
    assert judged["simd-per-byte-emoji"] == (pytest.approx(3.0), "disagrees")
    assert judged["simd-tiny"][1] == "agrees"
