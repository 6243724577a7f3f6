"""`just bench`'s memory and its verdicts: pytest-benchmark's saved runs, one folder
per lesson, each timed in several processes.

pytest-benchmark times every benchmark in one process and saves the run as
NNNN_*.json under a folder named after the machine and interpreter; its table is the
one the reader sees, and `--benchmark-compare` puts the previous run's rows in it.
One process cannot see how much the next one will differ (where the text lands in
memory, the hash seed, the processor's frequency): two runs of unchanged code had
numpy "1.09× faster", then "1.09× slower". So, as `just compare` does (measure.py),
the benchmarks are timed again in REPEATS more fresh processes, and each
benchmark's interval is Student's t over the processes' medians, on logarithms
(measure.across_workers). It is saved in the run's file, under "course".

A row moved only when the two runs' 95% intervals do not overlap: "no change"
otherwise. The median of each process, not its minimum: the minimum is the luckiest
round, and for a call as short as `test_rust_tiny`'s it depends on how pytest-benchmark
calibrated the round (the timer's own cost, spread over more or fewer calls), so
that a tiny function once read "200 ns → 76.6 ns: 2.61× faster". BENCH_OPTIONS make a
round last at least MIN_ROUND_S, so that this cost is spread over thousands of calls
in every process alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import ROOT, STATE_DIR, manifest

REPEATS = 4  # processes after the one whose table the reader sees
MIN_ROUND_S = 5e-4
BENCH_OPTIONS = [f"--benchmark-min-time={MIN_ROUND_S}"]
# The repeats are there for the spread, not for many rounds each.
REPEAT_OPTIONS = ["--benchmark-only", "--benchmark-max-time=0.25", "-q", "-p", "no:cacheprovider"]


def storage(lesson: int) -> Path:
    """Where the runs of lesson number `lesson` are kept: a folder named after its
    checkpoint (so that renumbered lessons keep their own runs), and one per input size
    when DOUBLES_SIZE sets one (a run is compared only with runs of the same size)."""
    folder = next((each.dir for each in manifest.load() if each.number == lesson), f"lesson-{lesson}")
    size = os.environ.get("DOUBLES_SIZE")
    return STATE_DIR / "benchmarks" / (f"{folder}-size-{size}" if size else folder)


def duration(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def latest(folder: Path) -> Path | None:
    """The newest saved run in `folder`, or None."""
    runs = sorted(folder.glob("*/[0-9][0-9][0-9][0-9]_*.json")) if folder.is_dir() else []
    return runs[-1] if runs else None


def _medians(data: dict) -> dict[str, float]:
    return {b["name"]: b["stats"]["median"] for b in data["benchmarks"]}


def time_again(run: Path, args: list[str], cwd: Path = ROOT) -> None:
    """Time the benchmarks of a saved run in REPEATS more processes, one after another,
    and save every process's median beside pytest-benchmark's stats."""
    data = json.loads(run.read_text())
    per_process = {name: [median] for name, median in _medians(data).items()}
    print(f"Timing the benchmarks again in {REPEATS} fresh processes, for the spread between runs...", flush=True)
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        for k in range(REPEATS):
            out = Path(tmp) / f"{k}.json"
            cmd = [sys.executable, "-m", "pytest", "doubles.py", *BENCH_OPTIONS, *REPEAT_OPTIONS, *args,
                   f"--benchmark-json={out}"]  # fmt: skip
            subprocess.run(cmd, cwd=cwd, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if out.is_file():
                for name, median in _medians(json.loads(out.read_text())).items():
                    per_process.setdefault(name, []).append(median)
    data["course"] = {"about": "each benchmark's median in each process, the first being pytest-benchmark's run",
                      "medians_per_process": per_process}  # fmt: skip
    run.write_text(json.dumps(data, indent=4))


def interval(medians: list[float]):
    """A benchmark's time in one `just bench`: its processes' medians, with a 95% interval."""
    from . import measure

    return measure.across_workers(medians, list(range(len(medians))))


def verdict(before: list[float], after: list[float]) -> str:
    """How one benchmark moved between two runs, from each run's processes' medians:
    a change only when the two runs' 95% intervals do not overlap."""
    was, now = interval(before), interval(after)
    if not (was.known and now.known):
        return "not judged: one of the two runs was timed in a single process"
    ratio = now.value / was.value
    if now.high < was.low:
        return f"{1 / ratio:.2f}× faster"
    if now.low > was.high:
        return f"{ratio:.2f}× slower"
    return "no change (the two runs' 95% intervals overlap)"


def _runs(path: Path) -> tuple[str, dict[str, list[float]]]:
    """When a run was made, and each benchmark's medians (one per process)."""
    data = json.loads(path.read_text())
    medians = data.get("course", {}).get("medians_per_process") or {k: [v] for k, v in _medians(data).items()}
    return data.get("datetime", "")[:16].replace("T", " "), medians


def against(earlier: Path, now: Path, heading: str, only_shared: bool = False) -> list[str]:
    """Every benchmark of `now` against the same-named one of `earlier`, in words."""
    when, before = _runs(earlier)
    _, after = _runs(now)
    out = [f"\nAgainst {heading} ({when} UTC), medians:"]
    width = max(map(len, after), default=0)
    for name, medians in after.items():
        if name in before:
            was, is_now = interval(before[name]), interval(medians)
            change = f"{duration(was.value)} → {duration(is_now.value)}: "
            out.append(f"  {name:<{width}}  {change}{verdict(before[name], medians)}")
        elif not only_shared:
            out.append(f"  {name:<{width}}  new in this run")
    gone = sorted(before.keys() - after.keys())
    if gone and not only_shared:
        out.append("  not in this run: " + ", ".join(gone))
    return out


def after_run(lesson: int, previous: Path | None, args: list[str], earlier_lesson: int | None) -> list[str]:
    """After pytest-benchmark's run of `lesson`: the repeats, then what moved since the
    previous run of the lesson, and against the latest run of `earlier_lesson` (the
    lesson before) for the benchmarks of the same name. Nothing if no run was saved."""
    run = latest(storage(lesson))
    if run is None or run == previous:
        return []
    if "--benchmark-disable" not in args:
        time_again(run, args)
    if previous:
        out = against(previous, run, f"your previous run of lesson {lesson}")
    else:
        out = [f"\nSaved as your first run of lesson {lesson}; the next `just bench` says what moved."]
    earlier = latest(storage(earlier_lesson)) if earlier_lesson is not None else None
    if earlier is not None:
        _, before = _runs(earlier)
        if before.keys() & _runs(run)[1].keys():
            out += against(earlier, run, f"your latest run of lesson {earlier_lesson}, the step before",
                           only_shared=True)  # fmt: skip
    return out
