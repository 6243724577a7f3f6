"""Lesson 5: Rust compares bytes instead of characters.

Build the Rust module, then run the tests and the benchmarks:
    maturin develop
    pytest doubles.py
"""

# ANCHOR: imports
import os
import random
import string

import numpy as np
import pytest

import string_doubles  # the Rust module: src/lib.rs

# ANCHOR_END: imports


# ANCHOR: count_doubles
def count_doubles(val: str) -> int:
    """Count the places where a character is followed by the same character.

    >>> count_doubles("abbcCddef")
    2
    """
    total = 0
    for c1, c2 in zip(val, val[1:]):
        if c1 == c2:
            total += 1
    return total
# ANCHOR_END: count_doubles


# ANCHOR: count_doubles_numpy
def count_doubles_numpy(val: str) -> int:
    """Compare the text with itself shifted by one, all at once, in numpy.

    It compares bytes, not characters: right for ASCII text only.
    """
    ng = np.frombuffer(bytes(val, "UTF-8"), dtype=np.byte)
    return int(np.sum(ng[:-1] == ng[1:]))
# ANCHOR_END: count_doubles_numpy


# ANCHOR: input
# The benchmark input: one million random ASCII letters, the same on every run.
# DOUBLES_SIZE shrinks it (the course's own tests run every benchmark on a tiny input).
SIZE = int(os.environ.get("DOUBLES_SIZE", 1_000_000))
random.seed(0)
val = "".join(random.choice(string.ascii_letters) for _ in range(SIZE))
# ANCHOR_END: input

# ANCHOR: examples
# Small cases whose answers you can check by eye.
EXAMPLES = {"": 0, "a": 0, "ab": 0, "aa": 1, "aaa": 2, "aAa": 0, "abbcCddef": 2}


@pytest.mark.parametrize("text", EXAMPLES)
def test_examples(text):
    assert count_doubles(text) == EXAMPLES[text]
    assert string_doubles.count_doubles(text) == count_doubles(text)
    assert count_doubles_numpy(text) == count_doubles(text)
    assert string_doubles.count_doubles_bytes(text) == count_doubles(text)
# ANCHOR_END: examples


# ANCHOR: benchmarks
def test_pure_python(benchmark):
    benchmark(count_doubles, val)


def test_rust(benchmark):
    assert benchmark(string_doubles.count_doubles, val) == count_doubles(val)


def test_numpy(benchmark):
    assert benchmark(count_doubles_numpy, val) == count_doubles(val)


def test_rust_bytes(benchmark):
    assert benchmark(string_doubles.count_doubles_bytes, val) == count_doubles(val)
# ANCHOR_END: benchmarks
