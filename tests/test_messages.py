"""The course's messages keep the clue: cargo's reason for a failed build, the compiler's
warnings about the learner's code, a Rust panic said once, `just bench`'s one-line errors.

The parsers are tested on real output, kept in tests/data/: build logs of broken
checkpoints (tests/data/cargo/capture.py makes them again) and the stderr of verify's
check on panicking code (tests/data/panics/README.md says how each was made). Two
end-to-end tests run the recipes on a copy of the course.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from course import build, commands

DATA = Path(__file__).resolve().parent / "data"


def log(name: str) -> str:
    return (DATA / "cargo" / f"{name}.log").read_text()


def failure(name: str) -> str:
    return build.failure_message(log(name), "your working copy")


def summary(name: str) -> list[str]:
    return build.warnings_summary(build.parse_messages(log(name)))


# --- a build that fails: cargo's warnings, then its first error, whole --------------


def test_a_misspelt_dependencies_table_is_shown_as_cargos_warning_before_the_error():
    said = failure("dependancies")
    warning = said.index("warning: unused manifest key: dependancies")
    error = said.index("error[E0433]: cannot find module or crate `pyo3`")
    assert warning < error, "the warning is the cause: it comes first"
    assert "(and 4 more errors" in said
    assert "maturin failed" not in said and "Caused by: Failed to build" not in said


def test_a_build_script_that_fails_shows_cargos_chain_of_causes():
    said = failure("dependancies-build-script")
    assert "unused manifest key: dependancies" in said
    assert "error: failed to run custom build command for `string-doubles" in said
    assert "Caused by:" in said and "process didn't exit successfully" in said
    # The build script's own words, below the chain's blank lines: the reason.
    assert "`pyo3_build_config::get()` requires a direct dependency on `pyo3` or `pyo3-ffi`" in said
    # What the script told cargo is not a message.
    assert "cargo:rustc-check-cfg" not in said and "--- stdout" not in said
    assert "--- stderr" in said


def test_a_version_that_cannot_be_parsed_shows_why():
    said = failure("version-typo")
    assert "error: failed to parse manifest at" in said
    assert "failed to parse the version requirement `0.30.l` for dependency `pyo3`" in said
    assert "unexpected character 'l' while parsing patch version number" in said
    assert said.count("Caused by:") == 2
    assert "Cargo metadata failed" not in said, "maturin's own chain adds nothing"


def test_a_version_that_does_not_exist_shows_the_versions_there_are():
    said = failure("no-such-version")
    assert 'error: failed to select a version for the requirement `pyo3 = "^0.99"`' in said
    assert "candidate versions found which didn't match: 0.30.1" in said
    assert "required by package `string-doubles" in said


def test_a_toml_syntax_error_points_at_the_line_with_a_caret():
    said = failure("unclosed-string")
    assert 'error: invalid basic string, expected `"`' in said
    assert "--> Cargo.toml:11:15" in said
    assert '11 | pyo3 = "0.30.1\n   |               ^' in said


def test_the_compilers_first_error_is_shown_whole_and_the_others_counted():
    said = failure("assign-twice")
    assert "error[E0384]: cannot assign twice to immutable variable `total`" in said
    assert "help: consider making this binding mutable" in said and "let mut total = 0u64;" in said
    assert "(and 1 more error: `maturin develop` shows every message)" in said
    assert "could not compile" not in said and "For more information" not in said


def test_a_failed_build_shows_its_first_error_not_the_warnings_before_it():
    messages = build.parse_messages(log("warning-then-error"))
    assert len(messages.errors) == 2 and len(messages.code_warnings) == 2 and not messages.cargo_warnings
    said = failure("warning-then-error")
    assert "cannot assign twice to immutable variable" in said and "unused variable" not in said


def test_first_error_still_gives_the_first_error_and_the_count():
    error, count = build.first_error(log("assign-twice"))
    assert error.startswith("error[E0384]") and error.endswith("+++") and count == 2
    assert build.first_error(log("unused-variable")) == ("", 0)


# --- a build that succeeds: the warnings about the learner's own code, briefly --------


def test_warnings_about_the_learners_code_are_listed_with_their_count_and_place():
    lines = summary("unused-variable")
    assert lines[0] == "  The compiler has 2 warnings about your code (`maturin develop` shows each whole):"
    assert lines[1:] == [
        "    warning: unused variable: `spare` (src/lib.rs:13:13)",
        "    warning: unused variable: `spare` (src/lib.rs:29:13)",
    ]


def test_the_cfg_warnings_of_a_missing_build_rs_are_shown_and_kept_short():
    lines = summary("no-build-rs")
    assert "6 warnings" in lines[0]
    assert "    warning: unexpected `cfg` condition name: `Py_LIMITED_API` (src/lib.rs:50:15)" in lines
    assert len(lines) == 1 + build.SHOWN_WARNINGS + 1 and lines[-1] == "    ... and 1 more"
    assert not any("help:" in line for line in lines), "one line each: the warning and its place"


def test_cargos_warning_about_the_manifest_is_shown_whole_on_success():
    lines = summary("profile-typo")
    assert "  warning: profile package spec `doubles-cor` in profile `release` did not match any packages" in lines
    assert "  help: a package with a similar name exists: `doubles-core`" in lines
    assert not build.parse_messages(log("profile-typo")).code_warnings


def test_a_build_without_warnings_says_nothing_more():
    clean = "   Compiling string-doubles v0.1.0 (/x)\n    Finished `release` profile [optimized] target(s) in 1s\n"
    assert build.warnings_summary(build.parse_messages(clean)) == []


# --- a Rust panic, said once ----------------------------------------------------------


def read_panics(name: str) -> tuple[commands.PanicReports, list[str]]:
    reports = commands.PanicReports()
    passed = []
    for line in (DATA / "panics" / f"{name}.stderr").read_text().splitlines(keepends=True):
        passed += reports.feed(line)
    return reports, passed


def test_a_panic_reported_at_every_call_is_said_once():
    reports, passed = read_panics("overflow")
    assert passed == [], "every line is part of a report"
    verdict = "string_doubles:count_doubles('aa') panicked in Rust: attempt to subtract with overflow."
    assert reports.said(verdict) == ["  Rust panicked at src/lib.rs:15:17."]
    assert reports.said("") == ["  Rust panicked at src/lib.rs:15:17: attempt to subtract with overflow"]


def test_panics_at_two_places_are_said_once_each_with_the_whole_message():
    reports, passed = read_panics("two-places")
    assert passed == []
    assert reports.said("") == [
        "  Rust panicked at src/lib.rs:12:9: assertion `left != right` failed   left: 1  right: 1",
        "  Rust panicked at src/lib.rs:16:17: attempt to subtract with overflow",
    ]


def test_a_backtrace_asked_for_is_kept_once(monkeypatch):
    reports, passed = read_panics("backtrace")
    assert passed == []
    monkeypatch.setenv("RUST_BACKTRACE", "1")
    said = reports.said("attempt to subtract with overflow")
    assert said[0] == "  Rust panicked at src/lib.rs:15:17."
    assert sum("string_doubles::string_doubles::count_doubles" in line for line in said) == 1
    monkeypatch.delenv("RUST_BACKTRACE")
    assert reports.said("attempt to subtract with overflow") == ["  Rust panicked at src/lib.rs:15:17."]


def test_other_lines_of_a_stderr_pass_on_at_once_blank_lines_too():
    reports = commands.PanicReports()
    lines = ["a warning\n", "\n", "  indented\n", "\n", "\n", "last\n"]
    passed = [out for line in lines for out in reports.feed(line)]
    assert passed == lines[:-2] + ["\n", "last\n"]
    assert reports.said("") == []


# --- end to end: `just verify` and `just bench` on a broken working copy ---------------


@pytest.mark.slow
def test_verify_shows_cargos_reason_and_the_warnings_of_a_build_that_works(course):
    course.just("lesson-6")
    spare = course.read("src/lib.rs").replace("    let utf8 = ", "    let spare = 1;\n    let utf8 = ", 1)
    course.write("src/lib.rs", spare)
    course.write("doubles.py", course.read("doubles.py").replace("def test_rust_beyond_ascii(", "def beyond_ascii("))
    result = course.just("verify", check=False)  # it builds, with a warning, and the step is not done
    assert "The compiler has 1 warning about your code" in result.stdout
    assert "unused variable: `spare` (src/lib.rs:" in result.stdout
    assert result.returncode == 1
    assert "No benchmark in doubles.py times string_doubles:count_doubles on text beyond ASCII" in result.stdout

    course.just("lesson-6")
    course.write("Cargo.toml", course.read("Cargo.toml").replace("[dependencies]", "[dependancies]"))
    result = course.just("verify", check=False)
    assert result.returncode != 0
    said = result.stderr
    assert "unused manifest key: dependancies" in said
    assert "cannot find module or crate `pyo3`" in said  # the first error, whole


@pytest.mark.slow
def test_a_panic_is_said_once_and_bench_fails_in_a_line(course):
    course.just("lesson-2")
    course.write("src/lib.rs", course.read("src/lib.rs").replace("total += 1", "total -= 1"))
    result = course.just("verify", check=False, env={"RUST_BACKTRACE": "0"})
    out = result.stdout + result.stderr
    assert out.count("attempt to subtract with overflow") == 1, out
    assert "Rust panicked at src/lib.rs:" in result.stdout and "thread '" not in out

    bench = course.just("bench", "--benchmark-disable", check=False, env={"DOUBLES_SIZE": "100"})
    out = bench.stdout + bench.stderr
    assert bench.returncode != 0 and "thread '" not in out and "Captured stderr" not in out
    assert out.count("Rust panicked at src/lib.rs:") == 1
    assert "`just verify` says what is wrong" in bench.stdout

    lesson = course.read("doubles.py")
    course.write("doubles.py", lesson.replace("import pytest\n", "import pytest\nimport numpyy\n", 1))
    bench = course.just("bench", check=False)
    assert bench.returncode != 0 and "Traceback" not in bench.stdout + bench.stderr
    assert "`import doubles` failed: No module named 'numpyy' (at doubles.py, line" in bench.stderr

    course.write("doubles.py", lesson.replace("def count_doubles(val: str) -> int:", "def count_doubles(val)", 1))
    bench = course.just("bench", check=False)
    assert bench.returncode != 0 and "Traceback" not in bench.stdout + bench.stderr
    assert "Python can't read doubles.py, line" in bench.stderr and len(bench.stderr.splitlines()) == 3
