"""A pytest plugin for `just verify`: which functions did doubles.py's benchmarks time?

pytest-benchmark's `benchmark(function, *args)` is wrapped to note "module:function"
of what it is given; at the end of the session the list goes to the JSON file that
COURSE_TIMED names. With --benchmark-disable each benchmark still calls its function
once, so this works without timing anything.
"""

import json
import os
from pathlib import Path

from pytest_benchmark.fixture import BenchmarkFixture

TIMED: list[str] = []


def _name(function) -> str:
    # A PyO3 function's module is "string_doubles.string_doubles" (maturin's package
    # re-exports it): the top-level name is the one doubles.py imports.
    module = (getattr(function, "__module__", None) or "?").split(".")[0]
    return f"{module}:{getattr(function, '__name__', '?')}"


def _noting(method):
    def wrapper(self, function, *args, **kwargs):
        TIMED.append(_name(function))
        return method(self, function, *args, **kwargs)

    return wrapper


BenchmarkFixture.__call__ = _noting(BenchmarkFixture.__call__)
BenchmarkFixture.pedantic = _noting(BenchmarkFixture.pedantic)


def pytest_sessionfinish(session, exitstatus):
    Path(os.environ["COURSE_TIMED"]).write_text(json.dumps(sorted(set(TIMED))))
