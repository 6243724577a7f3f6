"""What the justfile's recipes run: `python -m course COMMAND ...`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import ROOT, CourseError, benchruns, build, check, manifest, workcopy


def pytest(args: list[str], env: dict | None = None, cwd: Path = ROOT) -> int:
    """pytest in a fresh interpreter, so it imports the code on disk; a Rust panic's
    report said once (see run_saying_panics_once)."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return run_saying_panics_once(cmd, env=env, cwd=cwd)


# --- a Rust panic, said once ----------------------------------------------------------
#
# Rust's panic hook writes a report to stderr at every panic, before PyO3 turns the
# panic into a PanicException: verify's checks call a panicking function many times
# (each example, then again to show the smallest), pytest once per test. The report
# holds what the exception does not, where in the Rust code it panicked, so it is kept:
# once for each place and message, at the end, after the verdicts.

# "thread '<unnamed>' (14014) panicked at src/lib.rs:15:17:" (no thread id before Rust 1.88).
_PANIC = re.compile(r"^thread '[^']*'(?: \(\d+\))? panicked at (.+):$")
# What follows the message: advice about backtraces, or the backtrace itself.
_PANIC_NOTE = re.compile(r"^note: (run with `RUST_BACKTRACE|Some details are omitted)")


@dataclass
class Panic:
    where: str
    message: list[str] = field(default_factory=list)
    backtrace: list[str] = field(default_factory=list)

    def key(self) -> tuple:
        return self.where, tuple(self.message)


class PanicReports:
    """Reads a stderr line by line: Rust's panic reports are kept back, one per place
    and message; every other line is given back, to be passed on at once."""

    def __init__(self) -> None:
        self.panics: dict[tuple, Panic] = {}
        self.current: Panic | None = None
        self.in_backtrace = False
        self.blank: str | None = None  # each report opens with a blank line

    def feed(self, line: str) -> list[str]:
        """The lines to pass on now, `line` among them unless it is part of a report."""
        text = line.rstrip("\n")
        header = _PANIC.match(text)
        out = [self.blank] if self.blank is not None and not header else []
        self.blank = None
        if header:
            self.close()
            self.current = Panic(header.group(1))
            return out
        if self.current is not None:
            if _PANIC_NOTE.match(text):
                return out
            if text == "stack backtrace:":
                self.in_backtrace = True
                return out
            if self.in_backtrace and text[:1].isspace():
                self.current.backtrace.append(text)
                return out
            if text and not self.in_backtrace:
                self.current.message.append(text)
                return out
            self.close()
        if text:
            out.append(line)
        else:
            self.blank = line
        return out

    def close(self) -> None:
        if self.current is not None:
            self.panics.setdefault(self.current.key(), self.current)
        self.current, self.in_backtrace = None, False

    def said(self, shown: str) -> list[str]:
        """One line for each panic; its message only when `shown` (what the command
        printed) does not already hold it, as verify's verdict and pytest's report do."""
        self.close()
        out = []
        for panic in self.panics.values():
            message = " ".join(panic.message)
            known = message and all(line.strip() in shown for line in panic.message)
            out.append(f"  Rust panicked at {panic.where}" + ("." if known or not message else f": {message}"))
            if panic.backtrace and os.environ.get("RUST_BACKTRACE", "0") != "0":
                out += [f"    {line}" for line in panic.backtrace]
        return out


