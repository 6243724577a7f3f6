"""How `just compare` and `just race` measure: one engine beneath both.

* **Contenders** have a stable id (`python-zip`, `rust-FUNCTION-lessonN-release`)
  that the harness, the raw data, the report and the tests use; their name is only
  for display. A `Roster` names the function that makes them, so that every process
  makes the same ones.
* **A lesson's functions** are made into contenders here, and only here (the race,
  compare and the race's evidence, correct.py, all take them from these builders):
  a function of a checkpoint's doubles.py is compiled out of it; a Rust function is
  built from its checkpoint in the profiles asked for, and taken from the compiled
  module. Each contender knows the lesson and the function it runs.
* **Wrong answers** are checked before any timing: every contender's answer on every
  input is compared with the Python loop's (the oracle), by the one rule every check
  of the course uses (oracle.agree: the same answer, or the same kind of exception),
  and recorded, right or wrong.
* **Timing is done in fresh worker processes, one after another** (as pyperf does),
  each given an equal share of the time budget. What differs from one run of a
  program to the next (where the interpreter and the texts land in memory, the hash
  seed, the processor's frequency and whatever its neighbours do) differs from one
  worker to the next too, so it shows in the results instead of hiding behind them.
  Every worker uses the same calibrated loop count (so that one sample lasts long
  enough for the clock), made once by this process.
* **Within a worker, timing is paired and interleaved.** Each round times every
  contender once on every input, in an order shuffled anew each round (seeded, so a
  run can be replayed). Whatever the machine does meanwhile lands on every contender
  alike, and the ratio of two contenders *within one round* cancels most of it.
* **Summaries** (`across_workers`): each worker's median over its rounds, then a 95%
  t-interval over the workers, on logarithms.

Why this statistic? The rounds of one process are alike: an interval over them says
how far the median would move if that process's rounds were drawn again, and nothing
about the next process, which is what a reader runs. On a 2-core cloud machine, eight
one-process runs in a row put the debug build anywhere from 1.13x faster to 1.21x
slower than the Python loop, each run's interval about 2% wide. So the unit of
evidence is the worker: its median (robust to the odd slow round) is one draw of what
a whole run would say, and the interval is the one for the mean of a few independent
draws, with Student's t for how few they are. A bootstrap over workers would need
many more of them (with eight, the percentile bootstrap is too narrow by about the
t-to-normal factor); a bootstrap over rounds is what could not see run-to-run
variation in the first place. Logarithms make ratios symmetric (2x slower and 2x
faster are equally far from 1), and skewed timings closer to normal. The interval is
as wide as the runs differ, so a verdict needs no margin of its own.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import functools
import gc
import glob
import importlib
import importlib.machinery
import importlib.util
import itertools
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import CourseError, build, manifest, oracle, texts

# One sample (a calibrated number of calls, timed together) lasts at least this long:
# far above the clock's resolution and the cost of reading it.
MIN_SAMPLE_S = 1e-3
# Rounds go on until a worker's share of the budget is spent, but never fewer than this
# many in each worker: one round alone would let a single hiccup be the worker's say.
MIN_ROUNDS = 2
MAX_ROUNDS = 2_000  # in one worker
SEED = 8  # the shuffles: the same seed, the same orders
# Worker processes an interval is made from: at least two (one has no spread to read),
# and a verdict from fewer than MIN_WORKERS is not given.
MIN_WORKERS = 3
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
    # A lesson's own function: the lesson's number and the function ("module:function");
    # 0 and "" for the race's own versions (contenders.py) and the yardsticks.
    lesson: int = 0
    function: str = ""

    def describe(self) -> dict:
        return {"id": self.id, "name": self.name, "family": self.family, "ascii_only": self.ascii_only,
                "note": self.note, "reference": self.reference, "lesson": self.lesson,
                "function": self.function}  # fmt: skip


# --- a lesson's functions --------------------------------------------------------------


def python_id(lesson: manifest.Lesson, function: str, family: str) -> str:
    return f"{family}-{function}-lesson{lesson.number}"


def doubles_contenders(functions: list[tuple[manifest.Lesson, str]]) -> list[Contender]:
    """Each function of a checkpoint's doubles.py, compiled out of it (its imports and
    benchmark input left out). One that calls numpy (as `np`) is of the numpy family."""
    out = []
    for lesson, function in functions:
        run = lesson.python_function(function, {"np": np})
        family = "numpy" if "np" in run.__code__.co_names else "python"
        out.append(
            Contender(
                python_id(lesson, function, family),
                f"{family} {function} (lesson {lesson.number})",
                family,
                run,
                ascii_only=f"doubles:{function}" in manifest.ascii_only(),
                note=f"lesson {lesson.number}",
                lesson=lesson.number,
                function=f"doubles:{function}",
            )
        )
    return out


# --- Rust builds -----------------------------------------------------------------------


def load_extension(site: Path):
    """Import the string_doubles extension built into `site`, whatever else is imported.

    Two builds of the same module (debug and release) can live in one process: each is
    loaded from its own file and neither is registered in sys.modules.
    """
    # The compiled module is string_doubles itself, or (a package of Rust and Python, as
    # maturin's python-source makes) a submodule of it such as string_doubles._core,
    # whose functions the package re-exports.
    (path,) = glob.glob(str(site / "string_doubles" / "*.so"))
    stem = Path(path).name.split(".")[0]
    name = "string_doubles" if stem == "string_doubles" else f"string_doubles.{stem}"
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def build_name(profile: str) -> str:
    return "debug" if profile == "dev" else profile


def rust_id(lesson: manifest.Lesson, function: str, profile: str) -> str:
    """Lesson, function and build: a later lesson may change a function under the same name."""
    return f"rust-{function}-lesson{lesson.number}-{build_name(profile)}"


def rust_contenders(functions: list[tuple[manifest.Lesson, str]], profiles: list[str]) -> list[Contender]:
    """Build each lesson once per profile and take each function from its compiled module.
    A function may be a call with keyword arguments, "count_doubles(threads=1)": the
    contender then calls it with them."""
    modules = {}
    repeated = {f for f, n in collections.Counter(f for _, f in functions).items() if n > 1}
    out = []
    for lesson, function in functions:
        _, name, keywords = manifest.parse_call(f"string_doubles:{function}")
        for profile in profiles:
            key = (lesson.number, profile)
            if key not in modules:
                print(f"Building lesson {lesson.number}'s Rust ({profile} profile)...", flush=True)
                modules[key] = load_extension(build.checkpoint_site(lesson, profile))
            run = getattr(modules[key], name, None)
            if run is not None and keywords:
                run = functools.partial(run, **keywords)
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
                    ascii_only=f"string_doubles:{name}" in manifest.ascii_only(),
                    note=f"lesson {lesson.number}, {kind} build",
                    lesson=lesson.number,
                    function=f"string_doubles:{function}",
                )
            )
    return out


# --- a contender called from Python threads ------------------------------------------

_POOLS: dict[int, object] = {}  # this process's thread pools, by size, made on first use


def cut_between_unequal(text: str, parts: int) -> list[str]:
    """`text` cut into about `parts` pieces of about equal length, each cut between two
    unequal neighbours: no double spans a cut, so the pieces' counts add up to the
    text's, and the oracle's answer still checks the sum."""
    pieces, start = [], 0
    for k in range(1, parts):
        cut = max(start + 1, len(text) * k // parts)
        while cut < len(text) and text[cut - 1] == text[cut]:
            cut += 1
        if cut >= len(text):
            break
        pieces.append(text[start:cut])
        start = cut
    return [*pieces, text[start:]]


def in_threads_id(contender_id: str) -> str:
    """The id of a contender counting from Python threads (in_threads)."""
    return f"{contender_id}-in-threads"


def in_threads(contender: Contender, parts: int) -> Contender:
    """`contender` counting `parts` pieces of the text at once, each from a thread of one
    Python thread pool (concurrent.futures), the answers added up: as fast as one call
    on the whole text where calls run in parallel, `parts` calls one after another where
    they do not."""
    from concurrent.futures import ThreadPoolExecutor

    def prepare(text: str) -> list:
        return [contender.prepare(piece) for piece in cut_between_unequal(text, parts)]

    def run(pieces: list) -> int:
        pool = _POOLS.get(len(pieces)) or _POOLS.setdefault(len(pieces), ThreadPoolExecutor(len(pieces)))
        return sum(pool.map(contender.run, pieces))

    return Contender(
        in_threads_id(contender.id),
        f"{contender.name}, {parts} texts from {parts} threads",
        contender.family,
        run,
        ascii_only=contender.ascii_only,
        prepare=prepare,
        note=f"{contender.note}; {parts} pieces at once from a thread pool".lstrip("; "),
        lesson=contender.lesson,
        function=contender.function,
    )


# --- answers, checked against the oracle -----------------------------------------------


@dataclass(frozen=True)
class Answer:
    contender: str
    workload: str
    expected: object  # the oracle's outcome (oracle.outcome): a count, or the exception it raised
    got: object  # the contender's outcome
    checked: bool = True  # False for a reference, whose answer is not a count of doubles

    @property
    def correct(self) -> bool:
        return not self.checked or oracle.agree(self.got, self.expected)

    def to_json(self) -> dict:
        return {"contender": self.contender, "workload": self.workload, "expected": plain(self.expected),
                "got": plain(self.got), "checked": self.checked, "correct": self.correct}  # fmt: skip


def plain(outcome: object) -> object:
    """An outcome as JSON holds it: the answer, or "raised NAME: message"."""
    return f"raised {type(outcome).__name__}: {outcome}" if isinstance(outcome, BaseException) else outcome


def said(outcome: object) -> str:
    """An outcome as a report writes it: "12,345", or "raised TypeError"."""
    if isinstance(outcome, BaseException):
        return f"raised {type(outcome).__name__}"
    return f"{outcome:,}" if isinstance(outcome, int) else repr(outcome)


def check(
    contenders: list[Contender], workloads: list[dict], loop: Contender | None = None
) -> tuple[list[Answer], dict]:
    """Every contender's outcome on every input (its answer, or the exception it raised),
    and the prepared arguments for the timing.

    `loop` is the oracle; without one, the first contender is (and it is timed too).
    Each call here also warms its contender up (numba compiles on its first call).
    """
    loop, answers, args = loop or contenders[0], [], {}
    for workload in workloads:
        text = texts.argument(workload)  # a file's workload: its path
        expected = oracle.outcome(loop.run, loop.prepare(text))
        for contender in contenders:
            arg = contender.prepare(text)
            got = oracle.outcome(contender.run, arg)
            answers.append(Answer(contender.id, workload["id"], expected, got, checked=not contender.reference))
            args[workload["id"], contender.id] = arg
    return answers, args


def wrong_as_documented(answer: Answer, ascii_only: bool, kind: str) -> bool:
    """A wrong answer its contender documents: one that is right on ASCII only (it
    compares bytes), on text of another kind than ASCII letters."""
    return not answer.correct and ascii_only and kind != "letters"


def unexpected_wrong(answers: list[Answer], contenders: list[Contender], workloads: list[dict]) -> list[Answer]:
    """Wrong answers from contenders that claim to be right on that text: bugs, not lessons."""
    ascii_only = {c.id for c in contenders if c.ascii_only}
    kinds = {w["id"]: w["kind"] for w in workloads}
    return [
        a for a in answers if not a.correct and not wrong_as_documented(a, a.contender in ascii_only, kinds[a.workload])
    ]


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
    CPU time the whole machine spent, from which this process's own share, and its
    finished worker processes', is taken.
    """

    def __enter__(self) -> LoadWatch:
        self.before = _loadavg()
        self._busy, self._own, self._wall = _busy_seconds(), _own_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.after = _loadavg()
        own = _own_seconds() - self._own
        busy = _busy_seconds()
        # CPUs other programs kept busy, on average over the run
        self.elsewhere = None if busy is None or self._busy is None else max(0.0, (busy - self._busy - own) / self.wall)

    def summary(self) -> dict:
        return {"cpus": os.cpu_count(), "loadavg_before": self.before, "loadavg_after": self.after,
                "busy_elsewhere_cpus": self.elsewhere, "seconds": self.wall}  # fmt: skip


