"""The justfile's behaviour, as a learner meets it, in a throwaway copy of the course."""

import os
import re
import shutil
from pathlib import Path

import pytest

from course import manifest

SAVED = re.compile(r"just restore (\S+)")
LESSONS = manifest.load()
# The first checkpoint with a crate of its own in core/, and the lesson before it.
CORE = next(lesson for lesson in LESSONS if (lesson.path / "core").is_dir())
BEFORE_CORE = LESSONS[LESSONS.index(CORE) - 1]


@pytest.mark.slow
def test_checkout_over_an_edit_keeps_the_edit_recoverable(course):
    course.just("lesson-1")
    course.write("doubles.py", course.read("doubles.py") + "\n# my own notes\n")
    out = course.just("lesson-3").stdout
    assert "saved, nothing is lost" in out
    name = SAVED.search(out).group(1)
    saved = course.root / ".course/saved" / name / "doubles.py"
    assert saved.read_text().endswith("# my own notes\n")
    assert course.read("doubles.py") == (course.root / "lessons/03-release/doubles.py").read_text()
    assert (course.root / "src/lib.rs").is_file()

    # Restoring puts the edit back, saves nothing since lesson 3 was untouched, and
    # goes back to the lesson the edit was made on.
    out = course.just("restore", name).stdout
    assert "nothing is lost" not in out
    assert course.read("doubles.py").endswith("# my own notes\n")
    assert not (course.root / "src").exists(), "lesson 1 has no src/: restoring must remove it"
    assert "lesson 1 (01-python)" in course.just("status").stdout
    assert "does what lesson 1 asks" in course.just("verify").stdout


def test_checkout_of_an_untouched_checkpoint_saves_nothing(course):
    course.just("lesson-2")
    out = course.just("lesson-4").stdout
    assert "saved" not in out
    assert "lesson 4" in course.just("status").stdout


def test_an_unknown_lesson_is_refused_with_the_list(course):
    before = course.read("doubles.py")
    result = course.just("lesson", "42", check=False)
    assert result.returncode != 0
    assert "There is no lesson '42'" in result.stderr
    assert "just lesson-1" in result.stderr and "just lesson-5" in result.stderr
    assert course.read("doubles.py") == before


def test_restore_of_an_unknown_name_lists_what_is_saved(course):
    course.just("lesson-1")
    course.write("doubles.py", "# mine\n")
    course.just("lesson-2")
    (name,) = [p.name for p in (course.root / ".course/saved").iterdir() if p.is_dir()]
    assert f"just restore {name}" in course.just("restore").stdout
    before = course.read("doubles.py")
    for bad in ["nope", "..", ".", "../saved", name + ".json"]:
        result = course.just("restore", bad, check=False)
        assert result.returncode != 0 and "No saved working copy is called" in result.stderr, bad
        assert f"just restore {name}" in result.stderr
    assert course.read("doubles.py") == before


@pytest.mark.slow
def test_verify_passes_on_the_checkpoint_and_fails_on_a_broken_copy(course):
    course.just("lesson-1")
    assert "does what lesson 1 asks" in course.just("verify").stdout

    course.write("doubles.py", course.read("doubles.py").replace("total += 1", "total += 2"))
    result = course.just("verify", check=False)
    assert result.returncode != 0
    assert "the Python loop gives" in result.stdout
    assert "A hint for lesson 1" in result.stderr


@pytest.mark.slow
def test_verify_builds_the_learners_rust_and_catches_its_mistakes(course):
    course.just("lesson-5")
    assert "does what lesson 5 asks" in course.just("verify").stdout

    lib = course.read("src/lib.rs")
    chars = lib.index("fn count_doubles(")
    course.write("src/lib.rs", lib[:chars] + lib[chars:].replace("chars()", "bytes()", 2))
    result = course.just("verify", check=False)
    assert result.returncode != 0, "comparing bytes in count_doubles is wrong beyond ASCII"
    assert "string_doubles:count_doubles(" in result.stdout

    course.write("src/lib.rs", lib.replace("val.bytes().skip(1)", "val.bytes().skip(2)"))
    result = course.just("verify", check=False)
    assert result.returncode != 0
    assert "string_doubles:count_doubles_bytes" in result.stdout
    assert "A hint for lesson 5" in result.stderr

    course.write("src/lib.rs", lib.replace("let mut total", "let total"))  # a classic first error
    result = course.just("verify", check=False)
    assert result.returncode != 0
    assert "The Rust build of your working copy failed" in result.stderr
    assert "cannot assign twice to immutable variable" in result.stderr


