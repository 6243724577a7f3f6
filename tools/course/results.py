"""The measured results the book shows: book/src/results/, written by `just compare`
and `just race` on the reader's own machine, never committed.

Each report is a markdown file the book includes. Until a report has been measured,
its file is a stub that says which recipe measures it, so the book always builds
and never shows a number nobody measured.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import ROOT

# COURSE_RESULTS points elsewhere in the course's own tests, to leave the reader's alone.
RESULTS_DIR = Path(os.environ.get("COURSE_RESULTS", ROOT / "book" / "src" / "results"))

# report file -> the recipe that measures it, and roughly how long that takes
REPORTS = {
    "compare.md": ("just compare", "under a minute"),
    "race.md": ("just race", "a minute or two"),
}


def stub(name: str) -> str:
    recipe, duration = REPORTS[name]
    return (
        "> **Not measured on this machine yet.** Run `" + recipe + "` (" + duration + "), then rebuild the\n"
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