def _own_seconds() -> float:
    """CPU seconds spent by this process and by the child processes it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


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


# --- who races, in any process -----------------------------------------------------------


@dataclass(frozen=True)
class Roster:
    """How to make the contenders, the same way in this process and in every worker: a
    function of this package, "module:function", called with `args` (plain JSON values)."""

    function: str
    args: tuple = ()

    def make(self) -> list[Contender]:
        module, name = self.function.split(":")
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)(*self.args)


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
    # Which worker process timed each round. Left empty (made-up data), each round
    # counts as a worker of its own.
    workers: list[int] = field(default_factory=list)
    budget: float | None = None
    seed: int = SEED
    load: dict | None = None
    peaks: dict[str, Peak] = field(default_factory=dict)  # contender -> its peak memory (peak_memory)

    @property
    def timed(self) -> bool:
        return bool(self.rounds)

    @property
    def baseline(self) -> str:
        return self.contenders[0].id

    @property
    def worker_of_round(self) -> np.ndarray:
        return np.array(self.workers) if self.workers else np.arange(len(self.rounds))

    @property
    def worker_count(self) -> int:
        return len(set(self.worker_of_round.tolist()))

    def times(self, workload: str, contender: str) -> np.ndarray:
        return np.array([r[workload][contender] for r in self.rounds])

    def to_json(self) -> dict:
        workers = self.worker_of_round.tolist()
        return {
            "about": "Seconds per call of every contender in every round, with the worker process that timed it "
            "and the order the round ran in; answers checked against the first contender.",
            "budget_seconds": self.budget,
            "seed": self.seed,
            "workers": self.worker_count if self.timed else 0,
            "load": self.load,
            "contenders": [c.describe() for c in self.contenders],
            "workloads": self.workloads,
            "answers": [a.to_json() for a in self.answers],
            "loops_per_sample": self.loops,
            "rounds": [
                {"worker": w, "order": [list(pair) for pair in order], "seconds_per_call": times}
                for w, order, times in zip(workers, self.orders or [[]] * len(self.rounds), self.rounds)
            ],
            **({"peak_memory_mb": {c: dataclasses.asdict(p) for c, p in self.peaks.items()}} if self.peaks else {}),
        }


def run(
    roster: Roster,
    workloads: list[dict],
    *,
    budget: float,
    workers: int,
    rounds: int | None = None,
    check_only: bool = False,
    seed: int = SEED,
    loop: Contender | None = None,
) -> Measurement:
    """Check every answer here, then time in `workers` fresh processes, one after
    another: each times paired, shuffled rounds for its share of `budget` seconds (at
    least MIN_ROUNDS rounds), or exactly `rounds` rounds if given. The answers are
    checked against `loop`, the oracle, which is not timed; without it, against the
    roster's first contender, which is."""
    contenders = roster.make()
    print(f"Checking {len(contenders)} versions on {len(workloads)} inputs against the Python loop...", flush=True)
    answers, args = check(contenders, workloads, loop)
    measurement = Measurement(contenders, workloads, answers, budget=None if rounds else budget, seed=seed)
    if check_only:
        return measurement
    raised = [a for a in answers if isinstance(a.got, BaseException)]
    if raised:  # it would raise again in the timing
        names = {c.id: c.name for c in contenders}
        said_here = "; ".join(f"{names[a.contender]} on {a.workload}: {plain(a.got)}" for a in raised[:3])
        raise CourseError(f"Nothing was timed: {said_here}. `--check-only` writes the report of every answer.")
    for w in workloads:
        for c in contenders:
            measurement.loops.setdefault(w["id"], {})[c.id] = calibrate(c.run, args[w["id"], c.id])
    each = f"{rounds} rounds in each" if rounds else f"{budget:g} s shared"
    print(f"Timing in {workers} worker processes, one after another ({each})...", flush=True)
    with tempfile.TemporaryDirectory(prefix="course-timing-") as tmp, LoadWatch() as watch:
        folder = Path(tmp)
        for w in workloads:  # made once: a worker reads them instead of making them again
            if "path" not in w:  # a file's workload: the worker is given its path
                (folder / f"{w['id']}.txt").write_text(texts.make(w["kind"], w["size"]), encoding="utf-8")
        start = time.monotonic()  # one clock for every process (time.monotonic is system-wide)
        for k in range(workers):
            # an equal share of what is left: a worker that overran shortens the next ones
            now = time.monotonic()
            deadline = now + max(0.0, budget - (now - start)) / (workers - k)
            spec = {"roster": [roster.function, list(roster.args)], "workloads": workloads, "loops": measurement.loops,
                    "seed": seed, "worker": k, "rounds": rounds, "deadline": deadline, "texts": tmp,
                    "out": str(folder / f"worker-{k}.json")}  # fmt: skip
            for record in _in_worker(spec):
                measurement.rounds.append(record["seconds_per_call"])
                measurement.orders.append([tuple(pair) for pair in record["order"]])
                measurement.workers.append(k)
    measurement.load = watch.summary()
    return measurement


