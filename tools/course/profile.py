"""`just profile`: where the time goes, measured on this machine before anything is rewritten.

Writes into book/src/results/ what lessons/lessons.toml asks for (the chapters that
list a report in their `reports` show it):

* profile-flame.svg: py-spy's flame graph of the lesson's `profile_script`, Python and
  Rust frames together (`py-spy record --native`), and profile.md: the functions py-spy
  found running most often, how the samples split between Python, Rust and C, and
  Python's own profiler (cProfile) on the same script;
* instructions.md and instructions.png: how many machine instructions one call costs,
  and each character, for every function a lesson lists in `instructions`, debug and
  release, counted by valgrind's callgrind, which simulates the processor: the counts
  are exact and the same on every run, on any machine, with no hardware counters
  needed; and where one call's instructions go, for each `call_breakdown` function;
* machine-code.md: the machine code of each `machine_code` function (machine_code.py).

A tool that is missing (valgrind is Linux-only) or cannot run (py-spy needs permission
to read another process) leaves a note in its place, and the rest is still made.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import build, callgrind, machine_code, manifest, report, results, texts

LINES = 500_000  # lines of the profiled script's text: a couple of seconds, some hundred samples
NATIVE = platform.system() != "Darwin"  # py-spy's --native is not supported on macOS
RATE = 100  # py-spy samples per second (higher rates slow the script and skew the picture)
SIZES = (1_000, 100_000)  # characters of the texts callgrind measures, per character
KINDS = ["letters", "accented", "cjk"]  # 1 byte per character in CPython and UTF-8; 1 and 2; 2 and 3


def script_lesson() -> manifest.Lesson | None:
    """The lesson with a `profile_script` (at most one has, the manifest checks), or None."""
    return next((lesson for lesson in manifest.load() if lesson.profile_script), None)


def functions(key: str) -> list[tuple[manifest.Lesson, str]]:
    """(lesson, function) for every Rust function the lessons list under `key`
    ("instructions" or "call_breakdown"), in order."""
    return [(lesson, item.split(":")[1]) for lesson in manifest.load() for item in getattr(lesson, key)]


def env_for(site: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}


# --- the sampling profile: py-spy -------------------------------------------------------

ESCAPES = {"$LT$": "<", "$GT$": ">", "$RF$": "&", "$BP$": "*", "$C$": ",", "$SP$": "@", "$u20$": " ",
           "$u27$": "'", "$u5b$": "[", "$u5d$": "]", "$u7b$": "{", "$u7d$": "}", "$LP$": "(", "$RP$": ")"}  # fmt: skip


def demangle(name: str) -> str:
    """Finish demangling a Rust symbol as py-spy prints it (legacy escapes, hash suffix)."""
    name = re.sub(r"::h[0-9a-f]{16}\b", "", name)
    if "$" in name:
        name = re.sub(r"(^|::)_\$", r"\1$", name)
        for escape, char in ESCAPES.items():
            name = name.replace(escape, char)
        name = name.replace("..", "::")
    return name


def frame_label(frame: str) -> tuple[str, str]:
    """'function (file:line)' -> ('function (file)', language)."""
    match = re.match(r"^(.*) \((.*?)(?::\d+)?\)$", frame)
    function, where = match.groups() if match else (frame, "")
    if re.fullmatch(r"0x[0-9a-f]+", function):
        function = "(no symbol)"
    where = os.path.basename(where)
    if where.endswith(".py"):
        language = "Python"
    elif where.endswith(".rs") or "string_doubles" in where:
        language = "Rust"
    else:
        language = "C (CPython and the libraries it uses)"
    name = demangle(function)
    if language == "Rust":  # next<core::slice::iter::Iter<u8>, ...> reads as next
        while (shorter := re.sub(r"<[^<>]*>", "", name)) != name:
            name = shorter
        name = name.removeprefix("::")  # <T as Trait>::method reads as method
    return f"{name} ({where})" if where else name, language


def pyspy() -> str | None:
    found = shutil.which("py-spy", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    return found


def record(fmt: str, out: Path, lesson: manifest.Lesson, site: Path, lines: int) -> str | None:
    """Run the lesson's profile_script under py-spy; None, or why it failed."""
    exe = pyspy()
    if exe is None:
        return "py-spy is not installed in the course's .venv (`just doctor` says how to install it)."
    native = ["--native"] if NATIVE else []  # py-spy reads native frames on Linux and Windows only
    cmd = [exe, "record", *native, "--rate", str(RATE), "--format", fmt, "-o", str(out), "--",
           sys.executable, lesson.profile_script, "--lines", str(lines)]  # fmt: skip
    for _ in range(2):  # a script that ends within milliseconds can end before py-spy looks: once more
        out.unlink(missing_ok=True)
        done = subprocess.run(cmd, cwd=lesson.path, env=env_for(site), capture_output=True, text=True)
        if done.returncode == 0 and out.is_file():
            if fmt == "flamegraph":  # its title is py-spy's whole command line, paths and all
                svg = out.read_text()
                title = f"python {lesson.profile_script} --lines {lines:,}, sampled by py-spy" + (
                    " --native" if NATIVE else ""
                )
                out.write_text(re.sub(r'(<text id="title"[^>]*>)[^<]*(</text>)', rf"\g<1>{title}\g<2>", svg, count=1))
            return None
    said = [line for line in (done.stderr + done.stdout).splitlines() if line.startswith("Error")]
    why = said[0] if said else f"exit status {done.returncode}"
    if "process" in why.lower():
        return f"py-spy could not profile the script: {why} It may have ended too soon: try a larger --lines."
    return (
        f"py-spy could not profile the script: {why} py-spy reads another process's memory: on Linux "
        "that may need `sudo sysctl kernel.yama.ptrace_scope=0`, and on macOS running it with sudo."
    )


