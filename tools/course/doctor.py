"""`just doctor`: is everything the course needs on this machine?

Standard library only, so it runs before the course's environment exists. For each
thing missing it prints the one command that installs it. Exit status 1 when
something the lessons need is missing; what only the book or its tests need is
reported, but optional.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import ROOT

RUST_MIN = (1, 88)  # the checkpoints use <[T]>::as_chunks (1.88) and safe calls of SIMD intrinsics (1.87)
PYTHON_MIN = (3, 11)
DISK_MIN_GIB = 3  # PyO3 built in two profiles, the checkpoints, the book: about 2 GiB
REQUIREMENTS = ROOT / "tools" / "requirements.txt"


@dataclass
class Finding:
    what: str
    ok: bool
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


def _system_install(debian: str, mac: str) -> str:
    return mac if platform.system() == "Darwin" else debian


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


def linker() -> Finding:
    """rustc links the extension with the system's C compiler driver."""
    found = next((cc for cc in ("cc", "gcc", "clang") if shutil.which(cc)), None)
    if found:
        return Finding("C linker", True, shutil.which(found))
    fix = _system_install("sudo apt install build-essential", "xcode-select --install")
    return Finding("C linker", False, "no `cc`: Rust needs it to link the compiled module", fix)


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

    installed = json.loads(_output([str(python), "-c", script, *pins]) or "{}")
    wrong = [f"{name} {installed.get(name) or 'missing'} (wants {pin})" for name, pin in pins.items()
             if installed.get(name) != pin]  # fmt: skip
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


def chromium() -> Finding:
    from .book import chromium_paths

    missing = [str(path) for path in chromium_paths() if not path.is_file()]
    fix = _system_install("sudo apt install chromium chromium-driver", "brew install --cask chromium chromedriver")
    if missing:
        return Finding("Chromium", False, "for the book's browser tests only: no " + ", ".join(missing), fix, False)
    return Finding("Chromium", True, "headless browser for the book's tests", required=False)


def valgrind() -> Finding:
    """For `just profile`'s instruction counts; Linux only."""
    out = _output(["valgrind", "--version"])
    if out:
        return Finding("valgrind", True, f"{out.strip()} (just profile counts instructions with it)", required=False)
    if platform.system() != "Linux":
        why = "valgrind runs on Linux only: `just profile` leaves its instruction counts out here"
        return Finding("valgrind", False, why, "(none: the rest of just profile works)", required=False)
    why = "for `just profile`'s instruction counts only"
    return Finding("valgrind", False, why, "sudo apt install valgrind", required=False)


def disk() -> Finding:
    free = shutil.disk_usage(ROOT).free / 2**30
    if free < DISK_MIN_GIB:
        target = ROOT / "target"
        return Finding("free disk", False, f"{free:.1f} GiB free; builds need about {DISK_MIN_GIB}",
                       f"cargo clean --target-dir {target}   (or free space elsewhere)")  # fmt: skip
    return Finding("free disk", True, f"{free:.0f} GiB free")


CHECKS = [rust, linker, python, venv, packages, mdbook, cargo_mutants, chromium, valgrind, disk]


def main() -> int:
    findings = [check() for check in CHECKS]
    width = max(len(f.what) for f in findings)
    for f in findings:
        mark = "✓" if f.ok else ("✗" if f.required else "–")
        print(f"  {mark} {f.what:<{width}}  {f.detail}")
        if not f.ok:
            print(f"    {'':<{width}}  install: {f.fix}")
    missing = [f for f in findings if not f.ok and f.required]
    if missing:
        print(
            f"\n{len(missing)} thing(s) the lessons need are missing: run the command under each, then `just doctor`."
        )
        return 1
    optional = [f.what for f in findings if not f.ok]
    print(
        "\nEverything the lessons need is here." + (f" Optional, missing: {', '.join(optional)}." if optional else "")
    )
    return 0