def _in_worker(spec: dict, main: str = "worker_main") -> list[dict]:
    """Run one worker (`main`: worker_main, or peak_main) in a fresh interpreter; what it
    wrote to spec["out"]."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.environ.get(
        "PYTHONPATH", "")]).rstrip(os.pathsep)}  # fmt: skip
    code = f"import sys; from course.measure import {main}; sys.exit({main}())"
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(spec), env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    if result.returncode != 0:
        why = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        raise CourseError(f"Timing worker {spec['worker'] + 1} stopped: {why}")
    return json.loads(Path(spec["out"]).read_text())


# --- memory ------------------------------------------------------------------------------

# Fresh processes a peak is read in: each makes the contenders and counts once.
PEAK_PROCESSES = 3


@dataclass(frozen=True)
class Peak:
    """The most memory fresh processes held at once (their peak resident set size, in
    MB of 10^6 bytes), each having made the contenders and made one call: from `low`
    to `high` over `workers` processes; `before`: the highest peak before the call (the
    interpreter, numpy and the built modules). Judged as an Estimate is (report.verdict)."""

    low: float
    high: float
    workers: int
    before: float

    @property
    def value(self) -> float:
        return self.high

    @property
    def known(self) -> bool:
        return self.workers >= 2


def peak_rss() -> int | None:
    """This process's peak resident set size so far, in bytes (None where the system does
    not say: Windows has no `resource` module)."""
    # Linux's VmHWM is this program's own peak. getrusage's ru_maxrss would also count the
    # memory the parent held when it forked this process, before exec started Python.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS counts bytes, Linux KiB


def peak_memory(roster: Roster, contender: str, workload: dict, processes: int = PEAK_PROCESSES) -> Peak | None:
    """The peak memory of `contender` (an id of roster's) making one call on `workload`,
    each time in a fresh interpreter; None where the system does not tell peaks."""
    peaks = []
    with tempfile.TemporaryDirectory(prefix="course-peak-") as tmp:
        for k in range(processes):
            spec = {"roster": [roster.function, list(roster.args)], "contender": contender, "workload": workload,
                    "worker": k, "out": str(Path(tmp) / f"peak-{k}.json")}  # fmt: skip
            peaks.append(_in_worker(spec, "peak_main"))
    if any(p["peak"] is None for p in peaks):
        return None
    highs = [p["peak"] / 1e6 for p in peaks]
    return Peak(min(highs), max(highs), len(highs), max(p["before"] / 1e6 for p in peaks))


def peak_main() -> int:
    """One fresh process for peak_memory: make the contenders, prepare the one asked for
    (a file's workload: nothing but its path), read the peak, call it once, read it again."""
    spec = json.load(sys.stdin)
    (contender,) = [c for c in Roster(spec["roster"][0], tuple(spec["roster"][1])).make() if c.id == spec["contender"]]
    arg = contender.prepare(texts.argument(spec["workload"]))
    before = peak_rss()
    contender.run(arg)
    Path(spec["out"]).write_text(json.dumps({"before": before, "peak": peak_rss()}))
    return 0


def worker_main() -> int:
    """One worker: make the contenders, warm them up, time rounds, write them as JSON.

    Reads its orders (see `run`) from stdin. Its deadline was set when it was started,
    so the time it takes to start and make the contenders counts against its share of
    the budget.
    """
    spec = json.load(sys.stdin)
    contenders = Roster(spec["roster"][0], tuple(spec["roster"][1])).make()
    workloads, loops = spec["workloads"], spec["loops"]
    texts_in = {w["id"]: w["path"] if "path" in w else (Path(spec["texts"]) / f"{w['id']}.txt").read_text(
        encoding="utf-8") for w in workloads}  # fmt: skip
    args = {(w["id"], c.id): c.prepare(texts_in[w["id"]]) for w in workloads for c in contenders}
    # Warm up: one call per contender on the smallest text of each kind (numba compiles
    # anew in every process, once for each kind of array).
    smallest = {}
    for w in sorted(workloads, key=lambda w: w["size"]):
        smallest.setdefault(w["kind"], w["id"])
    for wid in smallest.values():
        for c in contenders:
            c.run(args[wid, c.id])
    pairs = [(w["id"], c) for w in workloads for c in contenders]
    deadline = None if spec["rounds"] else spec["deadline"]
    records = time_rounds(pairs, args, loops, worker=spec["worker"], seed=spec["seed"], rounds=spec["rounds"],
                          deadline=deadline)  # fmt: skip
    Path(spec["out"]).write_text(json.dumps(records))
    return 0


def time_rounds(pairs: list[tuple[str, Contender]], args: dict, loops: dict, *, worker: int, seed: int,
                rounds: int | None, deadline: float | None) -> list[dict]:  # fmt: skip
    """Paired, shuffled rounds: exactly `rounds`, or until `deadline` (time.monotonic)
    would be overrun, with at least MIN_ROUNDS. Each round: its order and its times."""
    records: list[dict] = []
    start = time.monotonic()
    while len(records) < (rounds or MAX_ROUNDS):
        if not rounds and len(records) >= MIN_ROUNDS:
            now = time.monotonic()
            # rounds take about as long as each other: stop before one that would overrun
            if now + (now - start) / len(records) > deadline:
                break
        order = pairs[:]
        random.Random(f"{seed}-{worker}-{len(records)}").shuffle(order)
        times: dict[str, dict[str, float]] = {}
        for wid, c in order:
            times.setdefault(wid, {})[c.id] = sample(c.run, args[wid, c.id], loops[wid][c.id])
        records.append({"order": [[wid, c.id] for wid, c in order], "seconds_per_call": times})
    return records


# --- summaries -------------------------------------------------------------------------

# Student's t, 97.5th percentile, by degrees of freedom: a two-sided 95% interval.
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
         11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
         20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
         29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}  # fmt: skip


def t975(df: int) -> float:
    """Student's t quantile for a 95% interval; between the table's rows, linear in 1/df."""
    if df in _T975:
        return _T975[df]
    rows = sorted(_T975)
    if df > rows[-1]:
        below, above, t_below, t_above = rows[-1], math.inf, _T975[rows[-1]], 1.960
    else:
        above = next(r for r in rows if r > df)
        below = max(r for r in rows if r < df)
        t_below, t_above = _T975[below], _T975[above]
    share = (1 / below - 1 / df) / (1 / below - (0 if above == math.inf else 1 / above))
    return t_below + share * (t_above - t_below)


@dataclass(frozen=True)
class Estimate:
    """A typical value and its 95% interval, from `workers` worker processes (with
    fewer than two, the interval is unknown: low and high are NaN)."""

    value: float
    low: float
    high: float
    workers: int = 0

    @property
    def known(self) -> bool:
        return self.workers >= 2

    def side_of(self, boundary: float) -> int:
        """+1 when the whole interval lies above `boundary`, -1 when below, 0 when it
        includes it (or is unknown)."""
        if not self.known:
            return 0
        return 1 if self.low > boundary else -1 if self.high < boundary else 0


def across_workers(values: np.ndarray, workers: np.ndarray) -> Estimate:
    """Positive values (times or ratios, one per round) and the worker of each round:
    the geometric mean of the workers' medians, with a 95% t-interval over workers.

    On logarithms: each worker's median log value is one draw of what a whole run gives;
    the interval is mean ± t(n-1) · sd / √n over those n draws. (The module's docstring
    says why.)
    """
    logs = np.log(np.asarray(values, dtype=float))
    workers = np.asarray(workers)
    medians = np.array([np.median(logs[workers == k]) for k in np.unique(workers)])
    n, mean = len(medians), float(np.mean(medians))
    if n < 2:
        return Estimate(math.exp(mean), math.nan, math.nan, n)
    half = t975(n - 1) * float(np.std(medians, ddof=1)) / math.sqrt(n)
    return Estimate(math.exp(mean), math.exp(mean - half), math.exp(mean + half), n)


def time_of(measurement: Measurement, workload: str, contender: str) -> Estimate | None:
    return (
        across_workers(measurement.times(workload, contender), measurement.worker_of_round)
        if measurement.timed
        else None
    )


def paired_ratio(measurement: Measurement, workload: str, contender: str, versus: str) -> Estimate | None:
    """contender's time / versus's time, round by round: below 1 means contender is faster."""
    if not measurement.timed:
        return None
    return across_workers(
        measurement.times(workload, contender) / measurement.times(workload, versus), measurement.worker_of_round
    )


def cross_ratio(
    measurement: Measurement, contender: str, workload: str, versus: str, scale: float = 1.0
) -> Estimate | None:
    """One contender's time on `workload` / its time on `versus`, divided by `scale`,
    paired round by round (both were timed in every round): e.g. time per byte of a wider
    text against an ASCII one, with scale = bytes per character."""
    if not measurement.timed:
        return None
    return across_workers(
        measurement.times(workload, contender) / measurement.times(versus, contender) / scale,
        measurement.worker_of_round,
    )


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


def _positive(kind: type, what: str, least: float = 0) -> Callable[[str], float]:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not value > least:
            raise argparse.ArgumentTypeError(f"{text!r} must be more than {least:g}")
        return value

    return parse


def parser(prog: str, description: str, budget: float, workers: int) -> argparse.ArgumentParser:
    """The options compare and race share; each adds its own."""
    p = _Parser(prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget", type=_positive(float, "a number of seconds"), default=budget, metavar="SECONDS",
                   help=f"how long to go on timing, all workers together (default: {budget:g}); each worker "
                   f"times at least {MIN_ROUNDS} rounds, however long they take")  # fmt: skip
    p.add_argument("--workers", type=_positive(int, "a whole number", least=1), default=workers, metavar="N",
                   help=f"how many fresh processes time in turn, sharing the budget (default: {workers}); the "
                   "intervals come from how much they differ, and a verdict needs at least "
                   f"{MIN_WORKERS}")  # fmt: skip
    p.add_argument("--rounds", type=_positive(int, "a whole number"), metavar="N",
                   help="time exactly N rounds in each worker, whatever the budget")  # fmt: skip
    p.add_argument("--check-only", action="store_true",
                   help="check every answer against the Python loop; time nothing (seconds, not minutes)")  # fmt: skip
    return p
