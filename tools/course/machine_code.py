"""What a compiled Rust function really does: its machine code, generated.

A chapter that asks whether the release build turns a loop into vector instructions
declares the function in lessons/lessons.toml (`machine_code`). Rather than paste an
answer that is true for one compiler on one processor, `just profile` compiles each
such checkpoint itself to assembly (`cargo rustc --release -- --emit asm`, the same
profile as its release build), finds the function's innermost loops, and writes
book/src/results/machine-code.md: the hot loop's instructions, how many there are,
how many bytes of text one trip round the loop advances, and whether it uses vector
registers.

The reading of the assembly is deliberately simple: it understands x86-64 (AT&T
syntax, rustc's default) and AArch64; on anything else the listing is shown without
the counts.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

from . import build, manifest

_LABEL = re.compile(r"^([\w.$]+):")
# bytes a vector register holds, by the name of its register file
_VECTOR = {"xmm": 16, "ymm": 32, "zmm": 64, "v": 16, "q": 16}
_X86_VECTOR = re.compile(r"%([xyz]mm)\d+")
_ARM_VECTOR = re.compile(r"(?<![\w%.])(v)\d+\b|(?<![\w%.])(q)\d+\b")


@dataclass(frozen=True)
class Loop:
    label: str
    lines: list[str]  # the listing, label first
    instructions: int
    stride: int | None  # bytes of text one trip advances; None where we can't tell
    vector: int  # instructions that use a vector register
    vector_bytes: int | None  # how many bytes one of those registers holds


# --- generating the assembly -----------------------------------------------------------


def assembly(lesson: manifest.Lesson) -> str:
    """The checkpoint's library as assembly, release profile. A folder of its own in the
    shared target, so the builds `just verify` and the race use are left untouched."""
    target = build.TARGET_DIR / "asm"
    build.claim_slot(lesson.path, "asm", target)  # a different checkpoint than last time is compiled anew
    cmd = ["cargo", "rustc", "--quiet", "--release", "--lib", "--locked",
           "--manifest-path", str(lesson.path / "Cargo.toml"), "--", "--emit", "asm"]  # fmt: skip
    env = {**os.environ, "CARGO_TARGET_DIR": str(target), "PYO3_PYTHON": build.interpreter()}
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed:\n{result.stderr}")
    (path,) = (target / "release" / "deps").glob("string_doubles*.s")
    return path.read_text()


# --- reading it ------------------------------------------------------------------------


def _is_instruction(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith((".", "#", "//", ";", "@")) and not _LABEL.match(text)


def function_body(asm: str, name: str) -> list[str]:
    """The lines of the function `name`, or of PyO3's wrapper around it when the
    compiler inlined it there (it usually does)."""
    lines = asm.splitlines()
    starts = {}
    for i, line in enumerate(lines):
        match = _LABEL.match(line)
        if match and any(".cfi_startproc" in later for later in lines[i + 1 : i + 3]):
            starts[match.group(1)] = i
    # legacy Rust mangling spells each path segment as its length and its name
    for wanted in (f"{len(name)}{name}17h", f"{len(name) + 13}__pyfunction_{name}17h"):
        for label, i in starts.items():
            if wanted in label:
                end = next(j for j in range(i, len(lines)) if ".cfi_endproc" in lines[j])
                return lines[i : end + 1]
    raise LookupError(f"no function {name} in the assembly")


def loops(body: list[str]) -> list[tuple[int, int]]:
    """(first, last) line of every loop: a label and a later jump back to it. Innermost only."""
    labels = {}
    found = []
    for i, line in enumerate(body):
        if match := _LABEL.match(line.strip()):
            labels[match.group(1)] = i
        elif _is_instruction(line):
            operands = re.split(r"[\s,]+", line.strip())[1:]
            for label in operands:
                if label in labels:
                    found.append((labels[label], i))
    return [(a, b) for a, b in found if not any(a <= c and d <= b and (c, d) != (a, b) for c, d in found)]


def _register(name: str) -> str:
    """One name per register: %esi and %rsi, w8 and x8 are the same."""
    name = name.lstrip("%")
    if re.fullmatch(r"e[a-z]{2}", name):
        return "r" + name[1:]
    if re.fullmatch(r"r\d+[dwb]", name):
        return name[:-1]
    if re.fullmatch(r"w\d+", name):
        return "x" + name[1:]
    return name


def stride(lines: list[str]) -> int | None:
    """How far the loop moves its pointers into the text on one trip, in bytes."""
    addressing, steps = set(), {}
    for line in lines:
        text = line.strip()
        for base, index in re.findall(r"\((%\w+)?(?:,(%\w+))?", text):  # x86: disp(%base,%index)
            addressing |= {_register(r) for r in (base, index) if r}
        for base, index in re.findall(r"\[(\w+)(?:,\s*(\w+))?", text):  # AArch64: [x8, #1], [x0, x8]
            addressing |= {_register(r) for r in (base, index) if r and not r.startswith("#")}
        step = None
        if m := re.fullmatch(r"(add|sub)[bwlq]?\s+\$(-?\d+),\s*(%\w+)", text):
            step = (m.group(3), int(m.group(2)) * (1 if m.group(1) == "add" else -1))
        elif m := re.fullmatch(r"inc[bwlq]?\s+(%\w+)", text):
            step = (m.group(1), 1)
        elif (m := re.fullmatch(r"lea[lq]?\s+(-?\d+)\((%\w+)\),\s*(%\w+)", text)) and _register(
            m.group(2)
        ) == _register(m.group(3)):
            step = (m.group(3), int(m.group(1)))
        elif (m := re.fullmatch(r"add\s+(\w+),\s*(\w+),\s*#(\d+)", text)) and _register(m.group(1)) == _register(
            m.group(2)
        ):
            step = (m.group(1), int(m.group(3)))
        elif m := re.search(r"\[(\w+)\],\s*#(-?\d+)", text):  # AArch64 post-index: [x8], #16
            step = (m.group(1), int(m.group(2)))
        if step:
            steps[_register(step[0])] = steps.get(_register(step[0]), 0) + step[1]
    moves = [step for register, step in steps.items() if register in addressing and step > 0]
    return max(moves) if moves else None


def analyse(lines: list[str]) -> Loop:
    instructions = [line for line in lines if _is_instruction(line)]
    vector_files = [m for line in instructions for m in _X86_VECTOR.findall(line) + _ARM_VECTOR.findall(line)]
    vector_files = [m if isinstance(m, str) else next(x for x in m if x) for m in vector_files]
    vector = sum(1 for line in instructions if _X86_VECTOR.search(line) or _ARM_VECTOR.search(line))
    widest = max((_VECTOR[f] for f in vector_files), default=None)
    return Loop(_LABEL.match(lines[0].strip()).group(1), lines, len(instructions), stride(lines), vector, widest)


def hot_loops(asm: str, name: str) -> list[Loop]:
    """The function's innermost loops, the one that covers the most bytes a trip first."""
    body = function_body(asm, name)
    found = [analyse(body[a : b + 1]) for a, b in loops(body)]
    return sorted(found, key=lambda loop: (-(loop.stride or 0), -loop.instructions))


