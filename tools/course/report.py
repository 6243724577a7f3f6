"""Turning a measurement (measure.Measurement) into what a person reads: markdown
tables, PNG charts, the tutorial's claims judged, and the stamp that says where and
when it was measured.

House rules for every report:

* every ratio is written one way, "N× faster" or "N× slower" than what it is
  compared with, and its 95% interval beside it (over worker processes: it includes
  how much separate runs differ, see measure.py);
* a claim is a range: "agrees" when the whole interval lies inside it, "disagrees"
  when the whole interval lies outside it, saying on which side; otherwise (the
  interval includes an edge of the range) "too close to call on this machine". No
  margin beyond the interval;
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
        return measure.wrong_as_documented(self.answer, self.contender.ascii_only, self.workload["kind"])

    @property
    def answer_text(self) -> str:
        if not self.answer.checked:
            return "— (a yardstick, not a count)"
        if self.answer.correct:
            return "✓ right"
        why = " (compares bytes, not characters)" if self.wrong_as_documented else " ⚠ **a bug**"
        return f"✗ **wrong**: {measure.said(self.answer.got)}, not {measure.said(self.answer.expected)}{why}"


def rows(measurement: Measurement) -> dict[tuple[str, str], Row]:
    """Every (workload id, contender id), with its answer and, if timed, its estimates."""
    answers = {(a.workload, a.contender): a for a in measurement.answers}
    out = {}
    for w in measurement.workloads:
        for c in measurement.contenders:
            key = (w["id"], c.id)
            ratio = (
                None
                if c.id == measurement.baseline
                else measure.paired_ratio(measurement, w["id"], c.id, measurement.baseline)
            )
            out[key] = Row(c, w, answers[key], measure.time_of(measurement, w["id"], c.id), ratio)
    return out


def wrong_answer_warning(measurement: Measurement) -> str:
    bugs = measure.unexpected_wrong(measurement.answers, measurement.contenders, measurement.workloads)
    if not bugs:
        return ""  # the caller leaves it out
    names = {c.id: c.name for c in measurement.contenders}
    which = ", ".join(sorted({f"{names[a.contender]} on {a.workload}" for a in bugs}))
    return f"> ⚠ **Wrong answers where the answer should be right: {which}.** That is a bug, not a lesson.\n"


# --- numbers for people ----------------------------------------------------------------


def factor(x: float) -> str:
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def peak(est) -> str:
    """A peak of memory (measure.Peak) with its range: "41 MB (40–41 MB over 3 fresh
    processes; 39 MB before the call)"."""
    return (f"peaked at {est.high:,.0f} MB ({est.low:,.0f}–{est.high:,.0f} MB over {est.workers} fresh processes; "
            f"{est.before:,.0f} MB before the call)")  # fmt: skip


def relative(est: Estimate) -> str:
    """A ratio of times (below 1: faster) in one direction, with its interval:
    "19× faster (18–20×)", "1.3× slower (1.2–1.4×)", "1.02× slower (1.05× faster to 1.10× slower)"."""
    median = f"{factor(1 / est.value)}× faster" if est.value < 1 else f"{factor(est.value)}× slower"
    if not est.known:
        spread = "no interval: one worker"
    elif est.high < 1:
        spread = f"{factor(1 / est.high)}–{factor(1 / est.low)}×"
    elif est.low > 1:
        spread = f"{factor(est.low)}–{factor(est.high)}×"
    else:
        spread = f"{factor(1 / est.low)}× faster to {factor(est.high)}× slower"
    return f"{median} ({spread})"


def speedup(ratio: Estimate) -> str:
    """A ratio of times (below 1: faster) as a speed-up, with its interval: "1.9× (1.8–2.0×)"."""
    spread = (f"{factor(1 / ratio.high)}–{factor(1 / ratio.low)}×" if ratio.known
              else "no interval: one worker")  # fmt: skip
    return f"{factor(1 / ratio.value)}× ({spread})"


