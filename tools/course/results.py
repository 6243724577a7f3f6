"""The measured results the book shows: book/src/results/, written by `just compare`,
`just race` and `just profile` on the reader's own machine, never committed.

Each report is a markdown file the book includes, written by `publish`, ending with
report.stamp_markdown, with its raw data beside it as JSON (the stamp, and for a timed
report every round's time of every version). Until a report has been made, its file is
a stub that says which recipe makes it, so the book always builds and never shows a
number nobody measured.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import ROOT

# COURSE_RESULTS points elsewhere in the course's own tests, to leave the reader's alone.
RESULTS_DIR = Path(os.environ.get("COURSE_RESULTS", ROOT / "book" / "src" / "results"))

# report file -> the recipe that makes it
REPORTS = {
    "compare.md": "just compare",
    "race.md": "just race",
    "scaling.md": "just race",
    "correct.md": "just race --check-only",
    "machine-code.md": "just profile",
    "profile.md": "just profile",
    "instructions.md": "just profile",
}


def stub(name: str) -> str:
    recipe = REPORTS[name]
    return (
        "> **Not measured on this machine yet.** Run `" + recipe + "`, then rebuild the\n"
        "> book (`just book`): this space then shows what your computer measured, stamped with\n"
        "> its processor, versions and date.\n"
    )


def ensure_stubs() -> None:
    """Write a stub for every report not measured yet; leave measured ones alone."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for name in REPORTS:
        path = RESULTS_DIR / name
        if not path.is_file():
            path.write_text(stub(name))


def publish(name: str, text: str, stamp: dict, measurement=None, data: dict | None = None, more=()) -> int:
    """Write NAME.md and its raw data NAME.json (the stamp, then the measurement's rounds
    or DATA, and those of the `more` measurements the report also shows, under "more"),
    print the report; 1 if a measured answer is an unexpected wrong one.

    Every report the book shows is written here, and each ends with report.stamp_markdown."""
    from . import measure

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    raw = measurement.to_json() if measurement is not None else (data or {})
    if more:
        raw = {**raw, "more": [m.to_json() for m in more]}
    (RESULTS_DIR / f"{name}.md").write_text(text)
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps({"stamp": stamp, **raw}, indent=1))
    shown = [line for line in text.splitlines() if not line.startswith(("![", "<small", "<!--"))]
    print("\n" + "\n".join(shown).strip() + "\n")
    print(f"Report, charts and raw data: {RESULTS_DIR}/{name}.*  (just book shows them)")
    measured = [m for m in (measurement, *more) if m is not None]
    wrong = [measure.unexpected_wrong(m.answers, m.contenders, m.workloads) for m in measured]
    return 1 if any(wrong) else 0
