"""`just compare`: the same Rust, built debug and release, raced against the Python loop.

Both builds are loaded side by side in one process (see peers.load_extension), so
the three versions are timed in one pytest-benchmark run on the same input.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import manifest, race, report, results, texts

SIZE = 1_000_000


def render(rows: list[report.Row], s: dict, lesson: manifest.Lesson) -> str:
    by_peer = {row.peer: row for row in rows}
    python = by_peer[report.ORACLE]
    debug, release = by_peer[report.DEBUG], by_peer[report.RELEASE]
    md = ["<!-- Written by `just compare`: measured on this machine, not typed in. -->", ""]
    md.append(race.wrong_answer_warning(rows))
    md.append(
        f"Lesson {lesson.number}'s Rust, built twice, against the Python loop on {python.size:,} random ASCII letters:"
    )
    md.append("")
    md.append(
        report.table(
            ["version", "median time", "vs the Python loop", "answer"],
            [
                [row.peer, report.duration(row.median), report.versus(row, python), row.answer]
                for row in (python, debug, release)
            ],
        )
    )
    md.append("")
    if report.timed(rows):
        versus_debug = report.compared(release.median, debug.median, "the debug build of the same code")
        md.append(f"The release build was {versus_debug}.")
        md += ["", "How this machine compares with the original tutorial:", ""]
        md += report.tutorial_verdicts({row.peer: row.median for row in rows})
        report.bar_chart(
            [python, debug, release], results.RESULTS_DIR / "compare.png",
            f"Same Rust, two builds: count_doubles on {python.size:,} ASCII letters", s,
        )  # fmt: skip
        md += ["", "![The Python loop, the debug build and the release build, timed](results/compare.png)"]
    else:
        md.append("> Timing was disabled for this run: the answers were checked, nothing was timed.")
    md += ["", report.stamp_markdown(s), ""]
    return "\n".join(md)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="just compare", description=__doc__)
    parser.add_argument("--size", type=int, default=SIZE, help="how many random ASCII letters")
    ns, pytest_args = parser.parse_known_args(argv)
    lesson = manifest.compare_lesson()
    rust = race.rust_builds([(lesson, "count_doubles")], race.PROFILES)
    rows, rc = race.run("compare", ["oracle"], rust, [texts.workload("letters", ns.size)], pytest_args)
    if not rows:
        print("The comparison stopped before any answer was recorded: pytest's messages are above.", file=sys.stderr)
        return rc
    s = report.stamp()
    text = render(rows, s, lesson)
    (results.RESULTS_DIR / "compare.md").write_text(text)
    (results.RESULTS_DIR / "compare-stamp.json").write_text(json.dumps(s, indent=1))
    print("\n" + "\n".join(line for line in text.splitlines()[2:] if not line.startswith(("![", "<small"))))
    print(f"Report, chart and raw data: {results.RESULTS_DIR}/compare.*  (just book shows them)")
    if report.unexpected_wrong(rows):
        return 1
    return rc
