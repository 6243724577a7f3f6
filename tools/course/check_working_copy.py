"""The checks behind `just verify`, run by pytest against the learner's working copy.

COURSE_LESSON names the lesson; its manifest entry's `verify` says what to check.
Every function is compared with the pure-Python loop of lesson 1, the oracle.
"""

import importlib
import importlib.util
import os
import random
import string
import sys

import pytest

from course import ROOT, build, manifest, texts

LESSON = manifest.find(os.environ["COURSE_LESSON"])
FUNCTIONS = [item for item in LESSON.verify if ":" in item]

_spec = importlib.util.spec_from_file_location("course_oracle", manifest.find(1).path / "doubles.py")
oracle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracle)

_rng = random.Random(1)
ASCII_TEXTS = [*oracle.EXAMPLES, "\n\n", "".join(_rng.choice(string.ascii_letters[:3]) for _ in range(5_000))]
# A character outside ASCII is several bytes: comparing bytes misses "éé" and finds a
# double in "H₂O" (₂ is E2 82 82). Only functions listed as ascii_only may skip these.
BEYOND_ASCII = ["éé", "H₂O", "日日本", "🦀🦀🐍", "ñandú", texts.make("accented", 2_000), texts.make("emoji", 500)]


def _load(item):
    module_name, function_name = item.split(":")
    sys.path.insert(0, str(ROOT))
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        where = "doubles.py" if module_name == "doubles" else "the Rust module (src/lib.rs)"
        pytest.fail(f"`import {module_name}` failed: {err}. Check {where}.", pytrace=False)
    finally:
        sys.path.remove(str(ROOT))
    function = getattr(module, function_name, None)
    if not callable(function):
        pytest.fail(f"{module_name} has no function {function_name}: this step adds it.", pytrace=False)
    return function


@pytest.mark.parametrize("item", FUNCTIONS)
def test_gives_the_python_loops_answer(item):
    function = _load(item)
    for text in ASCII_TEXTS + ([] if item in manifest.ascii_only() else BEYOND_ASCII):
        expected = oracle.count_doubles(text)
        try:
            got = function(text)
        except BaseException as err:  # a Rust panic arrives as PanicException, a BaseException
            if not type(err).__name__ == "PanicException":
                raise
            pytest.fail(
                f"{item}({text[:20]!r}) panicked in Rust: {err}. Rust stops on overflow and on "
                "indexing past the end, and PyO3 turns that into this exception.",
                pytrace=False,
            )
        if got != expected:
            shown = f"{text[:20]!r}{'...' if len(text) > 20 else ''}"
            pytest.fail(f"{item}({shown}) gave {got!r}; the Python loop gives {expected}.", pytrace=False)


if "release-build" in LESSON.verify:

    def test_release_build():
        profile = build.profile_of(ROOT)
        if profile != "release":
            pytest.fail(
                f'pyproject.toml asks maturin for the "{profile}" profile; this step builds "release".', pytrace=False
            )
