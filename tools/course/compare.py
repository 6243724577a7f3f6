"""`just compare`: the same Rust, built debug and release, raced against the Python loop.

Both builds are loaded side by side in each of several fresh worker processes, one
after another, and the three versions are timed in paired rounds on the same input
(see tools/course/measure.py): each round times each of them once, in a shuffled
order, until the worker's share of the time budget is spent. The report gives every
ratio with its 95% interval, which comes from how much the workers differ, and judges
the tutorial's claims: agrees or disagrees where the interval is clear of what the
tutorial said, too close to call where it is not.
"""

from __future__ import annotations

from . import manifest, measure, peers, report, results, texts

SIZE = 1_000_000
BUDGET = 15.0  # seconds of timing, all workers together; the README says how long the whole recipe takes
WORKERS = 10


def contenders() -> list[measure.Contender]:
    """The Python loop, and the compare lesson's Rust function (manifest.compare_lesson)
    built debug and release (measure.Roster makes them again in every worker)."""
    lesson = manifest.compare_lesson()
    (function,) = lesson.rust_functions  # one: the manifest checks it
    return [peers.oracle(), *measure.rust_contenders([(lesson, function)], measure.PROFILES)]


def render(measurement: measure.Measurement, stamp: dict, lesson: manifest.Lesson, roles: dict[str, str]) -> str:
    rows = report.rows(measurement)
    (workload,) = measurement.workloads
    by_role = {role: rows[workload["id"], cid] for role, cid in roles.items()}
    md = ["<!-- Written by `just compare`: measured on this machine, not typed in. -->", ""]
    md += [warning, ""] if (warning := report.wrong_answer_warning(measurement)) else []
    (function,) = lesson.rust_functions
    md.append(f"Lesson {lesson.number}'s Rust, built twice, against the Python loop on {workload['label']}.")
    md.append("")
    if measurement.timed:
        md += [report.rounds_line(measurement), "", report.load_note(measurement.load), ""]
    else:
        md += ["> Timing was disabled for this run (`--check-only`): the answers were checked, nothing was timed.", ""]
    md += [report.time_table([by_role[role] for role in ("python", "debug", "release")]), ""]
    if measurement.timed:
        release = measure.paired_ratio(measurement, workload["id"], roles["release"], roles["debug"])
        md += [f"The release build was {report.relative(release)} than the debug build of the same code.", ""]
        md += report.claims_section(measurement, workload["id"], roles)
        report.bar_chart(list(by_role.values()), results.RESULTS_DIR / "compare.png",
                         f"Same Rust, two builds: {function} on {workload['size']:,} letters", stamp)  # fmt: skip
        md += ["![The Python loop, the debug build and the release build, timed](results/compare.png)", ""]
    md += [report.stamp_markdown(stamp), ""]
    return "\n".join(md)


def main(argv: list[str]) -> int:
    parser = measure.parser("just compare", __doc__, BUDGET, WORKERS)
    parser.add_argument("--size", type=measure.size, default=SIZE, metavar="N",
                        help=f"how many random ASCII letters (default: {SIZE:,})")  # fmt: skip
    ns = parser.parse_args(argv)
    lesson = manifest.compare_lesson()
    measurement = measure.run(measure.Roster("compare:contenders"), [texts.workload("letters", ns.size)],
                              budget=ns.budget, workers=ns.workers, rounds=ns.rounds,
                              check_only=ns.check_only)  # fmt: skip
    oracle, debug, release = measurement.contenders
    roles = {"python": oracle.id, "debug": debug.id, "release": release.id}
    stamp = report.new_stamp()
    results.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return results.publish("compare", render(measurement, stamp, lesson, roles), stamp, measurement)
