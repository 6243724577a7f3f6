"""The course's own tooling: lesson checkout, builds, verification, measurements.

The justfile calls `python -m course ...`; nothing here is lesson code.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSONS_DIR = ROOT / "lessons"
STATE_DIR = ROOT / ".course"


class CourseError(Exception):
    """A problem the reader can fix; its message says how. Printed without a traceback."""


def read_toml(path: Path, missing: str, fix: str = "") -> dict:
    """A TOML file's contents; a CourseError saying `missing` if it is not there, or
    what is wrong with it (and `fix`) if it can't be read."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise CourseError(missing) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise CourseError(f"{path.name} can't be read: {err}.{' ' + fix if fix else ''}") from None
