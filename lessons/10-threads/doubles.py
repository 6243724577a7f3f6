"""Lesson 10: every core, and Python threads that run while Rust counts.

Build the Rust module, then run the tests and the benchmarks:
    maturin develop
    pytest doubles.py
"""

# ANCHOR: imports
import array
import itertools
import os
import random
import string
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

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


# ANCHOR: long_runs
# Long texts too: runs of one character across the kernels' blocks of 32 bytes and their
# counters' flushes (every 255 blocks), in every storage kind.
RUNS = st.lists(st.tuples(st.sampled_from("ab\xe9\u65e5\U0001f980\ud800"), st.integers(1, 600)), max_size=30)


@given(RUNS)
def test_rust_counts_long_runs_in_every_str(runs):
    text = "".join(character * length for character, length in runs)
    assert string_doubles.count_doubles(text) == count_doubles(text)
    assert string_doubles.count_doubles(text.encode("utf-8", "surrogatepass")) == count_doubles(
        text.encode("utf-8", "surrogatepass"))
# ANCHOR_END: long_runs


# ANCHOR: bytes_like
# The same bytes in every form that shares its memory with Rust, strided views included.
def bytes_like(data: bytes) -> st.SearchStrategy:
    forms = [data, bytearray(data), memoryview(data), memoryview(data)[::2],
             np.frombuffer(data, dtype=np.uint8), np.frombuffer(data, dtype=np.byte)[::3]]  # fmt: skip
    return st.sampled_from(forms)


@given(st.binary(max_size=60).flatmap(bytes_like))
def test_rust_counts_bytes_in_every_bytes_like_object(data):
    assert string_doubles.count_doubles(data) == count_doubles(data)
    assert string_doubles.count_doubles_bytes(data) == count_doubles(data)


# Memory that can be written while Rust reads it (a bytearray, a numpy array, any view of
# them, read-only ones too) is copied out and the copy counted: long ones too. Afterwards
# the object is free again: a bytearray cannot grow while its buffer is lent out.
def test_rust_counts_writable_memory():
    rng = random.Random(6)
    data = bytes(rng.choice(b"aab") for _ in range(20_000)) + b"z" * 10_000
    array = np.frombuffer(bytearray(data), dtype=np.uint8)  # writable: a bytearray's memory
    for form in [bytearray(data), array, array[::3], memoryview(bytearray(data)).toreadonly()]:
        assert string_doubles.count_doubles(form) == count_doubles(bytes(form))
        assert string_doubles.count_doubles_bytes(form) == count_doubles(bytes(form))
    grows = bytearray(data)
    string_doubles.count_doubles(grows)
    grows += b"z"
    assert string_doubles.count_doubles(grows) == count_doubles(data) + 1


@pytest.mark.parametrize("wrong", [42, None, ["a", "a"], np.array([1, 1], dtype=np.int64), array.array("H", [7, 7])])
def test_rust_says_which_types_it_takes(wrong):
    with pytest.raises(TypeError, match="a str or a bytes-like object"):
        string_doubles.count_doubles(wrong)
    with pytest.raises(TypeError, match="a str or a bytes-like object"):
        string_doubles.count_doubles_bytes(wrong)
# ANCHOR_END: bytes_like


# ANCHOR: memory
def test_rust_leaves_no_utf8_copy_inside_the_str():
    text = "é" * 100_000  # stored as one byte per character; two bytes each in UTF-8
    before = sys.getsizeof(text)
    string_doubles.count_doubles(text)
    string_doubles.count_doubles_bytes(text)
    assert sys.getsizeof(text) == before
# ANCHOR_END: memory


# ANCHOR: threads
# Any number of threads gives the one-thread answer: each part of the input is counted on
# a thread of its own, and the pairs across the seams between parts are added back. A
# small number of items in many parts puts seams everywhere, even inside a run.
THREADS = st.integers(1, 8)


@given(EVERY_STR, THREADS)
def test_rust_counts_every_str_on_any_number_of_threads(text, threads):
    assert string_doubles.count_doubles(text, threads=threads) == count_doubles(text)
    if text.isascii():  # the bytes version counts bytes: the same answer for ASCII text
        assert string_doubles.count_doubles_bytes(text, threads=threads) == count_doubles(text)


