"""The checks behind `just verify`: does the working copy do what a lesson asks?

    python -m course.check LESSON [FOLDER]

runs in a fresh interpreter (after the working copy's Rust, if any, is built and
installed), so it imports exactly the code on disk. Each problem is said in a line or
two, in the order a learner should fix them, and never with a traceback of this
checker:

1. doubles.py cannot be read by Python: the error's line and message;
2. a module or a function the step needs is missing: its name, and where it belongs;
3. a function gives a wrong answer: the smallest input hypothesis finds and shrinks,
   with the Python loop's answer and the function's, and whether it fails only on
   text beyond ASCII;
4. the step wants a release build and pyproject.toml does not ask for one;
5. the learner's own tests in doubles.py fail (pytest says why), or a function of the
   step has no benchmark;
6. a build with a cargo feature that forces another kernel gives a wrong answer, or the
   crate's own `cargo test` fails;
7. last, once everything is right: a function costs too many instructions a character.

A check marked if_clean runs only while nothing before it has failed: a learner fixes
the first problem first, and waits for no other build or valgrind run meanwhile.

Each check is a Checker method registered once, with @check, under what asks for it: a
name of a lesson's `verify` (manifest.CHECKS lists them), a key of its manifest entry, or
every lesson; Checker.run runs the registered checks in their order. A new kind of check
is one method here and, for a `verify` name, one line in manifest.CHECKS.

Exit status: 0 when everything passes, 1 otherwise.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import ROOT, CourseError, build, callgrind, manifest, read_toml, texts
from .oracle import agree, count_utf8, oracle, outcome, search, shown, text_strategy

# Examples tried before hypothesis searches: the lesson's own, and texts beyond ASCII
# that catch byte comparisons ("H₂O": ₂ is E2 82 82, a double in bytes only).
FIXED_ASCII = ["", "a", "aa", "aaa", "ab", "aAa", "abbcCddef", "\n\n", "a a  b"]
FIXED_BEYOND_ASCII = ["éé", "H₂O", "日日本", "🦀🦀🐍", "ñandú", texts.make("accented", 300)]
# Lessons whose `every_input` lists "str" also try lone surrogates (a str can hold one;
# UTF-8 cannot) and look-alikes; "bytes-like", bytes-like objects and types to refuse.
FIXED_SURROGATES = ["a\ud800\ud800b", "\udfff\udfff", "\ud83e\udd80"]
# Look-alikes (oracle.LOOK_ALIKE): characters whose code points end in the same byte, or
# the same two bytes, as "a" (0x61): code that reads a wide item as a narrower one takes
# them for equal.
FIXED_LOOK_ALIKES = ["a\u0161", "\u0161\u0361", "a\U00010061", "\U00010061a\u0361"]
FIXED_BYTES = [b"", b"aa", b"abba", b"aab", b"xxyy"]


# Long inputs, where a kernel that counts in chunks or blocks can break: runs of one
# character whose length crosses every boundary a kernel of the lessons has, each
# written as the expression that makes it (a learner can paste it into Python):
# - 255 pairs, the most a one-byte counter holds (lengths 254 to 258: 253 to 257 pairs);
# - 32 x 255 bytes, the most a block of 32 byte counters holds, for items of 1, 2 and 4
#   bytes (8,160, 4,080 and 2,040 items), and a few items either side;
# - 4,096 (a page), and long runs of 10,000 and 100,000.
# The edges are written here as numbers, never derived from a kernel's constants: a
# test whose edges move with the constant under test cannot catch a wrong constant.
LONG_LENGTHS = (
    33, 64, 65, 254, 255, 256, 257, 258, 2039, 2040, 2041, 2042, 4079, 4080, 4081, 4082,
    4095, 4096, 4097, 8159, 8160, 8161, 8162, 8163, 10_000, 100_000,
)  # fmt: skip
# One character of each way CPython stores a str: ASCII, one byte beyond ASCII (Latin-1),
# two bytes (UCS-2) and four (UCS-4).
LONG_CHARACTERS = ("a", "\xe9", "\u65e5", "\U0001f980")
# Runs of two lengths, alternating: doubles and non-doubles in every block.
LONG_PATTERNS = ("('aab' * {n})", "('\u65e5\u65e5b' * {n})", "('\U0001f980\U0001f980\xe9' * {n})")
# Look-alikes in long texts: "a" beside characters whose code points end in the same
# byte (U+0161) or the same two bytes (U+10061), no double among them. Code that
# compares a wide item's bytes one at a time counts some.
LONG_LOOK_ALIKES = ("('a\u0161' * {n})", "('a\U00010061' * {n})", "('\u0161\u0361' * {n})")
LONG_REPEATS = (11, 22, 85, 86, 1360, 1361, 2721, 33_334)
# Bytes-like objects of long runs, one of them not starting on an aligned address.
LONG_BYTES = ("b'a' * {n}", "bytearray(b'a' * {n})", "memoryview(b'a' * ({n} + 1))[1:]")
LONG_BYTES_LENGTHS = (257, 8161, 8162, 10_000)


# Past a lesson's cut-over (its `cut_over`, a length from which its functions count
# another way): the runs of two lengths in the narrowest and the widest storage, and in
# bytes, each just longer than the cut-over, so that the other way is the one taken.
PAST_CUT_OVER = ("('aab' * {n})", "('\U0001f980\U0001f980\xe9' * {n})")
PAST_CUT_OVER_BYTES = ("b'aab' * {n}", "bytearray(b'aab' * {n})")


def long_inputs(bytes_like_too: bool, cut_over: int = 0) -> list[tuple[str, object]]:
    """The long inputs above, as (the expression, its value): str first, shortest first;
    then those past `cut_over`, if one is given."""
    written = [f"{c!r} * {n:_}" for c in LONG_CHARACTERS for n in LONG_LENGTHS]
    written += [pattern.format(n=f"{n:_}") for pattern in LONG_PATTERNS + LONG_LOOK_ALIKES for n in LONG_REPEATS]
    if bytes_like_too:
        written += [form.format(n=f"{n:_}") for form in LONG_BYTES for n in LONG_BYTES_LENGTHS]
    if cut_over:
        past = f"{cut_over // 3 + 1:_}"  # three items a repeat: 1 to 3 items past the cut-over
        written += [pattern.format(n=past) for pattern in PAST_CUT_OVER]
        written += [form.format(n=past) for form in PAST_CUT_OVER_BYTES] if bytes_like_too else []
    return [(text, eval(text)) for text in written]  # noqa: S307 (the course's own expressions)


# The size of doubles.py's benchmark input (its DOUBLES_SIZE) when only correctness
# matters: `just verify`, `just test` and the course's tests, benchmarks timed off.
DOUBLES_SIZE = "2000"

# What the TypeError of a lesson whose `every_input` lists "bytes-like" says: the tests the chapter shows match it.
TAKES = "a str or a bytes-like object"


def wrong_types() -> list:
    """What the functions of a lesson whose `every_input` lists "bytes-like" must refuse with TypeError: no
    buffer at all, or a buffer whose items are wider than one byte."""
    import array

    import numpy as np

    return [42, None, ["a", "a"], np.array([1, 1, 2], dtype=np.int64), array.array("H", [7, 7])]


# "vectorized": fewer machine instructions than this per character of ASCII text,
# counted by valgrind between calls on these two sizes. A loop over one item at a time
# takes about 10; the vector kernels well under 1, with AVX2 or without.
VECTORIZED = 2.0
VECTORIZED_SIZES = (1_000, 101_000)
# `no_copy`: one call on this many ASCII characters may allocate a COPY_FRACTION of it.
COPY_SIZE = 1_000_000
COPY_FRACTION = 100
# What to do instead of copying: for a function that compares bytes (the manifest's
# `ascii_only`), and for one that compares characters.
NO_COPY_ADVICE = {
    True: (
        "An ASCII str is stored as its own UTF-8: count those stored bytes where they lie (PyStringData::Ucs1, "
        "when the str is ASCII) instead of encoding a copy with encode_utf8()."
    ),
    False: "Read the str where CPython keeps it (PyStringMethods::data) instead of making a copy.",
}
# `runs_agree`: how a command runs with the Python loop in place of string_doubles:
# python -c STAND_IN FUNCTIONS SCRIPT ARGS..., FUNCTIONS the step's Rust functions, each
# replaced by the oracle (or, for one that compares bytes, the oracle over UTF-8 bytes).
STAND_IN = """
import runpy, sys, types
from course import manifest, oracle
loop, module = oracle.oracle(), types.ModuleType("string_doubles")
for item in filter(None, sys.argv[1].split(",")):
    setattr(module, item.split(":")[1], oracle.count_utf8(loop) if manifest.compares_bytes(item) else loop)
