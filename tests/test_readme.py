"""The README's set-up and test lines are what CI runs, literally."""

import re

from conftest import ROOT


def _block_after(heading: str) -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split(f"\n## {heading}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readmes_set_up_and_test_lines_in_order():
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    wanted = _block_after("Set up") + _block_after("Test")
    positions = [ci.index(line) for line in wanted]
    assert positions == sorted(positions)
    assert "just test" in wanted


def test_readme_lists_every_lesson():
    from course import manifest

    readme = (ROOT / "README.md").read_text()
    for lesson in manifest.load():
        assert f"| {lesson.number} `{lesson.dir}` |" in readme