@pytest.mark.slow
def test_verify_explains_a_panic_in_the_learners_rust(course):
    course.just("lesson-2")
    course.write("src/lib.rs", course.read("src/lib.rs").replace("total += 1", "total -= 1"))
    result = course.just("verify", check=False)
    assert result.returncode != 0
    assert "panicked in Rust" in result.stdout and "subtract with overflow" in result.stdout


@pytest.mark.slow
def test_verify_checks_the_release_profile(course):
    course.just("lesson-3")
    course.write("pyproject.toml", course.read("pyproject.toml").replace('profile = "release"', ""))
    result = course.just("verify", check=False)
    assert result.returncode != 0 and 'this step builds "release"' in result.stdout


def test_verify_without_rust_installed_says_how_to_get_it(course, tmp_path):
    course.just("lesson-2")
    # A PATH with every program on it but Rust's, whatever folders they share.
    shims = tmp_path / "no-rust"
    shims.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        for program in Path(folder).glob("*") if Path(folder).is_dir() else []:
            name = program.name
            if not name.startswith(("cargo", "rustc", "rustup")) and not (shims / name).exists():
                (shims / name).symlink_to(program)
    result = course.just("verify", check=False, env={"PATH": str(shims)})
    assert result.returncode != 0
    assert "Rust is not installed" in result.stderr and "https://rustup.rs" in result.stderr


def test_diff_shows_the_step(course):
    out = course.just("diff", "2", "3").stdout
    assert '+profile = "release"' in out
    assert "src/lib.rs" not in out, "lesson 3 changes no Rust code"


@pytest.mark.slow
def test_bench_runs_the_working_copys_benchmarks(course):
    course.just("lesson-4")
    result = course.just("bench", "--benchmark-disable", "-k", "rust or numpy", env={"DOUBLES_SIZE": "100"})
    assert re.search(r"2 passed, \d+ deselected", result.stdout), result.stdout


def test_verify_explains_a_pyproject_toml_it_cannot_read(course):
    course.just("lesson-3")
    course.write("pyproject.toml", course.read("pyproject.toml").replace("[tool.maturin]", "[tool.maturin"))
    result = course.just("verify", check=False)
    assert result.returncode != 0
    assert "pyproject.toml can't be read" in result.stderr and "Traceback" not in result.stderr
    assert "A hint for lesson 3" in result.stderr


def test_diff_shows_only_the_checkpoints_own_files(course):
    junk = course.root / "lessons/02-rust-debug/.pytest_cache/v/cache"
    junk.mkdir(parents=True)
    (junk / "nodeids").write_text("[]")
    (course.root / "lessons/02-rust-debug/target").mkdir()
    (course.root / "lessons/02-rust-debug/target/junk.txt").write_text("built")
    out = course.just("diff", "1", "2").stdout
    assert "src/lib.rs" in out and ".pytest_cache" not in out and "junk.txt" not in out
    assert "Cargo.lock changed too" in out and "[[package]]" not in out, "the lock file is named, not dumped"


@pytest.mark.slow
def test_files_changed_behind_justs_back_are_judged_by_what_they_are(course):
    course.just("lesson-2")
    lesson5 = course.root / "lessons/05-bytes"
    for path in [p for p in lesson5.rglob("*") if p.is_file()]:  # as `git checkout .` would
        (course.root / path.relative_to(lesson5)).parent.mkdir(parents=True, exist_ok=True)
        (course.root / path.relative_to(lesson5)).write_bytes(path.read_bytes())
    assert "exactly the checkpoint of lesson 5: did git change the files?" in course.just("status").stdout
    out = course.just("verify").stdout
    assert "though lesson 2 was checked out last" in out and "does what lesson 5 asks" in out


@pytest.mark.slow
def test_edits_made_before_any_checkout_belong_to_the_lesson_they_started_from(course):
    # A fresh clone holds lesson 5 and records no lesson.
    course.write("doubles.py", course.read("doubles.py") + "\n# a first try\n")
    name = SAVED.search(course.just("lesson-1").stdout).group(1)
    assert "lesson-5-edits" in name
    out = course.just("restore", name).stdout
    assert "saved on lesson 5" in out
    assert "does what lesson 5 asks" in course.just("verify").stdout


