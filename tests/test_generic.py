"""A lesson declares; the tooling is generic: no file under tools/ names a lesson.

What a lesson checks, measures, claims and reports is data in lessons/lessons.toml,
so that a new lesson that uses the kinds of evidence the tooling already makes edits
no file under tools/. This builds nothing: it reads the tooling's source and fails
naming each file and line that picks a lesson out by its number or its folder.
"""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from course import manifest

TOOLS = ROOT / "tools"
LESSONS = manifest.load()


def _slug(lesson: manifest.Lesson) -> str:
    return lesson.dir.split("-", 1)[1]


# What names a lesson in code or prose. A slug alone ("python", "release", "bytes") is
# also the tooling's own vocabulary (a family, a build profile, a kind of input), so a
# slug is looked for in the forms a folder or a chapter takes: after a lesson number.
PATTERNS = {
    "a lesson's folder": re.compile(
        "|".join(re.escape(lesson.dir) for lesson in LESSONS)
        + "|"
        + "|".join(rf"\b\d+-{re.escape(_slug(lesson))}\b" for lesson in LESSONS)
    ),
    "a comparison of lesson.number with a number": re.compile(r"\.number\s*(?:[<>]=?|[=!]=)\s*\d"),
    "a lesson looked up by its number": re.compile(r"\bfind\(\s*\d+\s*\)"),
    "a lesson number in an id": re.compile(r"\blesson\d+\b"),
    "a constant that holds a lesson": re.compile(r"\b[A-Z_]*LESSON[A-Z_]*\s*=\s*\d"),
    "a lesson or chapter by number in prose": re.compile(r"\b(?:[Ll]essons?|[Cc]hapters?)\s+\d+\b"),
}


def violations(text: str) -> list[tuple[int, str, str]]:
    """(line number, what it names, the line) for every line that names a lesson."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for what, pattern in PATTERNS.items():
            if pattern.search(line):
                found.append((number, what, line.strip()))
    return found


def test_no_file_under_tools_names_a_lesson():
    found = []
    for path in sorted(TOOLS.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".txt", ".md", ".toml", ".just", ".sh") or path.name == "justfile":
            for number, what, line in violations(path.read_text()):
                found.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line}")
    assert not found, "the tooling names lessons; say it in lessons/lessons.toml instead:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        'LESSON_DIR = "05-bytes"',
        "SIMD_LESSON = 8",
        "if lesson.number >= 5:",
        "if lesson.number == 1:",
        "lesson.number > 1",
        "oracle = manifest.find(1).python_function('count_doubles')",
        'simd = "rust-count_doubles-lesson8-release"',
        "# the vector kernels of lesson 8",
        '"""Chapter 6 shows what the versions before it get wrong."""',
        "path = LESSONS_DIR / '06-correct'",
        "a renumbered folder, 9-simd",
    ],
)
def test_the_scan_catches_each_way_of_naming_a_lesson(line):
    assert violations(line), line


@pytest.mark.parametrize(
    "line",
    [
        "lesson = manifest.find(number)",
        'rust_id = f"rust-{function}-lesson{lesson.number}-{build}"',
        'print(f"Building lesson {lesson.number}\'s Rust...")',
        'PROFILES = ["dev", "release"]',
        'Contender("python-zip", "python zip loop", "python", run)',
        "LESSONS_DIR = ROOT / 'lessons'",
        "if lesson.number == first.number:",
    ],
)
def test_generic_code_passes_the_scan(line):
    assert not violations(line), line


# Layers that do not cross: commands above engines above the oracle, the manifest and the
# builds. Each module, and the course's modules it must not import.
ENGINES = {"check", "correct", "measure", "profile", "race", "report", "peers", "machine_code"}
NOT_IMPORTED = {
    "check": {"profile", "race", "correct", "measure", "commands"},  # verify
    "correct": {"check", "profile", "commands"},  # the race's evidence
    "profile": {"check", "race", "commands"},
    "oracle": ENGINES | {"commands", "build"},
    "callgrind": ENGINES | {"commands", "build", "manifest"},
    "manifest": ENGINES | {"commands", "build", "oracle", "callgrind"},
}


def _course_imports(module: str) -> set[str]:
    import ast

    tree = ast.parse((TOOLS / "course" / f"{module}.py").read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            out |= {node.module} if node.module else {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("course"):
            out |= {node.module.removeprefix("course.")} if "." in node.module else {a.name for a in node.names}
    return out


@pytest.mark.parametrize("module", sorted(NOT_IMPORTED))
def test_layers_do_not_cross(module):
    crossed = _course_imports(module) & NOT_IMPORTED[module]
    assert not crossed, f"course/{module}.py imports {sorted(crossed)}, from a layer above it"