sys.modules["string_doubles"] = module
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
# `benchmarks`: how a benchmark gives a function each kind of input.
BENCHMARK_INPUTS = {
    "text beyond ASCII": "a text of characters beyond ASCII, such as accented letters",
    "a tiny input": 'a tiny input, such as "ab"',
}


# --- saying what went wrong ---------------------------------------------------------


def where_in(path: Path, err: BaseException) -> str:
    """ "doubles.py, line 12" for the deepest frame of `err` in `path`, or ""."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == path]
    return f"{path.name}, line {frames[-1].lineno}" if frames else ""


def unreadable(path: Path) -> str:
    """What Python says when it cannot read the file at `path` (syntax_error), or ""."""
    try:
        compile(path.read_bytes(), str(path), "exec")
    except SyntaxError as err:
        return syntax_error(err)
    return ""


def syntax_error(err: SyntaxError) -> str:
    lines = [f"Python can't read {Path(err.filename or 'doubles.py').name}, line {err.lineno}: {err.msg}"]
    if err.text:
        text = err.text.rstrip("\n")
        lines.append(f"    {text.strip()}")
        if err.offset:
            indent = len(text) - len(text.lstrip())
            lines.append("    " + " " * max(err.offset - 1 - indent, 0) + "^")
    return "\n".join(lines)


def raised(err: BaseException, path: Path) -> str:
    """One line for an exception a learner's function raised."""
    name = type(err).__name__
    if name == "PanicException":  # PyO3 turns a Rust panic into this BaseException
        return (
            f"panicked in Rust: {err}. Rust panics on indexing past the end of a slice (and, in a debug "
            "build, on arithmetic overflow; a release build wraps around instead), and PyO3 turns the panic "
            "into this exception."
        )
    if isinstance(err, NotImplementedError):
        return "raised NotImplementedError: it is not written yet."
    at = where_in(path, err)
    return f"raised {name}: {err}" + (f" (at {at})" if at else "")


