"""A pytest plugin for `just verify`: what did doubles.py's tests and benchmarks exercise?

* pytest-benchmark's `benchmark(function, *args)` is wrapped to note "module:function"
  of what it is given, and the kinds of input it times it on (see `kinds`). With
  --benchmark-disable each benchmark still calls its function once, so this works
  without timing anything.
* Each property test (a test hypothesis runs, `@given`) is watched with a profile hook
  that notes which functions of doubles.py and of the Rust module it calls.

At the end of the session the notes go, as JSON, to the file COURSE_TIMED names:
{"timed": {"module:function": [kind, ...]}, "property_tested": ["module:function", ...]}.
"""

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from pytest_benchmark.fixture import BenchmarkFixture

# When a property test finds several different failures, hypothesis reports them all as
# an exception group, traceback upon traceback; the learner needs the smallest one.
# The course's own tests of known-wrong solutions (COURSE_SEARCH_EXAMPLES set) need only
# the name of the test that fails, not its smallest input: hypothesis does not shrink.
_QUICK = "COURSE_SEARCH_EXAMPLES" in os.environ
settings.register_profile("course", report_multiple_bugs=False,
                          phases=[p for p in Phase if p != Phase.shrink] if _QUICK else tuple(Phase))  # fmt: skip
settings.load_profile("course")

# The modules whose functions a lesson's checks name ("module:function").
WATCHED = {"doubles", "string_doubles"}
# At most this many items is "a tiny input": a call costs more than its counting.
TINY = 16

TIMED: dict[str, set[str]] = {}
PROPERTY_TESTED: set[str] = set()


def _name(function) -> str:
    # A PyO3 function's module is "string_doubles.string_doubles" (maturin's package
    # re-exports it): the top-level name is the one doubles.py imports.
    module = (getattr(function, "__module__", None) or "?").split(".")[0]
    return f"{module}:{getattr(function, '__name__', '?')}"


def kinds(value) -> set[str]:
    """The kinds of input (manifest.BENCHMARK_KINDS) that `value` is."""
    out = set()
    if isinstance(value, str) and not value.isascii():
        out.add("text beyond ASCII")
    try:
        if len(value) <= TINY:
            out.add("a tiny input")
    except TypeError:
        pass
    return out


def _noting(method):
    def wrapper(self, function, *args, **kwargs):
        # pedantic(function, args=(...)) passes the arguments by keyword
        given = args[0] if args else (kwargs.get("args") or (None,))[0]
        TIMED.setdefault(_name(function), set()).update(kinds(given))
        return method(self, function, *args, **kwargs)

    return wrapper


BenchmarkFixture.__call__ = _noting(BenchmarkFixture.__call__)
BenchmarkFixture.pedantic = _noting(BenchmarkFixture.pedantic)


def _watch(frame, event, arg):
    if event == "c_call":
        name = _name(arg)
        if name.split(":")[0] in WATCHED:
            PROPERTY_TESTED.add(name)
    elif event == "call":
        module = frame.f_globals.get("__name__", "")
        if module in WATCHED:
            PROPERTY_TESTED.add(f"{module}:{frame.f_code.co_name}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if not getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        return (yield)
    previous = sys.getprofile()
    sys.setprofile(_watch)
    try:
        return (yield)
    finally:
        sys.setprofile(previous)


def pytest_sessionfinish(session, exitstatus):
    notes = {"timed": {name: sorted(k) for name, k in TIMED.items()}, "property_tested": sorted(PROPERTY_TESTED)}
    Path(os.environ["COURSE_TIMED"]).write_text(json.dumps(notes))
