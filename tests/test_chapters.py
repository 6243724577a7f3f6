"""Each chapter shows its whole step, and every include in the book resolves.

A learner types what a chapter shows. So every code line a checkpoint adds or changes
against the step's start (the previous checkpoint, or the lesson's `start` folder)
must lie inside a region the lesson's chapter includes from that checkpoint:
imports, constants and manifest lines included; comments, docstrings and blank lines
aside. Includes are resolved exactly as mdbook 0.5 resolves them (its
`links/take_lines.rs`), so a line counts as shown only if mdbook renders it.

These tests read files only: they build nothing and run in a second.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT
from course import manifest, results

SRC = ROOT / "book" / "src"
LESSONS = manifest.load()

# mdbook's link syntax: {{#include path}}, {{#include path:anchor}}, {{#include path:3:9}},
# the same with #rustdoc_include; `\{{#` is an escaped link, left as text.
LINK = re.compile(r"(?<!\\)\{\{\s*#(include|rustdoc_include)\s+([^}]+)\}\}")
# mdbook's own anchor patterns: the name is what follows, up to the first other character.
ANCHOR_START = re.compile(r"ANCHOR:\s*(?P<name>[\w_-]+)")
ANCHOR_END = re.compile(r"ANCHOR_END:\s*(?P<name>[\w_-]+)")
# What a learner types: every file a checkpoint holds except what a tool writes (Cargo.lock).
TYPED = (".py", ".rs", ".toml")


# --- what a chapter shows ---------------------------------------------------------------


@dataclass(frozen=True)
class Include:
    chapter: Path  # the page, under book/src
    kind: str  # "include" or "rustdoc_include"
    spec: str  # path[:anchor | :start[:end]]

    @property
    def target(self) -> Path:
        return (self.chapter.parent / self.spec.split(":", 1)[0]).resolve()

    @property
    def selector(self) -> str | None:
        parts = self.spec.split(":", 1)
        return parts[1] if len(parts) == 2 else None

    def __str__(self) -> str:
        page = self.chapter.relative_to(SRC) if self.chapter.is_relative_to(SRC) else self.chapter.name
        return f"{page}: {{{{#{self.kind} {self.spec}}}}}"


def includes(chapter: Path) -> list[Include]:
    return [Include(chapter, kind, rest.split()[0]) for kind, rest in LINK.findall(chapter.read_text(encoding="utf-8"))]


def _usize(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\+?\d+", text) else None


def shown(include: Include) -> set[int]:
    """The line numbers (from 1) of the target that mdbook shows for this include.

    Raises LookupError when the anchor is not in the file. For #rustdoc_include the
    lines outside the range or anchor are rendered hidden, so they are not shown.
    """
    lines = include.target.read_text(encoding="utf-8").splitlines()
    # mdbook's parse_range_or_anchor: "a:b" is lines a to b, "a" line a, "a:" from a on,
    # ":b" up to b; anything that does not start with a number is an anchor.
    parts = (include.selector or "").split(":", 2)
    first = parts[0]
    if first and _usize(first) is None:
        return _anchored(lines, first, include)
    start = max(_usize(first) - 1, 0) if first else None
    end = _usize(parts[1]) if len(parts) > 1 else None
    if start is None:
        span = range(0, len(lines) if end is None else min(end, len(lines)))
    elif len(parts) == 1:
        span = range(start, min(start + 1, len(lines)))
    else:
        span = range(start, len(lines) if end is None else min(end, len(lines)))
    return {index + 1 for index in span}


def _anchored(lines: list[str], name: str, include: Include) -> set[int]:
    """mdbook's take_anchored_lines: from the line after `ANCHOR: name` to the line before
    `ANCHOR_END: name`, leaving out every line that holds an anchor of any name."""
    begin = next((i for i, line in enumerate(lines) if _named(ANCHOR_START, line) == name), None)
    if begin is None:
        raise LookupError(f"{include}: {include.target.name} has no `ANCHOR: {name}`")
    end = next((i for i in range(begin + 1, len(lines)) if _named(ANCHOR_END, lines[i]) == name), None)
    if end is None:
        raise LookupError(f"{include}: {include.target.name} has no `ANCHOR_END: {name}` after its `ANCHOR: {name}`")
    return {
        i + 1 for i in range(begin + 1, end) if not ANCHOR_START.search(lines[i]) and not ANCHOR_END.search(lines[i])
    }


def _named(pattern: re.Pattern, line: str) -> str | None:
    match = pattern.search(line)
    return match.group("name") if match else None


def chapter_of(lesson: manifest.Lesson) -> Path:
    return SRC / f"{lesson.dir}.md"


def shown_from_checkpoint(lesson: manifest.Lesson) -> dict[str, set[int]]:
    """For each file of the lesson's checkpoint, the lines its chapter shows."""
    out: dict[str, set[int]] = {}
    checkpoint = lesson.path.resolve()
    for include in includes(chapter_of(lesson)):
        if include.target.is_relative_to(checkpoint):
            rel = include.target.relative_to(checkpoint).as_posix()
            out.setdefault(rel, set()).update(shown(include))
    return out


