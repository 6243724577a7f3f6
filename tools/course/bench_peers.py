"""The race itself: every peer on every workload, one pytest-benchmark run.

Driven by the JSON file that COURSE_PEERS_CONFIG names (race.py and compare.py write
it). Each answer is checked against the Python loop before the clock starts and
recorded, right or wrong: a wrong answer is reported beside its time, never dropped.
Answers are written to the config's "answers" file even when timing is disabled.
"""

import functools
import json
import os
from pathlib import Path

import pytest

from course import peers, texts

CONFIG = json.loads(Path(os.environ["COURSE_PEERS_CONFIG"]).read_text())


def _peers() -> list[peers.Peer]:
    families = CONFIG["families"]
    # The Python zip loop always runs, first: it is the oracle and the baseline.
    everyone = peers.python_peers() if "python" in families else peers.python_peers()[:1]
    if "numpy" in families:
        everyone += peers.numpy_peers()
    if "numba" in families:
        everyone += peers.numba_peers()
    for rust in CONFIG["rust"]:
        lesson = peers.manifest.find(rust["lesson"])
        everyone.append(peers.rust_peer(lesson, rust["function"], rust["profile"], Path(rust["site"])))
    return everyone


PEERS = _peers()
ORACLE = PEERS[0]
assert ORACLE.name == "python zip loop"
ANSWERS = []


@functools.cache
def text_and_answer(kind: str, size: int) -> tuple[str, int]:
    text = texts.make(kind, size)
    return text, ORACLE.run(text)


@pytest.fixture(scope="module", autouse=True)
def write_answers():
    yield
    Path(CONFIG["answers"]).write_text(json.dumps(ANSWERS, indent=1))


@pytest.mark.parametrize("peer", PEERS, ids=lambda peer: peer.name)
@pytest.mark.parametrize("workload", CONFIG["workloads"], ids=lambda workload: workload["id"])
def test_race(benchmark, workload, peer):
    text, expected = text_and_answer(workload["kind"], workload["size"])
    arg = peer.prepare(text)
    got = peer.run(arg)  # checked before timing; also compiles numba and warms caches
    record = {
        "peer": peer.name,
        "family": peer.family,
        "note": peer.note,
        "ascii_only": peer.ascii_only,
        "workload": workload["id"],
        "kind": workload["kind"],
        "size": workload["size"],
        "expected": expected,
        "got": got,
        "correct": got == expected,
    }
    ANSWERS.append(record)
    benchmark.group = workload["id"]
    benchmark.extra_info.update(record)
    benchmark(peer.run, arg)
