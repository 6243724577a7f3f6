"""Make the build logs in this folder again: real maturin builds of broken checkpoints.

    .venv/bin/python tests/data/cargo/capture.py [NAME ...]

Each log is what `just verify` reads from a build (maturin's output, cargo's and the
compiler's mixed in). It is made by copying a lesson's checkpoint into a temporary
folder, breaking it as a learner might, and building it from there (as `just verify`
builds the working copy from its own folder) with the course's own maturin command.
The course's quick tests parse these logs and build nothing. RUST_BACKTRACE is unset,
as on a learner's machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "tools"))

from course import build, manifest  # noqa: E402


def replace(rel: str, old: str, new: str):
    def edit(crate: Path) -> None:
        path = crate / rel
        text = path.read_text()
        assert old in text, f"{old!r} is not in {rel}"
        path.write_text(text.replace(old, new))

    return edit


def remove(rel: str):
    return lambda crate: (crate / rel).unlink()


# name: (lesson, how it is broken). The tests say what each log must show.
BROKEN = {
    "dependancies": (5, replace("Cargo.toml", "[dependencies]", "[dependancies]")),
    "dependancies-build-script": (6, replace("Cargo.toml", "[dependencies]", "[dependancies]")),
    "version-typo": (5, replace("Cargo.toml", 'pyo3 = "0.30.1"', 'pyo3 = "0.30.l"')),
    "no-such-version": (5, replace("Cargo.toml", 'pyo3 = "0.30.1"', 'pyo3 = "0.99"')),
    "unclosed-string": (5, replace("Cargo.toml", 'pyo3 = "0.30.1"', 'pyo3 = "0.30.1')),
    "assign-twice": (5, replace("src/lib.rs", "let mut total", "let total")),
    "warning-then-error": (
        5,
        replace("src/lib.rs", "let mut total = 0u64;", "let total = 0u64;\n        let spare = 1;"),
    ),
    "unused-variable": (
        5,
        replace("src/lib.rs", "let mut total = 0u64;", "let mut total = 0u64;\n        let spare = 1;"),
    ),
    "no-build-rs": (6, remove("build.rs")),
    "profile-typo": (
        7,
        replace("Cargo.toml", "[profile.release.package.doubles-core]", "[profile.release.package.doubles-cor]"),
    ),
}


def capture(name: str, number: int, edit) -> str:
    lesson = manifest.find(str(number))
    with tempfile.TemporaryDirectory() as tmp:
        crate = Path(tmp, lesson.dir)
        shutil.copytree(lesson.path, crate)
        edit(crate)
        for path in build.sources(crate):
            path.touch()  # compiled for real, whatever the shared target folder holds
        profile = build.profile_of(crate)
        cmd = build.maturin_command(crate, Path(tmp, "wheel"), profile)
        env = {key: value for key, value in build.maturin_env().items() if key != "RUST_BACKTRACE"}
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=crate)
    (HERE / f"{name}.log").write_text(result.stdout)
    return f"{name}: exit {result.returncode}"


if __name__ == "__main__":
    wanted = sys.argv[1:] or list(BROKEN)
    os.environ.pop("RUST_BACKTRACE", None)
    for name in wanted:
        print(capture(name, *BROKEN[name]), flush=True)
