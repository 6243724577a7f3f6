"""Turning a race's measurements into what a person reads: markdown tables with ratios,
PNG charts, and the stamp that says where and when it was measured.

Input: pytest-benchmark's JSON (timings) and the race's answers JSON (what each peer
returned, and whether the Python loop agrees). Without timings (benchmarks disabled)
the report still lists every answer.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from . import manifest

ORACLE = "python zip loop"
DEBUG = "rust count_doubles (debug)"
RELEASE = "rust count_doubles (release)"
NUMPY = "numpy sum"
RUST_BYTES = "rust count_doubles_bytes (release)"


@dataclass
class Row:
    peer: str
    family: str
    note: str
    ascii_only: bool
    workload: str
    kind: str
    size: int
    expected: int
    got: int
    correct: bool
    median: float | None = None  # seconds per call
    rounds: int | None = None

    @property
    def answer(self) -> str:
        if self.correct:
            return "✓ right"
        why = " (compares bytes, not characters)" if self.ascii_only else " ⚠ a bug"
        return f"✗ **wrong**: {self.got:,}, not {self.expected:,}{why}"


def load(answers: Path, timings: Path | None) -> list[Row]:
    rows = {(a["peer"], a["workload"]): Row(**a) for a in json.loads(answers.read_text())}
    if timings is not None and timings.is_file():
        for bench in json.loads(timings.read_text())["benchmarks"]:
            info = bench["extra_info"]
            row = rows[(info["peer"], info["workload"])]
            row.median, row.rounds = bench["stats"]["median"], bench["stats"]["rounds"]
    return list(rows.values())


def timed(rows: list[Row]) -> bool:
    return all(row.median is not None for row in rows)


def unexpected_wrong(rows: list[Row]) -> list[Row]:
    """Wrong answers from peers that claim to be right on that text: bugs, not lessons."""
    return [row for row in rows if not row.correct and not (row.ascii_only and row.kind != "letters")]


# --- the stamp ---------------------------------------------------------------------


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _command_version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split("\n")[0].strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _pyo3_version() -> str:
    lesson = next(lesson for lesson in manifest.load() if lesson.has_rust)
    lock = (lesson.path / "Cargo.lock").read_text()
    return re.search(r'name = "pyo3"\nversion = "([^"]+)"', lock).group(1)


def stamp() -> dict:
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{_cpu()}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "rust": _command_version(["rustc", "--version"]),
        "pyo3": _pyo3_version(),
        "maturin": version("maturin"),
        "numpy": version("numpy"),
        "numba": version("numba"),
        "pytest-benchmark": version("pytest-benchmark"),
    }


def stamp_markdown(s: dict) -> str:
    return (
        f"<small>Measured {s['date']} on {s['machine']}; Python {s['python']}, {s['rust']}, "
        f"PyO3 {s['pyo3']}, maturin {s['maturin']}, numpy {s['numpy']}, numba {s['numba']}, "
        f"pytest-benchmark {s['pytest-benchmark']}. Times are medians of repeated calls.</small>"
    )


def stamp_line(s: dict) -> str:
    return f"{s['date']} · {s['machine']} · Python {s['python']} · {s['rust']} · PyO3 {s['pyo3']}"


# --- numbers for people ------------------------------------------------------------


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "not timed"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(time: float | None, baseline: float | None) -> str:
    """How the time compares with the baseline's, for a table cell: "**3.0× faster**"."""
    if time is None or baseline is None:
        return "–"
    if about_the_same(time, baseline):
        return f"about as fast ({baseline / time:.2f}×)"
    if time < baseline:
        return f"**{baseline / time:.1f}× faster**"
    return f"{time / baseline:.1f}× slower"


def compared(time: float, baseline: float, what: str) -> str:
    """The same in a sentence: "3.0× faster than WHAT", "about as fast as WHAT"."""
    if about_the_same(time, baseline):
        return f"about as fast as {what} ({baseline / time:.2f}×)"
    return f"{ratio(time, baseline)} than {what}"


def about_the_same(time: float, baseline: float) -> bool:
    return baseline / SAME <= time <= baseline * SAME


def clearly_faster(time: float, baseline: float) -> bool:
    return time * SAME < baseline


def versus(row: Row, baseline: Row) -> str:
    return "the baseline" if row.peer == baseline.peer else ratio(row.median, baseline.median)


def against(row: Row, baseline: Row) -> str:
    """A table cell: the baseline's own time, or how another row compares with it."""
    return duration(row.median) if row.peer == baseline.peer else ratio(row.median, baseline.median)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# --- charts ------------------------------------------------------------------------

