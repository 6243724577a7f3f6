"""Lesson 11: files bigger than memory, a chunk at a time, and a command that counts them.

Build the Rust module, then run the tests and the benchmarks:
    maturin develop
    pytest doubles.py
"""

# ANCHOR: imports
import array
import copy
import itertools
import os
import pickle
import random
import signal
import string
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import string_doubles  # the package: python/string_doubles/, its Rust in src/lib.rs
from string_doubles import DoublesCounter, count_doubles_file

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


# ANCHOR: streaming_inputs
# Files and streams: the byte sequences where UTF-8 decoders go wrong (cut short,
# overlong, surrogates encoded in UTF-8, above U+10FFFF, stray continuation bytes)
# between valid characters of 1 to 4 bytes, cut at random points, inside characters too.
# Every count is held to Python decoding the whole input at once, then the loop.
CHUNK = 1 << 16  # count_doubles_file reads 64 KiB at a time
HANDLERS = ["strict", "replace", "surrogateescape"]
ATOMS = [
    b"a", b"b", b"a" * 70, "é".encode(), "€".encode(), "😀".encode(), "\U0010ffff".encode(),
    "\ufffd".encode(),  # a real U+FFFD beside a replaced sequence is a double
    b"\x80", b"\xbf", b"\xc0\x80", b"\xe0\x80\x80", b"\xf0\x80\x80\x80", b"\xc1",
    b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xe0\xa0", b"\xed\xa0\x80", b"\xed\xbf\xbf",
    b"\xf4\x90\x80\x80", b"\xf5", b"\xfe", b"\xff",
]  # fmt: skip
EDGY = st.lists(st.sampled_from(ATOMS) | st.binary(min_size=1, max_size=3), max_size=60).map(b"".join)


@st.composite
def cut(draw, data=EDGY):
    """An input and the chunks it is cut into (empty chunks too)."""
    data = draw(data)
    points = sorted(draw(st.lists(st.integers(0, len(data)), max_size=10)))
    bounds = [0, *points, len(data)]
    return data, [data[a:b] for a, b in zip(bounds, bounds[1:])]


def decoded(data: bytes, errors: str):
    """What decoding the whole input in Python gives: the loop's count, or the error."""
    try:
        return count_doubles(data.decode("utf-8", errors))
    except UnicodeDecodeError as err:
        return err


def outcome(count):
    try:
        return count()
    except UnicodeDecodeError as err:
        return err


def same_outcome(ours, data: bytes, errors: str) -> None:
    """Our count, or our error, is Python's: the same invalid bytes at the same place in
    the input, for the same reason. (Our error's .object is a window of the input around
    the bytes, not the whole input; .position says where they are in it.)"""
    want = decoded(data, errors)
    if isinstance(want, UnicodeDecodeError):
        assert isinstance(ours, UnicodeDecodeError), (ours, want)
        window = ours.position - ours.start
        assert ours.object == data[window : window + len(ours.object)]
        where = (ours.position, ours.position + ours.end - ours.start, ours.reason)
        assert where == (want.start, want.end, want.reason)
    else:
        assert ours == want


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("files") / "input"


FIXTURE = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# ANCHOR_END: streaming_inputs


# ANCHOR: file_tests
@FIXTURE
@given(data=EDGY, errors=st.sampled_from(HANDLERS))
def test_file_counts_what_python_decodes(scratch, data, errors):
    scratch.write_bytes(data)
    ours = outcome(lambda: count_doubles_file(scratch, errors=errors))
    same_outcome(ours, data, errors)
    if isinstance(ours, UnicodeDecodeError) and ours.object == data:
        want = decoded(data, errors)  # a small file is all in the window: CPython's error, to the letter
        assert (str(ours), ours.start, ours.end) == (str(want), want.start, want.end)


