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
    """Every path a checkpoint or an exercise start has, plus whatever the learner put in
    the folders they have (src/, and core/ in the lessons that add it)."""
    paths = {rel for lesson in lessons for rel in lesson.files()}
    paths |= {rel for lesson in lessons if lesson.start for rel in lesson.start_files()}
    for folder in _folders(paths):
        if (ROOT / folder).is_dir():
            paths |= {f"{folder}/{rel}" for rel in manifest.read_tree(ROOT / folder)}
    return paths


def _folders(paths: set[str]) -> set[str]:
    """The top-level folders among `paths` ("src", "core")."""
    return {rel.split("/")[0] for rel in paths if "/" in rel}


def snapshot(lessons: list[Lesson]) -> dict[str, bytes]:
    """The working copy as it is now."""
    return {rel: (ROOT / rel).read_bytes() for rel in sorted(tracked_paths(lessons)) if (ROOT / rel).is_file()}


def matching_lesson(lessons: list[Lesson], files: dict[str, bytes]) -> Lesson | None:
    return next((lesson for lesson in lessons if lesson.files() == files), None)


def _read_state(path: Path, lessons: list[Lesson]) -> tuple[Lesson | None, bool]:
    try:
        state = json.loads(path.read_text())
        number, exercise = state["lesson"], bool(state.get("exercise", False))
    except (FileNotFoundError, ValueError, KeyError, TypeError, AttributeError):
        return None, False
    return next((lesson for lesson in lessons if lesson.number == number), None), exercise


def recorded(lessons: list[Lesson]) -> tuple[Lesson | None, bool]:
    """The lesson last checked out (or restored), and whether as an exercise to do."""
    return _read_state(STATE_FILE, lessons)


def nearest_lesson(lessons: list[Lesson], files: dict[str, bytes]) -> Lesson:
    """The checkpoint sharing most files with `files` (the later one on a tie)."""
    return max(lessons, key=lambda lesson: (sum(files.get(k) == v for k, v in lesson.files().items()), lesson.number))


def current_lesson(lessons: list[Lesson]) -> tuple[Lesson, str]:
    """The lesson the working copy is on, and a note when that needs saying.

    Files that are exactly one checkpoint are that lesson, whatever was recorded: git
    (checkout, restore, stash, pull) can change them without `just` knowing.
    """
    last, exercise = recorded(lessons)
    files = snapshot(lessons)
    if exercise and last and files == last.start_files():
        return last, ""  # an exercise not begun yet: its start is the previous checkpoint
    match = matching_lesson(lessons, files)
    if match and last and match != last:
        record(match)
        return match, (
            f"Note: your working copy is exactly lesson {match.number}'s checkpoint, though "
            f"{describe(last, exercise)} was checked out last (did git change the files?). Going by the files."
        )
    lesson = match or last
    if lesson is None:
        raise CourseError(
            "I can't tell which lesson your working copy is on. Check one out first:\n" + manifest.listing(lessons)
        )
    return lesson, ""


def describe(lesson: Lesson, exercise: bool) -> str:
    return f"the exercise of lesson {lesson.number}" if exercise else f"lesson {lesson.number}"


def record(lesson: Lesson, exercise: bool = False) -> None:
    STATE_DIR.mkdir(exist_ok=True)
    STATE_FILE.write_text(json.dumps({"lesson": lesson.number, "exercise": exercise}) + "\n")


def already_saved(files: dict[str, bytes]) -> str | None:
    """The name of a saved working copy holding exactly `files`, if there is one."""
    return next((name for name in saved_names() if manifest.read_tree(SAVED_DIR / name) == files), None)