# --- exercises: the learner's loop ---------------------------------------------------


@pytest.mark.slow
def test_an_exercise_fails_verify_until_the_step_is_done(course):
    out = course.just("exercise-4").stdout
    assert "working toward lesson 4" in out and "just solution" in out
    assert course.read("doubles.py") == (course.root / "lessons/03-release/doubles.py").read_text()
    status = course.just("status").stdout
    assert "working toward lesson 4" in status and "untouched" in status

    result = course.just("verify", check=False)
    assert result.returncode != 0
    assert "doubles.py has no function count_doubles_numpy" in result.stdout
    assert "A hint for lesson 4" in result.stderr and "Traceback" not in result.stdout + result.stderr

    assert "+def count_doubles_numpy(val: str) -> int:" in course.just("solution").stdout
    course.write("doubles.py", (course.root / "lessons/04-numpy/doubles.py").read_text())
    assert "does what lesson 4 asks" in course.just("verify").stdout
    assert "Nothing left to do" not in course.just("status").stdout


@pytest.mark.slow
def test_exercise_1_starts_from_a_function_to_write(course):
    course.just("exercise-1")
    result = course.just("verify", check=False)
    assert "count_doubles('') raised NotImplementedError: it is not written yet" in result.stdout
    done = (course.root / "lessons/01-python/doubles.py").read_text()
    # The function written, the benchmark not yet: verify says which benchmark is missing.
    start = course.read("doubles.py")
    body = done[done.index("def count_doubles") : done.index("# ANCHOR_END: count_doubles")]
    course.write("doubles.py", start[: start.index("def count_doubles")] + body + start[start.index("# ANCHOR_END") :])
    result = course.just("verify", check=False)
    assert "gives the Python loop's answers" in result.stdout
    assert "No benchmark in doubles.py times doubles:count_doubles" in result.stdout


@pytest.mark.slow
def test_a_wrong_answer_is_shown_on_the_smallest_input_beyond_ascii_when_only_there(course):
    course.just("lesson-5")
    lib = course.read("src/lib.rs")
    chars = lib.index("fn count_doubles(")
    course.write("src/lib.rs", lib[:chars] + lib[chars:].replace("chars()", "bytes()", 2))
    out = course.just("verify", check=False).stdout
    assert "string_doubles:count_doubles('éé') gave 0; the Python loop gives 1." in out
    assert "only characters beyond ASCII trip it" in out


def test_a_python_syntax_error_is_one_line_and_a_caret(course):
    course.just("lesson-1")
    course.write("doubles.py", course.read("doubles.py").replace("    total = 0\n", "total = 0\n", 1))
    result = course.just("verify", check=False)
    assert "Python can't read doubles.py, line" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr and "importlib" not in result.stderr


@pytest.mark.slow
def test_a_failed_build_uninstalls_the_previous_one(course):
    course.just("lesson-2")
    course.just("verify")
    course.write("src/lib.rs", course.read("src/lib.rs").replace("let mut total", "let total"))
    result = course.just("verify", check=False)
    assert "previous build of string_doubles is uninstalled" in result.stderr
    site = Path(course.env["COURSE_VENV"]).glob("lib/python*/site-packages/string_doubles")
    assert not list(site)


def test_status_counts_what_it_lists_and_an_unchanged_copy_is_saved_once(course):
    course.just("lesson-1")
    course.write("doubles.py", "# mine\n")
    name = SAVED.search(course.just("lesson-2").stdout).group(1)
    course.just("restore", name)
    out = course.just("lesson-3").stdout
    assert f"already saved, as {name}" in out
    status = course.just("status").stdout
    assert "Saved working copies (1, just restore NAME):" in status and name in status
    assert len([p for p in (course.root / ".course/saved").iterdir() if p.is_dir()]) == 1


def test_diff_of_a_lesson_with_itself_says_so(course):
    out = course.just("diff", "2", "2").stdout
    assert "Both are lesson 2: nothing to compare" in out and "just diff 1 2" in out


