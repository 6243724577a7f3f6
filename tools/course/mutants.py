"""`just mutants`: are a checkpoint's Rust tests good enough to catch a wrong kernel?

cargo-mutants (https://mutants.rs) makes small wrong versions of a crate, "mutants":
a `<` turned into `<=`, a `+=` into `-=`, a function whose body is replaced by
`return 0`. It builds each one and runs the crate's own tests on it. A mutant the
tests reject is caught; one they pass is missed: a bug the tests would let through.
A mutant that does not compile is unviable, and says nothing.

A lesson names the crate of its checkpoint to mutate with `mutants` in
lessons/lessons.toml (the crate's folder, "core"). Every mutant of it must be caught,
or be listed in lessons/equivalent-mutants.toml with the reason it cannot be: an
equivalent mutant behaves exactly as the code it replaces does (only slower, or in a
way no answer shows), so no test could tell them apart. Anything else missed is a
hole in the tests, and `just mutants` exits 1 naming it.

Each mutant is built in a copy of the checkpoint that cargo-mutants makes (the
checkpoint itself is never edited), one at a time, with the crate's default features,
in a cargo target folder of its own, target/mutants/: a mutant's build has the same
file names as the checkpoint's own build, and sharing one folder would let the next
`cargo test` run a mutant's binary. Those builds are optimized a little (opt-level 1)
and carry no debug information: the tests of one mutant then take a fraction of the
time they take in a plain debug build, and build no slower. Overflow checks and debug
assertions stay on, as in any debug build (they follow `debug-assertions`, not
`opt-level`), so a mutant that makes arithmetic overflow still panics and is caught.

By default each lesson mutates only its step: the lines of its crate's Rust code that
its checkpoint adds or changes against the previous lesson that names a crate (in the
manifest's order). The course writes that step as a unified diff of the two crates'
`.rs` files and hands it to cargo-mutants (`--in-diff`), which keeps the mutants whose
code touches a changed line (a function's body replaced: any changed line in the body).
The first lesson that names a crate mutates all of it; a lesson whose crate's Rust code
is the same as the previous one's has no mutants of its step, and nothing is run. The
caveat: tests that a step changes while the code stays are held only to the mutants of
the code the step changed, and a mutant of earlier code is not run again. `--whole`
mutates every line of every crate, as a full check: an equivalent mutant is listed under
the lesson whose step makes it, and a later checkpoint's copy of it (the same change in
the same file and function, at another line) is taken as equivalent for the same reason
(`inherited`). Either way the list of equivalent
mutants is checked against every mutant of the whole crate (`--list` makes it in a
moment, building nothing): an entry is stale only when cargo-mutants makes no such
mutant at all, not when the step leaves it out.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import LESSONS_DIR, ROOT, STATE_DIR, CourseError, manifest, read_toml

CARGO_MUTANTS_VERSION = "27.1.0"
# Where the course installs cargo-mutants when no cargo-mutants of that version is found.
LOCAL_TOOLS = STATE_DIR / "tools"
EQUIVALENT = LESSONS_DIR / "equivalent-mutants.toml"
# A mutant whose tests run longer than this (or five times the unmutated tests' time, if
# longer) is stopped, and counts as caught: it loops for ever. The crates' tests take
# about a second at opt-level 1; cargo-mutants' own floor, 20 s, spent a minute a run on
# the three looping mutants of one crate. One mutant at a time (--jobs 1): two at once on
# 2 cores took twice as long, and pushed slow mutants past the timeout.
MINIMUM_TEST_TIMEOUT = 10
EQUIVALENT_KEYS = {"lesson", "mutant", "reason"}

_EXE = ".exe" if os.name == "nt" else ""


# --- cargo-mutants itself ----------------------------------------------------------


def _version_of(exe: Path | str) -> str | None:
    # It runs as a cargo subcommand: `cargo-mutants mutants --version`, "cargo-mutants 27.1.0".
    try:
        out = subprocess.run([str(exe), "mutants", "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+\.\d+\.\d+)", out)
    return match.group(1) if match else None


def find_cargo_mutants() -> str | None:
    """A cargo-mutants of the pinned version: the course's own, on PATH, or cargo's."""
    cargo_bin = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo")) / "bin"
    candidates = [
        LOCAL_TOOLS / "bin" / f"cargo-mutants{_EXE}",
        shutil.which("cargo-mutants"),
        cargo_bin / f"cargo-mutants{_EXE}",
    ]
    for exe in candidates:
        if exe and Path(exe).is_file() and _version_of(exe) == CARGO_MUTANTS_VERSION:
            return str(exe)
    return None


def install_command() -> list[str]:
    # Into the course's own folder: never over another version the reader installed themselves.
    cmd = ["cargo", "install", "cargo-mutants", "--locked", "--version", CARGO_MUTANTS_VERSION]
    return cmd + ["--root", str(LOCAL_TOOLS)]


def start_installing() -> subprocess.Popen | None:
    """Start installing cargo-mutants in the background, at a low priority, when it is
    missing (the course's tests do, so that it compiles while the other tests run);
    None when it is there already or cannot be installed (ensure_cargo_mutants says why)."""
    if find_cargo_mutants() or shutil.which("cargo") is None:
        return None
    LOCAL_TOOLS.mkdir(parents=True, exist_ok=True)
    log = open(LOCAL_TOOLS / "cargo-mutants-install.log", "w")  # noqa: SIM115 (the process writes it)
    nice = (lambda: os.nice(10)) if hasattr(os, "nice") else None
    return subprocess.Popen(install_command(), stdout=log, stderr=subprocess.STDOUT, preexec_fn=nice)


def ensure_cargo_mutants(started: subprocess.Popen | None = None) -> str:
    """The path of cargo-mutants CARGO_MUTANTS_VERSION, installing it with cargo when
    missing, or waiting for the install `started` in the background."""
    if started is not None:
        if started.poll() is None:
            print("Waiting for cargo-mutants to finish compiling...", flush=True)
        if started.wait() != 0:
            log = (LOCAL_TOOLS / "cargo-mutants-install.log").read_text(errors="replace")
            tail = "\n".join(log.strip().splitlines()[-15:])
            raise CourseError(f"Installing cargo-mutants failed (`{' '.join(install_command())}`):\n{tail}")
    found = find_cargo_mutants()
    if found:
        return found
    if shutil.which("cargo") is None:
        raise CourseError("cargo-mutants is installed with cargo, and Rust is not installed (no `cargo` on your PATH).")
    cmd = install_command()
    print(
        f"Installing cargo-mutants {CARGO_MUTANTS_VERSION} into {LOCAL_TOOLS.relative_to(ROOT)}/ "
        "(only once; compiling it takes two or three minutes)...",
        flush=True,
    )
    if subprocess.run(cmd).returncode != 0:
        raise CourseError(f"Installing cargo-mutants failed (`{' '.join(cmd)}`): cargo's messages are above.")
    found = find_cargo_mutants()
    if found is None:
        raise CourseError(
            f"cargo installed cargo-mutants, but no cargo-mutants {CARGO_MUTANTS_VERSION} runs afterwards."
        )
    return found


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


# --- what the lessons declare --------------------------------------------------------


@dataclass(frozen=True)
class Equivalent:
    """A mutant no test can catch, and why."""

    lesson: str  # the checkpoint's folder under lessons/
    mutant: str  # as cargo-mutants names it: "core/src/lib.rs:19:5: replace count -> u64 with 0"
    reason: str


def mutated_lessons() -> list[manifest.Lesson]:
    """The lessons whose checkpoint names a crate for cargo-mutants, in order."""
    return [lesson for lesson in manifest.load() if lesson.mutants]


def crate_dir(lesson: manifest.Lesson) -> Path:
    path = lesson.path / lesson.mutants
    if not (path / "Cargo.toml").is_file():
        raise CourseError(
            f"lessons/lessons.toml: lesson {lesson.number}'s mutants = {lesson.mutants!r}, "
            f"and lessons/{lesson.dir}/{lesson.mutants}/ holds no Cargo.toml"
        )
    return path


def equivalents(path: Path = EQUIVALENT) -> list[Equivalent]:
    """The listed equivalent mutants, checked: known lessons, every key, no mutant twice."""
    where = _shown(path)
    data = read_toml(path, f"{where} is missing: it lists the mutants no test can catch.")
    if set(data) - {"equivalent"}:
        raise CourseError(f"{where}: only [[equivalent]] tables belong here, not {sorted(set(data) - {'equivalent'})}")
    lessons = {lesson.dir for lesson in mutated_lessons()}
    out, seen = [], set()
    for i, entry in enumerate(data.get("equivalent", []), start=1):
        if not isinstance(entry, dict) or set(entry) != EQUIVALENT_KEYS:
            raise CourseError(f"{where}, entry {i}: each [[equivalent]] has exactly lesson, mutant and reason")
        if not all(isinstance(entry[key], str) and entry[key].strip() for key in EQUIVALENT_KEYS):
            raise CourseError(f"{where}, entry {i}: lesson, mutant and reason must be strings, none empty")
        item = Equivalent(entry["lesson"], entry["mutant"], " ".join(entry["reason"].split()))
        if item.lesson not in lessons:
            raise CourseError(f"{where}, entry {i}: {item.lesson!r} is no lesson with `mutants` in lessons.toml")
        if (item.lesson, item.mutant) in seen:
            raise CourseError(f"{where}, entry {i}: {item.mutant!r} is listed twice")
        seen.add((item.lesson, item.mutant))
        out.append(item)
    return out


# --- running it ----------------------------------------------------------------------


def target_dir() -> Path:
    """The cargo target folder of the mutants' builds: beside the course's, never it."""
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "mutants"


# The environment of the mutants' builds: cargo's test and dev profiles, which
# cargo-mutants builds with, optimized at level 1, which runs the crates' tests (property
# tests above all) several times faster than level 0, and without debug information,
# which only slows the build and the link. Overflow checks and debug assertions are not
# set here, so they stay on, as in any debug build: a mutant whose arithmetic overflows
# still panics, and is caught.
MUTANTS_ENV = {
    "CARGO_PROFILE_TEST_OPT_LEVEL": "1",
    "CARGO_PROFILE_DEV_OPT_LEVEL": "1",
    "CARGO_PROFILE_TEST_DEBUG": "0",
    "CARGO_PROFILE_DEV_DEBUG": "0",
}


def _cargo_mutants(exe: str, lesson: manifest.Lesson, *args: str, capture: bool) -> subprocess.CompletedProcess:
    cmd = [exe, "mutants", "--dir", str(crate_dir(lesson)), *args]
    env = {**os.environ, **MUTANTS_ENV, "CARGO_TARGET_DIR": str(target_dir())}
    return subprocess.run(cmd, env=env, capture_output=capture, text=True)


def listed(exe: str, lesson: manifest.Lesson, *args: str) -> list[str]:
    """The names of every mutant cargo-mutants makes of the lesson's crate (nothing is
    built), or of those that args keep (the step's: `--in-diff FILE`)."""
    result = _cargo_mutants(exe, lesson, "--list", "--json", *args, capture=True)
    if result.returncode != 0:
        raise CourseError(f"`cargo mutants --list` failed on lessons/{lesson.dir}: {result.stderr.strip()}")
    # A diff that touches no mutant's code: cargo-mutants says so and prints no list at all.
    return [mutant["name"] for mutant in json.loads(result.stdout)] if result.stdout.strip() else []


# --- the step: what a lesson's crate changed -----------------------------------------


def workspace_root(crate: Path) -> Path:
    """The folder cargo-mutants names a crate's files from: the root of the crate's cargo
    workspace (a checkpoint whose Cargo.toml has the crate as a member), or the crate's
    own folder when it is in none. cargo-mutants asks cargo the same question."""
    try:
        result = subprocess.run(
            ["cargo", "locate-project", "--workspace", "--message-format", "plain"],
            cwd=crate,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise CourseError(f"`cargo locate-project` could not run in {_shown(crate)}: {err}") from err
    if result.returncode != 0:
        raise CourseError(f"`cargo locate-project` failed in {_shown(crate)}: {result.stderr.strip()}")
    return Path(result.stdout.strip()).parent


def _rust_files(crate: Path) -> list[Path]:
    """The crate's .rs files, relative to its folder (a build folder inside it left out)."""
    return sorted(
        path.relative_to(crate) for path in crate.rglob("*.rs") if "target" not in path.relative_to(crate).parts
    )


def step_diff(before: Path, after: Path, root: Path) -> str:
    """A unified diff of the .rs files from the crate folder `before` to `after`, each named
    as cargo-mutants names it: relative to `root`, the folder it names after's files from
    (its workspace's root). A file new in `after` comes from /dev/null; a file `after` no
    longer has is left out (no mutant is made of it). Empty when no .rs file changed."""
    prefix = after.relative_to(root)
    out: list[str] = []
    for rel in _rust_files(after):
        new = (after / rel).read_text(encoding="utf-8").splitlines()
        old_path = before / rel
        old = old_path.read_text(encoding="utf-8").splitlines() if old_path.is_file() else None
        if old == new:
            continue
        name = (prefix / rel).as_posix()
        fromfile = f"a/{name}" if old is not None else "/dev/null"
        out += difflib.unified_diff(old or [], new, fromfile=fromfile, tofile=f"b/{name}", lineterm="")
    return "".join(line + "\n" for line in out)


def previous(lesson: manifest.Lesson) -> manifest.Lesson | None:
    """The lesson before this one that names a crate for cargo-mutants; None for the first."""
    before = None
    for other in mutated_lessons():
        if other.dir == lesson.dir:
            return before
        before = other
    raise CourseError(f"Lesson {lesson.number} names no crate for cargo-mutants (`mutants` in lessons.toml).")


def step(lesson: manifest.Lesson) -> list[str] | None:
    """cargo-mutants' arguments that keep the mutants of the lesson's step: none for the
    first lesson that names a crate (all of it is its step), `--in-diff FILE` for a later
    one (the diff is written under target/mutants/out/), and None when its step changes
    none of its crate's Rust code."""
    before = previous(lesson)
    if before is None:
        return []
    after = crate_dir(lesson)
    diff = step_diff(crate_dir(before), after, workspace_root(after))
    if not diff:
        return None
    path = target_dir() / "out" / lesson.dir / "step.diff"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(diff, encoding="utf-8")
    return ["--in-diff", str(path)]


@dataclass
class Outcomes:
    """What became of each mutant, by cargo-mutants' name for it."""

    caught: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unviable: list[str] = field(default_factory=list)
    timeout: list[str] = field(default_factory=list)  # the tests never finished: caught


def read_outcomes(path: Path) -> Outcomes:
    """cargo-mutants' outcomes.json, as lists of names."""
    kinds = {"CaughtMutant": "caught", "MissedMutant": "missed", "Unviable": "unviable", "Timeout": "timeout"}
    out = Outcomes()
    for outcome in json.loads(path.read_text())["outcomes"]:
        scenario = outcome["scenario"]
        if scenario == "Baseline":
            if outcome["summary"] != "Success":
                raise CourseError(f"The crate's own tests fail before any mutant is made: see {path.parent}/log")
            continue
        getattr(out, kinds[outcome["summary"]]).append(scenario["Mutant"]["name"])
    return out


def run(exe: str, lesson: manifest.Lesson, *args: str) -> Outcomes:
    """Build and test every mutant of the lesson's crate (args filter them: --re, --file)."""
    output = target_dir() / "out" / lesson.dir
    output.mkdir(parents=True, exist_ok=True)
    result = _cargo_mutants(exe, lesson, "--output", str(output), "--jobs", "1", "--minimum-test-timeout",
                            str(MINIMUM_TEST_TIMEOUT), *args, capture=False)  # fmt: skip
    outcomes = output / "mutants.out" / "outcomes.json"
    # 0: all caught; 2: some missed; 3: some timed out; 4: the unmutated tests fail.
    if result.returncode not in (0, 2, 3, 4) or not outcomes.is_file():
        raise CourseError(
            f"cargo-mutants failed on lessons/{lesson.dir} (exit {result.returncode}): its messages are above."
        )
    return read_outcomes(outcomes)


@dataclass
class Verdict:
    """Outcomes judged against the list of equivalent mutants."""

    outcomes: Outcomes
    equivalent: list[Equivalent]  # listed, and missed as they should be
    missed: list[str]  # missed and not listed: holes in the tests
    listed_but_caught: list[Equivalent]  # listed, yet caught here (on another processor, say)

    @property
    def ok(self) -> bool:
        return not self.missed


def judge(outcomes: Outcomes, listed_equivalent: list[Equivalent]) -> Verdict:
    by_name = {item.mutant: item for item in listed_equivalent}
    killed = set(outcomes.caught) | set(outcomes.timeout)
    return Verdict(
        outcomes=outcomes,
        equivalent=[by_name[name] for name in outcomes.missed if name in by_name],
        missed=[name for name in outcomes.missed if name not in by_name],
        listed_but_caught=[item for item in listed_equivalent if item.mutant in killed],
    )


def _unplaced(name: str) -> str:
    """A mutant's name without its line and column: "core/src/lib.rs: replace < with == in parts"."""
    return re.sub(r":\d+:\d+:", ":", name, count=1)


def inherited(missed: list[str], lesson: manifest.Lesson, listed_equivalent: list[Equivalent]) -> list[Equivalent]:
    """The missed mutants (of a whole crate) that an earlier lesson lists as equivalent in
    the same file and function, the same change at another line: code a later checkpoint
    copies unchanged keeps the reason it cannot be caught."""
    order = [other.dir for other in mutated_lessons()]
    earlier = {_unplaced(item.mutant): item for item in listed_equivalent
               if item.lesson in order and order.index(item.lesson) < order.index(lesson.dir)}  # fmt: skip
    found = [(name, earlier[_unplaced(name)]) for name in missed if _unplaced(name) in earlier]
    return [Equivalent(lesson.dir, name, f"as listed for {item.lesson}: {item.reason}") for name, item in found]


def unknown_equivalents(names: list[str], listed_equivalent: list[Equivalent]) -> list[Equivalent]:
    """Listed equivalent mutants that cargo-mutants no longer makes (the code moved or changed)."""
    made = set(names)
    return [item for item in listed_equivalent if item.mutant not in made]


def summary(lesson: manifest.Lesson, verdict: Verdict, scope: str = "") -> list[str]:
    """The verdict in a few lines; scope says which mutants ran (" of its step", say)."""
    o = verdict.outcomes
    total = len(o.caught) + len(o.timeout) + len(o.missed) + len(o.unviable)
    lines = [
        f"lesson {lesson.number} ({lesson.dir}/{lesson.mutants}): {total} mutants{scope}",
        f"  caught      {len(o.caught) + len(o.timeout)}"
        + (f" ({len(o.timeout)} by the test timeout: the tests never finished)" if o.timeout else ""),
        f"  equivalent  {len(verdict.equivalent)} (listed in {_shown(EQUIVALENT)}, with the reason)",
        f"  unviable    {len(o.unviable)} (do not compile)",
        f"  missed      {len(verdict.missed)}",
    ]
    lines += [f"    {name}" for name in verdict.missed]
    lines += [f"  note: listed as equivalent, yet caught here: {item.mutant}" for item in verdict.listed_but_caught]
    return lines


# --- the recipe ----------------------------------------------------------------------


def main(args: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="just mutants",
        description="Run cargo-mutants over the crate each lesson names with `mutants` in lessons/lessons.toml; "
        "every mutant must be caught by the crate's tests or listed in lessons/equivalent-mutants.toml.",
    )
    parser.add_argument("lesson", nargs="*", help="lesson numbers (default: every lesson that names a crate)")
    parser.add_argument(
        "--list", action="store_true", help="only list the mutants, and check the list of equivalent ones"
    )
    parser.add_argument(
        "--whole",
        action="store_true",
        help="mutate every line of each crate, not only the lines each lesson's step adds or changes",
    )
    ns = parser.parse_args(args)
    lessons = [manifest.find(n) for n in ns.lesson] or mutated_lessons()
    for lesson in lessons:
        if not lesson.mutants:
            raise CourseError(f"Lesson {lesson.number} names no crate for cargo-mutants (`mutants` in lessons.toml).")
    listed_equivalent = equivalents()
    exe = ensure_cargo_mutants()
    failed = False
    reports = []
    for lesson in lessons:
        mine = [item for item in listed_equivalent if item.lesson == lesson.dir]
        whole = listed(exe, lesson)
        # Against the whole crate: an entry the step leaves out is not stale.
        stale = unknown_equivalents(whole, mine)
        for item in stale:
            print(
                f"{_shown(EQUIVALENT)} lists a mutant cargo-mutants does not make of "
                f"lessons/{lesson.dir}: {item.mutant}",
                file=sys.stderr,
            )
        failed |= bool(stale)
        where = f"lesson {lesson.number} ({lesson.dir}/{lesson.mutants})"
        args = [] if ns.whole else step(lesson)
        before = previous(lesson)
        if args is None:
            print(
                f"{where}: no mutants of its step (its Rust code is lesson {before.number}'s): nothing to run "
                "(`--whole` mutates all of it)"
            )
            continue
        names = listed(exe, lesson, *args) if args else whole
        scope = (
            ""
            if ns.whole or before is None
            else f" of its step (the lines it changes since lesson {before.number}; {len(whole)} in the crate)"
        )
        if not names:
            print(f"{where}: no mutants of its step: it changes no line cargo-mutants mutates (`--whole` does all)")
            continue
        if ns.list:
            print(f"{where}: {len(names)} mutants{scope}")
            print(
                "\n".join(
                    f"  {name}" + ("   (equivalent)" if name in {i.mutant for i in mine} else "") for name in names
                )
            )
            continue
        print(
            f"Mutating lessons/{lesson.dir}/{lesson.mutants}/: {len(names)} mutants{scope}, each built and tested...",
            flush=True,
        )
        outcomes = run(exe, lesson, *args)
        if ns.whole:  # code copied from an earlier step keeps that step's equivalents
            mine = mine + inherited(outcomes.missed, lesson, listed_equivalent)
        verdict = judge(outcomes, mine)
        failed |= not verdict.ok
        reports.append(summary(lesson, verdict, scope))
    for lines in reports:
        print("\n" + "\n".join(lines))
    if reports and failed:
        print(
            "\nA missed mutant is a wrong version of the code that its tests let through: add a test that "
            "fails on it, or, if it behaves exactly as the code does for every input, list it with the reason "
            f"in {_shown(EQUIVALENT)}."
        )
    return 1 if failed else 0