def samples_summary(raw: Path, top: int = 10) -> list[str]:
    own, within, languages = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [frame_label(frame) for frame in stack.split(";")]
        own[frames[-1]] += n
        languages[frames[-1][1]] += n
        for frame in set(frames):
            within[frame] += n
    if total == 0:
        return ["py-spy took no samples: the script ended too soon. Try a larger `--lines`."]
    split = ", ".join(f"{lang} {100 * n / total:.0f}%" for lang, n in languages.most_common())
    header = ["function (file)", "language", "samples of its own", "with what it calls"]
    body = [[f"`{name}`", lang, f"{100 * n / total:.1f}%", f"{100 * within[name, lang] / total:.1f}%"]
            for (name, lang), n in own.most_common(top)]  # fmt: skip
    return [
        f"{total:,} samples, {RATE} a second. Where the running code was, by language: {split}.",
        "",
        report.table(header, body),
    ]


# --- the deterministic profile: cProfile ---------------------------------------------------


def cprofile_summary(lesson: manifest.Lesson, site: Path, lines: int, top: int = 8) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "script.pstats"
        cmd = [sys.executable, "-m", "cProfile", "-o", str(out), lesson.profile_script, "--lines", str(lines)]
        done = subprocess.run(cmd, cwd=lesson.path, env=env_for(site), capture_output=True, text=True)
        if done.returncode != 0:
            return [f"cProfile could not run the script: {done.stderr.strip().splitlines()[-1:]}"]
        stats = pstats.Stats(str(out))
    rows = []
    for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items():
        if filename == "~":  # a built-in: a C function, or one of ours in Rust
            name = function.strip("{}").replace("string_doubles.string_doubles.", "string_doubles.")
            if "string_doubles." in name:  # <built-in method string_doubles.count_doubles>
                name = re.sub(r"^<built-in method (.*)>$", r"\1", name) + " (Rust)"
        else:
            name = f"{function} ({Path(filename).name}:{line})"
        rows.append((cumulative, own, calls, name))
    rows = [row for row in rows if "builtins.exec" not in row[3] and not row[3].startswith("<module>")]
    rows.sort(reverse=True)
    total = max(row[0] for row in rows)
    header = ["function", "calls", "own time", "with what it calls"]
    shown = rows[:top] + [row for row in rows[top:] if row[3].endswith("(Rust)")]  # ours, always
    body = [[f"`{name}`", f"{calls:,}", f"{100 * own / total:.1f}%", f"{100 * cumulative / total:.1f}%"]
            for cumulative, own, calls, name in shown]  # fmt: skip
    return [report.table(header, body)]


def sampling_section(out: Path, lines: int) -> list[str]:
    lesson = script_lesson()
    if lesson is None:
        return ["> No lesson names a script to profile (lessons/lessons.toml, `profile_script`).", ""]
    site = build.checkpoint_site(lesson, "release")
    script = lesson.profile_script
    md = [f"### Sampling: py-spy on `python {script} --lines {lines:,}` (lesson {lesson.number}, release)", ""]
    if not NATIVE:
        md += ["> On macOS py-spy cannot read native frames: only Python's are shown, and Rust's time is "
               "counted in the Python line that calls it.", ""]  # fmt: skip
    svg = out / "profile-flame.svg"
    svg.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "samples.txt"
        print(f"py-spy: sampling {script} --lines {lines:,} (lesson {lesson.number})...", flush=True)
        failed = record("raw", raw, lesson, site, lines) or record("flamegraph", svg, lesson, site, lines)
        if failed:
            return [*md, f"> {failed}", ""]
        md += samples_summary(raw)
    md += [
        "",
        '<object data="results/profile-flame.svg" type="image/svg+xml" width="100%">'
        f"py-spy's flame graph of {script}</object>",
        "",
        "[Open the flame graph on its own page](results/profile-flame.svg): click a box to zoom into it.",
        "",
        f"### Deterministic: cProfile on the same script (lesson {lesson.number})",
        "",
    ]
    print("cProfile: the same script...", flush=True)
    md += cprofile_summary(lesson, site, lines)
    return [*md, ""]


