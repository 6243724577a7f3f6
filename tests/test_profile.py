"""`just profile`: the profiles, instruction counts and machine code it writes, on a tiny input,
for what lessons/lessons.toml asks (`profile_script`, `instructions`, `call_breakdown`,
`machine_code`).

py-spy and valgrind really run; the numbers are only checked for what does not depend
on the machine (instruction counts are exact, so a debug build always needs more than
a release build of the same code).
"""

import json
import re

import pytest

from conftest import cannot_run, have_valgrind, missing
from course import machine_code, profile, report, results

# a row of the instructions table: version | one call | per character, for three kinds of text
ROW = re.compile(r"^\| (\w+ \(lesson \d+, \w+\)) \| ([\d,]+)" + r" \| ([\d,.]+)" * 3 + r" \|$", re.M)


@pytest.fixture(scope="module")
def profiled(measured_results):
    """The results of `just profile` on a tiny input (conftest.TINY_PROFILE)."""
    return measured_results


@pytest.fixture
def valgrind():
    if not have_valgrind():
        missing("valgrind", "`just profile` counts instructions with it")


def test_profile_samples_the_lessons_script_with_py_spy_and_cprofile(profiled):
    text = (profiled / "profile.md").read_text()
    if "py-spy could not" in text and "ptrace_scope" in text and "ermission" in text:
        cannot_run("py-spy may not read another process here", "`sysctl kernel.yama.ptrace_scope=0` or SYS_PTRACE")
    assert "py-spy could not" not in text, text
    # the languages by their share, which a handful of samples decides: Python among them
    assert re.search(r"\d+ samples, 100 a second\. Where the running code was, by language: [^\n]*Python \d+%", text)
    assert "| `make_text" in text  # cProfile's table: the script's own functions, with their calls
    assert re.search(r"\| `string_doubles\.count_doubles \(Rust\)` \| 50,001 \|", text), "one call per line, and one"
    svg = (profiled / "profile-flame.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and profile.script_lesson().profile_script in svg
    assert 'data="results/profile-flame.svg"' in text


def test_profile_counts_instructions_per_call_and_per_character(profiled, valgrind):
    text = (profiled / "instructions.md").read_text()
    assert "valgrind is not installed" not in text and "callgrind failed" not in text, text
    rows = {m[0]: [float(x.replace(",", "")) for x in m[1:]] for m in ROW.findall(text)}
    expected = {f"{f} (lesson {lesson.number}, {b})" for lesson, f in profile.functions("instructions")
                for b in ("debug", "release")}  # fmt: skip
    assert expected and set(rows) == expected
    for name, (call, *per_char) in rows.items():
        assert call > 0 and all(x > 0 for x in per_char), name
        if "debug" in name:  # exact counts: the same code without optimizations does more
            release = rows[name.replace("debug", "release")]
            assert call > release[0] and per_char[0] > release[1], name
    assert (profiled / "instructions.png").read_bytes().startswith(b"\x89PNG")
    # one call on 'ab' taken apart: PyO3's entry point first, our functions among the rest
    broken_down = profile.functions("call_breakdown")
    assert broken_down
    for lesson, function in broken_down:
        said = rf"Where the ([\d,]+) instructions of one call `{function}\('ab'\)` go \(lesson {lesson.number},"
        call = re.search(said, text)
        assert call, text
        assert f"| `fastcall_cfunction_with_keywords` | {call.group(1)} | 100% |" in text
    assert re.search(r"\| `string_doubles::\w+` \| [\d,]+ \| \d+% \|", text), text


def test_profile_writes_the_machine_code_the_lessons_ask_for(profiled):
    text = (profiled / "machine-code.md").read_text()
    asked = machine_code.wanted()
    assert asked, "a lesson asks for machine code (`machine_code`)"
    assert text.count("```text") == len(asked) and "instructions in one trip round the loop" in text
    for lesson, function in asked:
        assert f"Written by `just profile` from lessons/{lesson.dir}," in text
        assert f"The innermost loop of `{function}`" in text


def test_every_report_ends_with_the_one_stamp_and_has_its_raw_data_beside_it(profiled):
    """`just compare`, `just race` and `just profile` publish every report the book shows
    through results.publish, each stamped by report.stamp_markdown."""
    for name in results.REPORTS:
        text = (profiled / name).read_text()
        raw = json.loads((profiled / name).with_suffix(".json").read_text())
        stamp = raw["stamp"]
        assert set(stamp) == set(report.new_stamp()), name
        endings = {report.stamp_markdown(stamp), report.stamp_markdown(stamp, beside="")}
        assert text.rstrip("\n").splitlines()[-1] in endings, (name, text[-400:])
        assert text.count("<small>Measured ") == 1, name


def test_profile_says_when_valgrind_is_missing_and_makes_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(profile.shutil, "which", lambda name, **kw: None)
    md = "\n".join(profile.instructions_section(tmp_path, ["release"], (10, 100), {}))
    assert "valgrind is not installed" in md and "just doctor --install" in md
    assert not (tmp_path / "instructions.png").exists()


def test_profile_says_when_py_spy_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(profile, "pyspy", lambda: None)
    lesson = profile.script_lesson()
    assert "py-spy is not installed" in profile.record("raw", tmp_path / "x.txt", lesson, tmp_path, 10)


def test_profile_refuses_bad_options():
    for bad in (["--sizes", "100"], ["--sizes", "100,100"], ["--builds", "fast"]):
        with pytest.raises(SystemExit):
            profile.main(bad)


def test_rust_frames_read_as_rust_names():
    frame = "_$LT$pyo3..instance..Bound$LT$T$GT$$u20$as$u20$Foo$GT$::encode_utf8::h080e0123456789ab (lib.rs:12)"
    name, language = profile.frame_label(frame)
    assert language == "Rust" and name == "encode_utf8 (lib.rs)"
    assert profile.frame_label("make_text (analyse.py:26)") == ("make_text (analyse.py)", "Python")
    assert profile.frame_label("0x7f14 (libc.so.6)")[0] == "(no symbol) (libc.so.6)"
