"""Lesson 1, your turn: the function we want to make fast, in plain Python.

Write count_doubles and its benchmark below, then check your work with:
    just verify      (or: just watch, to check again each time you save)
"""

import os
import random
import string

import pytest


# ANCHOR: count_doubles
def count_doubles(val: str) -> int:
    """Count the places where a character is followed by the same character.

    >>> count_doubles("abbcCddef")
    2

    Pair each character with the next one (zip does the pairing: zip(val, val[1:]))
    and add one to a total for every pair of equal characters.
    """
    raise NotImplementedError("count_doubles: your turn")
# ANCHOR_END: count_doubles


# The benchmark input: one million random ASCII letters, the same on every run.
# DOUBLES_SIZE shrinks it (the course's own tests run every benchmark on a tiny input).
SIZE = int(os.environ.get("DOUBLES_SIZE", 1_000_000))
random.seed(0)
val = "".join(random.choice(string.ascii_letters) for _ in range(SIZE))

# Small cases whose answers you can check by eye.
EXAMPLES = {"": 0, "a": 0, "ab": 0, "aa": 1, "aaa": 2, "aAa": 0, "abbcCddef": 2}


@pytest.mark.parametrize("text", EXAMPLES)
def test_examples(text):
    assert count_doubles(text) == EXAMPLES[text]


# ANCHOR: benchmarks
def test_pure_python(benchmark):
    # Your turn: time count_doubles on `val`. pytest-benchmark's `benchmark` fixture
    # calls the function you give it, with the arguments that follow, many times over.
    pass
# ANCHOR_END: benchmarks