def slow(what: str) -> None:
    """Say what is about to take a few seconds, before it does."""
    print(f"  {what}", flush=True)


def written_call(item: str) -> str:
    """How doubles.py names a function: count_doubles, or string_doubles.count_doubles."""
    module_name, function_name, _ = manifest.parse_call(item)
    return function_name if module_name == "doubles" else f"{module_name}.{function_name}"


def call_of(item: str, written: str) -> str:
    """An item called on an input written as `written`, with the item's keyword arguments:
    "string_doubles:count_doubles('aa')", "string_doubles:count_doubles('aa', option=3)"."""
    module_name, function_name, keywords = manifest.parse_call(item)
    arguments = [written, *(f"{name}={value!r}" for name, value in keywords.items())]
    return f"{module_name}:{function_name}({', '.join(arguments)})"


def bytes_like(data: bytes) -> list[tuple[str, object]]:
    """The same bytes in each bytes-like form `every_input` promises, each with how to write it."""
    import numpy as np

    return [
        (repr(data), data),
        (f"bytearray({data!r})", bytearray(data)),
        (f"memoryview({data!r})", memoryview(data)),
        (f"memoryview({data!r})[::2]", memoryview(data)[::2]),
        (f"np.frombuffer({data!r}, dtype=np.uint8)", np.frombuffer(data, dtype=np.uint8)),
        (f"np.frombuffer({data!r}, dtype=np.int8)", np.frombuffer(data, dtype=np.int8)),
    ]


def keeps_line_tables(cargo: dict, crate: str) -> bool:
    """Whether Cargo.toml's release profile (`cargo`, the file read) keeps debug information
    (line tables at least) for `crate`, for the whole profile or in a [profile.release.package.CRATE]."""
    release = cargo.get("profile", {}).get("release", {})
    setting = release.get("package", {}).get(crate, {}).get("debug", release.get("debug", False))
    return setting not in (False, 0, "none", None)


def our_crates(folder: Path, cargo: dict) -> list[str]:
    """The working copy's own crates: its package, and each workspace member's package
    (`cargo`: its Cargo.toml, read). A member whose Cargo.toml cannot be read is left out:
    other checks say it is missing."""
    names = [cargo["package"]["name"]] if "name" in cargo.get("package", {}) else []
    for member in cargo.get("workspace", {}).get("members", []):
        try:
            package = read_toml(folder / member / "Cargo.toml", "").get("package", {})
        except CourseError:
            continue
        names += [package["name"]] if "name" in package else []
    return names


# --- the checks ---------------------------------------------------------------------

# What asks for a check that every lesson gets.
EVERY_LESSON = ""


@dataclass(frozen=True)
class Check:
    """One check of `just verify`'s, registered once, with @check, on its Checker method."""

    serves: str  # a name of `verify` (manifest.CHECKS), a lesson key, or EVERY_LESSON
    order: int  # the checks run in this order, the order a learner should fix things in
    method: Callable[[Checker], None]
    if_clean: bool = False  # runs only when no check before it found a problem
    answers: bool = False  # one of the checks of the answers alone (--answers-only)

    def asked_by(self, lesson: manifest.Lesson) -> bool:
        """Whether `lesson` asks for this check: it names it in `verify`, or gives its key a value."""
        if self.serves == EVERY_LESSON:
            return True
        if self.serves in manifest.CHECKS:
            return self.serves in lesson.verify
        return bool(getattr(lesson, self.serves))


# Every check, in the order registered; Checker.run runs them by `order`.
REGISTRY: list[Check] = []


