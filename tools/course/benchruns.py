"""`just bench`'s memory: pytest-benchmark's saved runs, one folder per lesson.

pytest-benchmark saves each run as NNNN_*.json under a folder named after the
machine and interpreter; `--benchmark-compare` puts the previous run's rows in the
table. This says in words which rows moved beyond the noise, and by how much.
"""

from __future__ import annotations

import json
from pathlib import Path


def duration(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def latest(storage: Path) -> Path | None:
    """The newest saved run in `storage`, or None."""
    runs = sorted(storage.glob("*/[0-9][0-9][0-9][0-9]_*.json")) if storage.is_dir() else []
    return runs[-1] if runs else None


def _stats(path: Path) -> tuple[str, dict[str, dict]]:
    data = json.loads(path.read_text())
    return data.get("datetime", "")[:16].replace("T", " "), {b["name"]: b["stats"] for b in data["benchmarks"]}


def verdict(before: dict, after: dict) -> str:
    """How one benchmark moved: judged on the quartiles, so noise is not called a change.

    It moved only when the middle halves of the two runs' times do not overlap.
    """
    ratio = after["median"] / before["median"]
    if after["q3"] < before["q1"]:
        return f"{1 / ratio:.2f}× faster"
    if after["q1"] > before["q3"]:
        return f"{ratio:.2f}× slower"
    return "within the noise (the middle halves of the two runs overlap)"


def moved(previous: Path, latest_run: Path, lesson: int) -> list[str]:
    when, before = _stats(previous)
    _, after = _stats(latest_run)
    out = [f"\nAgainst your previous run of lesson {lesson} ({when} UTC), medians:"]
    width = max(map(len, after), default=0)
    for name, stats in after.items():
        if name in before:
            change = f"{duration(before[name]['median'])} → {duration(stats['median'])}: "
            out.append(f"  {name:<{width}}  {change}{verdict(before[name], stats)}")
        else:
            out.append(f"  {name:<{width}}  new in this run")
    gone = sorted(before.keys() - after.keys())
    if gone:
        out.append("  not in this run: " + ", ".join(gone))
    return out