def save(files: dict[str, bytes], label: str, lesson: Lesson | None, exercise: bool = False) -> Path:
    """Copy the working copy under .course/saved/ and return the folder.

    Beside the folder, NAME.json remembers which lesson the edits were made on, and
    whether as an exercise.
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
    state = {"lesson": lesson.number if lesson else None, "exercise": exercise}
    dest.with_suffix(".json").write_text(json.dumps(state) + "\n")
    return dest


def replace(lessons: list[Lesson], files: dict[str, bytes]) -> None:
    """Make the working copy hold exactly `files`."""
    for rel in tracked_paths(lessons) - files.keys():
        (ROOT / rel).unlink(missing_ok=True)
    for rel, data in files.items():
        (ROOT / rel).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / rel).write_bytes(data)
    for folder in _folders(tracked_paths(lessons)):  # a folder the new files don't have goes
        top = ROOT / folder
        if top.is_dir() and not any(p.is_file() for p in top.rglob("*")):
            shutil.rmtree(top)


def switch(files: dict[str, bytes], becomes: str) -> list[str]:
    """Replace the working copy with `files`, saving it first unless it is a checkpoint.

    Returns the lines to print.
    """
    lessons = manifest.load()
    current = snapshot(lessons)
    out = []
    last, exercise = recorded(lessons)
    untouched = matching_lesson(lessons, current) or (exercise and last and current == last.start_files())
    if current and current != files and not untouched:
        name = already_saved(current)
        if name:
            out += [f"Your working copy's edits are already saved, as {name}:  just restore {name}", ""]
        else:
            # Edits made before any `just lesson-N` belong to the checkpoint they started from.
            was = last or nearest_lesson(lessons, current)
            label = f"lesson-{was.number}-{'exercise' if exercise else 'edits'}"
            saved = save(current, label, was, exercise=exercise and was == last)
            out += [
                "Your working copy has edits that match no lesson; they are saved, nothing is lost:",
                f"  {saved.relative_to(ROOT)}/",
                f"  get them back with:  just restore {saved.name}",
                "",
            ]
    replace(lessons, files)
    out.append(f"Your working copy is now {becomes}.")
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
        if lesson != lessons[0]
        else "  start:    edit doubles.py, or read it as it is",
        "  check:    just verify   (tests your working copy against this step)",
        "  time it:  just bench",
    ]
    if nxt:
        out.append(f"  next:     just exercise-{nxt.number}   (or the finished step: just lesson-{nxt.number})")
    return out


def exercise(number: str) -> list[str]:
    """Make the working copy the start of lesson N's step, to do it yourself."""
    lesson = manifest.find(number)
    out = switch(lesson.start_files(), f"the start of lesson {lesson.number}'s exercise")
    record(lesson, exercise=True)
    start = "the previous lesson's checkpoint" if not lesson.start else f"lessons/{lesson.start}/"
    return out + [
        f"  You are working toward {lesson} (it starts from {start}).",
        f'  the task: the "Your turn" section of the book\'s chapter "{lesson.title}"  (just book)',
        "  check:    just verify   (or `just watch`: checks again each time you save a file)",
        f"  stuck?    just solution (the diff from your working copy to lesson {lesson.number}'s checkpoint)",
        "  time it:  just bench",
    ]


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
    lesson, exercise = _read_state(folder.with_suffix(".json"), manifest.load())
    if lesson:
        record(lesson, exercise)
        what = f"while working toward {lesson}" if exercise else f"on {lesson}"
        out.append(f"  it was saved {what}: `just verify` checks it against that step.")
    return out


def status() -> list[str]:
    lessons = manifest.load()
    files = snapshot(lessons)
    last, exercise = recorded(lessons)
    match = matching_lesson(lessons, files)
    if last is None:
        out = ["Working copy: no lesson checked out yet (just exercise-1 starts the course)"]
    elif exercise:
        out = [f"Working copy: working toward {last}  (started with just exercise-{last.number})"]
    else:
        out = [f"Working copy: {last}"]
    if exercise and last and files == last.start_files():
        out.append("  the exercise's start, untouched so far  (just solution shows what the step adds)")
    elif match and last and match != last:
        out.append(
            f"  but it is exactly the checkpoint of lesson {match.number}: did git change the files?"
            " `just verify` will go by the files."
        )
    elif match:
        out.append(f"  it is exactly the checkpoint of lesson {match.number}")
    elif last:
        base = last.start_files() if exercise else last.files()
        changed = sorted(rel for rel in files.keys() | base.keys() if files.get(rel) != base.get(rel))
        since = "the exercise started" if exercise else "the checkpoint"
        out.append(f"  your edits since {since}: " + ", ".join(changed))
    names = saved_names()
    if names:
        shown = names[-SHOWN_SAVED:]
        which = f"the latest {len(shown)} of {len(names)}" if len(shown) < len(names) else str(len(names))
        out.append(f"Saved working copies ({which}, just restore NAME):")
        out += [f"  {name}" for name in shown]
    return out


# `just status` lists this many saved copies; `just restore` lists them all.
SHOWN_SAVED = 5
