"""How `just compare` and `just race` measure: one engine beneath both.

* **Contenders** have a stable id (`python-zip`, `rust-count_doubles-lesson2-release`)
  that the harness, the raw data, the report and the tests use; their name is only
  for display.
* **Rust builds**: each (lesson, function) is built from its checkpoint in the
  profiles asked for, and the function is taken from the compiled module.
* **Wrong answers** are checked before any timing: every contender's answer on every
  input is compared with the Python loop's (the oracle), and recorded, right or wrong.
* **Timing is paired and interleaved.** Each round times every contender once on
  every input, in an order shuffled anew each round (seeded, so a run can be
  replayed), with a calibrated loop count so that one sample lasts long enough for
  the clock. Whatever the machine does meanwhile (a backup, a browser tab, the CPU
  warming and slowing down) then lands on every contender alike, and the ratio of two
  contenders *within one round* cancels most of it.
* **Summaries** are the median of the per-round ratios with a 95% bootstrap interval.

Why a bootstrap on paired ratios, and not pyperf (CPython's benchmark runner)?
pyperf runs each benchmark on its own, in worker processes, and its `compare_to`
judges two such runs with an unpaired test: the very design that let drift between
blocks of time decide our verdicts (issue 8). Our rounds are paired, and the
bootstrap uses that directly: resample the rounds, keep each round's contenders
together, and read off how far the median ratio moves. It needs nothing but numpy,
which the course has anyway, makes no assumption about the shape of the noise (timings
are skewed: a hiccup makes a round slower, never faster), and with a fixed seed the
same raw data always gives the same interval.
"""

from __future__ import annotations

import argparse
import collections
import gc
import glob
import importlib.machinery
import importlib.util
import itertools
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import CourseError, build, manifest, texts

# One sample (a calibrated number of calls, timed together) lasts at least this long:
# far above the clock's resolution and the cost of reading it.
MIN_SAMPLE_S = 1e-3
# Rounds go on until the budget is spent, but never fewer than this many.
MIN_ROUNDS = 5
MAX_ROUNDS = 2_000
SEED = 8  # the shuffles and the bootstrap: the same raw data, the same report
BOOTSTRAP_RESAMPLES = 2_000
BLOCKS = 8  # the bootstrap resamples a run as this many stretches of consecutive rounds
# The interval says how far the median would move if this run's rounds were drawn again;
# it cannot see how much a whole run differs from the next. On a 2-core cloud machine,
# eight `just compare` runs in a row put the debug build anywhere from 1.13x faster to
# 1.21x slower than the Python loop, each run's interval only about 2% wide: the state
# of the machine (which core, what its neighbours do) changes between runs and slows the
# interpreter and the compiled loop by different amounts. So a difference counts, and a
# verdict is given, only when the interval clears the boundary by this factor as well.
RUN_TO_RUN = 1.25
# Other programs busy on average this many CPUs during the timing: the report warns.
BUSY_ELSEWHERE = 0.25

PROFILES = ["dev", "release"]


def _same(text: str) -> object:
    return text


@dataclass(frozen=True)
class Contender:
    id: str  # stable: the harness, the raw data, the report and the tests use it
    name: str  # for display only
    family: str  # python, numpy, numba, rust-debug, rust-release
    run: Callable[[object], int]
    ascii_only: bool = False  # compares bytes: documented as wrong outside ASCII
    prepare: Callable[[str], object] = field(default=_same)  # done before the clock starts
    note: str = ""
    # Not a version of count_doubles: a yardstick timed beside them (one bytes.find pass
    # reads the text at about the speed of memory). Its answer is not a count of doubles.
    reference: bool = False

    def describe(self) -> dict:
        return {"id": self.id, "name": self.name, "family": self.family, "ascii_only": self.ascii_only,
                "note": self.note, "reference": self.reference}  # fmt: skip


# --- Rust builds -----------------------------------------------------------------------


