"""The learner's working copy: the root doubles.py, Cargo.toml, pyproject.toml, src/...

Checking out a lesson replaces the working copy with a checkpoint. Nothing the learner
wrote is ever lost: a working copy that matches no checkpoint is saved first, under
.course/saved/, and `just restore NAME` brings it back.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from . import ROOT, STATE_DIR, CourseError, manifest
from .manifest import Lesson

STATE_FILE = STATE_DIR / "state.json"
SAVED_DIR = STATE_DIR / "saved"


def tracked_paths(lessons: list[Lesson]) -> set[str]:
    """Every path a checkpoint has, plus whatever the learner put under src/."""
    paths = {rel for lesson in lessons for rel in lesson.files()}
    src = ROOT / "src"
    if src.is_dir():
        paths |= {f"src/{rel}" for rel in manifest.read_tree(src)}
    return paths


def snapshot(lessons: list[Lesson]) -> dict[str, bytes]:
    """The working copy as it is now."""
    return {rel: (ROOT / rel).read_bytes() for rel in sorted(tracked_paths(lessons)) if (ROOT / rel).is_file()}


def matching_lesson(lessons: list[Lesson], files: dict[str, bytes]) -> Lesson | None:
    return next((lesson for lesson in lessons if lesson.files() == files), None)


def recorded_lesson(lessons: list[Lesson]) -> Lesson | None:
    try:
        number = json.loads(STATE_FILE.read_text())["lesson"]
    except (FileNotFoundError, ValueError, KeyError):
        return None
    return next((lesson for lesson in lessons if lesson.number == number), None)


def nearest_lesson(lessons: list[Lesson], files: dict[str, bytes]) -> Lesson:
    """The checkpoint sharing most files with `files` (the later one on a tie)."""
    return max(lessons, key=lambda lesson: (sum(files.get(k) == v for k, v in lesson.files().items()), lesson.number))


def current_lesson(lessons: list[Lesson]) -> tuple[Lesson, str]:
    """The lesson the working copy is on, and a note when that needs saying.

    Files that are exactly one checkpoint are that lesson, whatever was recorded: git
    (checkout, restore, stash, pull) can change them without `just` knowing.
    """
    recorded = recorded_lesson(lessons)
    match = matching_lesson(lessons, snapshot(lessons))
    if match and recorded and match != recorded:
        record(match)
        return match, (
            f"Note: your working copy is exactly lesson {match.number}'s checkpoint, though lesson "
            f"{recorded.number} was checked out last (did git change the files?). Going by the files."
        )
    lesson = match or recorded
    if lesson is None:
        raise CourseError(
            "I can't tell which lesson your working copy is on. Check one out first:\n" + manifest.listing(lessons)
        )
    return lesson, ""


def record(lesson: Lesson) -> None:
    STATE_DIR.mkdir(exist_ok=True)
    STATE_FILE.write_text(json.dumps({"lesson": lesson.number}) + "\n")


def save(files: dict[str, bytes], label: str, lesson: Lesson | None) -> Path:
    """Copy the working copy under .course/saved/ and return the folder.

    Beside the folder, NAME.json remembers which lesson the edits were made on.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = SAVED_DIR / f"{stamp}-{label}"
    n = 1
    while dest.exists():
        n += 1
        dest = SAVED_DIR / f"{stamp}-{label}-{n}"
    for rel, data in files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(data)
    dest.with_suffix(".json").write_text(json.dumps({"lesson": lesson.number if lesson else None}) + "\n")
    return dest


def replace(lessons: list[Lesson], files: dict[str, bytes]) -> None:
    """Make the working copy hold exactly `files`."""
    for rel in tracked_paths(lessons) - files.keys():
        (ROOT / rel).unlink(missing_ok=True)
    for rel, data in files.items():
        (ROOT / rel).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / rel).write_bytes(data)
    src = ROOT / "src"
    if src.is_dir() and not any(p.is_file() for p in src.rglob("*")):
        shutil.rmtree(src)


def switch(files: dict[str, bytes], describe: str) -> list[str]:
    """Replace the working copy with `files`, saving it first unless it is a checkpoint.

    Returns the lines to print.
    """
    lessons = manifest.load()
    current = snapshot(lessons)
    out = []
    if current and current != files and matching_lesson(lessons, current) is None:
        # Edits made before any `just lesson-N` belong to the checkpoint they started from.
        was = recorded_lesson(lessons) or nearest_lesson(lessons, current)
        label = f"lesson-{was.number}-edits"
        saved = save(current, label, was)
        out += [
            "Your working copy has edits that match no lesson; they are saved, nothing is lost:",
            f"  {saved.relative_to(ROOT)}/",
            f"  get them back with:  just restore {saved.name}",
            "",
        ]
    replace(lessons, files)
    out.append(f"Your working copy is now {describe}.")
    return out


def checkout(number: str) -> list[str]:
    lesson = manifest.find(number)
    lessons = manifest.load()
    out = switch(lesson.files(), str(lesson))
    record(lesson)
    nxt = next((n for n in lessons if n.number == lesson.number + 1), None)
    out += [
        f'  read:     the book\'s chapter "{lesson.title}"  (just book)',
        f"  compare:  just diff {lesson.number - 1} {lesson.number}"
        if lesson.number > 1
        else "  start:    edit doubles.py, or read it as it is",
        "  check:    just verify   (tests your working copy against this step)",
        "  time it:  just bench",
    ]
    if nxt:
        out.append(f"  next:     just lesson-{nxt.number}   ({nxt.title})")
    return out


def saved_names() -> list[str]:
    return sorted(p.name for p in SAVED_DIR.iterdir() if p.is_dir()) if SAVED_DIR.is_dir() else []


def saved_listing() -> str:
    return "\n".join(f"  just restore {name}" for name in saved_names()) or "  (nothing is saved)"


def restore(name: str) -> list[str]:
    if not name:
        return ["Saved working copies, oldest first:", saved_listing()]
    if name not in saved_names():
        raise CourseError(f"No saved working copy is called {name!r}. Saved ones:\n{saved_listing()}")
    folder = SAVED_DIR / name
    out = switch(manifest.read_tree(folder), f"the one saved in .course/saved/{name}/")
    lessons = manifest.load()
    try:
        number = json.loads(folder.with_suffix(".json").read_text())["lesson"]
    except (FileNotFoundError, ValueError, KeyError):
        number = None
    lesson = next((lesson for lesson in lessons if lesson.number == number), None)
    if lesson:
        record(lesson)
        out.append(f"  it was saved on {lesson}: `just verify` checks it against that step.")
    return out


def status() -> list[str]:
    lessons = manifest.load()
    files = snapshot(lessons)
    recorded = recorded_lesson(lessons)
    match = matching_lesson(lessons, files)
    out = [
        f"Working copy: {recorded}" if recorded else "Working copy: no lesson checked out yet (just lesson-1 starts)"
    ]
    if match and recorded and match != recorded:
        out.append(
            f"  but it is exactly the checkpoint of lesson {match.number}: did git change the files?"
            " `just verify` will go by the files."
        )
    elif match:
        out.append(f"  it is exactly the checkpoint of lesson {match.number}")
    elif recorded:
        changed = sorted(
            rel for rel in files.keys() | recorded.files().keys() if files.get(rel) != recorded.files().get(rel)
        )
        out.append("  your edits since the checkpoint: " + ", ".join(changed))
    names = saved_names()
    if names:
        out.append(f"Saved working copies ({len(names)}): " + ", ".join(names[-3:]) + "  (just restore NAME)")
    return out