@settings(FIXTURE, max_examples=40)
@given(data=EDGY, before=st.integers(0, 6), errors=st.sampled_from(HANDLERS))
def test_file_across_the_first_chunk_boundary(scratch, data, before, errors):
    """The sequences straddle the first 64 KiB: positions are the file's, not the chunk's."""
    data = b"ab" * ((CHUNK - before) // 2) + b"a" * ((CHUNK - before) % 2) + data
    scratch.write_bytes(data)
    same_outcome(outcome(lambda: count_doubles_file(scratch, errors=errors)), data, errors)


@settings(FIXTURE, max_examples=50)
@given(data=EDGY)
def test_file_bytes_and_pythons_codecs(scratch, data):
    scratch.write_bytes(data)
    assert count_doubles_file(scratch, encoding=None) == count_doubles(data)
    for encoding, errors in [("utf-8", "ignore"), ("latin-1", "strict"), ("utf-16-le", "replace")]:
        want = count_doubles(data.decode(encoding, errors))
        assert count_doubles_file(scratch, encoding=encoding, errors=errors) == want


def test_file_error_says_where_in_the_file(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"x" * 3_000_000 + b"\xff" + b"y" * 100)
    with pytest.raises(UnicodeDecodeError) as caught:
        count_doubles_file(path)
    err = caught.value
    assert str(err) == "'utf-8' codec can't decode byte 0xff in position 32: invalid start byte"
    assert err.position == 3_000_000 and len(err.object) == 65  # a window, not the file
    assert err.__notes__ == [f"in {str(path)!r} at byte 3000000 (.object is its bytes 2999968 to 3000033)"]


def test_file_ends_inside_a_character(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(b"a" * CHUNK + b"\xe2\x82")
    with pytest.raises(UnicodeDecodeError, match="unexpected end of data") as caught:
        count_doubles_file(path)
    assert caught.value.position == CHUNK
    assert count_doubles_file(path, errors="replace") == CHUNK - 1


def test_file_errors_read_like_opens(tmp_path):
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError) as ours:
        count_doubles_file(missing)
    with pytest.raises(FileNotFoundError) as theirs:
        open(missing, "rb")
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(IsADirectoryError):
        count_doubles_file(tmp_path)
    with pytest.raises(LookupError, match="unknown encoding"):
        count_doubles_file(__file__, encoding="no-such-codec")
    with pytest.raises(ValueError, match="errors= is for decoding text"):
        count_doubles_file(__file__, encoding=None, errors="replace")
    with pytest.raises(TypeError):
        count_doubles_file(__file__, "utf-8")  # keywords only


def test_file_reports_progress(tmp_path):
    path = tmp_path / "three-chunks.txt"
    path.write_bytes(b"ab" * (CHUNK + 10))
    seen = []
    assert count_doubles_file(path, progress=seen.append) == 0
    assert seen == [CHUNK, CHUNK, 20]
# ANCHOR_END: file_tests


# ANCHOR: counter_tests
@settings(deadline=None)
@given(cut(), st.sampled_from(HANDLERS), st.sampled_from([bytes, bytearray, memoryview]))
def test_counter_any_chunking_counts_the_whole(data_chunks, errors, kind):
    data, chunks = data_chunks

    def count():
        counter = DoublesCounter(errors=errors)
        for chunk in chunks:
            counter.update(kind(chunk))
        return counter.finish()

    same_outcome(outcome(count), data, errors)


@settings(deadline=None)
@given(cut(), st.sampled_from(HANDLERS), st.data())
def test_counter_pickled_mid_character_goes_on(data_chunks, errors, draw):
    data, chunks = data_chunks
    at = draw.draw(st.integers(0, len(chunks)))

    def count():
        counter = DoublesCounter(errors=errors)
        for chunk in chunks[:at]:
            counter.update(chunk)
        again = pickle.loads(pickle.dumps(counter))
        assert repr(again) == repr(counter) and again.__reduce__() == counter.__reduce__()
        for chunk in chunks[at:]:
            again.update(chunk)
        return again.finish()

    same_outcome(outcome(count), data, errors)


@settings(deadline=None)
@given(cut(), st.sampled_from(HANDLERS))
def test_counters_of_pieces_merge_into_the_whole(data_chunks, errors):
    """One counter per piece (as other processes would count them), merged in order."""
    data, pieces = data_chunks
    counters = []
    for piece in pieces:
        counter = DoublesCounter(errors=errors)
        try:
            counter.update(piece)
        except UnicodeDecodeError:
            # Bytes invalid inside a piece are invalid whatever comes before it.
            assert isinstance(decoded(data, errors), UnicodeDecodeError)
            return
        counters.append(counter)

    def merged():
        whole = DoublesCounter(errors=errors)
        for counter in counters:
            whole.merge(counter)
        return whole.finish()

    same_outcome(outcome(merged), data, errors)


@settings(deadline=None)
@given(cut(st.binary(max_size=200)))
def test_counter_of_bytes(data_chunks):
    data, chunks = data_chunks
    whole = DoublesCounter(encoding=None)
    for chunk in chunks:
        piece = DoublesCounter(encoding=None)
        piece.update(chunk)
        whole.merge(pickle.loads(pickle.dumps(piece)))
    assert whole.count == whole.finish() == count_doubles(data)


@settings(deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("aab€€😀\ud800\udc80\ufffd"), max_size=8), max_size=8))
def test_counter_counts_a_strs_characters(texts):
    counter = DoublesCounter()
    for text in texts:
        counter.update(text)
    assert counter.finish() == counter.count == count_doubles("".join(texts))


def test_counter_merges_itself_and_says_what_it_is():
    counter = DoublesCounter(encoding="UTF8", errors="replace")
    counter.update(b"ab\xe2\x82\xacb")
    counter.merge(copy.deepcopy(counter))  # "ab€b" twice: the seam "b" "a" is no double
    counter.merge(counter)
    assert counter.finish() == 0
    assert repr(counter) == "DoublesCounter(encoding='utf-8', errors='replace', count=0)"
    with pytest.raises(ValueError, match="cannot take one with encoding=None"):
        counter.merge(DoublesCounter(encoding=None))
    with pytest.raises(TypeError, match="update\\(\\) takes bytes, a bytes-like object or a str, not int"):
        counter.update(42)
    with pytest.raises(TypeError, match="counts bytes"):
        DoublesCounter(encoding=None).update("text")


