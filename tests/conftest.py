"""Fixtures shared by the course's own tests, their two tiers, and the rule for tools
the machine lacks.

`just test-quick` runs the tests not marked `slow` (`-m "not slow"`): the tooling's own
logic, in seconds. A test is slow when it builds (maturin, cargo, mdbook), starts a
browser, or runs a whole command that takes seconds; the fixtures in SLOW_FIXTURES mark
the tests that use them, and a test that builds by itself says `@pytest.mark.slow`. A
test not marked slow that runs cargo fails, saying so (see `builds_nothing`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from course import STATE_DIR, doctor, manifest, workcopy  # noqa: E402

# What a copy of the course needs to run its recipes; build outputs stay shared.
COURSE_FILES = ["justfile", "pytest.ini", "tools", "lessons", "book"]
# The learner's working copy. A copy of the course gets a fresh clone's, never the
# learner's own: the tests must pass whatever lesson or edits the learner is on.
WORKING_COPY = ["doubles.py", "pyproject.toml", "Cargo.toml", "Cargo.lock", "src", "core"]


def fresh_clone_working_copy() -> dict[str, bytes]:
    """The working copy as committed (a fresh clone's), whatever the learner did to theirs."""

    def git(*args: str) -> bytes:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True).stdout

    listed = git("ls-files", "-z", "--", *WORKING_COPY).decode().split("\0")
    return {rel: git("show", f"HEAD:{rel}") for rel in listed if rel}


