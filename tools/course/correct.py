"""Who is right on every kind of input, and what a call costs in memory, generated.

A chapter that lists the `correct` report (lessons/lessons.toml) shows what the
versions get wrong, and a cost nobody saw, without pasting a single answer: `just race`
(and `just race --check-only`) calls every version on the inputs below and writes
book/src/results/correct.md:

1. each version's answer on a few small inputs beyond ASCII, a lone surrogate and
   bytes, against the oracle's;
2. the smallest str on which hypothesis finds each version wrong, searching every kind
   of str (lone surrogates included), as verify's `every_input` does;
3. how much bigger `sys.getsizeof` says a str is after one call: taking `&str` makes
   CPython build a UTF-8 copy of a non-ASCII str and keep it inside the str.

The versions are the race's own contenders made from the lessons (peers.py): every
function of doubles.py a lesson verifies other than the oracle, from the first
checkpoint that has it, and every Rust function the lessons list as contenders, each
from its own checkpoint, release build.
"""

from __future__ import annotations

import re
import sys

from . import oracle, peers, report, results
from .measure import Contender

# The inputs of the answers table: how to write each, and the value.
INPUTS = [
    ("'ééé'", "ééé"),
    ("'\\u1000'", "\u1000"),  # one character, E1 80 80 in UTF-8: a double in bytes only
    ("'a\\ud800\\ud800b'", "a\ud800\ud800b"),  # two lone surrogates side by side
    ("b'aab'", b"aab"),
]
# The strs of the memory table: one per storage kind, and how big each is.
MEMORY_CHARACTERS = [("ASCII", "a"), ("Latin-1", "é"), ("2 bytes", "日"), ("4 bytes", "🦀")]
MEMORY_SIZE = 100_000


def versions() -> list[Contender]:
    """The lessons' own versions, as the race makes them: Python ones, and each Rust one's release build."""
    return [*peers.python_from_lessons(), *peers.rust_from_lessons(("release",))]


def said(outcome) -> str:
    """An answer, or an exception's name (soft hyphens: a narrow column may break it)."""
    if isinstance(outcome, BaseException):
        return re.sub(r"(?<=[a-z])(?=[A-Z])", "\u00ad", type(outcome).__name__)
    return str(outcome)


def cell(v: Contender, value, loop) -> str:
    """✓ the loop's answer; "bytes:" a byte count, as designed; ✗ anything else."""
    got = oracle.outcome(v.run, value)
    if oracle.agree(got, oracle.outcome(loop, value)):
        return f"✓ {said(got)}"
    if v.ascii_only and oracle.agree(got, oracle.outcome(oracle.count_utf8(loop), value)):
        return f"bytes: {said(got)}"
    return f"✗ {said(got)}"


def answers_table(vs: list[Contender], loop) -> str:
    header = ["version", *[f"`{written}`" for written, _ in INPUTS]]
    body = [["the Python loop", *[str(loop(value)) for _, value in INPUTS]]]
    body += [[v.name, *[cell(v, value, loop) for _, value in INPUTS]] for v in vs]
    return report.table(header, body)


def smallest_failure(run, right, surrogates: bool, loop) -> str:
    """The smallest str hypothesis finds `run` disagreeing with `right` on, in one cell."""

    def wrong(text) -> bool:
        return not oracle.agree(oracle.outcome(run, text), oracle.outcome(right, text))

    found = oracle.search(oracle.text_strategy(surrogates=surrogates), wrong)
    if found is None:
        return "none found"
    got = oracle.outcome(run, found)
    if isinstance(got, BaseException):
        return f"`{oracle.shown(found)}` raises {type(got).__name__}"
    return f"`{oracle.shown(found)}` gives {got}, the loop {loop(found)}"


def smallest_failures(vs: list[Contender], loop) -> str:
    header = ["version", "against the loop, any str but lone surrogates", "against its promise, any str"]
    body = []
    for v in vs:
        promise = oracle.count_utf8(loop) if v.ascii_only else loop
        body.append([v.name, smallest_failure(v.run, loop, False, loop), smallest_failure(v.run, promise, True, loop)])
    return report.table(header, body)


def memory_table(vs: list[Contender]) -> str:
    header = ["", *[f"{MEMORY_SIZE:,} × `{ch}` ({kind})" for kind, ch in MEMORY_CHARACTERS]]
    body = [["before any call", *[f"{sys.getsizeof(ch * MEMORY_SIZE):,} bytes" for _, ch in MEMORY_CHARACTERS]]]
    for v in vs:
        cells = []
        for _, ch in MEMORY_CHARACTERS:
            text = ch * MEMORY_SIZE  # a new str each time, never called with before
            before = sys.getsizeof(text)
            oracle.outcome(v.run, text)
            grown = sys.getsizeof(text) - before
            cells.append(f"**+{grown:,} bytes**" if grown else "unchanged")
        body.append([f"after {v.name}", *cells])
    return report.table(header, body)


def render(vs: list[Contender], loop, stamp: dict) -> str:
    return "\n".join(
        [
            "<!-- Written by `just race`: computed on this machine, not typed in. -->",
            "",
            "**Answers.** Each version called once on each input: ✓ where it gives the Python loop's answer; "
            + "*bytes:* where a version that compares bytes gives what it promises, the count over the text's "
            + "UTF-8 bytes (and, for a lone surrogate, the UnicodeEncodeError that `str.encode()` raises too): "
            + "the documented flaw of counting bytes, not a bug; ✗ anything else.",
            "",
            answers_table(vs, loop),
            "",
            "**What hypothesis finds.** For each version, the smallest str on which it disagrees with the "
            + "loop (first column), and with what it promises (second column: the loop for the versions that "
            + "compare characters, the count over UTF-8 bytes for those that compare bytes). Hypothesis tries "
            + f"{oracle.SEARCH_EXAMPLES} texts of up to 40 characters, then shrinks the first failure it meets.",
            "",
            smallest_failures(vs, loop),
            "",
            "**Memory.** `sys.getsizeof` of a new str before any call, and after one call of each version.",
            "",
            memory_table(vs),
            "",
            report.stamp_markdown(stamp, beside=""),
            "",
        ]
    )


def write_report() -> None:
    """Compute correct.md and publish it with the other results."""
    print("Checking who is right beyond ASCII, and what a call costs in memory...", flush=True)
    stamp = report.new_stamp()
    results.publish("correct", render(versions(), oracle.oracle(), stamp), stamp)
