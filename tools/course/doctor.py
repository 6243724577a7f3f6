"""`just doctor`: is everything the course needs on this machine?

Standard library only, so it runs before the course's environment exists. For each
thing missing it prints the one command that installs it. Exit status 1 when
something the lessons need is missing; what only the book or its tests need is
reported, but optional. `just doctor --install` installs the missing system packages
(SYSTEM_PACKAGES, the one list of them); `just test` runs it first.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import ROOT
from .book import CHROMEDRIVER, CHROMIUM

RUST_MIN = (1, 88)  # <[T]>::as_chunks (1.88); safe calls of SIMD intrinsics (1.87)
PYTHON_MIN = (3, 11)
DISK_MIN_GIB = 3  # PyO3 built in two profiles, the checkpoints, the book: about 2 GiB
REQUIREMENTS = ROOT / "tools" / "requirements.txt"


@dataclass(frozen=True)
class SystemPackage:
    """Something the course takes from the operating system rather than from pip or cargo."""

    name: str  # as doctor lists it
    why: str  # what uses it
    apt: tuple[str, ...]  # the Debian and Ubuntu packages that install it
    mac: str = ""  # the command that installs it on macOS; "" where there is none
    # Commands (looked up on PATH) or absolute paths that are there once it is installed;
    # none: ask dpkg whether the `apt` packages are installed (Debian and Ubuntu only).
    needs: tuple[str, ...] = ()
    linux_only: bool = False
    required: bool = False  # the lessons need it; the rest only the book, its tests or `just profile`


# Every system package the course uses, in one place: `just doctor` checks each one and
# `just doctor --install` installs those that are missing. `just test` needs all of them.
SYSTEM_PACKAGES = [
    SystemPackage("C linker", "Rust links the compiled module with it", ("build-essential",),
                  "xcode-select --install", needs=("cc",), required=True),
    SystemPackage("Chromium", "the headless browser the book's tests open every chapter in",
                  ("chromium", "chromium-driver"), "brew install --cask chromium chromedriver",
                  needs=(str(CHROMIUM), str(CHROMEDRIVER))),
    SystemPackage("valgrind", "`just profile` counts instructions with it", ("valgrind",),
                  needs=("valgrind",), linux_only=True),
    # macOS draws emoji and Chinese characters with fonts of its own.
    SystemPackage("emoji and CJK fonts", "the book's browser tests draw emoji and Chinese characters with them",
                  ("fonts-noto-color-emoji", "fonts-noto-cjk"), linux_only=True),
]  # fmt: skip


@dataclass
class Finding:
    what: str
    ok: bool | None  # None: it could not be checked on this machine
    detail: str
    fix: str = ""  # the one command that installs or repairs it
    required: bool = True


def _output(cmd: list[str]) -> str | None:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _version(text: str | None) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    return tuple(int(n) for n in match.groups() if n is not None) if match else None


def _venv() -> Path:
    return Path(os.environ.get("COURSE_VENV", ROOT / ".venv"))


def rust() -> Finding:
    out = _output(["rustc", "--version"])
    if out is None:
        return Finding("Rust", False, "no `rustc` on your PATH", "curl --proto '=https' -sSf https://sh.rustup.rs | sh")
    version = _version(out)
    if version and version[:2] < RUST_MIN:
        return Finding(
            "Rust", False, f"{out}: the course needs {'.'.join(map(str, RUST_MIN))} or newer", "rustup update"
        )
    if shutil.which("cargo") is None:
        return Finding("Rust", False, f"{out}, but no `cargo`", "rustup component add cargo")
    return Finding("Rust", True, out)


def python() -> Finding:
    here = sys.version_info[:2]
    detail = f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"
    if here < PYTHON_MIN:
        wanted = ".".join(map(str, PYTHON_MIN))
        return Finding(
            "Python", False, f"{detail}: the course needs {wanted} or newer", f"python{wanted} -m venv .venv"
        )
    return Finding("Python", True, detail)


def venv() -> Finding:
    python = _venv() / "bin" / "python"
    if not python.exists():
        return Finding("course environment", False, f"no {_venv()}", "python3 -m venv .venv")
    return Finding("course environment", True, str(_venv()))


def packages() -> Finding:
    """The pinned packages, as installed in the course's environment."""
    python = _venv() / "bin" / "python"
    fix = f"{python} -m pip install -r tools/requirements.txt   (or any `just` recipe)"
    if not python.exists():
        return Finding("Python packages", False, "no course environment yet", fix)
    pins = dict(
        line.split("==", 1)
        for line in (raw.strip() for raw in REQUIREMENTS.read_text().splitlines())
        if line and not line.startswith("#")
    )
    script = (
        "import json, sys, importlib.metadata as m\n"
        "out = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: out[name] = None\n"
        "print(json.dumps(out))"
    )
    import json

    have = json.loads(_output([str(python), "-c", script, *pins]) or "{}")
    wrong = [f"{name} {have.get(name) or 'missing'} (wants {pin})" for name, pin in pins.items()
             if have.get(name) != pin]  # fmt: skip
    if wrong:
        return Finding("Python packages", False, "; ".join(wrong), fix)
    return Finding("Python packages", True, f"all {len(pins)} pinned packages installed")