def learner_state() -> dict[str, bytes]:
    """Everything of the learner's: the working copy, the recorded lesson, the saved copies."""
    state = dict(workcopy.snapshot(manifest.load()))
    for path in [STATE_DIR / "state.json", *sorted((STATE_DIR / "saved").rglob("*"))]:
        if path.is_file():
            state[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    return state


# Fixtures that build or start a browser: every test that uses one is slow.
SLOW_FIXTURES = {"measured_results", "untimed_race", "mdbook", "browser", "cargo_mutants"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: builds, starts a browser or takes seconds; `just test` runs it, `just test-quick` does not"
    )


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by the markers
def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def builds_nothing(request, tmp_path_factory, monkeypatch):
    """A test not marked slow runs with a `cargo` that builds nothing and notes each call:
    one that calls it fails, naming the command, so the quick tier stays quick."""
    if request.node.get_closest_marker("slow"):
        yield
        return
    stub = tmp_path_factory.getbasetemp() / "no-cargo"
    if not stub.is_dir():
        stub.mkdir()
        (stub / "cargo").write_text('#!/bin/sh\necho "cargo $*" >> "$COURSE_TEST_CARGO_LOG"\nexit 1\n')
        (stub / "cargo").chmod(0o755)
    log = tmp_path_factory.mktemp("cargo-log") / "calls"
    monkeypatch.setenv("PATH", f"{stub}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("COURSE_TEST_CARGO_LOG", str(log))
    yield
    if log.is_file():
        pytest.fail(
            f"this test ran `{log.read_text().splitlines()[0]}`, and is not marked slow: a test that builds "
            "belongs to `just test` only: give it @pytest.mark.slow",
            pytrace=False,
        )


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def cannot_run(why: str, fix: str) -> NoReturn:
    """Skip a test this machine cannot run, saying why and how to fix it; with CI=true,
    fail it instead: CI runs every test or says what it lacks."""
    if in_ci():
        pytest.fail(f"{why}, and CI=true: {fix}", pytrace=False)
    pytest.skip(f"{why}: {fix}")


def missing(name: str, why: str) -> NoReturn:
    """cannot_run for a missing system package (doctor.SYSTEM_PACKAGES's `name`)."""
    package = next(p for p in doctor.SYSTEM_PACKAGES if p.name == name)
    fix = doctor.install_command([package])
    cannot_run(f"{why}, and {name} is missing", f"`just doctor --install` installs it ({fix})")


def pytest_sessionstart(session):
    session.config.stash[LEARNER] = learner_state()


def pytest_collection_finish(session):
    """cargo-mutants takes minutes to compile, on one core: when a selected test needs it
    and it is missing, start installing it now, at a low priority, so that it compiles
    while the other tests run (test_mutants.py waits for it)."""
    if not session.config.option.collectonly and any("cargo_mutants" in i.fixturenames for i in session.items):
        from course import mutants

        session.config.stash[CARGO_MUTANTS_INSTALL] = mutants.start_installing()


CARGO_MUTANTS_INSTALL = pytest.StashKey["subprocess.Popen | None"]()


def pytest_sessionfinish(session, exitstatus):
    """The tests work on copies: the learner's files must be exactly as they were."""
    installing = session.config.stash.get(CARGO_MUTANTS_INSTALL, None)
    if installing is not None and installing.poll() is None:
        installing.kill()  # a run stopped early: cargo installs nothing half-way
        installing.wait()
    before, after = session.config.stash[LEARNER], learner_state()
    if before != after:
        changed = sorted(rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel))
        session.config.get_terminal_writer().line(
            "The course's tests changed the learner's files (they must work on copies): " + ", ".join(changed),
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


LEARNER = pytest.StashKey[dict]()


@dataclass
class Course:
    """A throwaway copy of the course, so a test can edit its working copy freely."""

    root: Path
    env: dict

    def just(self, *args: str, check: bool | None = True, env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["just", *args], cwd=self.root, env={**self.env, **(env or {})}, capture_output=True, text=True
        )
        if check is not None and check != (result.returncode == 0):
            pytest.fail(f"`just {' '.join(args)}` exited {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text()

    def write(self, rel: str, text: str) -> None:
        (self.root / rel).write_text(text)


@pytest.fixture(scope="session")
def layered_venv(tmp_path_factory) -> Path:
    """A virtual environment that sees the course's packages but installs into itself.

    The tests build and install the working copy of their throwaway courses; this keeps
    those builds out of the real .venv.
    """
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.check_output(
            [venv / "bin/python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "course_base.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    shutil.copy(Path(sys.prefix) / ".course-requirements", venv / ".course-requirements")
    (venv / "bin/maturin").symlink_to(Path(sys.prefix) / "bin/maturin")  # `python -m maturin` runs it
    return venv


@pytest.fixture
def course(tmp_path, layered_venv) -> Course:
    root = tmp_path / "course"
    root.mkdir()
    for name in COURSE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "build", "results"))
        elif src.is_file():
            shutil.copy2(src, root / name)
    for rel, data in fresh_clone_working_copy().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    env = {
        **os.environ,
        "COURSE_VENV": str(layered_venv),
        "CARGO_TARGET_DIR": str(ROOT / "target"),
        # Build for the same interpreter path as the real .venv, so PyO3 is not rebuilt.
        "COURSE_BUILD_PYTHON": sys.executable,
    }
    env.pop("PYTHONPATH", None)
    return Course(root, env)


# compare and race on tiny inputs: real runs, real reports, nothing worth reading as a timing.
TINY_COMPARE = ["compare", "--size", "50"]
TINY_RACE = ["race", "--sizes", "10,100", "--race-size", "100", "--beyond-ascii-size", "60", "--large-size", "3000",
             "--file-size", "3000"]  # fmt: skip
# analyse.py runs a few tenths of a second: long enough for py-spy to look at it
TINY_PROFILE = ["profile", "--lines", "50000", "--sizes", "10,200"]
QUICK_TIMING = ["--rounds", "2", "--workers", "3"]  # the fewest workers that give a verdict
CHECK_ONLY = "--check-only"  # every answer checked, nothing timed


def run_course(results: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m course ARGS`, writing its reports into `results`, not the reader's folder."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools"), "COURSE_RESULTS": str(results)}
    return subprocess.run([sys.executable, "-m", "course", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def have_valgrind() -> bool:
    """Whether valgrind is here (`just doctor --install`, which `just test` runs first,
    installs it): `just profile` counts instructions with it."""
    return shutil.which("valgrind") is not None


@pytest.fixture(scope="session")
def measured_results(tmp_path_factory) -> Path:
    """A results folder as `just compare`, `just race` and `just profile` write it, from
    tiny quick runs."""
    results = tmp_path_factory.mktemp("results")
    for args in ([*TINY_COMPARE, *QUICK_TIMING], [*TINY_RACE, *QUICK_TIMING], TINY_PROFILE):
        result = run_course(results, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    return results
