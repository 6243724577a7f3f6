"""The course proves its checks catch typical mistakes: each known-wrong solution in
tests/data/wrong_solutions.toml, made in a copy of its lesson's checkpoint, fails
`just verify`'s checks with a message that names the problem (as the exercise starts
fail them, and the checkpoints pass: tests/test_checkpoints.py)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from course import build, manifest, read_toml

DATA = Path(__file__).parent / "data" / "wrong_solutions.toml"
WRONG = read_toml(DATA, f"{DATA} is missing")["wrong"]
LESSONS = {lesson.dir: lesson for lesson in manifest.load()}


def made(wrong: dict, folder: Path) -> list[str]:
    """Make the mistake in `folder` (a copy of the checkpoint); return the files it changed."""
    changed = []
    for edit in wrong.get("edits", []):
        path = folder / edit["file"]
        text = path.read_text()
        if edit.get("regex"):
            replace = edit["replace"]
            new, count = re.subn(edit["find"], lambda _, r=replace: r, text, count=1, flags=re.S)
        else:
            new, count = text.replace(edit["find"], edit["replace"], 1), text.count(edit["find"])
        assert count, f"{edit['file']} no longer holds {edit['find']!r}: update {DATA.name}"
        path.write_text(new)
        changed.append(edit["file"])
    for rel in wrong.get("delete", []):
        (folder / rel).unlink()
        changed.append(rel)
    return changed


def test_every_lesson_has_known_wrong_solutions():
    covered = {wrong["lesson"] for wrong in WRONG}
    assert covered <= LESSONS.keys(), f"{DATA.name} names lessons the manifest does not have"
    missing = [lesson.dir for lesson in LESSONS.values() if lesson.dir not in covered]
    assert not missing, f"no known-wrong solutions for {missing} in {DATA.name}"


@pytest.mark.parametrize("wrong", WRONG, ids=lambda wrong: f"{wrong['lesson']}: {wrong['name']}")
@pytest.mark.slow
def test_verify_rejects_the_known_wrong_solution(wrong, tmp_path):
    lesson = LESSONS[wrong["lesson"]]
    folder = tmp_path / lesson.dir
    shutil.copytree(lesson.path, folder, ignore=shutil.ignore_patterns(*manifest.JUNK))
    changed = made(wrong, folder)
    if lesson.has_rust and not all(rel.endswith(".py") for rel in changed):
        site = tmp_path / "site"
        try:
            build.install(folder, target=site, locked=True)
        except Exception as err:  # a mistake that does not build is the compiler's to report
            pytest.fail(f"the wrong solution does not build, so verify never sees it: {err}")
    else:
        site = build.checkpoint_site(lesson) if lesson.has_rust else None
    path = [str(p) for p in (site, ROOT / "tools") if p is not None]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "DOUBLES_SIZE": "300", "COURSE_SEARCH_EXAMPLES": "30"}
    cmd = [sys.executable, "-m", "course.check", str(lesson.number), str(folder)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    said = result.stdout + result.stderr
    assert result.returncode == 1, f"verify passed a wrong solution ({wrong['name']}):\n{said}"
    assert "Traceback" not in said
    problems = "\n".join(line for line in said.splitlines() if "✗" in line or line.startswith("    "))
    for clue in wrong["expect"]:
        assert clue in said, f"verify's message does not say {clue!r}:\n{problems or said}"