def mdbook() -> Finding:
    from .book import MDBOOK_VERSION, find_mdbook

    found = find_mdbook()
    fix = f"cargo install mdbook --locked --version {MDBOOK_VERSION}   (`just book` runs it for you)"
    if found:
        return Finding("mdbook", True, f"{MDBOOK_VERSION} ({found})", required=False)
    return Finding("mdbook", False, f"no mdbook {MDBOOK_VERSION}: the book needs it", fix, required=False)


def cargo_mutants() -> Finding:
    from .mutants import CARGO_MUTANTS_VERSION, find_cargo_mutants

    found = find_cargo_mutants()
    fix = f"cargo install cargo-mutants --locked --version {CARGO_MUTANTS_VERSION}   (`just mutants` runs it for you)"
    if found:
        return Finding("cargo-mutants", True, f"{CARGO_MUTANTS_VERSION} ({found})", required=False)
    why = f"no cargo-mutants {CARGO_MUTANTS_VERSION}: for `just mutants` and its test only"
    return Finding("cargo-mutants", False, why, fix, required=False)


def _here(need: str) -> str | None:
    """Where a command or an absolute path of SystemPackage.needs is; None if it is not."""
    if os.path.isabs(need):
        return need if Path(need).is_file() else None
    return shutil.which(need)


def installed(package: SystemPackage) -> bool | None:
    """Whether `package` is installed here; None where that cannot be told."""
    if package.needs:
        return all(_here(need) for need in package.needs)
    if shutil.which("dpkg-query") is None:
        return None
    out = _output(["dpkg-query", "-W", "--showformat=${db:Status-Status}\\n", *package.apt])
    return out is not None and all(line == "installed" for line in out.splitlines())


def applies(package: SystemPackage) -> bool:
    return not package.linux_only or platform.system() == "Linux"


def install_command(packages: list[SystemPackage]) -> str:
    """The command that installs `packages` on this system, run by hand."""
    if platform.system() == "Darwin":
        return "; ".join(p.mac for p in packages if p.mac)
    return "sudo apt-get install -y " + " ".join(name for p in packages for name in p.apt)


def system_package(package: SystemPackage) -> Finding:
    name, why, required = package.name, package.why, package.required
    if not applies(package):
        return Finding(name, False, f"runs on Linux only, so this is left out here: {why}", required=required)
    fix = install_command([package])
    fix = f"{fix}   (or `just doctor --install`)" if fix else ""
    state = installed(package)
    if state is None:
        return Finding(name, None, f"not checked (no dpkg-query here to ask): {why}", fix, required)
    if state:
        found = _here(package.needs[0]) if package.needs else ", ".join(package.apt)
        return Finding(name, True, f"{why} ({found})", required=required)
    missing = [need for need in package.needs if not _here(need)] or package.apt
    return Finding(name, False, f"no {', '.join(missing)}: {why}", fix, required)