def check(serves: str, order: int, *, if_clean: bool = False, answers: bool = False):
    """Register a Checker method as the check that `serves` asks for (a name of `verify`
    in manifest.CHECKS, a key of the lesson's in manifest.LESSON_KEYS, or EVERY_LESSON)."""
    if serves not in (*manifest.CHECKS, *manifest.LESSON_KEYS, EVERY_LESSON):
        raise ValueError(f"@check({serves!r}): not a name of manifest.CHECKS nor a lesson key")

    def register(method):
        REGISTRY.append(Check(serves, order, method, if_clean, answers))
        return method

    return register


class Checker:
    def __init__(self, lesson: manifest.Lesson, folder: Path):
        self.lesson = lesson
        self.folder = folder
        self.doubles = folder / "doubles.py"
        self.problems: list[str] = []
        self.passed: list[str] = []
        self.unchecked: list[str] = []  # checks that could not run here, said as such
        self.modules: dict[str, object] = {}
        self.count = oracle()
        self.count_utf8 = count_utf8(self.count)  # the right answer of a function that compares bytes
        self.cache: dict = {}

    def problem(self, text: str) -> None:
        if text not in self.problems:  # two checks that need the same missing file say so once
            self.problems.append(text)

    def missing_file(self, rel: str) -> None:
        self.problem(f"There is no {rel} in your working copy: this step adds it (`just solution` shows it).")

    def load_module(self, name: str):
        if name in self.modules:
            return self.modules[name]
        self.modules[name] = None
        try:
            self.modules[name] = importlib.import_module(name)
        except ImportError as err:
            if name == "doubles" and err.name == "string_doubles":
                self.modules["string_doubles"] = None  # one problem, said once
                self.problem(
                    "doubles.py imports string_doubles, the Rust module, and there is none: "
                    + self.rust_module_advice()
                )
            elif name == "string_doubles":
                self.problem(f"`import string_doubles` failed ({err}): " + self.rust_module_advice())
            else:
                self.problem(f"`import {name}` failed: {err}" + self.at(err))
        except BaseException as err:  # whatever doubles.py raises while it loads
            self.problem(f"Loading {name}.py failed: {type(err).__name__}: {err}" + self.at(err))
        return self.modules[name]

    def at(self, err: BaseException) -> str:
        at = where_in(self.doubles, err)
        return f" (at {at})" if at else ""

    def rust_module_advice(self) -> str:
        if not (self.folder / "Cargo.toml").is_file():
            return "this step has Rust code: Cargo.toml and src/lib.rs (`just diff` shows the step)."
        return (
            "src/lib.rs needs `#[pymodule] mod string_doubles`, the name Python imports, "
            'and Cargo.toml\'s [lib] must say name = "string_doubles".'
        )

    def function(self, item: str):
        """The function an item names, called with the item's keyword arguments, if any."""
        module_name, function_name, keywords = manifest.parse_call(item)
        module = self.load_module(module_name)
        if module is None:
            return None
        function = getattr(module, function_name, None)
        if callable(function):
            return functools.partial(function, **keywords) if keywords else function
        if module_name == "doubles":
            self.problem(
                f"doubles.py has no function {function_name}: this step adds it, at the top level of "
                f"doubles.py (def {function_name}(val: str) -> int:)."
            )
        else:
            self.problem(
                f"The Rust module string_doubles has no function {function_name}: this step adds it to "
                f"src/lib.rs, as a #[pyfunction] fn {function_name} inside `mod string_doubles`."
            )
        return None

    def first_failure(self, function, expect, fixed: list, strategy) -> tuple[str, object, object] | None:
        """The smallest input `function` gets wrong, as (how to write it, its outcome, the
        right outcome), or None. An outcome is an answer or an exception; inputs are
        (how to write it, value) pairs.

        The fixed examples first; when they all pass, hypothesis searches and shrinks.
        """

        def wrong(example) -> bool:
            return not agree(outcome(function, example[1]), self.expected(expect, example[1]))

        candidates = [example for example in fixed if wrong(example)]
        if candidates:  # the shortest, to be checked by eye or pasted into Python
            written, value = min(candidates, key=lambda example: (len(example[1]), len(example[0])))
        else:
            found = search(strategy, wrong) if strategy is not None else None
            if found is None:
                return None
            written, value = found
        return written, outcome(function, value), outcome(expect, value)

    def domains(self, item: str) -> list[tuple[list, object, object, str]]:
        """What `item` is checked on, in order: (fixed examples, hypothesis strategy,
        the right answer's function, what to add when it fails there)."""
        from hypothesis import strategies as st

        rust = item.startswith("string_doubles:")
        every_str = "str" in self.lesson.every_input
        buffers = "bytes-like" in self.lesson.every_input and rust
        ascii_only = manifest.compares_bytes(item)
        # Small alphabets make doubles common; any character can still turn up.
        ascii_text = st.text(st.sampled_from("aAb \n") | st.characters(codec="ascii"), max_size=40)
        any_text = text_strategy(surrogates=every_str)
        written = [(shown(text), text) for text in FIXED_ASCII]
        out = [(written, ascii_text.map(lambda t: (shown(t), t)), self.count, "")]
        if every_str or not ascii_only:
            beyond = FIXED_BEYOND_ASCII + (FIXED_SURROGATES + FIXED_LOOK_ALIKES if every_str else [])
            expect = self.count_utf8 if ascii_only else self.count
            note = (
                " It is right on ASCII text: beyond ASCII, it must count the bytes of the text's UTF-8"
                " (str.encode() raises UnicodeEncodeError for a lone surrogate, and so must it)."
                if ascii_only
                else " It is right on ASCII text: only characters beyond ASCII trip it."
            )
            out.append(([(shown(t), t) for t in beyond], any_text.map(lambda t: (shown(t), t)), expect, note))
        if buffers:
            fixed = [form for data in FIXED_BYTES for form in bytes_like(data)]
            strategy = st.binary(max_size=40).flatmap(lambda data: st.sampled_from(bytes_like(data)))
            out.append((fixed, strategy, self.count, " It is right on str: only bytes-like objects trip it."))
        long = self.long_inputs(buffers)
        note = (
            " It is right on every short input: only long ones trip it. Look at where your chunks, blocks "
            "and counters end (a u8 counts to 255, then wraps)."
        )
        out.append((long, None, self.count_utf8 if ascii_only else self.count, note))
        return out

    def long_inputs(self, bytes_like_too: bool) -> list[tuple[str, object]]:
        key = ("long", bytes_like_too)
        if key not in self.cache:
            self.cache[key] = long_inputs(bytes_like_too, self.lesson.cut_over)
        return self.cache[key]

    def expected(self, expect, value):
        """expect(value), remembered: the long inputs cost the Python loop a moment each."""
        key = (expect, id(value))
        if key not in self.cache:
            self.cache[key] = (value, outcome(expect, value))  # value kept, so its id stays unique
        return self.cache[key][1]

    @check("verify", 10, answers=True)
    def every_answer(self) -> None:
        """Each function `verify` names gives the Python loop's answers."""
        for item in self.lesson.verify:
            if ":" in item:
                self.answers(item)

    def answers(self, item: str) -> None:
        function = self.function(item)
        if function is None:
            return
        bytes_only = manifest.compares_bytes(item)
        found = None
        for fixed, strategy, expect, note in self.domains(item):
            failure = self.first_failure(function, expect, fixed, strategy)
            if failure is not None:
                found = failure, expect, note
                break
        if found is None:
            if not item.startswith("string_doubles:") or self.promises(item, function):
                beyond = ", and the count of UTF-8 bytes beyond ASCII" if bytes_only else ""
                self.passed.append(f"{item} gives the Python loop's answers{beyond}")
            return
        failure, expect, note = found
        written, got, expected = failure
        if isinstance(expected, BaseException):
            by = "the Python loop" if expect == self.count else "str.encode()"
            right = f"it should raise {type(expected).__name__}, as {by} does"
        elif expect == self.count:
            right = f"the Python loop gives {expected}"
        else:
            right = f"the Python loop over its UTF-8 bytes gives {expected}"
        if isinstance(got, UnicodeEncodeError) and not isinstance(expected, BaseException):
            note = (
                " A str can hold a lone surrogate (half of a UTF-16 pair, alone); UTF-8 cannot, so taking `&str` "
                "fails before your code runs."
            )
        if isinstance(got, BaseException):
            said = raised(got, self.doubles).rstrip(".")
            self.problem(f"{call_of(item, written)} {said}. {right[0].upper()}{right[1:]}.{note}")
        else:
            self.problem(f"{call_of(item, written)} gave {got!r}; {right}.{note}")

    def promises(self, item: str, function) -> bool:
        """`every_input`'s other promises: for "bytes-like", a clear TypeError for what it does
        not take; for "str", no UTF-8 copy left inside the str it was given. False (and a
        problem) if one fails."""
        for wrong in wrong_types() if "bytes-like" in self.lesson.every_input else []:
            got = outcome(function, wrong)
            if isinstance(got, TypeError) and TAKES not in str(got):
                self.problem(
                    f"{call_of(item, repr(wrong))} raised TypeError: {got}. Say what it takes, in these words: "
                    f"TypeError: {manifest.parse_call(item)[1]}() takes {TAKES} (...)."
                )
                return False
            if not isinstance(got, TypeError):
                what = f"gave {got!r}" if not isinstance(got, BaseException) else raised(got, self.doubles)
                self.problem(
                    f"{call_of(item, repr(wrong))} {what}: it should raise TypeError, saying that it takes a str or a "
                    "bytes-like object."
                )
                return False
        if "str" not in self.lesson.every_input:
            return True
        text = "é" * 1000  # one byte per character in the str, two in UTF-8
        before = sys.getsizeof(text)
        outcome(function, text)
        after = sys.getsizeof(text)
        if after != before:
            fix = (
                "encode a temporary copy with text.encode_utf8() instead, which CPython does not keep"
                if manifest.compares_bytes(item)
                else "read the str where CPython keeps it (PyStringMethods::data) instead"
            )
            self.problem(
                f"{item} left a UTF-8 copy of the text inside the str it was given: sys.getsizeof('é' * 1000) grew "
                f"from {before:,} to {after:,} bytes. Taking `&str` or calling to_str() does that; {fix}."
            )
            return False
        return True

    @check("release-build", 30)
    def release_build(self) -> None:
        profile = build.profile_of(self.folder)
        if profile == "release":
            self.passed.append("pyproject.toml asks maturin for a release build")
        else:
            self.problem(
                f'pyproject.toml asks maturin for the "{profile}" profile: this step builds "release" '
                '([tool.maturin] with profile = "release").'
            )

    @check("line-tables", 40)
    def line_tables(self) -> None:
        """`line-tables`: the release builds of our crates (the package and the workspace's
        members, as the working copy's Cargo.toml says) keep line tables, for the profilers."""
        if not (self.folder / "Cargo.toml").is_file():
            self.missing_file("Cargo.toml")
            return
        try:
            cargo = read_toml(self.folder / "Cargo.toml", "")
        except CourseError as err:
            self.problem(str(err))
            return
        missing = [crate for crate in our_crates(self.folder, cargo) if not keeps_line_tables(cargo, crate)]
        if not missing:
            self.passed.append("Cargo.toml keeps line tables in the release builds, for the profilers")
            return
        tables = " and ".join(f"[profile.release.package.{crate}]" for crate in missing)
        self.problem(
            f"Cargo.toml does not keep line tables in the release build of {' and '.join(missing)}: add "
            f'{tables}, with debug = "line-tables-only", so that profilers can name the Rust lines.'
        )

    @check("vectorized", 120, if_clean=True)
    def vectorized(self) -> None:
        """`vectorized`: each Rust function costs under VECTORIZED instructions per character of
        ASCII text, counted by valgrind (exact, the same on every run: no timing)."""
        import shutil

        if shutil.which("valgrind") is None:
            self.unchecked.append(
                "instructions per character: valgrind is not installed here (`just doctor` says how to install it); "
                "`just bench` shows the speed"
            )
            return
        slow("Counting machine instructions with valgrind (about ten seconds)...")
        small, large = VECTORIZED_SIZES
        rust = [item for item in self.lesson.verify if item.startswith("string_doubles:")]
        for item in dict.fromkeys(manifest.function_of(item) for item in rust):  # once each, keywords aside
            function = item.split(":")[1]
            try:
                counts = callgrind.counts(None, function, [f"letters:{small}", f"letters:{large}"])
            except RuntimeError as err:
                self.problem(f"valgrind could not count {item}'s instructions: {str(err).strip()[-300:]}")
                return
            per_char = (counts[1] - counts[0]) / (large - small)
            if per_char >= VECTORIZED:
                bytes_too = (
                    " For a str, count an ASCII str's stored bytes where they lie instead of encoding a copy "
                    "(this step's chapter, \"The binding's one change\")."
                    if manifest.compares_bytes(item)
                    else ""
                )
                self.problem(
                    f"{item} costs {per_char:.1f} machine instructions per character of ASCII text (valgrind counted "
                    f"them); this step's goal is under {VECTORIZED:g}: many characters per instruction, with vector "
                    f"instructions (core/src/lib.rs: the portable kernel, or AVX2).{bytes_too}"
                )
            else:
                self.passed.append(f"{item} costs {per_char:.2f} instructions per character of ASCII text")

    @check(EVERY_LESSON, 75, if_clean=True)
    def own_tests(self) -> None:
        """Run doubles.py's own tests and benchmarks (timing off), noting what they time."""
        with tempfile.TemporaryDirectory() as tmp:
            timed_file = Path(tmp) / "timed.json"
            cmd = [
                sys.executable, "-m", "pytest", "doubles.py", "-q", "--no-header", "--tb=short",
                "-p", "no:cacheprovider", "-p", "course.timed_plugin", "--benchmark-disable", "--capture=sys",
            ]  # fmt: skip
            tools = str(Path(__file__).resolve().parents[1])  # for `-p course.timed_plugin`
            inherited = [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
            path = os.pathsep.join([tools, *inherited])
            env = {**os.environ, "COURSE_TIMED": str(timed_file), "PYTHONPATH": path}
            print("Running the tests in your doubles.py (pytest, timing off):", flush=True)
            rc = subprocess.run(cmd, cwd=self.folder, env=env).returncode
            notes = json.loads(timed_file.read_text()) if timed_file.is_file() else {}
        if rc != 0:
            self.problem("The tests in your doubles.py failed: pytest's report is above.")
            return
        timed, tested = notes.get("timed", {}), set(notes.get("property_tested", ()))
        before = len(self.problems)
        for item in dict.fromkeys(manifest.function_of(item) for item in self.lesson.verify if ":" in item):
            if item not in timed:
                self.problem(
                    f"No benchmark in doubles.py times {item}: add a test that takes the `benchmark` "
                    f"fixture and calls benchmark({written_call(item)}, val)."
                )
        for wanted in self.lesson.benchmarks:
            item, kind = wanted.split(" on ", 1)
            if kind not in timed.get(item, ()):
                self.problem(
                    f"No benchmark in doubles.py times {item} on {kind}: this step adds one "
                    f"(benchmark({written_call(item)}, ...) with {BENCHMARK_INPUTS[kind]}; the chapter shows it)."
                )
        for item in self.lesson.property_tests:
            if item not in tested:
                self.problem(
                    f"No property test in doubles.py calls {item}: this step adds hypothesis tests (@given) that "
                    "compare it with the Python loop on every kind of input (the chapter shows them)."
                )
        if len(self.problems) == before:
            extra = ", and its property tests call what the step asks" if self.lesson.property_tests else ""
            self.passed.append(f"doubles.py's own tests pass, and every function of the step has a benchmark{extra}")

    @check("required_files", 20)
    def required_files(self) -> None:
        missing = [rel for rel in self.lesson.required_files if not (self.folder / rel).is_file()]
        for rel in missing:
            self.missing_file(rel)
        if self.lesson.required_files and not missing:
            self.passed.append(f"the step's files are there ({', '.join(self.lesson.required_files)})")

    @check("runs", 60)
    def runs(self) -> None:
        """Each command the chapter runs, `python SCRIPT ARGS`, exits 0 and prints something;
        each of `runs_agree` prints the same with the Python loop in place of string_doubles."""
        for command in self.lesson.runs:
            args = shlex.split(command)
            if not (self.folder / args[0]).is_file():
                self.missing_file(args[0])
                continue
            slow(f"Running `python {command}`...")
            result = self.run_script(command, [sys.executable, *args])
            if result is None:
                continue
            if not result.stdout.strip():
                self.problem(
                    f"`python {command}` printed nothing. A script runs only what its top level calls: does "
                    f'{args[0]} end with `if __name__ == "__main__":` and a call of its main function?'
                )
            elif command not in self.lesson.runs_agree:
                self.passed.append(f"`python {command}` runs and prints its results")
            else:
                self.agrees_with_the_loop(command, args, result.stdout)

    def run_script(self, command: str, cmd: list[str], env: dict | None = None) -> subprocess.CompletedProcess | None:
        """Run `cmd` (the chapter's `python COMMAND`) in the working copy; None, and a problem,
        when it runs too long or fails."""
        try:
            result = subprocess.run(cmd, cwd=self.folder, capture_output=True, text=True, timeout=120, env=env)
        except subprocess.TimeoutExpired:
            self.problem(f"`python {command}` ran for more than 2 minutes, and was stopped.")
            return None
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
            script = shlex.split(command)[0]
            lines = re.findall(rf'File "[^"]*{re.escape(Path(script).name)}", line (\d+)', result.stderr)
            at = f" (at {Path(script).name}, line {lines[-1]})" if lines else ""
            self.problem(f"`python {command}` failed (exit status {result.returncode}): {last}{at}")
            return None
        return result

    def agrees_with_the_loop(self, command: str, args: list[str], printed: str) -> None:
        """`runs_agree`: the command prints what it prints with every Rust function of the
        step replaced by the Python loop (the bytes' count, for those that compare bytes)."""
        rust = [manifest.function_of(item) for item in self.lesson.verify if item.startswith("string_doubles:")]
        functions = ",".join(dict.fromkeys(rust))  # each once, its keyword arguments aside
        tools = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([tools, os.environ.get("PYTHONPATH", "")])}
        slow(f"Running `python {command}` again, with the Python loop in place of string_doubles...")
        loop = self.run_script(command, [sys.executable, "-c", STAND_IN, functions, *args], env)
        if loop is None:
            return
        theirs, ours = printed.strip().splitlines(), loop.stdout.strip().splitlines()
        if theirs == ours:
            self.passed.append(f"`python {command}` runs, and prints the Python loop's counts")
            return
        first = next((i for i, (a, b) in enumerate(zip(theirs, ours)) if a != b), min(len(theirs), len(ours)))
        got = theirs[first] if first < len(theirs) else "(nothing more)"
        want = ours[first] if first < len(ours) else "(nothing more)"
        self.problem(
            f"`python {command}` printed “{got.strip()}” where, with the Python loop in place of string_doubles, "
            f"it prints “{want.strip()}”: its counts are not the Python loop's."
        )

    @check("no_copy", 70, if_clean=True)
    def no_copy(self) -> None:
        """Each function of `no_copy` allocates almost nothing for a million ASCII characters."""
        import tracemalloc

        text = texts.make("letters", COPY_SIZE)
        for item in self.lesson.no_copy:
            function = self.function(item)
            if function is None:
                continue
            function(text)  # a first call, for whatever is made once
            tracemalloc.start()
            try:
                function(text)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            if peak > COPY_SIZE // COPY_FRACTION:
                advice = NO_COPY_ADVICE[manifest.compares_bytes(item)]
                self.problem(
                    f"{item} made a copy of the text: one call on {COPY_SIZE:,} ASCII characters allocated "
                    f"{peak:,} bytes (tracemalloc counted them). {advice}"
                )
            else:
                self.passed.append(f"{item} counts a str of ASCII text where it lies, without a copy")

    @check("kernel_features", 80, if_clean=True)
    def forced_kernels(self) -> None:
        """Build the crate once more with each of `kernel_features`, and check the answers
        of that build, so that a kernel this processor would not choose is checked too."""
        for feature in self.lesson.kernel_features:
            try:
                declared = read_toml(self.folder / "Cargo.toml", "There is no Cargo.toml.").get("features", {})
            except CourseError as err:
                self.problem(str(err))
                return
            if feature not in declared:
                self.problem(
                    f"Cargo.toml has no feature `{feature}`: this step adds a [features] table with "
                    f"{feature} = [...], so that the course can build and check the kernel it forces "
                    "(the chapter shows it)."
                )
                continue
            slow(f"Building your Rust code again with the cargo feature `{feature}`, to check the kernel it forces...")
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    wheel = build.build_wheel(self.folder, Path(tmp), features=(feature,))
                    build.pip_install(wheel, Path(tmp) / "site")
                except CourseError as err:
                    self.problem(f"The build with the cargo feature `{feature}` failed: {err}")
                    continue
                env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(tmp) / "site"), *sys.path])}
                cmd = [
                    sys.executable,
                    "-m",
                    "course.check",
                    str(self.lesson.number),
                    str(self.folder),
                    "--answers-only",
                ]
                result = subprocess.run(cmd, env=env, capture_output=True, text=True)
            lines = [line for line in result.stdout.splitlines() if line.strip().startswith("✗")]
            if result.returncode != 0:
                for line in lines or [result.stdout[-500:] + result.stderr[-500:]]:
                    self.problem(f"Built with the cargo feature `{feature}`: " + line.strip().lstrip("✗ "))
            else:
                self.passed.append(
                    f"built with the cargo feature `{feature}`, every function still gives the Python loop's answers"
                )

    @check("cargo_tests", 85, if_clean=True)
    def cargo_tests(self) -> None:
        """The `cargo test` runs the chapter asks for, in the working copy."""
        for args in self.lesson.cargo_tests:
            slow(f"Running `cargo test {args}` (Rust's own tests of your crates)...")
            failure = build.cargo_test(self.folder, shlex.split(args))
            if failure:
                self.problem(f"`cargo test {args}` failed:\n{failure}")
            else:
                self.passed.append(f"`cargo test {args}` passes")

    def run(self, answers_only: bool = False) -> int:
        if not self.doubles.is_file():
            self.problem("There is no doubles.py in your working copy.")
            return self.report()
        said = unreadable(self.doubles)
        if said:
            self.problem(said)
            return self.report()
        sys.path.insert(0, str(self.folder))
        for entry in sorted(REGISTRY, key=lambda entry: entry.order):
            if answers_only and not entry.answers:
                continue
            if entry.if_clean and self.problems:
                continue
            if entry.asked_by(self.lesson):
                entry.method(self)
        return self.report()

    def report(self) -> int:
        for line in self.passed:
            print(f"  ✓ {line}")
        for line in self.unchecked:
            print(f"  - not checked: {line}")
        for line in self.problems:
            print(f"  ✗ {line}")
        return 1 if self.problems else 0


def main(argv: list[str]) -> int:
    answers_only = "--answers-only" in argv  # the answers of another build (forced_kernels)
    argv = [arg for arg in argv if arg != "--answers-only"]
    lesson = manifest.find(argv[0])
    folder = Path(argv[1]).resolve() if len(argv) > 1 else ROOT
    os.environ.setdefault("DOUBLES_SIZE", DOUBLES_SIZE)  # doubles.py builds its benchmark input on import
    return Checker(lesson, folder).run(answers_only=answers_only)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
