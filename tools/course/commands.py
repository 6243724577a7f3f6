"""What the justfile's recipes run: `python -m course COMMAND ...`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import ROOT, CourseError, benchruns, build, check, manifest, workcopy

# The size of the benchmark input when only correctness matters (tests, `verify`).
SMALL = "2000"


def pytest(args: list[str], env: dict | None = None, cwd: Path = ROOT) -> int:
    """pytest in a fresh interpreter, so it imports the code on disk."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}).returncode


def lesson(number: str) -> int:
    print("\n".join(workcopy.checkout(number)))
    return 0


def exercise(number: str) -> int:
    print("\n".join(workcopy.exercise(number)))
    return 0


def restore(name: str) -> int:
    print("\n".join(workcopy.restore(name)))
    return 0


def status() -> int:
    print("\n".join(workcopy.status()))
    return 0


# Written by a tool, not by the learner: `just diff` names them instead of showing them.
GENERATED = {"Cargo.lock": "cargo's record of the exact versions of PyO3 and its dependencies"}


def show_diff(old: dict[str, bytes], old_label: str, new: dict[str, bytes], new_label: str) -> int:
    """git's diff of two sets of files, leaving out the GENERATED ones (named instead)."""
    if shutil.which("git") is None:
        raise CourseError("Showing a diff uses git, which is not installed.")
    color = "--color=always" if sys.stdout.isatty() else "--color=never"
    with tempfile.TemporaryDirectory() as tmp:
        for label, tree in ((old_label, old), (new_label, new)):
            folder = Path(tmp, label)
            folder.mkdir(parents=True)
            for rel, data in tree.items():
                if rel not in GENERATED:
                    path = folder / rel
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
        rc = subprocess.run(["git", "diff", "--no-index", color, "--", old_label, new_label], cwd=tmp).returncode
    for rel, what in GENERATED.items():
        if old.get(rel) != new.get(rel):
            print(f"\n({rel} changed too: {what}, written by cargo; not shown.)")
    return 0 if rc in (0, 1) else rc  # git diff says 1 for "they differ"


def diff(a: str, b: str) -> int:
    """git's diff of two checkpoints' own files (not what running them left there)."""
    first, second = manifest.find(a), manifest.find(b)
    if first == second:
        print(
            f"Both are lesson {first.number}: nothing to compare. To see what its step changed: "
            f"just diff {first.number - 1} {first.number}"
            if first != manifest.load()[0]
            else f"Both are lesson {first.number}: nothing to compare. It is where the course starts."
        )
        return 0
    return show_diff(first.files(), f"lessons/{first.dir}", second.files(), f"lessons/{second.dir}")


def solution() -> int:
    """The diff from the working copy to the checkpoint of the lesson it works toward."""
    lessons = manifest.load()
    step, note = workcopy.current_lesson(lessons)
    if note:
        print(note)
    mine = workcopy.snapshot(lessons)
    if mine == step.files():
        print(f"Your working copy is exactly lesson {step.number}'s checkpoint: nothing left to do.")
        return 0
    print(f"From your working copy (-) to lesson {step.number}'s checkpoint (+), {step.title}:\n", flush=True)
    return show_diff(mine, "your-working-copy", step.files(), f"lessons/{step.dir}")


def build_working_copy(step: manifest.Lesson) -> None:
    """Build and install the working copy's Rust, if the step has some.

    When it can't be built, the previous build is uninstalled: `pytest doubles.py` and
    `just bench` must fail on a missing module rather than test old code as the learner's.
    """
    try:
        if step.has_rust and not (ROOT / "Cargo.toml").is_file():
            raise CourseError(
                "This step has Rust code, but your working copy has no Cargo.toml "
                "(`just solution` shows the files the step adds)."
            )
        if (ROOT / "Cargo.toml").is_file():
            print(f"Building your Rust code ({build.profile_of(ROOT)} profile)...", flush=True)
            build.install(ROOT)
    except CourseError as err:
        if build.remove_installed():
            err.args = (
                f"{err}\n\n(The previous build of string_doubles is uninstalled, so nothing tests it "
                "by mistake as your code.)",
            )
        raise


def readable_python() -> None:
    """doubles.py is valid Python, or a CourseError with the line and the message only."""
    path = ROOT / "doubles.py"
    if path.is_file():
        try:
            compile(path.read_bytes(), str(path), "exec")
        except SyntaxError as err:
            raise CourseError(check.syntax_error(err)) from None


def verify() -> int:
    lessons = manifest.load()
    step, note = workcopy.current_lesson(lessons)
    if note:
        print(note)
    last, exercise = workcopy.recorded(lessons)
    toward = "the exercise of " if exercise and last == step else ""
    print(f"Checking your working copy against {toward}{step}.", flush=True)
    try:
        readable_python()
        build_working_copy(step)
        rc = subprocess.run(
            [sys.executable, "-m", "course.check", str(step.number), str(ROOT)],
            env={**os.environ, "DOUBLES_SIZE": SMALL},
        ).returncode
    except CourseError as err:
        print(f"\n  ✗ {err}", file=sys.stderr)
        rc = 1
    if rc != 0:
        print(f"\nNot there yet. A hint for lesson {step.number}:\n{step.hint}", file=sys.stderr)
        return 1
    print(f"\nYour working copy does what lesson {step.number} asks. Time it with: just bench")
    return 0


def bench(args: list[str]) -> int:
    """pytest-benchmark on the working copy, saved per lesson and compared with the last run."""
    if not (ROOT / "doubles.py").is_file():
        raise CourseError("There is no doubles.py to benchmark. Check out a lesson first: just lesson-1")
    step, note = workcopy.current_lesson(manifest.load())
    if note:
        print(note)
    build_working_copy(step)
    storage = benchruns.storage(step.number)
    previous = benchruns.latest(storage)
    cmd = [
        "doubles.py",
        "--benchmark-sort=mean",
        "--benchmark-columns=min,median,iqr,mean,rounds",
        f"--benchmark-storage=file://{storage}",
        "--benchmark-autosave",
        *benchruns.BENCH_OPTIONS,
    ]
    if previous:
        cmd.append(f"--benchmark-compare={previous.stem.split('_')[0]}")
    rc = pytest([*cmd, *args])
    earlier = max((lesson.number for lesson in manifest.load() if lesson.number < step.number), default=None)
    if said := benchruns.after_run(step.number, previous, args, earlier):
        print("\n".join(said))
    return rc


def sync_lessons() -> int:
    path = manifest.LESSONS_DIR / "lessons.just"
    path.write_text(manifest.justfile_recipes(manifest.load()))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0
