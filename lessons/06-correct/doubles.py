"""Lesson 6: right on every str, checked by hypothesis against the loop.

Build the Rust module, then run the tests and the benchmarks:
    maturin develop
    pytest doubles.py
"""

# ANCHOR: imports
import os
import random
import string
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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


# ANCHOR: every_str
# Every kind of str CPython stores: one byte per character (up to U+00FF), two (up to
# U+FFFF, lone surrogates such as "\ud800" included) or four. A few characters repeat
# often, so that the texts have doubles, among them look-alikes of "a" (U+0061): code
# points that end in the same byte (U+0161) or the same two bytes (U+10061).
# (st.text() would leave lone surrogates out: a list of characters, joined, keeps them.)
def texts(highest: int) -> st.SearchStrategy[str]:
    look_alikes = [c for c in "\u0161\U00010061" if ord(c) <= highest]
    often = st.sampled_from(["a", "a", chr(highest), chr(highest), *look_alikes])
    return st.lists(often | st.characters(max_codepoint=highest), max_size=60).map("".join)


EVERY_STR = texts(0x7F) | texts(0xFF) | texts(0xFFFF) | texts(0x10FFFF)


@given(EVERY_STR)
def test_rust_counts_characters_in_every_str(text):
    assert string_doubles.count_doubles(text) == count_doubles(text)


@given(EVERY_STR)
def test_rust_bytes_counts_the_utf8_bytes_of_every_str(text):
    try:
        utf8 = text.encode()
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8
        with pytest.raises(UnicodeEncodeError):
            string_doubles.count_doubles_bytes(text)
    else:
        assert string_doubles.count_doubles_bytes(text) == count_doubles(utf8)
# ANCHOR_END: every_str


# ANCHOR: memory
def test_rust_leaves_no_utf8_copy_inside_the_str():
    text = "é" * 100_000  # stored as one byte per character; two bytes each in UTF-8
    before = sys.getsizeof(text)
    string_doubles.count_doubles(text)
    string_doubles.count_doubles_bytes(text)
    assert sys.getsizeof(text) == before
# ANCHOR_END: memory


# ANCHOR: benchmarks
def test_pure_python(benchmark):
    benchmark(count_doubles, val)


def test_rust(benchmark):
    assert benchmark(string_doubles.count_doubles, val) == count_doubles(val)


def test_numpy(benchmark):
    assert benchmark(count_doubles_numpy, val) == count_doubles(val)


def test_rust_bytes(benchmark):
    assert benchmark(string_doubles.count_doubles_bytes, val) == count_doubles(val)


def test_rust_beyond_ascii(benchmark):
    accented = "".join(random.choice("éèêëàçñü") for _ in range(SIZE))
    assert benchmark(string_doubles.count_doubles, accented) == count_doubles(accented)
# ANCHOR_END: benchmarks
