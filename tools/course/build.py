"""Building a crate (a checkpoint's or the working copy's) with maturin.

Every build shares one cargo target folder, so PyO3 is compiled once per profile for
the whole course. Two things keep that sharing honest:

* cargo names a package's build after the package, not its folder, so every checkpoint
  (each the package `string-doubles`) shares one slot and cargo decides freshness by file
  times alone. Before building a different folder than the slot's last one, we touch
  that folder's sources, so cargo really rebuilds it.
* PyO3's build depends on the interpreter's path, so every build names the same one:
  the course's .venv Python, as a plain `maturin develop` in the activated .venv does.
  Switching between `just verify` and a hand-typed `maturin develop` rebuilds nothing.

The build's log is read for what a learner needs from it (parse_messages): when it
fails, cargo's warnings about the manifest and the first error, whole, with cargo's
"Caused by:" chain; when it works, the compiler's warnings about the learner's own
crates, one line each.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from . import ROOT, CourseError, read_toml

TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def interpreter() -> str:
    """The Python every build is for: this virtual environment's (COURSE_BUILD_PYTHON in tests)."""
    return os.environ.get("COURSE_BUILD_PYTHON", sys.executable)


def profile_of(crate: Path) -> str:
    """The cargo profile the crate's pyproject.toml asks maturin for ("dev" if none)."""
    path = crate / "pyproject.toml"
    missing = f"{path.name} is missing: maturin needs it to build the Rust code."
    settings = read_toml(path, missing, "`just diff` shows the checkpoint's version.")
    return settings.get("tool", {}).get("maturin", {}).get("profile", "dev")


def sources(crate: Path) -> list[Path]:
    """The crate's Rust sources, those of the crates beside it in its folder (core/, in
    the lessons that add it: the counting, with no Python in it), and the Python its
    wheel ships when pyproject.toml's [tool.maturin] names a `python-source` folder."""
    found = [crate / "Cargo.toml", crate / "Cargo.lock", crate / "build.rs", *crate.glob("src/**/*")]
    for member in sorted(crate.glob("*/Cargo.toml")):
        found += [member, *member.parent.glob("src/**/*")]
    found += python_sources(crate)
    return [p for p in found if p.is_file()]


def python_sources(crate: Path) -> list[Path]:
    """The .py files of the crate's `python-source` folder (none without one)."""
    try:
        settings = read_toml(crate / "pyproject.toml", "", "")
    except CourseError:
        return []
    folder = settings.get("tool", {}).get("maturin", {}).get("python-source")
    if not isinstance(folder, str) or not (crate / folder).is_dir():
        return []
    return sorted(p for p in (crate / folder).rglob("*.py") if "__pycache__" not in p.parts)


_held = 0  # how deep this process is inside `one_build_at_a_time`


@contextlib.contextmanager
def one_build_at_a_time():
    """Hold the shared target folder's lock: one course build at a time, across processes.

    Two builds at once of crates that share a package name (every checkpoint is
    `string-doubles`) would write the same slot, and one could take the other's library
    for its own: `just test` in one terminal and `just verify` in another, say. Within a
    process the lock is taken once; nested builds (a checkpoint's site) reuse it.
    """
    global _held
    if _held:
        _held += 1
        try:
            yield
        finally:
            _held -= 1
        return
    import fcntl

    TARGET_DIR.mkdir(parents=True, exist_ok=True)
    with open(TARGET_DIR / ".course-build-lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("  (waiting for another build of the course to finish...)", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        _held = 1
        try:
            yield
        finally:
            _held = 0
            fcntl.flock(lock, fcntl.LOCK_UN)


def touch_sources(crate: Path) -> None:
    """Make cargo compile the crate anew: it decides freshness by file times, and every
    checkpoint is the same package, so another checkpoint's sources can look older."""
    for path in sources(crate):
        path.touch()


def claim_slot(crate: Path, slot: str, target: Path = TARGET_DIR) -> None:
    """Make `crate` the one cargo builds next in the `slot` of `target`: its sources are
    touched when the last crate built there was another."""
    marker = target / f".course-last-crate-{slot}"
    last = marker.read_text() if marker.is_file() else ""
    if last != str(crate.resolve()):
        touch_sources(crate)
    target.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(crate.resolve()))