# --- instructions: valgrind's callgrind ---------------------------------------------------


def call_breakdown(site: Path, function: str, top: int = 8) -> list[tuple[str, int, float]]:
    """Where the instructions of one call on 'ab' go: (function, instructions with what it
    calls, share of the call), from callgrind_annotate, the call's own frames only."""
    with tempfile.TemporaryDirectory() as tmp:
        done = callgrind.run(site, function, ["letters:2"], Path(tmp))
        dumps = sorted(Path(tmp).glob("cg.*.2"))  # .1 is the warm-up call
        if done.returncode != 0 or not dumps:
            raise RuntimeError(done.stderr[-2000:])
        annotate = ["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(dumps[0])]
        listing = subprocess.run(annotate, capture_output=True, text=True).stdout
    # The table of functions: after its "file:function" header, up to the first blank line.
    table = listing.split("file:function", 1)[-1].split("\n", 2)[-1].split("\n\n", 1)[0]
    lines = re.findall(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*?)(?: \[[^\]]*\])?$", table, re.M)
    counts = [(int(n.replace(",", "")), where) for n, where in lines if where != "PROGRAM TOTALS"]
    total = max(n for n, _ in counts)
    seen, out = set(), []
    for n, where in sorted(counts, key=lambda item: -item[0]):
        name = where.split(":", 1)[1] if ":" in where else where
        name = re.sub(r"'\d+$", "", name)  # callgrind's marks for recursion levels
        name = re.sub(r"^<(.*?) as .*>::(\w+)$", r"\1::\2", name)  # <Type as Trait>::method: Type::method
        while (shorter := re.sub(r"<[^<>]*>", "", name)) != name:
            name = shorter
        name = "::".join(name.removeprefix("::").split("::")[-2:])
        if n >= total or name in seen:  # the call's callers, and the same function again
            continue
        seen.add(name)
        out.append((name, n, n / total))
        if len(out) == top:
            break
    return [(callgrind.ENTRY.split("::")[-1], total, 1.0), *out]


def measure_instructions(builds: list[str], sizes: tuple[int, int]) -> list[dict]:
    """One row per (lesson, build, function) the lessons' `instructions` ask for."""
    small, large = sizes
    lessons = [lesson for lesson in manifest.load() if lesson.instructions]
    jobs = [(lesson, profile, item.split(":")[1]) for lesson in lessons for profile in builds
            for item in lesson.instructions]  # fmt: skip
    sites = {(lesson.number, profile): build.checkpoint_site(lesson, profile) for lesson, profile, _ in jobs}
    specs = [f"{kind}:{n}" for kind in KINDS for n in (2, small, large)]

    def one(job) -> dict:
        lesson, profile, function = job
        counts = callgrind.counts(sites[lesson.number, profile], function, specs)
        per_kind = {kind: counts[3 * i : 3 * i + 3] for i, kind in enumerate(KINDS)}
        return {
            "name": f"{function} (lesson {lesson.number}, {'debug' if profile == 'dev' else profile})",
            "call": per_kind["letters"][0],
            "per_char": {kind: (c[2] - c[1]) / (large - small) for kind, c in per_kind.items()},
        }

    print(f"valgrind: counting instructions, {len(jobs)} builds and functions...", flush=True)
    with concurrent.futures.ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        return list(pool.map(one, jobs))


