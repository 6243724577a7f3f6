"""`just compare` and `just race` on tiny inputs: every answer checked, reports written.

Nothing here asserts a timing. The runs with timing disabled check the answers; one
run on a tiny input with the shortest timing proves the tables and charts get drawn.
"""

import json

import pytest

from conftest import TINY_COMPARE, TINY_RACE, run_course
from course import peers, report

PNG = b"\x89PNG\r\n\x1a\n"
course = run_course  # reports go to a temporary folder, never the reader's


def answers(results, name):
    return json.loads((results / f"{name}-answers.json").read_text())


def test_compare_checks_every_answer_with_timing_disabled(tmp_path):
    result = course(tmp_path, *TINY_COMPARE, "--benchmark-disable")
    assert result.returncode == 0, result.stdout + result.stderr
    got = answers(tmp_path, "compare")
    assert [a["peer"] for a in got] == [
        "python zip loop",
        "rust count_doubles (debug)",
        "rust count_doubles (release)",
    ]
    assert all(a["correct"] and a["got"] == a["expected"] for a in got)
    text = (tmp_path / "compare.md").read_text()
    assert "Timing was disabled" in text and "Measured" in text
    assert not (tmp_path / "compare.png").exists()


@pytest.fixture(scope="module")
def untimed_race(tmp_path_factory):
    results = tmp_path_factory.mktemp("race")
    result = course(results, *TINY_RACE, "--benchmark-disable")
    assert result.returncode == 0, result.stdout + result.stderr
    return results


def test_race_runs_every_peer_on_every_workload(untimed_race):
    got = answers(untimed_race, "race")
    rust = {f"rust {function} ({build})" for _, function in peers.rust_functions() for build in ("debug", "release")}
    names = {p.name for p in peers.python_peers() + peers.numpy_peers() + peers.numba_peers()} | rust
    workloads = {"letters-10", "letters-100", "accented-60", "cjk-60", "emoji-60"}
    assert {(a["peer"], a["workload"]) for a in got} == {(n, w) for n in names for w in workloads}
    assert len(names) >= 13


def test_race_checks_every_answer_against_the_python_loop(untimed_race):
    oracle = peers.python_peers()[0].run
    from course import texts

    for a in answers(untimed_race, "race"):
        assert a["expected"] == oracle(texts.make(a["kind"], a["size"]))
        assert a["correct"] == (a["got"] == a["expected"])
        if not a["ascii_only"] or a["kind"] == "letters":
            assert a["correct"], a


def test_race_reports_byte_based_versions_wrong_beyond_ascii_and_keeps_them(untimed_race):
    got = answers(untimed_race, "race")
    byte_based = {a["peer"] for a in got if a["ascii_only"]}
    assert byte_based == {"numpy sum", "numpy count_nonzero", *{
        f"rust count_doubles_bytes ({b})" for b in ("debug", "release")}}  # fmt: skip
    # every byte-based version, on every text beyond ASCII, and no other version
    wrong = {(a["peer"], a["kind"]) for a in got if not a["correct"]}
    assert wrong == {(peer, kind) for peer in byte_based for kind in ("accented", "cjk", "emoji")}
    text = (untimed_race / "race.md").read_text()
    assert "✗ **wrong**" in text and "compares bytes, not characters" in text
    assert "a bug" not in text


def test_compare_and_race_draw_their_tables_and_charts(measured_results):
    text = (measured_results / "compare.md").read_text()
    assert "](results/compare.png)" in text and "The release build was" in text and "the debug build" in text
    assert (measured_results / "compare.png").read_bytes().startswith(PNG)
    text = (measured_results / "race.md").read_text()
    for image in ["race-1m.png", "race-sweep.png"]:
        assert f"](results/{image})" in text
        assert (measured_results / image).read_bytes().startswith(PNG)
    assert "How this machine compares with the original tutorial" in text
    assert "Measured " in text and "PyO3 0.30" in text
    assert "| python zip loop |" in text and "the baseline" in text


def test_a_wrong_answer_from_a_peer_that_should_be_right_is_called_a_bug():
    row = report.Row("python regex", "python", "", False, "letters-10", "letters", 10, 3, 2, False)
    from course import race

    assert report.unexpected_wrong([row]) == [row]
    assert "a bug" in row.answer and "python regex on letters-10" in race.wrong_answer_warning([row])


def test_a_bad_size_is_refused_with_a_message(tmp_path):
    result = course(tmp_path, "race", "--sizes", "10,x")
    assert result.returncode != 0
    assert "'10,x' is not a comma-separated list of whole numbers" in result.stderr
    assert "Traceback" not in result.stderr


MS = 1e-3


@pytest.mark.parametrize(
    "times, expected",
    [
        ({"debug": 30 * MS, "release": 1 * MS}, ["agrees", "agrees"]),
        ({"debug": 20.5 * MS, "release": 5 * MS}, ["about the same", "partly"]),
        ({"debug": 10 * MS, "release": 25 * MS}, ["disagrees", "disagrees"]),
        ({"release": 1 * MS, "numpy": 1.3 * MS, "bytes": 0.5 * MS}, ["agrees", "agrees", "agrees"]),
        ({"release": 1 * MS, "numpy": 0.3 * MS, "bytes": 0.5 * MS}, ["agrees", "numpy beat", "numpy stayed ahead"]),
        (
            {"release": 1 * MS, "numpy": 4 * MS, "bytes": 3.8 * MS},
            ["agrees", "Rust stayed far ahead", "about as fast as numpy"],
        ),
        (
            {"release": 0.5 * MS, "numpy": 2 * MS, "bytes": 0.6 * MS},
            ["agrees", "far ahead", "not clearly faster than the Rust"],
        ),
        (
            {"release": 0.5 * MS, "numpy": 0.5 * MS, "bytes": 0.52 * MS},
            ["agrees", "nearly as fast", "about as fast as numpy"],
        ),
    ],
)
def test_the_tutorials_findings_are_judged_with_margins(times, expected):
    names = {"debug": report.DEBUG, "release": report.RELEASE, "numpy": report.NUMPY, "bytes": report.RUST_BYTES}
    verdicts = report.tutorial_verdicts({report.ORACLE: 20 * MS, **{names[k]: v for k, v in times.items()}})
    assert len(verdicts) == len(expected)
    for verdict, word in zip(verdicts, expected):
        assert word in verdict, verdict


def test_the_rust_functions_refuse_bad_arguments_with_python_exceptions():
    from course import build

    for lesson, function in peers.rust_functions():
        module = peers.load_extension(build.checkpoint_site(lesson, "release"))
        count = getattr(module, function)
        for bad in [123, None, b"aa", ["a", "a"]]:
            with pytest.raises(TypeError):
                count(bad)
        with pytest.raises(UnicodeEncodeError):  # a lone surrogate is no valid UTF-8: no &str
            count("a\ud800\ud800")
        assert count("") == 0 and count("a") == 0


@pytest.mark.parametrize("kind, width", [("accented", 2), ("cjk", 3), ("emoji", 4)])
def test_texts_beyond_ascii_catch_every_byte_comparison(kind, width):
    """No character repeats a byte inside itself (人 is E4 BA BA): bytes see no double of
    their own, miss every real one, and so are wrong whenever the text has a double."""
    from course import texts

    for char in texts.ALPHABETS[kind]:
        encoded = char.encode()
        assert len(encoded) == width, char
        assert all(a != b for a, b in zip(encoded, encoded[1:])), char
    assert peers.count_doubles_count_nonzero(texts.make(kind, 60)) == 0 < peers.count_doubles_once(texts.make(kind, 60))
