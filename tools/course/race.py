"""`just race`: every version of count_doubles on the same inputs, in one run.

Peers: five pure-Python versions, two numpy, numba (with and without its conversion),
and every Rust function of the checkpoints in debug and in release. Workloads: a size
sweep of random ASCII letters from 10 characters to 10 million (the 1 million point is
the tutorial's race) and text beyond ASCII, where byte-based versions are wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from . import build, manifest, peers, report, results, texts

SIZES = [10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000]
RACE_SIZE = 1_000_000
BEYOND_ASCII_SIZE = 100_000
BEYOND_ASCII = ["accented", "cjk", "emoji"]
PROFILES = ["dev", "release"]


def rust_builds(functions: list[tuple[manifest.Lesson, str]], profiles: list[str]) -> list[dict]:
    """Build each lesson once per profile and name the function to race from it."""
    sites = {}
    out = []
    for lesson, function in functions:
        for profile in profiles:
            key = (lesson.number, profile)
            if key not in sites:
                print(f"Building lesson {lesson.number}'s Rust ({profile} profile)...", flush=True)
                sites[key] = build.checkpoint_site(lesson, profile)
            out.append({"lesson": lesson.number, "function": function, "profile": profile, "site": str(sites[key])})
    return out


def run(name: str, families: list[str], rust: list[dict], workloads: list[dict], pytest_args: list[str]):
    """Run the race into results/NAME.json and NAME-answers.json; return (rows, rc)."""
    out = results.RESULTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    timings, answers, config = out / f"{name}.json", out / f"{name}-answers.json", out / f"{name}-config.json"
    timings.unlink(missing_ok=True)
    answers.unlink(missing_ok=True)
    config.write_text(
        json.dumps({"families": families, "rust": rust, "workloads": workloads, "answers": str(answers)}, indent=1)
    )
    cmd = [
        sys.executable, "-m", "pytest", str(Path(__file__).with_name("bench_peers.py")),
        "-p", "no:cacheprovider", "-q", "--benchmark-columns=median,rounds", "--benchmark-sort=mean",
        f"--benchmark-json={timings}", *pytest_args,
    ]  # fmt: skip
    rc = subprocess.run(cmd, env={**os.environ, "COURSE_PEERS_CONFIG": str(config)}).returncode
    if timings.is_file():
        # pytest-benchmark keeps every round's time (tens of MB for the fast versions);
        # the statistics are what the report and a curious reader need.
        data = json.loads(timings.read_text())
        for bench in data["benchmarks"]:
            bench["stats"].pop("data", None)
        timings.write_text(json.dumps(data, indent=1))
    if not answers.is_file():
        return [], rc or 1
    return report.load(answers, timings), rc


def wrong_answer_warning(rows: list[report.Row]) -> str:
    bugs = report.unexpected_wrong(rows)
    if not bugs:
        return ""
    names = ", ".join(sorted({f"{row.peer} on {row.workload}" for row in bugs}))
    return f"> ⚠ **Wrong answers where the answer should be right: {names}.** That is a bug, not a lesson.\n\n"


# --- the report --------------------------------------------------------------------


def render(rows: list[report.Row], s: dict, race_size: int) -> str:
    out = results.RESULTS_DIR
    md = ["<!-- Written by `just race`: measured on this machine, not typed in. -->", ""]
    md.append(wrong_answer_warning(rows))
    letters = [row for row in rows if row.kind == "letters"]
    race = {row.peer: row for row in letters if row.size == race_size}
    is_timed = report.timed(rows)
    if not is_timed:
        md.append("> Timing was disabled for this run: the answers below were checked, nothing was timed.\n")

    md += [f"### The race: {race_size:,} random ASCII letters", ""]
    ordered = sorted(race.values(), key=lambda row: row.median or 0)
    oracle = race[report.ORACLE]
    md.append(
        report.table(
            ["version", "median time", "vs the Python loop", "answer", "what it is"],
            [[r.peer, report.duration(r.median), report.versus(r, oracle), r.answer, r.note] for r in ordered],
        )
    )
    if is_timed:
        report.bar_chart(list(race.values()), out / "race-1m.png",
                         f"count_doubles on {race_size:,} random ASCII letters", s, log=True)  # fmt: skip
        md += ["", f"![Every version's time on {race_size:,} letters, log scale](results/race-1m.png)"]
    md += [
        "",
        "#### How this machine compares with the original tutorial",
        "",
        *report.tutorial_verdicts({peer: row.median for peer, row in race.items()}),
        "",
    ]

    sizes = sorted({row.size for row in letters})
    md += ["### Size sweep: where each version overtakes the Python loop", ""]
    by_key = {(row.peer, row.size): row for row in letters}
    peers_in_order = [row.peer for row in ordered]
    header = ["version", *[f"{size:,}" for size in sizes], "faster than the Python loop from"]
    body = []
    for peer in peers_in_order:
        cells, overtakes = [], "never, in this sweep"
        for size in sizes:
            row, base = by_key[(peer, size)], by_key[(report.ORACLE, size)]
            cells.append(
                report.ratio(row.median, base.median) if peer != report.ORACLE else report.duration(row.median)
            )
        faster = [
            size
            for size in sizes
            if is_timed and report.clearly_faster(by_key[(peer, size)].median, by_key[(report.ORACLE, size)].median)
        ]
        if peer == report.ORACLE:
            overtakes = "(the baseline)"
        elif faster and all(size in faster for size in sizes if size >= faster[0]):
            overtakes = f"{faster[0]:,} characters"
        elif faster:
            overtakes = "some sizes: " + ", ".join(f"{size:,}" for size in faster)
        body.append([peer, *cells, overtakes])
    md += [
        "The Python loop's row is its time; every other cell compares with it at that size "
        "(within 10% counts as about as fast).",
        "",
    ]
    md.append(report.table(header, body))
    if is_timed:
        report.throughput_chart(letters, out / "race-sweep.png",
                                "Throughput against input size (random ASCII letters)", s)  # fmt: skip
        md += ["", "![Throughput of every version against input size, log-log](results/race-sweep.png)"]

    beyond = [row for row in rows if row.kind != "letters"]
    if beyond:
        kinds = list(dict.fromkeys(row.kind for row in beyond))
        md += ["", "### Text beyond ASCII: who is still right", ""]
        md.append(
            "Each cell: the answer, and the time against the Python loop on the same text. "
            "Versions that compare bytes are wrong here: a character outside ASCII is several bytes in UTF-8."
        )
        md.append("")
        by_key = {(row.peer, row.kind): row for row in beyond}
        size = beyond[0].size
        header = ["version", *[f"{size:,} {texts.LABELS[kind]}" for kind in kinds]]
        body = []
        for peer in peers_in_order:
            cells = []
            for kind in kinds:
                row, base = by_key[(peer, kind)], by_key[(report.ORACLE, kind)]
                cells.append(f"{row.answer}, {report.against(row, base)}")
            body.append([peer, *cells])
        md.append(report.table(header, body))
    md += ["", report.stamp_markdown(s), ""]
    return "\n".join(md)


def sizes_list(text: str) -> list[int]:
    try:
        sizes = [int(size) for size in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers") from None
    if any(size < 2 for size in sizes):
        raise argparse.ArgumentTypeError("every size must be at least 2 characters")
    return sizes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="just race", description=__doc__)
    parser.add_argument("--sizes", type=sizes_list, default=SIZES, help="comma-separated sizes of the sweep")
    parser.add_argument("--race-size", type=int, default=RACE_SIZE, help="the sweep's size shown as the race")
    parser.add_argument("--beyond-ascii-size", type=int, default=BEYOND_ASCII_SIZE)
    ns, pytest_args = parser.parse_known_args(argv)
    sizes = sorted({*ns.sizes, ns.race_size})
    workloads = [texts.workload("letters", size) for size in sizes]
    workloads += [texts.workload(kind, ns.beyond_ascii_size) for kind in BEYOND_ASCII]
    rust = rust_builds(peers.rust_functions(), PROFILES)
    if "--benchmark-max-time" not in " ".join(pytest_args):
        pytest_args = ["--benchmark-max-time=0.25", "--benchmark-min-rounds=3", *pytest_args]
    rows, rc = run("race", ["python", "numpy", "numba"], rust, workloads, pytest_args)
    if not rows:
        print("The race stopped before any answer was recorded: pytest's messages are above.", file=sys.stderr)
        return rc
    s = report.stamp()
    text = render(rows, s, ns.race_size)
    (results.RESULTS_DIR / "race.md").write_text(text)
    (results.RESULTS_DIR / "race-stamp.json").write_text(json.dumps(s, indent=1))
    print("\n" + text.split("### Size sweep")[0].split("\n", 2)[2])
    print(f"Full report, charts and raw data: {results.RESULTS_DIR}/race.*  (just book shows them)")
    if report.unexpected_wrong(rows):
        print(wrong_answer_warning(rows), file=sys.stderr)
        return 1
    return rc