def _run(cmd: list[str], what: str, env: dict | None = None) -> None:
    if shutil.which(cmd[0]) is None and not Path(cmd[0]).exists():
        raise CourseError(f"{cmd[0]} is not installed. {what}")
    result = subprocess.run(cmd, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        raise CourseError(what)


# cargo's one-line progress reports ("   Compiling pyo3 v0.30.1"), worth showing live.
_PROGRESS = re.compile(r"^\s*(Compiling|Finished|Downloaded|Downloading|Updating|Locking|Blocking)\b")
# The start of a message, cargo's or the compiler's: "error[E0384]: ...", "error: ...", "warning: ...".
_MESSAGE = re.compile(r"^(error|warning)(\[\w+\])?: ")
# Summaries of messages already shown, and cargo's notes on its own progress: not messages of their own.
_SUMMARY = re.compile(
    r"^(error: (could not compile|aborting due to)"
    r"|warning: .* generated \d+ warnings?"
    r"|warning: build failed, waiting for other jobs)"
)
# Where the compiler points: " --> src/lib.rs:12:5" (and where cargo points in a Cargo.toml).
_LOCATION = re.compile(r"^\s*--> (\S+)")
# After a blank line, what still belongs to cargo's message: its "Caused by:" chain
# ("failed to parse manifest", then why) and its help ("a package with a similar name").
_GOES_ON = re.compile(r"^(Caused by:$|help: |note: )")
# What a build script tells cargo ("cargo:rustc-check-cfg=..."): instructions, not messages.
_DIRECTIVE = re.compile(r"^\s+cargo::?[\w-]+=")


@dataclass
class Messages:
    """What cargo and the compiler said during a build, each message whole."""

    errors: list[str] = field(default_factory=list)
    # cargo's own warnings, about a Cargo.toml ("unused manifest key: dependancies").
    cargo_warnings: list[str] = field(default_factory=list)
    # The compiler's warnings about the code of the crates being built (cargo shows
    # them for the course's own crates only, never for PyO3 or other dependencies).
    code_warnings: list[str] = field(default_factory=list)


def _maturins_own(line: str) -> bool:
    """A line maturin writes itself ("💥 maturin failed", "📦 Built wheel"): it opens
    each with an emoji, and its "Caused by:" lines follow the 💥 one."""
    return bool(line) and not line[0].isascii()


def _block_kind(block: list[str]) -> str:
    if block[0].startswith("error"):
        return "error"
    places = [m.group(1) for m in map(_LOCATION.match, block) if m]
    return "code" if places and not places[0].split(":")[0].endswith("Cargo.toml") else "cargo"


def _tidy(block: list[str]) -> str:
    """A message as the learner should read it: no blank line at its end, and from
    cargo's report that a build script failed, the script's instructions to cargo
    ("cargo:rustc-check-cfg=...", its whole "--- stdout" when that is all it holds)."""
    lines, skipping = [], False
    for i, line in enumerate(block):
        if line.strip().startswith("--- "):
            rest = block[i + 1 :]
            section = rest[: next((j for j, x in enumerate(rest) if x.strip().startswith("--- ")), len(rest))]
            skipping = line.strip() == "--- stdout" and all(_DIRECTIVE.match(x) or not x.strip() for x in section)
        if not skipping and not _DIRECTIVE.match(line):
            lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def parse_messages(log: str) -> Messages:
    """cargo's and the compiler's messages in a build's log (maturin's output, cargo's
    mixed in), each whole: the compiler's with the lines it points at, cargo's with
    its "Caused by:" chain, which spans blank lines and is where cargo says why."""
    found = Messages()
    blocks: list[list[str]] = []
    current: list[str] | None = None
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if _SUMMARY.match(line) or _maturins_own(line) or _PROGRESS.match(line):
            current = None
        elif _MESSAGE.match(line):
            current = [line]
            blocks.append(current)
        elif current is None:
            continue
        elif line.strip():
            current.append(line)
        else:
            following = lines[i + 1] if i + 1 < len(lines) else ""
            chained = "Caused by:" in current
            if _GOES_ON.match(following) or (chained and following[:1].isspace() and not _PROGRESS.match(following)):
                current.append(line)
            else:
                current = None
    kinds = {"error": found.errors, "cargo": found.cargo_warnings, "code": found.code_warnings}
    for block in blocks:
        text, kind = _tidy(block), kinds[_block_kind(block)]
        if text not in kind:  # cargo may warn about a manifest each time it reads it
            kind.append(text)
    return found


def first_error(log: str) -> tuple[str, int]:
    """The first error message, whole, and how many errors there were.

    Later errors are often the first one echoing: a learner should read the first.
    """
    errors = parse_messages(log).errors
    return (errors[0], len(errors)) if errors else ("", 0)


def failure_message(log: str, where: str) -> str:
    """What to say when a build failed: cargo's warnings about the manifest (a misspelt
    key is only a warning, and the error it leads to names something else), then the
    first error, whole."""
    found = parse_messages(log)
    said = [f"The Rust build of {where} failed."]
    if found.cargo_warnings:
        said.append(
            "cargo warned first (a misspelt name in Cargo.toml is only a warning, and often the cause):\n\n"
            + "\n".join(found.cargo_warnings)
        )
    if found.errors:
        more = len(found.errors) - 1
        also = f"\n\n(and {more} more error{'s' if more > 1 else ''}: `maturin develop` shows every message)"
        said.append(
            "The first error (it names the file, the line and usually the fix):\n\n"
            + found.errors[0]
            + (also if more else "")
        )
    else:
        said.append("maturin's last words:\n\n" + "\n".join(log.splitlines()[-15:]))
    return "\n\n".join(said)


# The compiler's warnings listed after a successful build, one line each; more are counted.
SHOWN_WARNINGS = 5


def warnings_summary(found: Messages) -> list[str]:
    """A successful build's warnings, briefly: cargo's whole, the compiler's one line each
    (what and where), at most SHOWN_WARNINGS of them and how many there are."""
    out = []
    for warning in found.cargo_warnings:
        out += [f"  {line}".rstrip() for line in warning.splitlines()]
    code = found.code_warnings
    if code:
        count = f"{len(code)} warning{'s' if len(code) > 1 else ''}"
        out.append(f"  The compiler has {count} about your code (`maturin develop` shows each whole):")
        for warning in code[:SHOWN_WARNINGS]:
            lines = warning.splitlines()
            place = next((m.group(1) for m in map(_LOCATION.match, lines) if m), "")
            out.append(f"    {lines[0]}" + (f" ({place})" if place else ""))
        if len(code) > SHOWN_WARNINGS:
            out.append(f"    ... and {len(code) - SHOWN_WARNINGS} more")
    return out


def first_build(profile: str) -> bool:
    """No build of PyO3 for this profile yet in the shared target folder."""
    folder = TARGET_DIR / ("debug" if profile == "dev" else profile) / ".fingerprint"
    return not any(folder.glob("pyo3-*"))


def maturin_env() -> dict[str, str]:
    """The environment of every build: the shared target folder, and no colour codes in
    the log we read."""
    return {**os.environ, "CARGO_TARGET_DIR": str(TARGET_DIR), "CARGO_TERM_COLOR": "never"}


def _maturin(cmd: list[str], where: str, profile: str) -> None:
    """Run maturin's build, showing cargo's progress and then any warnings about the
    learner's crates; on failure, cargo's warnings and the first error."""
    if first_build(profile):
        print(
            f"The first {profile} build compiles PyO3 and its dependencies too: about a minute "
            "(later builds compile only your code, in seconds).",
            flush=True,
        )
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=maturin_env()
    )
    log = []
    for line in proc.stdout:
        log.append(line)
        if _PROGRESS.match(line):
            print(f"  {line.strip()}", flush=True)
    text = "".join(log)
    if proc.wait() != 0:
        raise CourseError(failure_message(text, where))
    print(f"  built in {time.monotonic() - started:.0f} s", flush=True)
    for line in warnings_summary(parse_messages(text)):
        print(line, flush=True)