# --- what a step changes ------------------------------------------------------------------


def code_lines(rel: str, text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line of code: no blank, comment-only or docstring line.

    Rust: a line starting with `//` (`///` and `//!` doc comments too) is a comment.
    TOML: a line starting with `#`. Python: a line is code when tokenize finds a token
    on it other than a comment; the lines of a statement that is only a string (a
    docstring, wherever it stands) are not code.
    """
    lines = text.splitlines()
    if rel.endswith(".py"):
        rows = _python_code_rows(text)
        return [(n, lines[n - 1]) for n in sorted(rows)]
    comment = "//" if rel.endswith(".rs") else "#"
    return [(n, line) for n, line in enumerate(lines, 1) if line.strip() and not line.strip().startswith(comment)]


def _python_code_rows(text: str) -> set[int]:
    quiet = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
    rows: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in quiet:
            rows.update(range(token.start[0], token.end[0] + 1))
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            rows.difference_update(range(node.lineno, node.end_lineno + 1))
    return rows


def changed_lines(lesson: manifest.Lesson) -> dict[str, list[tuple[int, str]]]:
    """For each typed file of the checkpoint, the code lines the step adds or changes."""
    before, after = lesson.start_files(), lesson.files()
    out = {}
    for rel in sorted(after):
        if not rel.endswith(TYPED):
            continue
        old = code_lines(rel, before.get(rel, b"").decode("utf-8"))
        new = code_lines(rel, after[rel].decode("utf-8"))
        matcher = difflib.SequenceMatcher(
            None, [line.rstrip() for _, line in old], [line.rstrip() for _, line in new], autojunk=False
        )
        opcodes = matcher.get_opcodes()
        changed = [new[j] for tag, _, _, j1, j2 in opcodes if tag in ("replace", "insert") for j in range(j1, j2)]
        if changed:
            out[rel] = changed
    return out


def unshown_lines(lesson: manifest.Lesson, visible: dict[str, set[int]]) -> list[str]:
    """`file:line: text` of every changed code line outside the `visible` lines."""
    return [
        f"{rel}:{number}: {line.strip()}"
        for rel, lines in changed_lines(lesson).items()
        for number, line in lines
        if number not in visible.get(rel, set())
    ]


# --- the tests ------------------------------------------------------------------------------


PAGES = sorted(SRC.rglob("*.md"))
GENERATED = SRC / "results"


@pytest.mark.parametrize("page", [p for p in PAGES if not p.is_relative_to(GENERATED)], ids=lambda p: p.name)
def test_every_include_resolves(page):
    problems = []
    for include in includes(page):
        if include.target.is_relative_to(GENERATED.resolve()):
            # measured reports are not committed; the build writes a stub for each one it knows
            if include.target.name not in results.REPORTS:
                problems.append(f"{include}: results/{include.target.name} is no report `just` writes")
            continue
        if not include.target.is_file():
            problems.append(f"{include}: there is no file {include.target.relative_to(ROOT)}")
            continue
        try:
            lines = shown(include)
        except LookupError as error:
            problems.append(str(error))
            continue
        if not lines:
            problems.append(f"{include}: shows no line of {include.target.name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.dir)
def test_the_chapter_shows_every_code_line_its_step_adds_or_changes(lesson):
    start = f"lessons/{lesson.start}" if lesson.start else f"lesson {lesson.number - 1}'s checkpoint"
    missing = unshown_lines(lesson, shown_from_checkpoint(lesson))
    assert not missing, (
        f"{chapter_of(lesson).relative_to(ROOT)} includes no region of lessons/{lesson.dir}/ holding these "
        f"{len(missing)} line{'s' * (len(missing) != 1)}, which the step adds or changes against {start}:\n  "
        + "\n  ".join(missing)
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.dir)
def test_a_chapter_shows_lesson_code_from_its_own_checkpoint_only(lesson):
    """What a chapter shows is what its `just verify` and its tests hold the learner to."""
    lessons_dir = (ROOT / "lessons").resolve()
    elsewhere = [
        str(include)
        for include in includes(chapter_of(lesson))
        if include.target.is_relative_to(lessons_dir) and not include.target.is_relative_to(lesson.path.resolve())
    ]
    assert not elsewhere, "\n".join(elsewhere)


# --- the checks themselves ------------------------------------------------------------------


def test_anchors_resolve_as_mdbook_does(tmp_path):
    source = tmp_path / "lib.rs"
    source.write_text(
        "fn a() {}\n"
        "// ANCHOR: outer\n"
        "fn b() {}\n"
        "// ANCHOR: inner\n"
        "fn c() {}\n"
        "// ANCHOR_END: inner\n"
        "fn d() {}\n"
        "// ANCHOR_END: outer\n"
        "// ANCHOR: outer_more\n"
        "fn e() {}\n"
        "// ANCHOR_END: outer_more\n"
    )
    page = tmp_path / "page.md"

    def lines(spec: str) -> set[int]:
        return shown(Include(page, "include", spec))

    assert lines("lib.rs:outer") == {3, 5, 7}  # nested anchor lines are left out
    assert lines("lib.rs:inner") == {5}
    assert lines("lib.rs:outer_more") == {10}  # a name is matched whole, not as a prefix
    assert lines("lib.rs") == set(range(1, 12))
    assert lines("lib.rs:3:5") == {3, 4, 5}
    assert lines("lib.rs:3") == {3}
    assert lines("lib.rs:10:") == {10, 11}
    assert lines("lib.rs::2") == {1, 2}
    with pytest.raises(LookupError, match="no `ANCHOR: missing`"):
        lines("lib.rs:missing")


def test_comments_docstrings_and_blank_lines_are_not_code():
    python = (
        '"""Module docstring."""\n\nimport os  # a comment\n# ANCHOR: f\n'
        'def f():\n    """Doc\n    string."""\n    return """not\na docstring"""\n'
    )
    assert [n for n, _ in code_lines("x.py", python)] == [3, 5, 8, 9]
    rust = "//! crate doc\nuse std::fmt;\n\n/// doc\n    // ANCHOR: g\nfn g() {}\n"
    assert [n for n, _ in code_lines("x.rs", rust)] == [2, 6]
    toml = "# comment\n[package]\n  # ANCHOR: p\nname = 'x'\n"
    assert [n for n, _ in code_lines("Cargo.toml", toml)] == [2, 4]


def test_a_line_the_chapter_leaves_out_is_reported():
    lesson = LESSONS[-1]
    rel, lines = next(iter(changed_lines(lesson).items()))
    missing = unshown_lines(lesson, {**shown_from_checkpoint(lesson), rel: set()})
    expected = [f"{rel}:{number}: {line.strip()}" for number, line in lines]
    assert expected == [line for line in missing if line.startswith(f"{rel}:")]