def test_counter_strict_fault_leaves_it_as_it_was():
    counter = DoublesCounter()
    counter.update(b"aa")
    with pytest.raises(UnicodeDecodeError, match="invalid start byte"):
        counter.update(b"a\xffa")
    assert counter.count == 1
    counter.update(b"a")
    assert counter.finish() == 2
# ANCHOR_END: counter_tests


# ANCHOR: big_file_tests
# Memory stays flat: a fresh Python counts a file 12 times larger than the bound, in
# every mode, and its peak memory grows by less than the bound. Linux keeps a process's
# peak as VmHWM in /proc/self/status (ru_maxrss would not do: a child starts with its
# parent's). The control reads the file whole: the measurement does see it.
PEAK = textwrap.dedent("""
    import re, sys
    from pathlib import Path
    from string_doubles import count_doubles_file
    def peak():
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1]) * 1024
    path, how = sys.argv[1], sys.argv[2]
    count_doubles_file(sys.executable, encoding=None)  # load and touch everything once
    before = peak()
    if how == "read whole":
        whole = Path(path).read_bytes()
    else:
        for encoding, errors in [(None, "strict"), ("utf-8", "strict"), ("utf-8", "replace")]:
            count_doubles_file(path, encoding=encoding, errors=errors)
    print(peak() - before)
""")
BOUND = 8 * 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the peak memory Linux keeps")
def test_memory_stays_flat_on_a_file_many_times_larger(tmp_path):
    path = tmp_path / "big.txt"
    block = ("ab\naé€😀" * 10_000).encode()
    with open(path, "wb") as out:
        while out.tell() < 12 * BOUND:
            out.write(block)

    def peak(how):
        run = [sys.executable, "-c", PEAK, str(path), how]
        return int(subprocess.run(run, capture_output=True, text=True, check=True).stdout)

    try:
        assert peak("read whole") > 10 * BOUND
        assert peak("count") < BOUND
    finally:
        path.unlink()  # pytest keeps its last temporary folders: leave no 100 MB file there


# Ctrl-C stops a count within a fraction of a second: /dev/zero never ends, so only
# the interrupt, looked at between two chunks, stops it.
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_ctrl_c_stops_a_count(encoding):
    sent = []

    def interrupt():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.3, interrupt)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            count_doubles_file("/dev/zero", encoding=encoding)
        stopped = time.perf_counter()
    finally:
        timer.cancel()
    assert sent and stopped - sent[0] < 0.5
# ANCHOR_END: big_file_tests


# ANCHOR: command_tests
# The command, as a learner runs it (`python -m string_doubles.cli` is the console
# script `string-doubles`): a folder of files and a missing one.
def command(*args, **run):
    cmd = [sys.executable, "-m", "string_doubles.cli", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **run)


def test_command_counts_files_and_reports_a_missing_one(tmp_path):
    texts = {"one.txt": "aabb", "two.txt": "x€€€", "bad.txt": b"aa\xffaa"}
    for name, text in texts.items():
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    done = command("one.txt", "missing.txt", "bad.txt", "two.txt", cwd=tmp_path)
    assert done.returncode == 1
    # As wc does, counts are padded to the widest a count could be (19 bytes in all: 2 digits).
    assert done.stdout.splitlines() == [" 2 one.txt", " 2 two.txt", " 4 total"]
    assert done.stderr.splitlines() == [
        "string-doubles: missing.txt: No such file or directory",
        "string-doubles: bad.txt: not utf-8: invalid start byte, ff at byte 2",
    ]
    replaced = command("--errors", "replace", "bad.txt", "-", cwd=tmp_path, input="aaa")
    assert (replaced.returncode, replaced.stdout.split()) == (0, ["2", "bad.txt", "2", "-", "4", "total"])
    assert command("--bytes", "two.txt", cwd=tmp_path).stdout == "0 two.txt\n"  # €€ is e2 82 ac e2 82 ac


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_command_stops_on_ctrl_c_without_a_traceback():
    cmd = [sys.executable, "-m", "string_doubles.cli", "/dev/zero"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as running:
        time.sleep(1.0)  # started, and counting
        running.send_signal(signal.SIGINT)
        sent = time.perf_counter()
        out, err = running.communicate(timeout=10)
        stopped = time.perf_counter()
    assert running.returncode == 130 and "Traceback" not in err
    assert stopped - sent < 0.5
# ANCHOR_END: command_tests


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


def test_rust_file(benchmark, tmp_path):
    # The benchmark input as a file of UTF-8, counted a chunk at a time.
    path = tmp_path / "val.txt"
    path.write_text(val, encoding="utf-8")
    assert benchmark(count_doubles_file, path) == count_doubles(val)


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