@given(RUNS, THREADS)
def test_rust_counts_long_runs_on_any_number_of_threads(runs, threads):
    text = "".join(character * length for character, length in runs)
    assert string_doubles.count_doubles(text, threads=threads) == count_doubles(text)


@given(st.binary(max_size=60).flatmap(bytes_like), THREADS)
def test_rust_counts_bytes_like_objects_on_any_number_of_threads(data, threads):
    assert string_doubles.count_doubles(data, threads=threads) == count_doubles(data)
    assert string_doubles.count_doubles_bytes(data, threads=threads) == count_doubles(data)


@pytest.mark.parametrize("wrong", [0, -1])
def test_threads_must_be_one_or_more(wrong):
    with pytest.raises(ValueError, match="threads=1 or more"):
        string_doubles.count_doubles("aa", threads=wrong)
    with pytest.raises(ValueError, match="threads=1 or more"):
        string_doubles.count_doubles_bytes(b"aa", threads=wrong)


# A bytearray lends its memory to Rust for the whole count, while other Python threads
# run: resizing it meanwhile raises BufferError (its memory cannot move or be freed under
# the count), and once the count is done it can be resized again. 200 MB, so that each
# count takes a while; the bytes appended (0 and 1 in turn) make no new doubles, so every
# count is the same, whenever a resize got in.
def test_a_bytearray_being_counted_cannot_be_resized():
    repeats = 66_666_666
    grows = bytearray(b"aab") * repeats  # 200 MB; a double in each "aab"
    counts, refused = [], 0
    counted = threading.Event()

    def count():
        counts.extend(string_doubles.count_doubles(grows) for _ in range(5))
        counted.set()

    worker = threading.Thread(target=count)
    worker.start()
    for byte in itertools.cycle(b"\x00\x01"):
        if counted.is_set():
            break
        try:
            grows.append(byte)
        except BufferError:
            refused += 1
    worker.join()
    assert counts == [repeats] * 5
    assert refused > 0, "no resize was refused while Rust counted"
    grows.append(ord("a"))  # the count is done: the bytearray is free again
    grows.append(ord("a"))
    assert string_doubles.count_doubles(grows) == repeats + 1


# Writing in place while Rust reads is allowed (the bytearray keeps its size): a race,
# whose count is of some mix of the old and the new bytes, never a crash. Each byte
# written as "b" into a run of "a" takes away at most two doubles.
def test_a_bytearray_written_while_counted_gives_a_count_in_between():
    size = 50_000_000
    written = bytearray(b"a") * size
    counts = []
    worker = threading.Thread(target=lambda: counts.append(string_doubles.count_doubles(written)))
    worker.start()
    positions = range(7, size, size // 1000)
    for position in positions:
        written[position] = ord("b")
    worker.join()
    assert size - 1 - 2 * len(positions) <= counts[0] <= size - 1
    assert string_doubles.count_doubles(written) == size - 1 - 2 * len(positions)
# ANCHOR_END: threads


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


def test_rust_tiny(benchmark):
    # Two characters: next to no counting, so this times what every call costs.
    assert benchmark(string_doubles.count_doubles, "ab") == 0
# ANCHOR_END: benchmarks


# ANCHOR: thread_benchmarks
# Four texts, counted at once by four Python threads, each on one thread in Rust: they
# run side by side because the count lets go of the interpreter. (Before this lesson,
# they took turns.) Each text is 16 times the benchmark input.
def test_rust_in_python_threads(benchmark):
    texts = [val[shift:] + val[:shift] for shift in range(4)]
    texts = [text * 16 for text in texts]
    expected = [string_doubles.count_doubles(text, threads=1) for text in texts]

    with ThreadPoolExecutor(max_workers=4) as pool:

        def count_all():
            return list(pool.map(lambda text: string_doubles.count_doubles(text, threads=1), texts))

        assert benchmark(count_all) == expected


# One large text on every core (the default), and on one, to compare.
def test_rust_every_core(benchmark):
    large = val * 64
    assert benchmark(string_doubles.count_doubles, large) == string_doubles.count_doubles(large, threads=1)


def test_rust_one_core(benchmark):
    large = val * 64
    assert benchmark(string_doubles.count_doubles, large, threads=1) == string_doubles.count_doubles(large)
# ANCHOR_END: thread_benchmarks
