"""The course's own tooling: lesson checkout, builds, verification, measurements.

The justfile calls `python -m course ...`; nothing here is lesson code.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSONS_DIR = ROOT / "lessons"
STATE_DIR = ROOT / ".course"


class CourseError(Exception):
    """A problem the reader can fix; its message says how. Printed without a traceback."""
