"""`just race`: every version of count_doubles on the same inputs, in one run.

Versions: five pure-Python ones, two numpy, numba (with and without its conversion),
and every Rust function the lessons list (lessons/lessons.toml, `contenders`), each
built in debug and in release. Inputs: random ASCII letters from 10 characters to 10
million (the 1 million point is the tutorial's race) and text beyond ASCII, where the
versions that compare bytes are wrong. Every answer is checked against the Python
loop; then all versions are timed in paired, shuffled rounds, in several fresh worker
processes one after another (see tools/course/measure.py), until the time budget is
spent. Judges the tutorial's claims (report.CLAIMS) and the targets the lessons set
(lessons/lessons.toml, [[lesson.target]]). Also writes who is right on every kind of
input and what a call costs in memory (correct.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import CourseError, correct, manifest, measure, peers, report, results, texts
from .measure import Measurement
from .report import Row

SIZES = [10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000]
RACE_SIZE = 1_000_000
BEYOND_ASCII_SIZE = 100_000
BEYOND_ASCII = ["accented", "cjk", "emoji"]
BUDGET = 60.0  # seconds of timing, all workers together; the README says how long the whole recipe takes
# The lessons' targets on large inputs (manifest.LARGE_WORKLOADS) are judged on
# measurements of their own, where only those targets' versions run. "large" is one text
# of LARGE_SIZE random ASCII letters (64 MiB as CPython stores it), timed for LARGE_BUDGET
# seconds; "large in threads" cuts it into THREAD_TEXTS pieces, counted at once from a
# pool of as many Python threads. "large file" is a file of FILE_SIZE letters (written as
# one block repeated: texts.write_file), timed for FILE_BUDGET seconds beside `wc -l`.
LARGE_SIZE = 64 * 2**20
LARGE_BUDGET = 20.0
THREAD_TEXTS = 8
FILE_SIZE = 2**30
FILE_BUDGET = 30.0
# Which measurement judges the targets on each large workload: the text's or the file's.
MEASURED_ON = {"large": "text", "large in threads": "text", "large file": "file"}
# Fewer than compare's: a round of the race is seconds long, and each worker makes every
# version again (numba compiles anew).
WORKERS = 5


def contenders() -> list[measure.Contender]:
    """Everyone in the race, the oracle first (measure.Roster makes them again in every worker)."""
    return [*peers.python_contenders(), *peers.python_from_lessons(), *peers.numpy_contenders(),
            *peers.numba_contenders(), *peers.rust_from_lessons(), *peers.references()]  # fmt: skip


def large_targets(on: str = "") -> list[tuple[manifest.Lesson, int, manifest.Target]]:
    """(lesson, its target's number, the target) for every target on a large input, or
    only those the measurement `on` ("text" or "file", MEASURED_ON) judges."""
    return [(lesson, i, target) for lesson in manifest.load() for i, target in enumerate(lesson.target, start=1)
            if target.workload in manifest.LARGE_WORKLOADS and on in ("", MEASURED_ON[target.workload])]  # fmt: skip


def _yardsticks() -> dict[str, measure.Contender]:
    """The references a large target may measure against, by id, without making the race."""
    return {c.id: c for c in [*peers.references(), *peers.file_references()]}


def target_versions(lesson: manifest.Lesson, target: manifest.Target, race: dict) -> tuple:
    """The versions a target on a large input compares: its function, from its lesson's
    release build, and its `versus` (a function of the same lesson, or the id of a
    yardstick or of one of the race's contenders, taken from `race`, by id), each called
    from a thread pool on "large in threads". A target on peak memory has no versus:
    (subject, None)."""
    subject, versus = [
        measure.rust_contenders([(lesson, name.partition(":")[2])], ["release"])[0]
        if name.startswith("string_doubles:")
        else race.get(name)
        for name in (target.function, target.versus)
    ]
    if target.measure == "peak memory":
        return subject, None
    if versus is None:
        known = ", ".join(sorted(race))
        raise CourseError(f"lessons/lessons.toml: lesson {lesson.number}'s target measures against "
                          f"{target.versus!r}, which is not in the race (its ids: {known})")  # fmt: skip
    if target.workload == "large in threads":
        subject, versus = measure.in_threads(subject, THREAD_TEXTS), measure.in_threads(versus, THREAD_TEXTS)
    return subject, versus


def target_ids(lesson: manifest.Lesson, target: manifest.Target) -> tuple[str, str]:
    """The ids of the versions target_versions makes for a target on a large input ("" for
    the versus of a target on peak memory)."""
    subject, versus = [
        measure.rust_id(lesson, name.partition(":")[2], "release") if name.startswith("string_doubles:") else name
        for name in (target.function, target.versus)
    ]
    if target.workload == "large in threads":
        return measure.in_threads_id(subject), measure.in_threads_id(versus)
    return subject, versus


def unmeasurable(on: str) -> list[tuple[manifest.Lesson, int, manifest.Target]]:
    """The targets `on` judges that measure against a yardstick this machine lacks (`wc`)."""
    missing = {peers.WC} - set(_yardsticks())
    return [(lesson, i, target) for lesson, i, target in large_targets(on) if target.versus in missing]


def _rust_versions(ids: set[str]) -> dict[str, measure.Contender]:
    """Those of `ids` that name one of the race's Rust versions, each built alone."""
    found = {}
    for lesson, function in manifest.contender_functions():
        for profile in measure.PROFILES:
            if measure.rust_id(lesson, function, profile) in ids:
                (version,) = measure.rust_contenders([(lesson, function)], [profile])
                found[version.id] = version
    return found


def target_contenders(on: str = "text") -> list[measure.Contender]:
    """Every version the targets on a large input that `on` judges compare, once each
    (measure.Roster makes them again in every worker), and on the text, the versions of
    every lesson's `scaling`. The race's contenders are made only when a target measures
    against one of them."""
    lacking = unmeasurable(on)
    judged = [item for item in large_targets(on) if item not in lacking]
    race = _yardsticks()
    wanted = {t.versus for _, _, t in judged if t.versus and not t.versus.startswith("string_doubles:")} - set(race)
    race |= _rust_versions(wanted)
    if wanted - set(race):  # another of the race's versions: make them all (numba compiles)
        race |= {c.id: c for c in contenders()}
    out: dict[str, measure.Contender] = {}
    for lesson, _, target in judged:
        for version in target_versions(lesson, target, race):
            if version is not None:
                out.setdefault(version.id, version)
    if on == "text":
        for lesson in scaling_lessons():
            calls = [call for _, call in manifest.scaling_calls(lesson, thread_counts())]
            for version in measure.rust_contenders([(lesson, call) for call in calls], ["release"]):
                out.setdefault(version.id, version)
    return list(out.values())


# --- scaling: a lesson's function against the number of threads ---------------------------


def usable_cores() -> int:
    """The cores this process may run on (its affinity, where the system says)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def thread_counts(cores: int | None = None) -> list[int]:
    """The values a lesson's `scaling` is swept over: 1, 2, 4, ... below the cores, then
    the cores themselves ([1, 2] on 2 cores, [1, 2, 4, 8, 12] on 12)."""
    cores = cores or usable_cores()
    counts = [1]
    while counts[-1] * 2 < cores:
        counts.append(counts[-1] * 2)
    return counts + [cores] if cores > 1 else counts


def scaling_lessons() -> list[manifest.Lesson]:
    return [lesson for lesson in manifest.load() if lesson.scaling]


def scaling_rows(measurement: Measurement, lesson: manifest.Lesson) -> list[tuple[int, str, measure.Estimate,
                                                                                 measure.Estimate | None]]:  # fmt: skip
    """(N, the call, its time, its time over N = 1's, paired round by round) for each N
    of the lesson's `scaling` measured in `measurement` (the large text's)."""
    (workload,) = measurement.workloads
    ids = {c.id for c in measurement.contenders}
    calls = [(n, call, measure.rust_id(lesson, call, "release")) for n, call in
             manifest.scaling_calls(lesson, thread_counts())]  # fmt: skip
    calls = [(n, call, cid) for n, call, cid in calls if cid in ids]
    if not calls:
        return []
    one = calls[0][2]
    return [(n, call, measure.time_of(measurement, workload["id"], cid),
             None if cid == one else measure.paired_ratio(measurement, workload["id"], cid, one))
            for n, call, cid in calls]  # fmt: skip


def scaling_report(measurement: Measurement, stamp: dict) -> tuple[str, dict]:
    """The report "scaling" (each lesson's `scaling` on the large text, a table and a
    chart) and its data."""
    (workload,) = measurement.workloads
    cores = usable_cores()
    md = ["<!-- Written by `just race`: measured on this machine, not typed in. -->", ""]
    data = {"workload": workload, "cores": cores, "from": "race.json: these rounds are the large text's, under 'more'",
            "lessons": []}  # fmt: skip
    for lesson in scaling_lessons():
        rows = scaling_rows(measurement, lesson)
        if not rows:
            continue
        function, keyword = manifest.SCALING.fullmatch(lesson.scaling).groups()
        unit, scale = report.unit_for([time.value for _, _, time, _ in rows])
        body = []
        for n, call, time, ratio in rows:
            speedup = "1 (the baseline)" if ratio is None else report.speedup(ratio)
            per = "" if ratio is None else f"{1 / ratio.value / n:.2f}"
            body.append([f"{n}", f"`{call}`", report.time_cell(time, scale), speedup, per])
        chart = f"scaling-{lesson.number}.png"
        points = [(n, ratio) for n, _, _, ratio in rows]
        report.scaling_chart(points, results.RESULTS_DIR / chart, f"lesson {lesson.number}'s {function} on "
                             f"{workload['label']}", keyword, stamp)  # fmt: skip
        md += [f"### Lesson {lesson.number}'s {function} against `{keyword}`, on {workload['label']}", ""]
        md += [
            f"Each row is the release build called with `{keyword}=N`, timed in the same paired rounds as the "
            f"large text's targets ({len(measurement.rounds)} rounds in {measurement.worker_count} fresh worker "
            f"processes). The speed-up is the time with N = 1 over the time with N, round by round, with its 95% "
            f"interval; per thread, the speed-up over N: 1 while every added thread helps fully.",
            "",
            report.table(["N", "call", f"time per call ({unit})", "speed-up over N = 1", "per thread"], body),
            "",
            f"![Speed-up against {keyword}, with the ideal line](results/{chart})",
            "",
        ]
        if cores <= 2:
            md += [f"This machine lets the race use {cores} core{'s' * (cores > 1)}, so the curve has "
                   f"{len(rows)} point{'s' * (len(rows) > 1)}: on a machine with more cores, `just race` "
                   "measures more of it.", ""]  # fmt: skip
        measured = [{"n": n, "call": call, "seconds": dataclasses.asdict(time),
                     "ratio_to_one": dataclasses.asdict(ratio) if ratio else None}
                    for n, call, time, ratio in rows]  # fmt: skip
        data["lessons"].append({"lesson": lesson.number, "rows": measured})
    md += [report.stamp_markdown(stamp), ""]
    return "\n".join(md), data


def large_target_claims(measurement: Measurement, on: str = "text") -> list:
    """The targets on a large input that `on` judges, on `measurement` (target_contenders'
    rounds, and its peaks), as `targets` gives the others."""
    if not measurement.timed:
        return []
    (workload,) = measurement.workloads
    ids = {c.id: c for c in measurement.contenders}
    out = []
    for lesson, i, target in large_targets(on):
        subject, versus = target_ids(lesson, target)
        said = f"lesson {lesson.number}'s {target.function.partition(':')[2]} on {workload['label']}"
        if target.measure == "peak memory":
            if subject in measurement.peaks:
                out.append((memory_claim(lesson, target, str(i), said), measurement.peaks[subject], ""))
            continue
        if subject not in ids or versus not in ids:
            continue
        est = measure.paired_ratio(measurement, workload["id"], subject, versus)
        if target.workload == "large in threads":
            said += f", cut into {THREAD_TEXTS} texts counted at once from {THREAD_TEXTS} Python threads"
        versus_name = VERSUS_NAMES.get(versus) or ids[versus].name
        out.append((target_claim(lesson, target, str(i), said), est, versus_name))
    return out


def measure_peaks(measurement: Measurement, on: str) -> None:
    """The peak memory of every version a target on peak memory that `on` judges names,
    into measurement.peaks (nothing where the system does not tell peaks)."""
    (workload,) = measurement.workloads
    for lesson, _, target in large_targets(on):
        if target.measure == "peak memory":
            subject, _ = target_ids(lesson, target)
            peak = measure.peak_memory(measure.Roster("race:target_contenders", (on,)), subject, workload)
            if peak is not None:
                measurement.peaks[subject] = peak


def roles(contenders: list[measure.Contender]) -> dict[str, str]:
    """The contenders the tutorial's claims are about, by role: the oracle plays "python",
    and each lesson's `roles` (lessons/lessons.toml) give the others to its versions."""
    found = {"python": peers.ORACLE} if any(c.id == peers.ORACLE for c in contenders) else {}
    for lesson in manifest.load():
        for role, player in lesson.roles:
            function, _, build = player.partition(" ")
            playing = [c.id for c in contenders if c.lesson == lesson.number and c.function == function
                       and (not build or c.family == f"rust-{build}")]  # fmt: skip
            if playing:
                found[role] = playing[0]
    return found


# Bytes per character in CPython's storage of each kind of text.
STORAGE_BYTES = {"letters": 1, "accented": 1, "cjk": 2, "emoji": 4}


# How a target names what it was measured against, where the contender's own name reads
# less well in a sentence.
VERSUS_NAMES = {peers.ORACLE: "the Python loop", peers.FIND: "one bytes.find pass"}


def memory_claim(lesson: manifest.Lesson, target: manifest.Target, key: str, said: str) -> report.Claim:
    """A target on peak memory as a claim on the peak, in MB: between 0 and `at_most`."""
    return report.Claim(f"target-{lesson.number}-{key}", f"{said}: {target.claim}", "subject", "", 0,
                        target.at_most, source="target", slower=f"more than {target.at_most:g} MB",
                        lesson=lesson.number, unit="MB")  # fmt: skip


def target_claim(lesson: manifest.Lesson, target: manifest.Target, key: str, said: str) -> report.Claim:
    """A target as a claim on the time of its subject (role "subject") over its versus's:
    between 0 and `at_most`; a disagreement says by how much it missed."""
    bound = target.at_most
    slower = f"less than {1 / bound:g}× faster" if bound < 1 else f"more than {bound:g}× slower" if bound > 1 else ""
    return report.Claim(f"target-{lesson.number}-{key}", f"{said}: {target.claim}", "subject",
                        target.versus or "itself", 0, bound, source="target", slower=slower,
                        lesson=lesson.number)  # fmt: skip


def targets(measurement: Measurement, race: dict, letters: list[dict], beyond: list[dict]) -> list:
    """Every lesson's targets (the manifest's [[lesson.target]]) whose subject ran, as
    (claim, measured ratio, what it was measured against) for report.claims_section.
    A target is met where time(subject) / time(versus) is at most its `at_most`."""
    if not measurement.timed:
        return []
    ids = {c.id: c for c in measurement.contenders}
    out = []
    for lesson in manifest.load():
        for i, target in enumerate(lesson.target, start=1):
            if target.workload in manifest.LARGE_WORKLOADS:  # judged on a measurement of their own
                continue
            function = target.function.split(":")[1]
            subject = measure.rust_id(lesson, function, "release")
            if subject not in ids:
                continue
            if target.versus and target.versus not in ids:
                known = ", ".join(sorted(ids))
                raise CourseError(f"lessons/lessons.toml: lesson {lesson.number}'s target {i} is measured against "
                                  f"{target.versus!r}, which is not in the race (its ids: {known})")  # fmt: skip
            whose = f"lesson {lesson.number}'s {function}"
            versus = VERSUS_NAMES.get(target.versus) or (ids[target.versus].name if target.versus else "")
            if target.workload == "race":
                est = measure.paired_ratio(measurement, race["id"], subject, target.versus)
                out.append((target_claim(lesson, target, str(i), whose), est, versus))
            elif target.workload == "smallest":
                smallest = letters[0]
                est = measure.paired_ratio(measurement, smallest["id"], subject, target.versus)
                said = f"{whose} on {smallest['size']:,} letters"
                out.append((target_claim(lesson, target, str(i), said), est, versus))
            else:  # per byte beyond ascii: wider storage against ASCII letters of the same length
                same_size = {w["size"]: w for w in letters}
                for w in beyond:
                    ascii_text, width = same_size.get(w["size"]), STORAGE_BYTES[w["kind"]]
                    if ascii_text is None or width == 1:
                        continue
                    said = f"{whose} on {texts.LABELS[w['kind']]} ({width} bytes a character)"
                    est = measure.cross_ratio(measurement, subject, w["id"], ascii_text["id"], scale=width)
                    out.append((target_claim(lesson, target, f"{i}-{w['kind']}", said), est,
                                f"ASCII letters, per byte ({w['size']:,} characters of each)"))  # fmt: skip
    return out


def overtakes(sizes: list[int], ratios: dict[int, measure.Estimate]) -> str:
    """At which sizes a version is clearly faster than the Python loop (its whole interval
    below 1: the rule of the table's cells), in words: "every size here", "1,000
    characters on", "100 and 10,000 to 100,000 characters", "no size here"."""
    clear = [ratios[size].side_of(1) < 0 for size in sizes]
    if all(clear):
        return "every size here"
    if not any(clear):
        return "no size here"
    runs, i = [], 0
    while i < len(sizes):
        if not clear[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(sizes) and clear[j + 1]:
            j += 1
        runs.append((i, j))
        i = j + 1
    if runs == [(runs[0][0], len(sizes) - 1)]:
        return f"{sizes[runs[0][0]]:,} characters on"
    words = [f"{sizes[a]:,}" if a == b else f"{sizes[a]:,} to {sizes[b]:,}" for a, b in runs]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"{listed} characters"


def sweep_tables(measurement: Measurement, rows: dict, letters: list[dict]) -> list[str]:
    """The Python loop per size, then every other version against it, split in two
    tables of a few sizes each so that they fit the page."""
    sizes = [w["size"] for w in letters]
    by_size = {w["size"]: w["id"] for w in letters}
    header = ["size, characters", "the Python loop, ns per character (95% interval)", "fastest right answer"]
    body = [
        [
            f"{size:,}",
            report.time_cell(rows[by_size[size], peers.ORACLE].time, 1e-9 * size),
            fastest(rows, by_size[size]),
        ]
        for size in sizes
    ]
    md = [report.table(header, body), ""]
    others = [c for c in measurement.contenders if c.id != peers.ORACLE]
    half = (len(sizes) + 1) // 2
    for part, last in ((sizes[:half], False), (sizes[half:], True)):
        if not part:
            continue
        key = by_size[part[-1]]
        ordered = sorted(others, key=lambda c: rows[key, c.id].ratio.value)
        header = ["version", *[f"{size:,}" for size in part]]
        body = []
        for c in ordered:
            cells = [report.short_relative(rows[by_size[size], c.id].ratio) for size in part]
            cells = [cell if rows[by_size[size], c.id].answer.correct else "✗ **wrong**" for cell, size in
                     zip(cells, part)]  # fmt: skip
            if last:
                cells.append(overtakes(sizes, {size: rows[by_size[size], c.id].ratio for size in sizes}))
            body.append([c.name, *cells])
        if last:
            header.append("clearly faster than the Python loop at")
        md += [f"Sorted by the {part[-1]:,} column:", "", report.table(header, body), ""]
    return md


def fastest(rows: dict, workload: str) -> str:
    right = [row for (wid, _), row in rows.items() if wid == workload and row.answer.checked and row.answer.correct]
    best = min(right, key=lambda row: row.time.value)
    return best.name if best.ratio is None else f"{best.name}, {report.short_relative(best.ratio)}"


def beyond_ascii_table(measurement: Measurement, rows: dict, beyond: list[dict]) -> str:
    def cell(row: Row) -> str:
        if not row.answer.checked:
            mark = "—"
        elif row.answer.correct:
            mark = "✓"
        else:
            mark = f"✗ {measure.said(row.answer.got)}, not {measure.said(row.answer.expected)}"
        if not row.answer.correct and not row.wrong_as_documented:
            mark += " ⚠ **a bug**"
        if row.ratio is None:
            return mark if row.time is None or row.id != peers.ORACLE else f"{mark} (the baseline)"
        return f"{mark} · {report.short_relative(row.ratio)}"

    first = beyond[0]["id"]
    ordered = sorted(
        measurement.contenders, key=lambda c: rows[first, c.id].ratio.value if rows[first, c.id].ratio else 1
    )
    header = ["version", *[texts.LABELS[w["kind"]] for w in beyond]]
    return report.table(header, [[c.name, *[cell(rows[w["id"], c.id]) for w in beyond]] for c in ordered])


def apart_note(measured: Measurement) -> list[str]:
    """How the targets on a large input were measured apart, in a paragraph."""
    seconds = (measured.load or {}).get("seconds", 0)
    said = (f"The targets on {measured.workloads[0]['label']} were timed on their own, with only their versions in "
            f"the rounds: {len(measured.rounds)} paired rounds in {measured.worker_count} fresh worker processes, "
            f"{seconds:.0f} s of timing. {report.load_note(measured.load)}")  # fmt: skip
    if measured.peaks:
        said += (f" Peak memory is the most each of {measure.PEAK_PROCESSES} fresh processes held at once (its peak "
                 "resident set size), having made the versions and counted the input once; a target on it is met "
                 "where every process stayed under it.")  # fmt: skip
    return [said, ""]


def render(measurement: Measurement, stamp: dict, race_size: int, large: Measurement | None = None,
           files: Measurement | None = None, missing: str = "") -> str:  # fmt: skip
    """The race's report; `large` and `files`: the measurements of the targets on a large
    text and on a large file; `missing`: why a target could not be measured here."""
    out = results.RESULTS_DIR
    rows = report.rows(measurement)
    letters = sorted((w for w in measurement.workloads if w["kind"] == "letters"), key=lambda w: w["size"])
    beyond = [w for w in measurement.workloads if w["kind"] != "letters"]
    (race,) = [w for w in letters if w["size"] == race_size]
    race_rows = [rows[race["id"], c.id] for c in measurement.contenders]

    md = ["<!-- Written by `just race`: measured on this machine, not typed in. -->", ""]
    md += [warning, ""] if (warning := report.wrong_answer_warning(measurement)) else []
    md.append(
        f"{len(measurement.contenders)} versions on {len(measurement.workloads)} inputs, every answer checked "
        "against the Python loop."
    )
    md.append("")
    if measurement.timed:
        md += [report.rounds_line(measurement), "", report.load_note(measurement.load), ""]
    else:
        md += ["> Timing was disabled for this run (`--check-only`): the answers were checked, nothing was timed.", ""]

    md += [f"### The race: {race['label']}", "", report.time_table(race_rows), ""]
    if measurement.timed:
        title = f"{manifest.manifest().oracle[1]} on {race_size:,} random ASCII letters"
        report.bar_chart(race_rows, out / "race-1m.png", title, stamp, log=True)
        md += [f"![Every version's time on {race_size:,} letters, log scale](results/race-1m.png)", ""]
        judged = targets(measurement, race, letters, beyond)
        judged += large_target_claims(large) if large else []
        judged += large_target_claims(files, "file") if files else []
        md += report.claims_section(measurement, race["id"], roles(measurement.contenders), judged)
        for apart in (large, files):
            md += apart_note(apart) if apart is not None and apart.timed else []
        md += [f"> {missing}", ""] if missing else []

        md += ["### Size sweep: where each version overtakes the Python loop", ""]
        md += [
            "In the cells, a version is *faster* or *slower* where its whole 95% interval is on that side of the "
            "Python loop's time, and *too close* where the interval includes it. The last column lists the sizes "
            "where it is clearly faster, by the same rule.",
            "",
        ]
        md += sweep_tables(measurement, rows, letters)
        lines = [
            (c.name, c.family, [(w["size"], 1 / r.value if (r := rows[w["id"], c.id].ratio) else 1.0)
                                for w in letters])
            for c in measurement.contenders
        ]  # fmt: skip
        report.sweep_chart(lines, out / "race-sweep.png", "Speed against input size (random ASCII letters)", stamp)
        md += ["![Every version's speed against the Python loop's, by input size, log-log](results/race-sweep.png)", ""]

    if beyond:
        md += ["### Text beyond ASCII: who is still right", ""]
        md += [
            f"{beyond[0]['size']:,} characters of each kind. Each cell: the answer, and the time against the Python "
            "loop's on the same text. The versions that compare bytes are wrong here: a character outside ASCII "
            "is several bytes in UTF-8.",
            "",
            beyond_ascii_table(measurement, rows, beyond),
            "",
        ]
    md += [report.stamp_markdown(stamp), ""]
    return "\n".join(md)


def sizes_list(text: str) -> list[int]:
    try:
        return [measure.size(size) for size in text.split(",")]
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"in {text!r}: {err}") from None


def main(argv: list[str]) -> int:
    parser = measure.parser("just race", __doc__, BUDGET, WORKERS)
    parser.add_argument("--sizes", type=sizes_list, default=SIZES, metavar="N,N,...",
                        help="comma-separated sizes of the sweep (default: 10 to 10,000,000)")  # fmt: skip
    parser.add_argument("--race-size", type=measure.size, default=RACE_SIZE, metavar="N",
                        help=f"the size shown as the race, added to the sweep (default: {RACE_SIZE:,})")  # fmt: skip
    parser.add_argument("--beyond-ascii-size", type=measure.size, default=BEYOND_ASCII_SIZE, metavar="N",
                        help=f"characters of each text beyond ASCII (default: {BEYOND_ASCII_SIZE:,})")  # fmt: skip
    parser.add_argument("--large-size", type=measure.size, default=LARGE_SIZE, metavar="N",
                        help=f"ASCII letters of the large input some targets are judged on (default: {LARGE_SIZE:,}, "
                             "64 MiB)")  # fmt: skip
    parser.add_argument("--file-size", type=measure.size, default=FILE_SIZE, metavar="N",
                        help=f"ASCII letters of the file some targets are judged on (default: {FILE_SIZE:,}, "
                             "1 GiB)")  # fmt: skip
    parser.add_argument("--file-dir", default=None, metavar="DIR",
                        help="where that file is written, and removed afterwards (default: the system's temporary "
                             "folder)")  # fmt: skip
    ns = parser.parse_args(argv)
    sizes = sorted({*ns.sizes, ns.race_size})
    workloads = [texts.workload("letters", size) for size in sizes]
    workloads += [texts.workload(kind, ns.beyond_ascii_size) for kind in BEYOND_ASCII]
    correct.write_report()
    measurement = measure.run(measure.Roster("race:contenders"), workloads, budget=ns.budget, workers=ns.workers,
                    rounds=ns.rounds, check_only=ns.check_only)  # fmt: skip
    large = files = None
    if large_targets("text") or scaling_lessons():
        workload = texts.workload("letters", ns.large_size)
        print(f"The targets on {workload['label']}, their versions only:", flush=True)
        large = measure.run(measure.Roster("race:target_contenders", ("text",)), [workload], loop=peers.oracle(),
                            budget=ns.budget * LARGE_BUDGET / BUDGET, workers=ns.workers, rounds=ns.rounds,
                            check_only=ns.check_only)  # fmt: skip
    missing = ""
    if lacking := unmeasurable("file"):
        missing = ("No `wc` was found on this machine: the targets measured against `wc -l` "
                   f"({', '.join(f'lesson {lesson.number}' for lesson, _, _ in lacking)}) "
                   "were not judged.")  # fmt: skip
        print(missing, file=sys.stderr)
    if large_targets("file"):
        files = race_file(ns)
    stamp = report.new_stamp()
    text = render(measurement, stamp, ns.race_size, large, files, missing)
    wrong = results.publish("race", text, stamp, measurement, more=[m for m in (large, files) if m])
    if large is not None and large.timed and scaling_lessons():
        scaling, data = scaling_report(large, stamp)
        results.publish("scaling", scaling, stamp, data=data)
    return wrong


def race_file(ns: argparse.Namespace) -> Measurement:
    """The targets on a large file: the file written in a folder of its own (removed
    afterwards), every answer checked against the oracle a block at a time, then the
    versions timed beside `wc -l`, and their peaks of memory read."""
    with tempfile.TemporaryDirectory(prefix="course-race-file-", dir=ns.file_dir) as folder:
        if shutil.disk_usage(folder).free < 2 * ns.file_size:
            raise CourseError(f"The race's file ({texts.in_bytes(ns.file_size)}) would nearly fill the disk at "
                              f"{folder}: give a smaller --file-size, or another --file-dir.")  # fmt: skip
        print(f"Writing a file of {texts.in_bytes(ns.file_size)} for the targets on a large file...", flush=True)
        workload = texts.file_workload("letters", ns.file_size, Path(folder))
        print(f"The targets on {workload['label']}, their versions only:", flush=True)
        # Checking every answer reads the whole file: it is in the page cache for the timing.
        files = measure.run(measure.Roster("race:target_contenders", ("file",)), [workload],
                            loop=peers.file_oracle(), budget=ns.budget * FILE_BUDGET / BUDGET, workers=ns.workers,
                            rounds=ns.rounds, check_only=ns.check_only)  # fmt: skip
        if files.timed:
            measure_peaks(files, "file")
        return files