def disk() -> Finding:
    free = shutil.disk_usage(ROOT).free / 2**30
    if free < DISK_MIN_GIB:
        target = ROOT / "target"
        return Finding("free disk", False, f"{free:.1f} GiB free; builds need about {DISK_MIN_GIB}",
                       f"cargo clean --target-dir {target}   (or free space elsewhere)")  # fmt: skip
    return Finding("free disk", True, f"{free:.0f} GiB free")


def findings() -> list[Finding]:
    return [
        *(check() for check in (rust, python, venv, packages, mdbook, cargo_mutants)),
        *(system_package(package) for package in SYSTEM_PACKAGES),
        disk(),
    ]


def report() -> int:
    """Print what is here and what is not; 1 when something the lessons need is missing."""
    found = findings()
    width = max(len(f.what) for f in found)
    for f in found:
        mark = {True: "✓", None: "?"}.get(f.ok, "✗" if f.required else "–")
        print(f"  {mark} {f.what:<{width}}  {f.detail}")
        if not f.ok and f.fix:
            print(f"    {'':<{width}}  install: {f.fix}")
    missing = [f for f in found if f.ok is False and f.required]
    optional = [f.what for f in found if f.ok is False and not f.required]
    unchecked = [f.what for f in found if f.ok is None]
    if missing:
        said = f"{len(missing)} thing(s) the lessons need are missing: run the command under each, then `just doctor`."
    else:
        said = "Everything the lessons need is here." + (
            f" Optional, missing: {', '.join(optional)}." if optional else ""
        )
    print("\n" + said + (f" Not checked: {', '.join(unchecked)}." if unchecked else ""))
    return 1 if missing else 0


def _run_quietly(cmd: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", env=env)


def _apt_get_install(names: list[str]) -> subprocess.CompletedProcess:
    """apt-get install, after an `apt-get update` if the package lists are out of date (or
    empty, as on a fresh machine)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-q", *names]
    done = _run_quietly(cmd, env)
    if done.returncode != 0:
        _run_quietly(["apt-get", "update", "-q"], env)
        done = _run_quietly(cmd, env)
    return done


def install(quiet: bool) -> int:
    """Install the system packages that are missing: with apt-get as root on Debian and
    Ubuntu, with each package's command on macOS. 1 when something is left missing."""
    missing = [p for p in SYSTEM_PACKAGES if applies(p) and installed(p) is False]
    if not missing:
        if not quiet:
            print("Every system package the course uses is installed.")
        return 0
    names = ", ".join(p.name for p in missing)
    if platform.system() == "Darwin":
        for p in missing:
            if not p.mac:
                print(f"{p.name} is missing and there is no macOS package for it: {p.why}.")
            elif p.mac.startswith("brew ") and shutil.which("brew") is None:
                print(f"{p.name} is missing: Homebrew (https://brew.sh) installs it, with `{p.mac}`.")
            else:
                print(f"Installing {p.name}: {p.mac}", flush=True)
                subprocess.run(p.mac.split())
    elif shutil.which("apt-get") is None:
        apt = " ".join(name for p in missing for name in p.apt)
        print(f"Missing: {names}. There is no apt-get here: install {apt} (as Debian names them) yourself.")
        return 1
    elif os.geteuid() != 0:
        print(f"Missing: {names}. Installing them needs root: run\n    {install_command(missing)}")
        return 1
    else:
        apt = [name for p in missing for name in p.apt]
        print(f"Installing {names} with `apt-get install {' '.join(apt)}` (a few minutes)...", flush=True)
        done = _apt_get_install(apt)
        if done.returncode != 0:
            print("\n".join((done.stdout + done.stderr).strip().splitlines()[-10:]))
    left = [p.name for p in missing if installed(p) is not True]
    if left:
        print(f"Still missing: {', '.join(left)}: `just doctor` says what each is for and how to install it.")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="just doctor", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--install", action="store_true", help="install the missing system packages first (as root, or on macOS)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="with --install: print only what it installs or cannot, not the report"
    )
    ns = parser.parse_args(argv or [])
    if ns.quiet and not ns.install:
        parser.error("--quiet goes with --install")
    installed_rc = install(ns.quiet) if ns.install else 0
    if ns.quiet:
        return installed_rc
    if ns.install:
        print()
    return max(installed_rc, report())