def load_extension(site: Path):
    """Import the string_doubles extension built into `site`, whatever else is imported.

    Two builds of the same module (debug and release) can live in one process: each is
    loaded from its own file and neither is registered in sys.modules.
    """
    (path,) = glob.glob(str(site / "string_doubles" / "string_doubles.*.so"))
    loader = importlib.machinery.ExtensionFileLoader("string_doubles", path)
    spec = importlib.util.spec_from_file_location("string_doubles", path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def build_name(profile: str) -> str:
    return "debug" if profile == "dev" else profile


def rust_id(lesson: manifest.Lesson, function: str, profile: str) -> str:
    """Lesson, function and build: a later lesson may change a function under the same name."""
    return f"rust-{function}-lesson{lesson.number}-{build_name(profile)}"


def rust_contenders(functions: list[tuple[manifest.Lesson, str]], profiles: list[str]) -> list[Contender]:
    """Build each lesson once per profile and take each function from its compiled module."""
    modules = {}
    repeated = {f for f, n in collections.Counter(f for _, f in functions).items() if n > 1}
    out = []
    for lesson, function in functions:
        for profile in profiles:
            key = (lesson.number, profile)
            if key not in modules:
                print(f"Building lesson {lesson.number}'s Rust ({profile} profile)...", flush=True)
                modules[key] = load_extension(build.checkpoint_site(lesson, profile))
            run = getattr(modules[key], function, None)
            if run is None:
                raise CourseError(
                    f"lessons/lessons.toml names string_doubles:{function} for lesson {lesson.number}, "
                    f"but the module built from {lesson.dir} has no function {function}."
                )
            kind = build_name(profile)
            which = f"lesson {lesson.number}, " if function in repeated else ""
            out.append(
                Contender(
                    rust_id(lesson, function, profile),
                    f"rust {function} ({which}{kind})",
                    f"rust-{kind}",
                    run,
                    ascii_only=f"string_doubles:{function}" in manifest.ascii_only(),
                    note=f"lesson {lesson.number}, {kind} build",
                )
            )
    return out


# --- answers, checked against the oracle -----------------------------------------------


@dataclass(frozen=True)
class Answer:
    contender: str
    workload: str
    expected: int
    got: int
    checked: bool = True  # False for a reference, whose answer is not a count of doubles

    @property
    def correct(self) -> bool:
        return not self.checked or self.got == self.expected


def check(contenders: list[Contender], workloads: list[dict]) -> tuple[list[Answer], dict]:
    """Every contender's answer on every input, and the prepared arguments for the timing.

    The first contender is the oracle. Each call here also warms its contender up
    (numba compiles on its first call).
    """
    oracle, answers, args = contenders[0], [], {}
    for workload in workloads:
        text = texts.make(workload["kind"], workload["size"])
        expected = oracle.run(oracle.prepare(text))
        for contender in contenders:
            arg = contender.prepare(text)
            answers.append(
                Answer(contender.id, workload["id"], expected, contender.run(arg), checked=not contender.reference)
            )
            args[workload["id"], contender.id] = arg
    return answers, args


def unexpected_wrong(answers: list[Answer], contenders: list[Contender], workloads: list[dict]) -> list[Answer]:
    """Wrong answers from contenders that claim to be right on that text: bugs, not lessons."""
    ascii_only = {c.id for c in contenders if c.ascii_only}
    kinds = {w["id"]: w["kind"] for w in workloads}
    return [a for a in answers if not a.correct and not (a.contender in ascii_only and kinds[a.workload] != "letters")]


# --- the clock -------------------------------------------------------------------------


def sample(run: Callable, arg: object, loops: int) -> float:
    """Seconds per call, over `loops` calls timed together (with the collector off, as timeit)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in itertools.repeat(None, loops):
            run(arg)
        elapsed = time.perf_counter() - start
    finally:
        if was_enabled:
            gc.enable()
    return elapsed / loops


def calibrate(run: Callable, arg: object, min_sample: float = MIN_SAMPLE_S) -> int:
    """How many calls make one sample last at least `min_sample` seconds (timeit's autorange)."""
    loops = 1
    while True:
        per_call = sample(run, arg, loops)
        if per_call * loops >= min_sample:
            return loops
        loops = max(loops * 2, math.ceil(1.2 * min_sample / per_call)) if per_call > 0 else loops * 10


class LoadWatch:
    """The machine's load around the timing: was something else using the CPU meanwhile?

    The load average says how busy the machine was; /proc/stat (Linux) says how much
    CPU time the whole machine spent, from which this process's own share is taken.
    """

    def __enter__(self) -> LoadWatch:
        self.before = _loadavg()
        self._busy, self._own, self._wall = _busy_seconds(), time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.after = _loadavg()
        own = time.process_time() - self._own
        busy = _busy_seconds()
        # CPUs other programs kept busy, on average over the run
        self.elsewhere = None if busy is None or self._busy is None else max(0.0, (busy - self._busy - own) / self.wall)

    def summary(self) -> dict:
        return {"cpus": os.cpu_count(), "loadavg_before": self.before, "loadavg_after": self.after,
                "busy_elsewhere_cpus": self.elsewhere, "seconds": self.wall}  # fmt: skip


def _loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return None


def _busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since it started (Linux only)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


# --- a measurement ---------------------------------------------------------------------


@dataclass
class Measurement:
    """What one run measured: the raw data every summary and report is made from."""

    contenders: list[Contender]
    workloads: list[dict]
    answers: list[Answer]
    loops: dict[str, dict[str, int]] = field(default_factory=dict)  # workload -> contender -> calls/sample
    rounds: list[dict[str, dict[str, float]]] = field(default_factory=list)  # workload -> contender -> s/call
    orders: list[list[tuple[str, str]]] = field(default_factory=list)  # each round's (workload, contender) order
    budget: float | None = None
    seed: int = SEED
    load: dict | None = None

    @property
    def timed(self) -> bool:
        return bool(self.rounds)

    @property
    def baseline(self) -> str:
        return self.contenders[0].id

    def times(self, workload: str, contender: str) -> np.ndarray:
        return np.array([r[workload][contender] for r in self.rounds])

    def to_json(self) -> dict:
        return {
            "about": "Seconds per call of every contender, every round; answers checked against the first contender.",
            "budget_seconds": self.budget,
            "seed": self.seed,
            "load": self.load,
            "contenders": [c.describe() for c in self.contenders],
            "workloads": self.workloads,
            "answers": [{**asdict(a), "correct": a.correct} for a in self.answers],
            "loops_per_sample": self.loops,
            "rounds": self.rounds,
            "orders": self.orders,
        }


def run(
    contenders: list[Contender],
    workloads: list[dict],
    *,
    budget: float,
    rounds: int | None = None,
    check_only: bool = False,
    seed: int = SEED,
) -> Measurement:
    """Check every answer, then time in paired, shuffled rounds until `budget` seconds
    have passed (at least MIN_ROUNDS rounds), or exactly `rounds` rounds if given."""
    print(f"Checking {len(contenders)} versions on {len(workloads)} inputs against the Python loop...", flush=True)
    answers, args = check(contenders, workloads)
    m = Measurement(contenders, workloads, answers, budget=None if rounds else budget, seed=seed)
    if check_only:
        return m
    pairs = [(w["id"], c) for w in workloads for c in contenders]
    for wid, c in pairs:
        m.loops.setdefault(wid, {})[c.id] = calibrate(c.run, args[wid, c.id])
    if rounds:
        print(f"Timing {rounds} rounds...", flush=True)
    else:
        print(f"Timing in rounds for {budget:g} s...", flush=True)
    with LoadWatch() as watch:
        start = time.perf_counter()
        while len(m.rounds) < (rounds or MAX_ROUNDS):
            elapsed = time.perf_counter() - start
            # stop before a round that would overrun the budget (rounds take about as long as each other)
            if not rounds and len(m.rounds) >= MIN_ROUNDS and elapsed * (1 + 1 / len(m.rounds)) > budget:
                break
            order = pairs[:]
            random.Random(seed * 1_000_003 + len(m.rounds)).shuffle(order)
            times: dict[str, dict[str, float]] = {w["id"]: {} for w in workloads}
            for wid, c in order:
                times[wid][c.id] = sample(c.run, args[wid, c.id], m.loops[wid][c.id])
            m.rounds.append(times)
            m.orders.append([(wid, c.id) for wid, c in order])
    m.load = watch.summary()
    return m


# --- summaries -------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A median and its 95% interval."""

    median: float
    low: float
    high: float

    def side_of(self, boundary: float, margin: float = RUN_TO_RUN) -> int:
        """+1 when the whole interval lies above `boundary` by more than `margin`, -1 when
        below by as much, 0 when it is too close to tell."""
        return 1 if self.low > boundary * margin else -1 if self.high < boundary / margin else 0


def bootstrap_median(values: np.ndarray, seed: int = SEED) -> Estimate:
    """The median of positive values (times or ratios, in the order of their rounds) and
    a 95% interval for it: a moving-block bootstrap on their logarithms (ratios are
    symmetric there: 2× slower and 2× faster are equally far from 1).

    Blocks, not single rounds: the machine's state lasts for seconds (rounds next to each
    other are alike), so resampling single rounds would pretend to more independent
    evidence than a run has. Each resample strings together BLOCKS runs of consecutive
    rounds, so a state that held for part of the run counts as one piece of evidence.
    """
    logs = np.log(np.asarray(values, dtype=float))
    n = len(logs)
    length = math.ceil(n / BLOCKS)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n - length + 1, size=(BOOTSTRAP_RESAMPLES, math.ceil(n / length)))
    picks = (starts[:, :, None] + np.arange(length)).reshape(BOOTSTRAP_RESAMPLES, -1)[:, :n]
    resampled = np.median(logs[picks], axis=1)
    low, high = np.percentile(resampled, [2.5, 97.5])
    return Estimate(*(float(np.exp(x)) for x in (np.median(logs), low, high)))


def time_of(m: Measurement, workload: str, contender: str) -> Estimate | None:
    return bootstrap_median(m.times(workload, contender), m.seed) if m.timed else None


def paired_ratio(m: Measurement, workload: str, contender: str, versus: str) -> Estimate | None:
    """contender's time / versus's time, round by round: below 1 means contender is faster."""
    if not m.timed:
        return None
    return bootstrap_median(m.times(workload, contender) / m.times(workload, versus), m.seed)


def cross_ratio(m: Measurement, contender: str, workload: str, versus: str, scale: float = 1.0) -> Estimate | None:
    """One contender's time on `workload` / its time on `versus`, divided by `scale`,
    paired round by round (both were timed in every round): e.g. time per byte of a wider
    text against an ASCII one, with scale = bytes per character."""
    if not m.timed:
        return None
    return bootstrap_median(m.times(workload, contender) / m.times(versus, contender) / scale, m.seed)


# --- command lines -----------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """Refuses a bad argument in one line, without a traceback or a usage block."""

    def error(self, message: str):
        raise CourseError(f"{self.prog}: {message}. `{self.prog} --help` lists the options.")


def size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of characters") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"{text!r} is too small: a size is at least 2 characters")
    return value


def _positive(kind: type, what: str) -> Callable[[str], float]:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
        return value

    return parse


def parser(prog: str, description: str, budget: float) -> argparse.ArgumentParser:
    """The options compare and race share; each adds its own."""
    p = _Parser(prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget", type=_positive(float, "a number of seconds"), default=budget, metavar="SECONDS",
                   help=f"how long to go on timing rounds (default: {budget:g}); at least {MIN_ROUNDS} rounds are "
                   "timed, however long they take")  # fmt: skip
    p.add_argument("--rounds", type=_positive(int, "a whole number"), metavar="N",
                   help="time exactly N rounds, whatever the budget")  # fmt: skip
    p.add_argument("--check-only", action="store_true",
                   help="check every answer against the Python loop; time nothing (seconds, not minutes)")  # fmt: skip
    return p