def instructions_chart(rows: list[dict], path: Path, stamp: dict) -> None:
    plt = report.pyplot()
    fig, ax = plt.subplots(figsize=(report.WIDTH_IN, 0.34 * len(rows) * len(KINDS) / 2 + 1.8))
    height = 0.8 / len(KINDS)
    for i, kind in enumerate(KINDS):
        values = [row["per_char"][kind] for row in rows]
        positions = [r + i * height for r in range(len(rows))]
        ax.barh(positions, values, height=height, label=texts.LABELS[kind])
    labels = [row["name"].replace(" (", "\n(", 1) for row in rows]  # the function, then lesson and build
    ax.set_yticks([r + height * (len(KINDS) - 1) / 2 for r in range(len(rows))], labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(right=max(max(row["per_char"].values()) for row in rows) * 60)  # room for the legend
    ax.set_xlabel("instructions per character (log scale): fewer is faster")
    ax.set_title("What each character costs, counted by callgrind")
    ax.legend(loc="lower right")
    report.finish_chart(fig, path, stamp)


def per_char(count: float) -> str:
    """Three significant figures or so: 260.1, 5.8, 0.14."""
    return f"{count:,.1f}" if count >= 1 else f"{count:.2f}"


def instructions_section(out: Path, builds: list[str], sizes: tuple[int, int], stamp: dict) -> list[str]:
    md = ["### Instructions: valgrind's callgrind", ""]
    if not functions("instructions"):
        return md + ["> No lesson asks for instruction counts (lessons/lessons.toml, `instructions`).", ""]
    if shutil.which("valgrind") is None:
        return md + [
            "> valgrind is not installed, so nothing was counted. On Linux, `just doctor --install` installs it; "
            "valgrind does not run on Windows or on Apple-silicon Macs.",
            "",
        ]
    try:
        rows = measure_instructions(builds, sizes)
    except RuntimeError as err:
        return md + [f"> callgrind failed: {str(err).strip().splitlines()[-1:]}", ""]
    small, large = sizes
    header = ["version", "one call on 'ab'", *[f"per character: {texts.LABELS[kind]}" for kind in KINDS]]
    body = [[row["name"], f"{row['call']:,}", *[per_char(row["per_char"][kind]) for kind in KINDS]] for row in rows]
    instructions_chart(rows, out / "instructions.png", stamp)
    parts_md = []
    for lesson, function in functions("call_breakdown"):
        try:
            parts = call_breakdown(build.checkpoint_site(lesson, "release"), function)
        except RuntimeError as err:
            parts_md += [f"> callgrind could not take one call apart: {str(err).strip().splitlines()[-1:]}", ""]
            continue
        parts_md += [
            f"Where the {parts[0][1]:,} instructions of one call `{function}('ab')` go (lesson {lesson.number}, "
            "release; each function with what it calls, so the shares overlap):",
            "",
            report.table(
                ["function", "instructions", "share of the call"],
                [[f"`{name}`", f"{n:,}", f"{share:.0%}"] for name, n, share in parts],
            ),  # fmt: skip
            "",
        ]
    return md + [
        "Counted from the moment CPython enters the Rust function to the moment it returns, so Python's "
        "own start-up and the making of the texts count nothing. *Per character* is the difference "
        f"between a call on {large:,} characters and one on {small:,}, divided by the {large - small:,} "
        "characters between: what each extra character costs, the fixed cost left out.",
        "",
        report.table(header, body),
        "",
        "![Instructions per character, per version, log scale](results/instructions.png)",
        "",
        *parts_md,
    ]


# --- the recipe -------------------------------------------------------------------------------


def sizes_pair(text: str) -> tuple[int, int]:
    try:
        small, large = sorted(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not two sizes such as 1000,100000") from None
    if small < 3 or large <= small:
        raise argparse.ArgumentTypeError("the two sizes must be different, and more than 2 characters each")
    return small, large


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="just profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=LINES, metavar="N",
                        help=f"lines of text the profiled script makes and analyses (default: {LINES:,})")  # fmt: skip
    parser.add_argument("--sizes", type=sizes_pair, default=SIZES, metavar="SMALL,LARGE",
                        help="characters of the texts callgrind counts on (default: 1000,100000)")  # fmt: skip
    parser.add_argument("--builds", default="dev,release", metavar="dev,release",
                        help="which builds callgrind counts (default: both)")  # fmt: skip
    ns = parser.parse_args(argv)
    builds = [b for b in ns.builds.split(",") if b]
    if not builds or not set(builds) <= {"dev", "release"}:
        parser.error(f"--builds takes dev, release or both, not {ns.builds!r}")
    out = results.RESULTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    stamp = report.new_stamp()
    md = ["<!-- Written by `just profile`: measured on this machine, not typed in. -->", ""]
    md += sampling_section(out, ns.lines)
    md += [report.stamp_markdown(stamp, beside=""), ""]
    results.publish("profile", "\n".join(md), stamp)
    counted = ["<!-- Written by `just profile`: counted on this machine, not typed in. -->", ""]
    counted += instructions_section(out, builds, ns.sizes, stamp)
    counted += [report.stamp_markdown(stamp, beside=""), ""]
    results.publish("instructions", "\n".join(counted), stamp)
    machine_code.write_report(stamp)
    print(f"The flame graph: {out}/profile-flame.svg")
    return 0
