"""The oracle, the Python loop every version must agree with, and how to compare with it.

verify (check.py), the race's evidence (correct.py) and the race's contenders (peers.py)
all judge a version against the same loop, in the same way: an answer, or the same kind
of exception; and a version that compares bytes against what it promises, the loop over
the text's UTF-8 bytes. Hypothesis searches the same strs for both.
"""

from __future__ import annotations

import os

from . import manifest

# Characters whose code points end in the same byte, or the same two bytes, as "a"
# (0x61): code that reads a wide item as a narrower one takes them for equal.
LOOK_ALIKE = "a\u0161\u0361\U00010061"
# How hard hypothesis looks for a failing input when the fixed examples all pass.
SEARCH_EXAMPLES = 300
# The course's tests of known-wrong solutions search less (COURSE_SEARCH_EXAMPLES): those
# fail on the fixed and long inputs, and the search only slows the right functions beside them.


def oracle():
    """The manifest's oracle, the Python loop every other version must agree with."""
    return manifest.oracle()


def count_utf8(loop):
    """What a version that compares bytes promises: `loop` over a str's UTF-8 bytes
    (str.encode() raises UnicodeEncodeError for a lone surrogate, and so must it)."""
    return lambda value: loop(value.encode() if isinstance(value, str) else value)


def outcome(function, value):
    """What function(value) gives: its answer, or the exception it raised."""
    try:
        return function(value)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # a Rust panic is a BaseException
        return err


def agree(got, expected) -> bool:
    """Same answer, or the same kind of exception."""
    if isinstance(expected, BaseException):
        return type(got) is type(expected)
    return not isinstance(got, BaseException) and type(got) is not bool and got == expected


def shown(text: str, limit: int = 40) -> str:
    """How to write an input in a message: the whole of a short one, the start of a long one."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def text_strategy(surrogates: bool):
    """Any str up to 40 characters, doubles common; lone surrogates and look-alikes too
    if `surrogates` (`every_input`'s subject: without it, no str the checks make holds one)."""
    from hypothesis import strategies as st

    characters = st.characters() if surrogates else st.characters(exclude_categories=("Cs",))
    often = st.sampled_from("aéé日🦀" + ("\ud800" + LOOK_ALIKE if surrogates else ""))
    # st.text() would leave lone surrogates out (no codec can encode one); a list of
    # characters, joined, keeps every one the alphabet gives.
    return st.lists(often | characters, max_size=40).map("".join)


def search(strategy, wrong):
    """The smallest example of `strategy` for which wrong(example) is true, or None:
    hypothesis searches, then shrinks what it found. The same answer on every run."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample

    quiet = settings(
        max_examples=int(os.environ.get("COURSE_SEARCH_EXAMPLES", SEARCH_EXAMPLES)),
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    try:
        return find(strategy, wrong, settings=quiet)
    except NoSuchExample:
        return None