def short_relative(est: Estimate) -> str:
    """For a crowded table cell: the ratio's direction where its interval is clear of 1,
    or "too close" where the interval includes 1: the same rule as every verdict."""
    if est.side_of(1) == 0:
        return "too close"
    return f"{factor(1 / est.value)}× faster" if est.value < 1 else f"{factor(est.value)}× slower"


UNITS = [("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)]


def unit_for(seconds: list[float]) -> tuple[str, float]:
    """One unit for a whole table: the one in which its middle value reads 1 or more."""
    typical = sorted(seconds)[len(seconds) // 2]
    return next(((unit, scale) for unit, scale in UNITS if typical >= scale), UNITS[-1])


def number(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def time_cell(est: Estimate | None, scale: float) -> str:
    if est is None:
        return "not timed"
    if not est.known:
        return f"{number(est.value / scale)} (no interval: one worker)"
    return f"{number(est.value / scale)} ({number(est.low / scale)}–{number(est.high / scale)})"


def table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def time_table(race: list[Row]) -> str:
    """version | time | against the Python loop | answer; sorted by the paired ratio, the
    figure to trust (a time on its own moves with whatever else the machine did)."""
    timed = all(row.time for row in race)
    ordered = sorted(race, key=lambda row: row.ratio.value if row.ratio else 1.0) if timed else race
    unit, scale = unit_for([row.time.value for row in race]) if timed else ("", 1)
    header = ["version", f"time per call, {unit} (95% interval)", "against the Python loop (sorted)", "answer"]
    body = [
        [row.name, time_cell(row.time, scale), relative(row.ratio) if row.ratio else "the baseline",
         row.answer_text]
        for row in ordered
    ]  # fmt: skip
    if not timed:
        header, body = [header[0], header[3]], [[line[0], line[3]] for line in body]
    return table(header, body)


def rounds_line(measurement: Measurement) -> str:
    load = measurement.load or {}
    budget = f" (a budget of {measurement.budget:g} s)" if measurement.budget else ""
    return (
        f"{len(measurement.rounds)} paired rounds in {measurement.worker_count} fresh worker processes, one after "
        "another, in "
        f"{load.get('seconds', 0):.0f} s of timing{budget}: each round timed every version once on every input, "
        "in a shuffled order. A figure is the geometric mean of the workers' medians, and its 95% interval is "
        "Student's t over the workers: it includes how much separate runs of the same code differ."
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
    source: str = "tutorial"  # or "target": a goal a lesson set itself (lessons.toml's [[lesson.target]])
    # How a disagreement reads, when the whole interval is below `low` (the subject
    # faster than the claim allows) or above `high` (slower); plain words by default.
    faster: str = ""
    slower: str = ""
    lesson: int = 0  # a target's: the lesson that set it
    # "": a ratio of times, as above; "MB": a target on peak memory (measure.Peak), met
    # between `low` and `high` MB
    unit: str = ""


CLAIMS = [
    Claim("debug-slower", "the debug build: “slower” than the Python loop", "debug", "python", 1, math.inf,
          faster="faster than the Python loop, not slower"),
    Claim("release-30x", "the release build: “~30x faster” than the Python loop", "release", "python", 1 / 45, 1 / 20,
          "read as 20× to 45× faster", faster="more than the tutorial's ~30× (over 45×)",
          slower="less than the tutorial's ~30× (under 20×)"),
    Claim("numpy-only-just", "numpy against the release build: “faster? No, but only just”", "numpy", "release", 1, 2,
          "read as slower, by less than 2×", faster="numpy was faster than the release build",
          slower="numpy was slower by more than 2×"),
    Claim("bytes-faster", "Rust over bytes: faster than over characters (in our words)", "bytes", "release", 0, 1),
]  # fmt: skip

ROLE_NAMES = {"python": "the Python loop", "release": "the release build", "debug": "the debug build"}
HEADINGS = {
    "tutorial": ("How this machine compares with the original tutorial", "the tutorial"),
    "target": ("Lesson N's targets, on this machine", "the target"),  # one table per lesson
}
TOO_CLOSE = "too close to call on this machine"
AGREES, DISAGREES = "agrees", "disagrees"


def verdict(claim: Claim, est: Estimate) -> str:
    """ "agrees" when the whole interval lies inside the claim's range; "disagrees: ..."
    when it lies wholly below or above it, saying which; otherwise (the interval
    includes an edge of the range) too close to call. No margin beyond the interval:
    it comes from separate worker processes, so it already holds how runs differ."""
    if est.workers < measure.MIN_WORKERS:
        return f"too few worker processes to call ({est.workers}; at least {measure.MIN_WORKERS})"
    whose = HEADINGS[claim.source][1]
    if est.high < claim.low:
        return f"{DISAGREES}: {claim.faster or f'faster than {whose} said'}"
    if est.low > claim.high:
        return f"{DISAGREES}: {claim.slower or f'slower than {whose} said'}"
    if est.low >= claim.low and est.high <= claim.high:
        return AGREES
    edges = [f"{e:g} {claim.unit}" if claim.unit else _edge(e) for e in (claim.low, claim.high)
             if est.low <= e <= est.high]  # fmt: skip
    if len(edges) == 2:
        return f"{TOO_CLOSE}: the interval includes both edges of the claim's range ({edges[0]}, {edges[1]})"
    return f"{TOO_CLOSE}: the interval includes {edges[0]}, an edge of the claim's range"


def _edge(ratio: float) -> str:
    return "as fast" if ratio == 1 else f"{factor(1 / ratio)}× faster" if ratio < 1 else f"{factor(ratio)}× slower"


def claims(measurement: Measurement, workload: str, roles: dict[str, str]) -> list[tuple[Claim, Estimate, str]]:
    """(claim, measured ratio, verdict) for every claim whose contenders ran."""
    out = []
    for claim in CLAIMS:
        if claim.subject in roles and claim.versus in roles and measurement.timed:
            est = measure.paired_ratio(measurement, workload, roles[claim.subject], roles[claim.versus])
            out.append((claim, est, verdict(claim, est)))
    return out


def claims_section(
    measurement: Measurement, workload: str, roles: dict[str, str], more: list[tuple[Claim, Estimate, str]] = ()
) -> list[str]:
    """The claims' tables: the tutorial's, then each lesson's targets ("Lesson N's
    targets", the heading a chapter points its reader to); `more`: claims judged
    elsewhere (on other workloads), as (claim, estimate, how to name what it was
    measured against)."""
    out = []
    judged_here = [(claim, est, ROLE_NAMES.get(claim.versus, claim.versus)) for claim, est, _ in
                   claims(measurement, workload, roles)]  # fmt: skip
    everything = [*judged_here, *more]
    tables = [(heading, column, [item for item in everything if item[0].source == source])
              for source, (heading, column) in HEADINGS.items() if source != "target"]  # fmt: skip
    for lesson in sorted({claim.lesson for claim, _, _ in everything if claim.source == "target"}):
        its = [item for item in everything if item[0].source == "target" and item[0].lesson == lesson]
        tables.append((f"Lesson {lesson}'s targets, on this machine", HEADINGS["target"][1], its))
    for heading, column, judged in tables:
        if not judged:
            continue
        body = []
        for claim, est, versus in judged:
            said = claim.said + (f" ({claim.reading})" if claim.reading else "")
            word = verdict(claim, est)
            head, _, rest = word.partition(":")
            shown = f"**{head}**{':' + rest if rest else ''}" if head in (AGREES, DISAGREES) else word
            body.append([said, peak(est) if claim.unit else f"{relative(est)} than {versus}", shown])
        out += [
            f"#### {heading}",
            "",
            f"*Agrees* where the whole 95% interval lies inside what {column} said, *disagrees* where it lies "
            f"wholly outside, *{TOO_CLOSE}* where it includes an edge. The interval comes from "
            f"{measurement.worker_count} "
            "separate worker processes, so it already includes how much one run differs from the next: no "
            "margin is added.",
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


def new_stamp() -> dict:
    """Where, with what and when: the stamp a report made now ends with."""
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


# What the raw data beside a timed report holds; other reports say what theirs holds.
TIMES_BESIDE = "Every round's time of every version is in the raw data beside this report."


def stamp_markdown(stamp: dict, beside: str = TIMES_BESIDE) -> str:
    """The one stamp every report ends with: where, with what and when it was made, then
    BESIDE, what the raw data beside it (NAME.json, from results.publish) holds, if more
    than the stamp."""
    return (
        f"<small>Measured {stamp['date']} on {stamp['machine']}; Python {stamp['python']}, {stamp['rust']}, "
        f"PyO3 {stamp['pyo3']}, maturin {stamp['maturin']}, numpy {stamp['numpy']}, numba {stamp['numba']}."
        + (f" {beside}" if beside else "")
        + "</small>"
    )


def stamp_line(stamp: dict) -> str:
    return f"{stamp['date']} · {stamp['machine']} · Python {stamp['python']} · {stamp['rust']} · PyO3 {stamp['pyo3']}"


# --- charts ----------------------------------------------------------------------------

COLORS = {
    "python": "#3572A5",
    "numpy": "#4dabcf",
    "numba": "#7b4fb3",
    "rust-debug": "#e3a587",
    "rust-release": "#b7410e",
    "reference": "#9a9a9a",
}
# Lines of one panel: as many colours as markers, so that within a panel every line
# differs from every other in both.
LINE_COLORS = ["#000000", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#17becf", "#bcbd22"]  # fmt: skip
MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*", "<", ">"]
# The sweep chart's panels: the families each shows.
PANELS = [
    ("Python", ("python",)),
    ("numpy, numba and the yardstick", ("numpy", "numba", "reference")),
    ("Rust, debug builds", ("rust-debug",)),
    ("Rust, release builds", ("rust-release",)),
]
# The book's text column is about 750 px wide: charts are drawn that wide, at twice the
# pixels for sharpness, so 11-point labels read as the page's own small print.
WIDTH_IN, DPI = 7.5, 200


def pyplot():
    """matplotlib's pyplot, drawing off screen with the book's font sizes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 11, "axes.titlesize": 12, "legend.fontsize": 10})
    return plt


def _lay_out(fig, stamp: dict):
    """The stamp at the foot, and everything fitted inside the figure (the stamp on two
    lines where one is too long for it); the stamp's text. A figure made with
    layout="constrained" keeps that layout, others get tight_layout."""
    label = fig.text(0.01, 0.005, stamp_line(stamp), fontsize=7.5, color="#555", va="bottom")
    label.set_in_layout(False)
    fig.canvas.draw()
    if label.get_window_extent().x1 > fig.bbox.x1:
        first, _, second = stamp_line(stamp).rpartition(" · Python ")
        label.set_text(f"{first}\nPython {second}")
    fig.canvas.draw()
    foot = label.get_window_extent().y1 / fig.bbox.height + 0.005
    engine = fig.get_layout_engine()
    if engine is not None and engine.__class__.__name__ == "ConstrainedLayoutEngine":
        engine.set(rect=(0, foot, 1, 1 - foot))
    else:
        fig.tight_layout(rect=(0, foot, 1, 1))
    fig.canvas.draw()
    return label


def finish_chart(fig, path: Path, stamp: dict) -> None:
    """Stamp FIG at its foot, fit it, save it as PATH and close it."""
    _lay_out(fig, stamp)
    fig.savefig(path, dpi=DPI)
    pyplot().close(fig)


def clipped_text(fig) -> list[str]:
    """Every text of `fig` that reaches outside the figure once drawn: titles, axis
    labels, tick labels (as each axis's drawn ones together), annotations, legends and
    the figure's own texts. Empty when nothing is cut off."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = [(t.get_text(), t) for t in fig.texts]
    boxes = []
    for ax in fig.axes:
        found += [(t.get_text(), t) for t in (ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts)]
        if legend := ax.get_legend():
            found += [(t.get_text(), t) for t in legend.get_texts()]
        boxes += [(f"{axis.axis_name} tick labels", axis.get_tightbbox(renderer)) for axis in (ax.xaxis, ax.yaxis)]
    boxes += [(text, t.get_window_extent(renderer)) for text, t in found if t.get_visible() and text.strip()]
    box, slack = fig.bbox, 0.5  # pixels

    def outside(b) -> bool:
        return b.x0 < box.x0 - slack or b.y0 < box.y0 - slack or b.x1 > box.x1 + slack or b.y1 > box.y1 + slack

    return [text for text, b in boxes if b is not None and outside(b)]


def overlapping_text(fig) -> list[tuple[str, str]]:
    """Pairs of the figure's own texts (title, axis labels, the stamp) that overlap each
    other or an axes with its tick labels, once drawn. Empty when none do."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    own = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.texts if t.get_visible() and t.get_text()]
    axes = [(f"axes {i + 1}", ax.get_tightbbox(renderer)) for i, ax in enumerate(fig.axes)]
    pairs = [(a, b) for i, a in enumerate(own) for b in own[i + 1 :]] + [(a, b) for a in own for b in axes]
    return [(a[0], b[0]) for a, b in pairs if a[1].overlaps(b[1])]


def bar_figure(race: list[Row], title: str, stamp: dict, log: bool = False):
    """Horizontal bars of time per call with their intervals, fastest at the top, each
    labelled at its end; the axis reaches far enough for every label to fit inside it."""
    plt = pyplot()
    ordered = sorted(race, key=lambda row: row.ratio.value if row.ratio else 1.0, reverse=True)
    unit, scale = unit_for([row.time.value for row in race])
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.42 * len(race) + 1.6), layout="constrained")
    values = [row.time.value / scale for row in ordered]
    highs = [row.time.high / scale if row.time.known else v for v, row in zip(values, ordered)]
    lows = [row.time.low / scale if row.time.known else v for v, row in zip(values, ordered)]
    bars = ax.barh(
        [row.name for row in ordered],
        values,
        xerr=[[v - lo for v, lo in zip(values, lows)], [hi - v for v, hi in zip(values, highs)]],
        color=[COLORS.get(row.contender.family, "#888") for row in ordered],
        hatch=["//" if not row.answer.correct else "" for row in ordered],
        edgecolor="white",
        error_kw={"ecolor": "#333", "capsize": 2, "linewidth": 1},
    )
    labels = []
    for bar, row, high in zip(bars, ordered, highs):
        label = "the baseline" if row.ratio is None else short_relative(row.ratio)
        if not row.answer.correct:
            label += "  ✗ WRONG"
        text = ax.annotate(f"  {number(row.time.value / scale)} {unit} · {label}",
                           (high, bar.get_y() + bar.get_height() / 2), va="center", fontsize=9.5)  # fmt: skip
        text.set_in_layout(False)  # the axis is widened for them below, not shrunk
        labels.append((high, text))
    if log:
        ax.set_xscale("log")
    ax.set_xlim(left=min(lows) / (2 if log else 1) if log else 0)
    fig.suptitle(title)  # on the figure, not the axes: wider than the axes may be
    scale_words = " (log scale)" if log else ""
    # two lines: the names at the left leave the axes narrow
    ax.set_xlabel(f"time per call, {unit}{scale_words},\nwith its 95% interval: shorter is faster")
    ax.set_xlim(right=max(highs) * (2 if log else 1.2))
    _lay_out(fig, stamp)
    for _ in range(4):  # reach as far right as the longest label needs (the ticks then change a little)
        left, right = ax.get_xlim()
        box = ax.get_window_extent()
        where = (lambda x: math.log(x)) if log else (lambda x: x)
        span = where(right) - where(left)
        need = max(where(left) + (where(x) - where(left)) / max(0.05, 1 - t.get_window_extent().width / box.width)
                   for x, t in labels)  # fmt: skip
        if need <= where(right) + 1e-9 * span:
            break
        ax.set_xlim(right=math.exp(need) if log else need)
        fig.canvas.draw()
    return fig


def bar_chart(race: list[Row], path: Path, title: str, stamp: dict, log: bool = False) -> None:
    fig = bar_figure(race, title, stamp, log)
    fig.savefig(path, dpi=DPI)
    pyplot().close(fig)


def sweep_figure(lines: list[tuple[str, str, list[tuple[int, float]]]], title: str, stamp: dict):
    """How many times as fast as the Python loop, against input size (log-log): one
    panel per kind of version (PANELS), every line in a panel its own colour and marker.
    `lines`: (name, family, [(size, times as fast)]) for each version."""
    plt = pyplot()
    panels = [(heading, [line for line in lines if line[1] in families]) for heading, families in PANELS]
    panels = [(heading, found) for heading, found in panels if found]
    fig, axes = plt.subplots(len(panels), 1, figsize=(WIDTH_IN, 2.5 * len(panels) + 1.2), sharex=True,
                             squeeze=False)  # fmt: skip
    for ax, (heading, found) in zip(axes[:, 0], panels):
        for i, (name, _, points) in enumerate(found):
            ax.plot([size for size, _ in points], [speed for _, speed in points], marker=MARKERS[i % len(MARKERS)],
                    color=LINE_COLORS[i % len(LINE_COLORS)], linewidth=1.4, markersize=5, label=name)  # fmt: skip
        ax.axhline(1, color="#000", linewidth=0.8, linestyle=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(heading, fontsize=10.5, loc="left")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    axes[-1, 0].set_xlabel("input size, characters (log scale)")
    fig.supylabel("times as fast as the Python loop (log scale)", fontsize=10.5)
    fig.suptitle(title)
    _lay_out(fig, stamp)
    return fig


def sweep_chart(lines: list[tuple[str, str, list[tuple[int, float]]]], path: Path, title: str, stamp: dict) -> None:
    fig = sweep_figure(lines, title, stamp)
    fig.savefig(path, dpi=DPI)
    pyplot().close(fig)


def scaling_figure(points: list[tuple[int, Estimate | None]], title: str, keyword: str, stamp: dict):
    """Speed-up over N = 1 against N (`keyword`'s value), with each 95% interval, beside
    the ideal line (N times as fast). `points`: (N, time over N = 1's; None for N = 1)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 4.2))
    ns = [n for n, _ in points]
    speed = [1.0 if r is None else 1 / r.value for _, r in points]
    low = [0.0 if r is None or not r.known else s - 1 / r.high for s, (_, r) in zip(speed, points)]
    high = [0.0 if r is None or not r.known else 1 / r.low - s for s, (_, r) in zip(speed, points)]
    ax.plot(ns, ns, color="#888", linestyle=":", linewidth=1, label=f"ideal: N {keyword}, N times as fast")
    ax.errorbar(ns, speed, yerr=[low, high], color=LINE_COLORS[0], marker="o", linewidth=1.6, capsize=3,
                label="measured, with its 95% interval")  # fmt: skip
    ax.set_xticks(ns)
    ax.set_xlim(0.5, max(ns) + 0.5)
    ax.set_ylim(0, max(max(ns), max(s + h for s, h in zip(speed, high))) * 1.1)
    ax.set_xlabel(f"{keyword} = N")
    ax.set_ylabel("times as fast as N = 1")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", frameon=False)
    fig.suptitle(title)
    _lay_out(fig, stamp)
    return fig


def scaling_chart(points: list[tuple[int, Estimate | None]], path: Path, title: str, keyword: str,
                  stamp: dict) -> None:  # fmt: skip
    fig = scaling_figure(points, title, keyword, stamp)
    fig.savefig(path, dpi=DPI)
    pyplot().close(fig)
