"""What the justfile's recipes run: `python -m course COMMAND ...`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import ROOT, STATE_DIR, CourseError, build, manifest, workcopy

# The size of the benchmark input when only correctness matters (tests, `verify`).
SMALL = "2000"


def pytest(args: list[str], env: dict | None = None, cwd: Path = ROOT) -> int:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}).returncode


def lesson(number: str) -> int:
    print("\n".join(workcopy.checkout(number)))
    return 0


def restore(name: str) -> int:
    print("\n".join(workcopy.restore(name)))
    return 0


def status() -> int:
    print("\n".join(workcopy.status()))
    return 0


# Written by a tool, not by the learner: `just diff` names them instead of showing them.
GENERATED = {"Cargo.lock": "cargo's record of the exact versions of PyO3 and its dependencies"}


def diff(a: str, b: str) -> int:
    """git's diff of two checkpoints' own files (not what running them left there)."""
    first, second = manifest.find(a), manifest.find(b)
    if shutil.which("git") is None:
        raise CourseError("`just diff` uses git, which is not installed.")
    color = "--color=always" if sys.stdout.isatty() else "--color=never"
    files = {lesson: lesson.files() for lesson in (first, second)}
    with tempfile.TemporaryDirectory() as tmp:
        for lesson, tree in files.items():
            for rel, data in tree.items():
                if rel not in GENERATED:
                    path = Path(tmp, "lessons", lesson.dir, rel)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
        where = [f"lessons/{first.dir}", f"lessons/{second.dir}"]
        rc = subprocess.run(["git", "diff", "--no-index", color, "--", *where], cwd=tmp).returncode
    for rel, what in GENERATED.items():
        if files[first].get(rel) != files[second].get(rel):
            print(f"\n({rel} changed too: {what}, written by cargo; not shown.)")
    return 0 if rc in (0, 1) else rc  # git diff says 1 for "they differ"


def build_working_copy() -> None:
    if (ROOT / "Cargo.toml").is_file():
        print(f"Building your Rust code ({build.profile_of(ROOT)} profile)...", flush=True)
        build.install(ROOT)


def verify() -> int:
    lessons = manifest.load()
    step, note = workcopy.current_lesson(lessons)
    if note:
        print(note)
    print(f"Checking your working copy against {step}.", flush=True)
    try:
        if step.has_rust and not (ROOT / "Cargo.toml").is_file():
            raise CourseError("This step has Rust code, but your working copy has no Cargo.toml.")
        build_working_copy()
        rc = pytest(
            ["-q", "--benchmark-disable", str(Path(__file__).with_name("check_working_copy.py")), "doubles.py"],
            env={"COURSE_LESSON": str(step.number), "DOUBLES_SIZE": SMALL},
        )
    except CourseError as err:
        print(f"\n{err}", file=sys.stderr)
        rc = 1
    if rc != 0:
        print(f"\nNot there yet. A hint for lesson {step.number}:\n{step.hint}", file=sys.stderr)
        return 1
    print(f"\nYour working copy does what lesson {step.number} asks. Time it with: just bench")
    return 0


def bench(args: list[str]) -> int:
    if not (ROOT / "doubles.py").is_file():
        raise CourseError("There is no doubles.py to benchmark. Check out a lesson first: just lesson-1")
    build_working_copy()
    storage = STATE_DIR / "benchmarks"
    return pytest(
        [
            "doubles.py",
            "--benchmark-sort=mean",
            "--benchmark-columns=min,median,mean,rounds",
            f"--benchmark-storage=file://{storage}",
            "--benchmark-autosave",
            *args,
        ]
    )


def test_checkpoint(number: str, args: list[str]) -> int:
    """Build one checkpoint on its own and run its tests (benchmarks too) against it."""
    step = manifest.find(number)
    env = {"DOUBLES_SIZE": os.environ.get("DOUBLES_SIZE", SMALL)}
    if step.has_rust:
        site = build.checkpoint_site(step)
        env["PYTHONPATH"] = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])
    return pytest(["doubles.py", *args], env=env, cwd=step.path)


def sync_lessons() -> int:
    path = manifest.LESSONS_DIR / "lessons.just"
    path.write_text(manifest.justfile_recipes(manifest.load()))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0
