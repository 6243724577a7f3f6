"""Turning a measurement (measure.Measurement) into what a person reads: markdown
tables, PNG charts, the tutorial's claims judged, and the stamp that says where and
when it was measured.

House rules for every report:

* every ratio is written one way, "N× faster" or "N× slower" than what it is
  compared with, and its 95% interval beside it;
* a verdict is given only when the interval is clear of the claim's boundary;
  otherwise it is "too close to call on this machine", with the measured range;
* within a table, one unit, named in the header; rows sorted by what the table shows;
* bold only for verdicts and for wrong answers that are bugs.
"""

from __future__ import annotations

import datetime
import math
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from . import manifest, measure
from .measure import Answer, Contender, Estimate, Measurement

# --- one row per (input, contender) ----------------------------------------------------


@dataclass(frozen=True)
class Row:
    contender: Contender
    workload: dict
    answer: Answer
    time: Estimate | None  # seconds per call
    ratio: Estimate | None  # time / the baseline's time, paired by round

    @property
    def id(self) -> str:
        return self.contender.id

    @property
    def name(self) -> str:
        return self.contender.name

    @property
    def wrong_as_documented(self) -> bool:
        return not self.answer.correct and self.contender.ascii_only and self.workload["kind"] != "letters"

    @property
    def answer_text(self) -> str:
        if not self.answer.checked:
            return "— (a yardstick, not a count)"
        if self.answer.correct:
            return "✓ right"
        why = " (compares bytes, not characters)" if self.wrong_as_documented else " ⚠ **a bug**"
        return f"✗ **wrong**: {self.answer.got:,}, not {self.answer.expected:,}{why}"


def rows(m: Measurement) -> dict[tuple[str, str], Row]:
    """Every (workload id, contender id), with its answer and, if timed, its estimates."""
    answers = {(a.workload, a.contender): a for a in m.answers}
    out = {}
    for w in m.workloads:
        for c in m.contenders:
            key = (w["id"], c.id)
            ratio = None if c.id == m.baseline else measure.paired_ratio(m, w["id"], c.id, m.baseline)
            out[key] = Row(c, w, answers[key], measure.time_of(m, w["id"], c.id), ratio)
    return out


def wrong_answer_warning(m: Measurement) -> str:
    bugs = measure.unexpected_wrong(m.answers, m.contenders, m.workloads)
    if not bugs:
        return ""  # the caller leaves it out
    names = {c.id: c.name for c in m.contenders}
    which = ", ".join(sorted({f"{names[a.contender]} on {a.workload}" for a in bugs}))
    return f"> ⚠ **Wrong answers where the answer should be right: {which}.** That is a bug, not a lesson.\n"


# --- numbers for people ----------------------------------------------------------------


def factor(x: float) -> str:
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def relative(est: Estimate) -> str:
    """A ratio of times (below 1: faster) in one direction, with its interval:
    "19× faster (18–20×)", "1.3× slower (1.2–1.4×)", "1.02× slower (1.05× faster to 1.10× slower)"."""
    median = f"{factor(1 / est.median)}× faster" if est.median < 1 else f"{factor(est.median)}× slower"
    if est.high < 1:
        spread = f"{factor(1 / est.high)}–{factor(1 / est.low)}×"
    elif est.low > 1:
        spread = f"{factor(est.low)}–{factor(est.high)}×"
    else:
        spread = f"{factor(1 / est.low)}× faster to {factor(est.high)}× slower"
    return f"{median} ({spread})"


def short_relative(est: Estimate) -> str:
    """For a crowded table cell: the median's direction, or "too close" when the interval
    straddles 1 (a measurement, not a verdict: no margin for other runs)."""
    if est.side_of(1, margin=1.0) == 0:
        return "too close"
    return f"{factor(1 / est.median)}× faster" if est.median < 1 else f"{factor(est.median)}× slower"