COLORS = {
    "python": "#3572A5",
    "numpy": "#4dabcf",
    "numba": "#00a3e0",
    "rust-debug": "#e3a587",
    "rust-release": "#b7410e",
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def bar_chart(rows: list[Row], path: Path, title: str, s: dict, log: bool = False) -> None:
    """Horizontal bars of time per call, fastest at the top; wrong answers hatched and labelled."""
    plt = _pyplot()
    rows = sorted(rows, key=lambda row: row.median, reverse=True)
    baseline = next(row.median for row in rows if row.peer == ORACLE)
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(rows) + 1.8), dpi=110)
    ms = [row.median * 1e3 for row in rows]
    bars = ax.barh(
        [row.peer for row in rows],
        ms,
        color=[COLORS.get(row.family, "#888") for row in rows],
        hatch=["//" if not row.correct else "" for row in rows],
        edgecolor="white",
    )
    for bar, row in zip(bars, rows):
        label = compared(row.median, baseline, "the Python loop").replace("*", "")
        if row.peer == ORACLE:
            label = "the Python loop (baseline)"
        if not row.correct:
            label += "  ✗ WRONG ANSWER"
        ax.annotate(
            f" {duration(row.median)} · {label}",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            va="center",
            fontsize=8,
        )
    if log:
        ax.set_xscale("log")
    ax.set_xlim(right=max(ms) * (300 if log else 1.9))
    ax.set_xlabel("median time per call, milliseconds" + (" (log scale)" if log else "") + ": shorter is faster")
    ax.set_title(title)
    fig.text(0.01, 0.01, stamp_line(s), fontsize=7, color="#555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path)
    plt.close(fig)


def throughput_chart(rows: list[Row], path: Path, title: str, s: dict) -> None:
    """Characters per second against input size, one line per peer, log-log."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    styles = ["-", "--", "-.", ":"]
    by_peer: dict[str, list[Row]] = {}
    for row in rows:
        by_peer.setdefault(row.peer, []).append(row)
    for i, (peer, points) in enumerate(by_peer.items()):
        points.sort(key=lambda row: row.size)
        ax.plot(
            [row.size for row in points],
            [row.size / row.median / 1e6 for row in points],
            styles[i % len(styles)],
            marker="o",
            markersize=3,
            color=COLORS.get(points[0].family, "#888"),
            linewidth=2.5 if peer == ORACLE else 1.4,
            label=peer,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input size, characters (log scale)")
    ax.set_ylabel("throughput, million characters per second (log scale)")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.text(0.01, 0.01, stamp_line(s), fontsize=7, color="#555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path)
    plt.close(fig)


# --- the original tutorial's findings, checked ---------------------------------------

SAME = 1.1  # within 10% either way, two times are "about the same"
NEARLY = 1.5  # "nearly as fast": at most 1.5 times the time


def tutorial_verdicts(times: dict[str, float | None]) -> list[str]:
    """Each finding of the original tutorial that these times can check, as a sentence.

    `times` maps peer names to median seconds; a finding is skipped when a time is missing.
    """
    python, debug, release = times.get(ORACLE), times.get(DEBUG), times.get(RELEASE)
    numpy, rust_bytes = times.get(NUMPY), times.get(RUST_BYTES)
    out = []
    if python and debug:
        verdict = (
            "**agrees**." if clearly_faster(python, debug)
            else "**about the same**: the tutorial's debug build was clearly slower." if about_the_same(debug, python)
            else "**disagrees**: here even the debug build beat the Python loop."
        )  # fmt: skip
        out.append(
            "- *Tutorial: the debug build is slower than Python.* "
            f"Here it was {compared(debug, python, 'the Python loop')}. {verdict}"
        )
    if python and release:
        verdict = (
            "**agrees**." if release * 5 <= python
            else "**partly**: faster, but not many times." if clearly_faster(release, python)
            else "**disagrees**."
        )  # fmt: skip
        out.append(
            "- *Tutorial: the release build is many times faster than Python.* "
            f"Here it was {compared(release, python, 'the Python loop')}. {verdict}"
        )
    if numpy and release:
        verdict = (
            "**disagrees**: numpy beat the release Rust loop outright here." if clearly_faster(numpy, release)
            else "**agrees**: nearly as fast." if numpy <= release * NEARLY
            else f"**disagrees**: Rust stayed far ahead (numpy took {numpy / release:.1f}× its time)."
        )  # fmt: skip
        out.append(
            "- *Tutorial: numpy is nearly as fast as the release Rust loop, with no Rust.* "
            f"Here numpy was {compared(numpy, release, 'release Rust')}. {verdict}"
        )
    if numpy and rust_bytes and release:
        problems = []
        if not clearly_faster(rust_bytes, numpy):
            problems.append(
                "it was about as fast as numpy" if about_the_same(rust_bytes, numpy) else "numpy stayed ahead of it"
            )
        if not clearly_faster(rust_bytes, release):
            problems.append("it was not clearly faster than the Rust loop over characters")
        verdict = "**agrees**." if not problems else "**disagrees**: " + " and ".join(problems) + "."
        out.append(
            "- *Tutorial: the bytes version is faster still.* "
            f"Here Rust on bytes was {compared(rust_bytes, numpy, 'numpy')} "
            f"and {compared(rust_bytes, release, 'the Rust loop over characters')}. {verdict}"
        )
    return out