def maturin_command(
    crate: Path, out: Path, profile: str, locked: bool = False, features: tuple[str, ...] = ()
) -> list[str]:
    """The `maturin build` of the crate's wheel into `out`, for the course's interpreter."""
    cmd = [
        sys.executable,
        "-m",
        "maturin",
        "build",
        "--manifest-path",
        str(crate / "Cargo.toml"),
        "--interpreter",
        interpreter(),
        "--profile",
        profile,
        "--out",
        str(out),
    ]
    if locked:
        cmd.append("--locked")
    if features:
        cmd += ["--features", ",".join(features)]
    return cmd


def build_wheel(
    crate: Path, out: Path, profile: str | None = None, locked: bool = False, features: tuple[str, ...] = ()
) -> Path:
    """Build the crate's wheel into `out` and return its path (with cargo `features`, if any)."""
    if shutil.which("cargo") is None:
        raise CourseError(
            "Rust is not installed (no `cargo` on your PATH). Install it from https://rustup.rs,\n"
            "open a new terminal, and run the same command again."
        )
    profile = profile or profile_of(crate)
    cmd = maturin_command(crate, out, profile, locked=locked, features=features)
    where = "your working copy" if crate.resolve() == ROOT else crate
    with one_build_at_a_time():
        claim_slot(crate, profile)
        _maturin(cmd, where, profile)
    wheels = sorted(out.glob("*.whl"), key=lambda p: p.stat().st_mtime)
    return wheels[-1]


def pip_install(wheel: Path, target: Path | None = None) -> None:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--force-reinstall",
        "--disable-pip-version-check",
    ]
    if target is not None:
        cmd += ["--target", str(target), "--upgrade"]
    _run(cmd + [str(wheel)], f"Installing {wheel.name} failed: pip's messages are above.")