UNITS = [("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)]


def unit_for(seconds: list[float]) -> tuple[str, float]:
    """One unit for a whole table: the one in which its median value reads 1 or more."""
    typical = sorted(seconds)[len(seconds) // 2]
    return next(((unit, scale) for unit, scale in UNITS if typical >= scale), UNITS[-1])


def number(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def time_cell(est: Estimate | None, scale: float) -> str:
    if est is None:
        return "not timed"
    return f"{number(est.median / scale)} ({number(est.low / scale)}–{number(est.high / scale)})"


def table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def time_table(race: list[Row]) -> str:
    """version | median time | against the Python loop | answer; sorted by the paired ratio,
    the figure to trust (a median time on its own moves with whatever else the machine did)."""
    timed = all(row.time for row in race)
    ordered = sorted(race, key=lambda row: row.ratio.median if row.ratio else 1.0) if timed else race
    unit, scale = unit_for([row.time.median for row in race]) if timed else ("", 1)
    header = ["version", f"median time, {unit} (95% interval)", "against the Python loop (sorted)", "answer"]
    body = [
        [row.name, time_cell(row.time, scale), relative(row.ratio) if row.ratio else "the baseline",
         row.answer_text]
        for row in ordered
    ]  # fmt: skip
    if not timed:
        header, body = [header[0], header[3]], [[line[0], line[3]] for line in body]
    return table(header, body)


def rounds_line(m: Measurement) -> str:
    load = m.load or {}
    budget = f" (a budget of {m.budget:g} s)" if m.budget else ""
    return (
        f"{len(m.rounds)} paired rounds in {load.get('seconds', 0):.0f} s of timing{budget}: each round timed every "
        "version once on every input, in a shuffled order. Intervals are 95% bootstrap intervals over the rounds."
    )


def load_note(load: dict | None) -> str:
    """The machine's load around the timing, in words; a warning when others used the CPU."""
    if not load:
        return ""
    parts = []
    if load["loadavg_before"] is not None:
        parts.append(
            f"Load average over the last minute: {load['loadavg_before']:.2f} before the timing, "
            f"{load['loadavg_after']:.2f} after"
        )
    busy = load["busy_elsewhere_cpus"]
    if busy is not None:
        parts.append(f"other programs kept {busy:.2f} of the {load['cpus']} CPUs busy on average meanwhile")
    text = "; ".join(parts) + "." if parts else ""
    if busy is not None and busy >= measure.BUSY_ELSEWHERE:
        text += (
            "\n\n> ⚠ Something else used the CPU during this run. The paired rounds spread its effect over "
            "every version alike, so the ratios suffer less than the times, but the intervals are wider than "
            "on a quiet machine. For the steadiest numbers, close other programs and run again."
        )
    return text


# --- the tutorial's claims -------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A finding of the original tutorial: it holds where time(subject) / time(versus)
    lies between `low` and `high`."""

    id: str
    said: str  # the tutorial's words, quoted
    subject: str  # a role: "debug", "release", "numpy", "bytes", "python"
    versus: str
    low: float
    high: float
    reading: str = ""  # how we read a claim that is not a plain "faster" or "slower"
    source: str = "tutorial"  # or "target": a goal the course set itself (lesson 8's)


CLAIMS = [
    Claim("debug-slower", "the debug build: “slower” than the Python loop", "debug", "python", 1, math.inf),
    Claim("release-30x", "the release build: “~30x faster” than the Python loop", "release", "python", 1 / 45, 1 / 20,
          "read as 20× to 45× faster"),
    Claim("numpy-only-just", "numpy against the release build: “faster? No, but only just”", "numpy", "release", 1, 2,
          "read as slower, by less than 2×"),
    Claim("bytes-faster", "Rust over bytes: faster than over characters (in our words)", "bytes", "release", 0, 1),
    Claim("simd-5x-count_nonzero", "lesson 8's count_doubles: at least 5× faster than numpy count_nonzero", "simd",
          "count_nonzero", 0, 1 / 5, source="target"),
    Claim("simd-near-find", "lesson 8's count_doubles: within 1.5× of one bytes.find pass over the text", "simd",
          "find", 0, 1.5, "read as at most 1.5× slower", source="target"),
]  # fmt: skip

ROLE_NAMES = {"python": "the Python loop", "release": "the release build", "debug": "the debug build",
              "count_nonzero": "numpy count_nonzero", "find": "one bytes.find pass"}  # fmt: skip
HEADINGS = {
    "tutorial": ("How this machine compares with the original tutorial", "the tutorial"),
    "target": ("Lesson 8's targets, on this machine", "the target"),
}
TOO_CLOSE = "too close to call on this machine"


def verdict(claim: Claim, est: Estimate, rounds: int) -> str:
    """ "agrees" when the whole interval is inside the claim's range, "disagrees" when it is
    outside; either with room to spare (measure.RUN_TO_RUN). Otherwise too close to call."""
    if rounds < measure.MIN_ROUNDS:
        return f"too few rounds to call ({rounds})"
    if est.side_of(claim.low) > 0 and est.side_of(claim.high) < 0:
        return "agrees"
    if est.side_of(claim.low) < 0 or est.side_of(claim.high) > 0:
        return "disagrees"
    return TOO_CLOSE


def claims(m: Measurement, workload: str, roles: dict[str, str]) -> list[tuple[Claim, Estimate, str]]:
    """(claim, measured ratio, verdict) for every claim whose contenders ran."""
    out = []
    for claim in CLAIMS:
        if claim.subject in roles and claim.versus in roles and m.timed:
            est = measure.paired_ratio(m, workload, roles[claim.subject], roles[claim.versus])
            out.append((claim, est, verdict(claim, est, len(m.rounds))))
    return out


def claims_section(
    m: Measurement, workload: str, roles: dict[str, str], more: list[tuple[Claim, Estimate, str]] = ()
) -> list[str]:
    """The claims' tables, one per source; `more`: claims judged elsewhere (on other
    workloads), as (claim, estimate, how to name what it was measured against)."""
    out = []
    judged_here = [(claim, est, ROLE_NAMES.get(claim.versus, claim.versus)) for claim, est, _ in
                   claims(m, workload, roles)]  # fmt: skip
    for source, (heading, column) in HEADINGS.items():
        judged = [item for item in [*judged_here, *more] if item[0].source == source]
        if not judged:
            continue
        body = []
        for claim, est, versus in judged:
            said = claim.said + (f" ({claim.reading})" if claim.reading else "")
            word = verdict(claim, est, len(m.rounds))
            shown = f"**{word}**" if word in ("agrees", "disagrees") else word
            body.append([said, f"{relative(est)} than {versus}", shown])
        out += [
            f"#### {heading}",
            "",
            f"A verdict only where the whole 95% interval is on one side of what {column} said, with a "
            f"{(measure.RUN_TO_RUN - 1):.0%} margin for the way separate runs differ; otherwise *{TOO_CLOSE}*.",
            "",
            table([column, "measured here (95% interval)", "verdict"], body),
            "",
        ]
    return out


# --- the stamp -------------------------------------------------------------------------


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
    }


def stamp_markdown(s: dict) -> str:
    return (
        f"<small>Measured {s['date']} on {s['machine']}; Python {s['python']}, {s['rust']}, "
        f"PyO3 {s['pyo3']}, maturin {s['maturin']}, numpy {s['numpy']}, numba {s['numba']}. "
        "Every round's time of every version is in the raw data beside this report.</small>"
    )


def stamp_line(s: dict) -> str:
    return f"{s['date']} · {s['machine']} · Python {s['python']} · {s['rust']} · PyO3 {s['pyo3']}"


# --- charts ----------------------------------------------------------------------------

COLORS = {
    "python": "#3572A5",
    "numpy": "#4dabcf",
    "numba": "#7b4fb3",
    "rust-debug": "#e3a587",
    "rust-release": "#b7410e",
    "reference": "#9a9a9a",
}
# One colour and one marker per line: twelve colours that differ in hue and lightness.
LINE_COLORS = ["#000000", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94"]  # fmt: skip
MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*", "<", ">", "h", "p", "d", "H", "8", "1"]
# The book's text column is about 750 px wide: charts are drawn that wide, at twice the
# pixels for sharpness, so 11-point labels read as the page's own small print.
WIDTH_IN, DPI = 7.5, 200


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 11, "axes.titlesize": 12, "legend.fontsize": 10})
    return plt


def _finish(fig, path: Path, s: dict) -> None:
    fig.text(0.01, 0.005, stamp_line(s), fontsize=7.5, color="#555")
    fig.tight_layout(rect=(0, 0.025, 1, 1))
    fig.savefig(path, dpi=DPI)
    _pyplot().close(fig)


def bar_chart(race: list[Row], path: Path, title: str, s: dict, log: bool = False) -> None:
    """Horizontal bars of median time per call with their intervals, fastest at the top."""
    plt = _pyplot()
    ordered = sorted(race, key=lambda row: row.ratio.median if row.ratio else 1.0, reverse=True)
    unit, scale = unit_for([row.time.median for row in race])
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.42 * len(race) + 1.5))
    medians = [row.time.median / scale for row in ordered]
    errors = [
        [m - row.time.low / scale for m, row in zip(medians, ordered)],
        [row.time.high / scale - m for m, row in zip(medians, ordered)],
    ]
    bars = ax.barh(
        [row.name for row in ordered],
        medians,
        xerr=errors,
        color=[COLORS.get(row.contender.family, "#888") for row in ordered],
        hatch=["//" if not row.answer.correct else "" for row in ordered],
        edgecolor="white",
        error_kw={"ecolor": "#333", "capsize": 2, "linewidth": 1},
    )
    for bar, row in zip(bars, ordered):
        label = "the baseline" if row.ratio is None else short_relative(row.ratio)
        if not row.answer.correct:
            label += "  ✗ WRONG"
        ax.annotate(f"  {number(row.time.median / scale)} {unit} · {label}",
                    (row.time.high / scale, bar.get_y() + bar.get_height() / 2), va="center", fontsize=9.5)  # fmt: skip
    if log:
        ax.set_xscale("log")
    ax.set_xlim(right=max(row.time.high / scale for row in race) * (40 if log else 1.9))
    scale_words = " (log scale)" if log else ""
    ax.set_xlabel(f"median time per call, {unit}, and its 95% interval{scale_words}: shorter is faster")
    ax.set_title(title)
    _finish(fig, path, s)


def sweep_chart(lines: dict[str, list[tuple[int, float]]], path: Path, title: str, s: dict) -> None:
    """How many times faster than the Python loop, against input size: one colour and
    one marker per version (log-log)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 8))
    for i, (name, points) in enumerate(lines.items()):
        ax.plot([size for size, _ in points], [speedup for _, speedup in points], marker=MARKERS[i % len(MARKERS)],
                color=LINE_COLORS[i % len(LINE_COLORS)], linewidth=2.2 if i == 0 else 1.3, markersize=6,
                label=name)  # fmt: skip
    ax.axhline(1, color="#000", linewidth=0.8, linestyle=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input size, characters (log scale)")
    ax.set_ylabel("times as fast as the Python loop (log scale)")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    _finish(fig, path, s)