def test_every_recipe_refuses_an_unknown_lesson_with_the_list(course):
    nowhere = str(LESSONS[-1].number + 1)
    for args in (["exercise", nowhere], ["diff", "2", nowhere], ["lesson", "x"]):
        result = course.just(*args, check=False)
        assert result.returncode != 0 and "There is no lesson" in result.stderr, args
        assert "just exercise-1" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_bench_compares_with_the_previous_run_of_the_lesson(course):
    course.just("lesson-1")
    quick = ["--benchmark-min-rounds=1", "--benchmark-max-time=0.0001", "--benchmark-warmup=off"]
    first = course.just("bench", *quick, env={"DOUBLES_SIZE": "100"}).stdout
    assert "Saved as your first run of lesson 1" in first
    second = course.just("bench", *quick, env={"DOUBLES_SIZE": "100"}).stdout
    assert "Against your previous run of lesson 1" in second and "test_pure_python" in second.split("Against")[1]


@pytest.mark.slow
def test_watch_verifies_again_when_a_file_is_saved(course):
    import signal
    import subprocess
    import threading
    import time

    course.just("lesson-1")
    # Its own process group, so that the SIGINT below reaches it all, as Ctrl-C in a terminal does.
    proc = subprocess.Popen(
        ["just", "watch"],
        cwd=course.root,
        env=course.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()

    def wait_for(text: str, count: int = 1) -> None:
        deadline = time.monotonic() + 60
        while sum(text in line for line in list(lines)) < count:
            assert time.monotonic() < deadline, f"no {text!r} in:\n" + "".join(lines)
            time.sleep(0.1)

    try:
        wait_for("Watching your working copy")
        course.write("doubles.py", course.read("doubles.py").replace("total += 1", "total += 2"))
        wait_for("doubles.py changed")
        wait_for("Watching your working copy", 2)
        assert "the Python loop gives" in "".join(lines)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
    wait_for("Stopped watching")


def test_doctor_says_how_to_install_what_is_missing(course, tmp_path):
    out = course.just("doctor").stdout
    assert "✓ Rust" in out and "✓ Python packages" in out
    shims = tmp_path / "no-rust"
    shims.mkdir()
    for name in ("python3", "just", "git", "bash"):
        found = shutil.which(name, path=course.env["PATH"])
        (shims / name).symlink_to(found)
    result = course.just("doctor", check=False, env={"PATH": str(shims)})
    assert result.returncode == 1
    assert "✗ Rust" in result.stdout and "sh.rustup.rs" in result.stdout and "✗ C linker" in result.stdout


def test_the_core_crate_comes_and_goes_with_its_lesson(course):
    course.just(f"lesson-{CORE.number}")
    assert (course.root / "core/src/lib.rs").is_file()
    course.write("core/src/notes.rs", "// my own notes\n")
    out = course.just(f"lesson-{BEFORE_CORE.number}").stdout
    assert "saved, nothing is lost" in out
    assert not (course.root / "core").exists(), f"{BEFORE_CORE.dir} has no core/: checking it out must remove it"
    name = SAVED.search(out).group(1)
    assert (course.root / ".course/saved" / name / "core/src/notes.rs").read_text() == "// my own notes\n"


@pytest.mark.slow
def test_every_checkpoint_stays_a_crate_of_its_own_whatever_the_working_copy(course):
    """Once the working copy's Cargo.toml is a workspace (it has core/), cargo looks for one
    in the folders above a crate, so the checkpoints under lessons/ must not be taken for
    its members (`just race` and `just profile` build them from there)."""
    import subprocess

    course.just(f"lesson-{LESSONS[-1].number}")
    assert "[workspace]" in course.read("Cargo.toml")
    for lesson in LESSONS:
        if lesson.has_rust:
            toml = course.root / "lessons" / lesson.dir / "Cargo.toml"
            cmd = ["cargo", "metadata", "--no-deps", "--format-version", "1", "--manifest-path", str(toml)]
            result = subprocess.run(cmd, capture_output=True, text=True)
            assert result.returncode == 0, f"{lesson.dir}: {result.stderr}"


def test_a_diff_cut_short_by_head_says_nothing_more(course):
    """`just solution | head`: once the reader has stopped reading, no Python traceback."""
    import subprocess

    read, write = os.pipe()
    os.close(read)  # a reader that has gone: every write fails, as after `head` exits
    try:
        first, last = str(BEFORE_CORE.number), str(LESSONS[-1].number)  # a long diff
        result = subprocess.run(["just", "diff", first, last], cwd=course.root, env=course.env, stdout=write,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
    finally:
        os.close(write)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
