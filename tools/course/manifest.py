"""The lesson manifest, lessons/lessons.toml: the one list of lessons."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import LESSONS_DIR, CourseError

MANIFEST = LESSONS_DIR / "lessons.toml"

# Files that running a checkpoint leaves behind; never part of one.
JUNK = {"__pycache__", ".pytest_cache", ".benchmarks", "target", ".hypothesis"}


@dataclass(frozen=True)
class Lesson:
    number: int
    dir: str
    title: str
    verify: tuple[str, ...]
    hint: str
    start: str = ""  # the exercise's start state, a folder under lessons/; "" = the previous checkpoint

    @property
    def path(self) -> Path:
        return LESSONS_DIR / self.dir

    @property
    def has_rust(self) -> bool:
        return (self.path / "Cargo.toml").is_file()

    def files(self) -> dict[str, bytes]:
        """The checkpoint's files, by path relative to the checkpoint."""
        return read_tree(self.path)

    def start_files(self) -> dict[str, bytes]:
        """Where `just exercise-N` starts: the previous checkpoint, or the lesson's `start` folder."""
        if self.start:
            return read_tree(LESSONS_DIR / self.start)
        return find(self.number - 1).files()

    def __str__(self) -> str:
        return f"lesson {self.number} ({self.dir}): {self.title}"


def read_tree(top: Path) -> dict[str, bytes]:
    out = {}
    for path in sorted(top.rglob("*")):
        rel = path.relative_to(top)
        if path.is_file() and not JUNK.intersection(rel.parts):
            out[rel.as_posix()] = path.read_bytes()
    return out


def load() -> list[Lesson]:
    with MANIFEST.open("rb") as f:
        data = tomllib.load(f)
    lessons = [
        Lesson(
            number=entry["number"],
            dir=entry["dir"],
            title=entry["title"],
            verify=tuple(entry["verify"]),
            hint=entry["hint"].strip(),
            start=entry.get("start", ""),
        )
        for entry in data["lesson"]
    ]
    return sorted(lessons, key=lambda lesson: lesson.number)


def ascii_only() -> set[str]:
    """The functions ("module:function") that compare bytes: right for ASCII text only."""
    with MANIFEST.open("rb") as f:
        return set(tomllib.load(f)["ascii_only"])


def compare_lesson() -> Lesson:
    """The lesson whose Rust `just compare` builds in debug and in release."""
    with MANIFEST.open("rb") as f:
        return find(tomllib.load(f)["compare"]["lesson"])


def listing(lessons: list[Lesson]) -> str:
    return "\n".join(
        f"  just lesson-{lesson.number} / just exercise-{lesson.number}   {lesson.title}" for lesson in lessons
    )


def find(number: str | int) -> Lesson:
    lessons = load()
    for lesson in lessons:
        if str(number).strip().isdigit() and int(number) == lesson.number:
            return lesson
    raise CourseError(f"There is no lesson {number!r}. The lessons are:\n{listing(lessons)}")


def justfile_recipes(lessons: list[Lesson]) -> str:
    """The text of lessons/lessons.just: `lesson-N` and `exercise-N` recipes for each lesson."""
    lines = [
        "# Generated from lessons/lessons.toml by `just sync-lessons`; do not edit.",
        "# tests/test_manifest.py fails when this file and the manifest disagree.",
    ]
    for lesson in lessons:
        lines += [
            "",
            f"# Lesson {lesson.number}: {lesson.title}",
            "[group('lessons')]",
            f'lesson-{lesson.number}: (lesson "{lesson.number}")',
            "",
            f"# Exercise {lesson.number}: start the step yourself, from where lesson {lesson.number - 1} ends"
            if lesson.number > 1
            else "# Exercise 1: start the course yourself, from a doubles.py to fill in",
            "[group('exercises')]",
            f'exercise-{lesson.number}: (exercise "{lesson.number}")',
        ]
    return "\n".join(lines) + "\n"