# --- the report ------------------------------------------------------------------------


def render(found: list[Loop], function: str, machine: str, rustc: str) -> str:
    md = []
    if not found:
        return "\n".join([*md, f"The compiler left no loop in `{function}` on {machine} ({rustc}).", ""])
    hot, rest = found[0], found[1:]
    md += [
        f"The innermost loop of `{function}` as {rustc} compiled it for release on this machine ({machine}); "
        "the listing is the compiler's own output, with its label first and its jump back at the end:",
        "",
        "```text",
        *[line.replace("\t", "    ").rstrip() for line in hot.lines],
        "```",
        "",
    ]
    facts = [["instructions in one trip round the loop", f"{hot.instructions}"]]
    if hot.stride:
        facts += [
            ["bytes of text one trip advances", f"{hot.stride}"],
            ["instructions per byte of text", f"{hot.instructions / hot.stride:.1f}"],
        ]
    else:
        facts.append(["bytes of text one trip advances", "not worked out for this processor"])
    facts.append(["instructions that use vector registers", f"{hot.vector} of {hot.instructions}"])
    if hot.vector_bytes:
        facts.append(["bytes one of those vector registers holds", f"{hot.vector_bytes}"])
    md += ["| what the loop shows | here |", "| --- | --- |", *[f"| {a} | {b} |" for a, b in facts], ""]
    if hot.vector and hot.stride and hot.vector_bytes and hot.stride < hot.vector_bytes:
        md.append(
            f"So the compiler did use vector instructions, yet one trip handles {hot.stride} bytes of text "
            f"where one vector register could hold {hot.vector_bytes}."
        )
    elif not hot.vector and hot.stride:
        md.append(f"So this loop uses no vector instructions: it handles {hot.stride} byte(s) of text per trip.")
    for loop in rest:
        what = f"{loop.stride} byte(s) a trip" if loop.stride else "an unknown number of bytes a trip"
        md.append(
            f"A second loop, `{loop.label}` ({loop.instructions} instructions, {what}), handles what is left over."
        )
    return "\n".join([*md, ""])


def wanted() -> list[tuple[manifest.Lesson, str]]:
    """(lesson, function) for every function a lesson's `machine_code` names, in order."""
    return [(lesson, item.split(":")[1]) for lesson in manifest.load() for item in lesson.machine_code]


def write_report(stamp: dict) -> None:
    """Publish machine-code.md; on failure, say so in the report instead of stopping the recipe."""
    from . import report, results

    md = []
    functions = wanted()
    for lesson, function in functions:
        md += [f"<!-- Written by `just profile` from lessons/{lesson.dir}, compiled on this machine: not typed in. -->",
               ""]  # fmt: skip
        if len(functions) > 1:
            md += [f"#### `{function}`, lesson {lesson.number}", ""]
        print(f"Compiling lesson {lesson.number}'s Rust to assembly...", flush=True)
        try:
            md.append(render(hot_loops(assembly(lesson), function), function, stamp["machine"], stamp["rust"]))
        except (RuntimeError, LookupError, OSError, ValueError) as err:
            text = f"> The assembly of `{function}` could not be made or read on this machine: {err}\n"
            print(text)
            md.append(text)
    if not functions:
        md.append("> No lesson asks for machine code (lessons/lessons.toml, `machine_code`).\n")
    md += [report.stamp_markdown(stamp, beside=""), ""]
    results.publish("machine-code", "\n".join(md), stamp)
