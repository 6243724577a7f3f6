"""Lesson 8: a small analysis to profile. Which lines of a text have the most doubles?

    python analyse.py                # 500,000 lines of made-up text
    python analyse.py --lines 1000   # a quick run

It does what an analysis script often does: make (or load) some data, call a fast
function once on all of it and once per piece, and summarise. Before making any part
of it faster, find out where its time goes: `just profile` runs it under a sampling
profiler (py-spy, which sees the Python and the Rust frames together) and under
Python's own cProfile, and the book shows both.
"""

# ANCHOR: top
from __future__ import annotations

import argparse
import random

import string_doubles  # the Rust module: src/lib.rs


def make_text(lines: int, seed: int = 0) -> str:
    """`lines` lines of twelve made-up words each, the same on every run."""
    rng = random.Random(seed)
    words = ["".join(rng.choices("abcdefghij", k=rng.randint(2, 9))) for _ in range(2_000)]
    return "\n".join(" ".join(rng.choices(words, k=12)) for _ in range(lines))
# ANCHOR_END: top


# ANCHOR: analyse
def doubles_per_line(text: str) -> list[int]:
    """One call into Rust per line: many short strings."""
    return [string_doubles.count_doubles(line) for line in text.splitlines()]


def analyse(text: str, top: int = 3) -> dict:
    """The whole text in one call, then line by line, then the lines with most doubles."""
    total = string_doubles.count_doubles(text)
    per_line = doubles_per_line(text)
    ranked = sorted(range(len(per_line)), key=per_line.__getitem__, reverse=True)
    return {"total": total, "lines": len(per_line), "top": [(i + 1, per_line[i]) for i in ranked[:top]]}
# ANCHOR_END: analyse


# ANCHOR: main
def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500_000, help="how many lines of text (default: 500,000)")
    args = parser.parse_args(argv)
    result = analyse(make_text(args.lines))
    print(f"{result['total']:,} doubles in {result['lines']:,} lines")
    for number, count in result["top"]:
        print(f"  line {number:,}: {count} doubles")
    return result


if __name__ == "__main__":
    main()
# ANCHOR_END: main
