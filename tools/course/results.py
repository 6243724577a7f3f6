"""The measured results the book shows: book/src/results/, written by `just compare`
and `just race` on the reader's own machine, never committed.

Each report is a markdown file the book includes, with its raw data (every round's
time of every version, as JSON) beside it. Until a report has been made, its file is
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


def publish(name: str, text: str, m, s: dict) -> int:
    """Write NAME.md and its raw data NAME.json, print the report; 1 if an answer is a bug."""
    from . import measure

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{name}.md").write_text(text)
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps({"stamp": s, **m.to_json()}, indent=1))
    shown = [line for line in text.splitlines() if not line.startswith(("![", "<small", "<!--"))]
    print("\n" + "\n".join(shown).strip() + "\n")
    print(f"Report, charts and raw data: {RESULTS_DIR}/{name}.*  (just book shows them)")
    return 1 if measure.unexpected_wrong(m.answers, m.contenders, m.workloads) else 0