def install(crate: Path, target: Path | None = None, profile: str | None = None, locked: bool = False) -> None:
    """Build the crate and install it: into this virtual environment, or into `target`.

    This is what `maturin develop` does; we split it in two to name the interpreter
    ourselves (see the module's docstring).
    """
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(crate, Path(tmp), profile=profile, locked=locked)
        if target is not None:
            shutil.rmtree(target, ignore_errors=True)
        pip_install(wheel, target)
    if crate.resolve() != ROOT:
        # A plain `maturin develop` in the working copy must not find this build fresh.
        for path in sources(ROOT):
            path.touch()


def _toolchain() -> str:
    """What else shapes a build: the compiler, maturin and any RUSTFLAGS."""
    try:
        rustc = subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout
    except OSError:
        rustc = "no rustc"
    return f"{rustc}\0{version('maturin')}\0{os.environ.get('RUSTFLAGS', '')}"


def _fingerprint(crate: Path, profile: str) -> str:
    digest = hashlib.sha256(f"{profile}\0{interpreter()}\0{_toolchain()}\0".encode())
    for path in sorted([*sources(crate), crate / "pyproject.toml"]):
        digest.update(f"{path.relative_to(crate)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def checkpoint_site(lesson, profile: str | None = None) -> Path:
    """Build a checkpoint into its own folder, for PYTHONPATH; return the folder.

    A checkpoint changes only when a maintainer edits it: its build is kept, and made
    again only when its sources, the profile or the interpreter differ.
    """
    profile = profile or profile_of(lesson.path)
    site = ROOT / ".course" / "builds" / f"{lesson.dir}-{profile}"
    stamp = site / ".course-fingerprint"
    fingerprint = _fingerprint(lesson.path, profile)
    with one_build_at_a_time():  # checked again under the lock: another process may have built it
        if stamp.is_file() and stamp.read_text() == fingerprint and any(site.glob("string_doubles/*.so")):
            return site
        # Rare, and cached after: always compile the crate itself, in case a hand-typed
        # `maturin develop` left another folder's build in the shared slot unbeknown to us.
        touch_sources(lesson.path)
        install(lesson.path, target=site, profile=profile, locked=True)
        stamp.write_text(fingerprint)
    return site


def remove_installed() -> bool:
    """Uninstall the working copy's previous build from this environment, if it is there.

    After a failed build, the last good one would otherwise still be imported by
    `pytest doubles.py` and `just bench`, and pass for the code that failed.
    """
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    if subprocess.run([*cmd, "show", "-q", "string-doubles"], capture_output=True).returncode != 0:
        return False
    return subprocess.run([*cmd, "uninstall", "-y", "-q", "string-doubles"], capture_output=True).returncode == 0


def cargo_test(crate: Path, args: list[str]) -> str:
    """Run `cargo test ARGS` in the crate's folder; "" when it passes, else what failed:
    the compiler's first error, or each failing test's message (cargo's own words)."""
    if shutil.which("cargo") is None:
        raise CourseError("Rust is not installed (no `cargo` on your PATH). Install it from https://rustup.rs.")
    cmd = ["cargo", "test", "--manifest-path", str(crate / "Cargo.toml"), *args]
    env = {**os.environ, "CARGO_TARGET_DIR": str(TARGET_DIR), "CARGO_TERM_COLOR": "never"}
    with one_build_at_a_time():
        claim_slot(crate, "test")
        result = subprocess.run(cmd, cwd=crate, capture_output=True, text=True, errors="replace", env=env)
    if result.returncode == 0:
        return ""
    failures = test_failures(result.stdout)
    if failures:
        return failures
    error, count = first_error(result.stderr)
    if error:
        more = f"\n(and {count - 1} more: `cargo test` shows every message)" if count > 1 else ""
        return error + more
    return "\n".join(result.stderr.strip().splitlines()[-10:])


def test_failures(out: str, limit: int = 6) -> str:
    """From `cargo test`'s report, each failing test's name and its panic message."""
    found, current = [], None
    for line in out.splitlines():
        heading = re.match(r"^---- (\S+) stdout ----$", line)
        if heading:
            current = [f"  {heading.group(1)}:"]
            found.append(current)
        elif current is not None:
            if not line.strip():
                if len(current) > 1:  # the blank line after the message ends it
                    current = None
            elif line.startswith(("note:", "failures:", "----")):
                current = None
            else:
                # "thread 'tests::x' panicked at core/src/tests.rs:207:5:" -> where
                where = re.match(r"^thread '.*' panicked at (.*?):?$", line)
                current.append(f"    at {where.group(1)}" if where else f"    {line}")
    shown = ["\n".join(block[:6]) for block in found[:limit]]
    more = f"\n  (and {len(found) - limit} more failing tests)" if len(found) > limit else ""
    return "\n".join(shown) + more