def run_saying_panics_once(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> int:
    """Run `cmd`, its output passed on as it comes, but a Rust panic's reports (one per
    call that panicked) said once, at the end. Its exit status."""
    environ = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    if sys.stdout.isatty():
        environ.setdefault("PY_COLORS", "1")  # pytest's colours, through the pipe
    sys.stdout.flush()  # what we printed comes first: the command's output goes to the buffer below
    proc = subprocess.Popen(cmd, cwd=cwd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    shown: list[bytes] = []

    def stdout() -> None:
        while chunk := os.read(proc.stdout.fileno(), 65536):  # pytest's dots, as they come
            shown.append(chunk)
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()

    reports = PanicReports()
    reader = threading.Thread(target=stdout, daemon=True)
    reader.start()
    try:
        for raw in proc.stderr:
            for line in reports.feed(raw.decode(errors="replace")):
                sys.stderr.write(line)
            sys.stderr.flush()
    except KeyboardInterrupt:  # Ctrl-C reached the command too: let it stop
        proc.wait()
        raise
    rc = proc.wait()
    reader.join()
    for line in reports.said(b"".join(shown).decode(errors="replace")):
        print(line, flush=True)
    return rc


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
    said = check.unreadable(path) if path.is_file() else ""
    if said:
        raise CourseError(said)


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
        print("Checking what your functions answer (examples, then inputs hypothesis makes up)...", flush=True)
        rc = run_saying_panics_once(
            [sys.executable, "-m", "course.check", str(step.number), str(ROOT)],
            env={"DOUBLES_SIZE": check.DOUBLES_SIZE},
        )
    except CourseError as err:
        print(f"\n  ✗ {err}", file=sys.stderr)
        rc = 1
    if rc != 0:
        print(f"\nNot there yet. A hint for lesson {step.number}:\n{step.hint}", file=sys.stderr)
        return 1
    print(f"\nYour working copy does what lesson {step.number} asks. Time it with: just bench")
    return 0


def importable(number: str) -> int:
    """Whether doubles.py imports, said as verify says it: `just bench` runs this in a
    fresh interpreter before pytest, whose report of a module it cannot import is a
    traceback of its own machinery."""
    from . import check

    checker = check.Checker(manifest.find(number), ROOT)
    sys.path.insert(0, str(ROOT))
    checker.load_module("doubles")
    for line in checker.problems:
        print(line)
    return 1 if checker.problems else 0


def doubles_imports(step: manifest.Lesson) -> None:
    """doubles.py imports (on a small input), or a CourseError with verify's one line."""
    code = "import sys; from course.commands import importable; sys.exit(importable(sys.argv[1]))"
    tools = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join([tools, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])
    result = subprocess.run(
        [sys.executable, "-c", code, str(step.number)],
        cwd=ROOT,
        env={**os.environ, "DOUBLES_SIZE": check.DOUBLES_SIZE, "PYTHONPATH": path},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        said = result.stdout.strip() or "\n".join(result.stderr.strip().splitlines()[-5:])
        raise CourseError(f"{said}\n(`just verify` checks the rest of the step.)")


def bench(args: list[str]) -> int:
    """pytest-benchmark on the working copy, saved per lesson and compared with the last run."""
    if not (ROOT / "doubles.py").is_file():
        raise CourseError("There is no doubles.py to benchmark. Check out a lesson first: just lesson-1")
    step, note = workcopy.current_lesson(manifest.load())
    if note:
        print(note)
    readable_python()
    build_working_copy(step)
    size = os.environ.get("DOUBLES_SIZE")
    on = f", on DOUBLES_SIZE={size} characters" if size else ""
    print(f"Timing doubles.py's benchmarks with pytest-benchmark (about a second each{on})...", flush=True)
    doubles_imports(step)
    storage = benchruns.storage(step.number)
    previous = benchruns.latest(storage)
    cmd = [
        "doubles.py",
        "--benchmark-sort=mean",
        "--benchmark-columns=min,median,iqr,mean,rounds",
        f"--benchmark-storage=file://{storage}",
        "--benchmark-autosave",
        *benchruns.BENCH_OPTIONS,
        # Python's output captured as usual, but not Rust's panic reports: said once, at the end.
        "--capture=sys",
        "--tb=short",
    ]
    if previous:
        cmd.append(f"--benchmark-compare={previous.stem.split('_')[0]}")
    rc = pytest([*cmd, *args])
    if rc == 1:  # pytest's "some tests failed"
        print("\nSome of doubles.py's tests failed (pytest's report is above): `just verify` says what is wrong.")
    earlier = max((lesson.number for lesson in manifest.load() if lesson.number < step.number), default=None)
    if said := benchruns.after_run(step.number, previous, args, earlier):
        print("\n".join(said))
    return rc


def sync_lessons() -> int:
    path = manifest.LESSONS_DIR / "lessons.just"
    path.write_text(manifest.justfile_recipes(manifest.load()))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0
