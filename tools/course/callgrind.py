"""Machine instructions counted by valgrind's callgrind, which simulates the processor:
the counts are exact and the same on every run, on any machine.

One command, used by verify's `vectorized` check (check.py) and by `just profile`'s
instructions report (profile.py): course.probe calls a function of string_doubles on
texts KIND:SIZE, and callgrind counts each call from where CPython enters it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from . import ROOT

# Where CPython enters a PyO3 function: callgrind counts from here, so a count is the call.
ENTRY = "pyo3::impl_::trampoline::fastcall_cfunction_with_keywords"


def run(site: Path | None, function: str, specs: list[str], out: Path) -> subprocess.CompletedProcess:
    """Run `function` on each text of `specs` (after a warm-up call on the first) under
    callgrind, with the string_doubles built into `site` (None: the one this Python
    imports); callgrind writes one dump per call into `out`, cg.PID.N for the N-th call."""
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--toggle-collect={ENTRY}",
           f"--dump-after={ENTRY}", f"--callgrind-out-file={out}/cg.%p",
           sys.executable, "-m", "course.probe", function, *specs]  # fmt: skip
    inherited = [] if site is None else [str(site)]
    inherited += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    path = os.pathsep.join([*inherited, str(ROOT / "tools")])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": path}
    return subprocess.run(cmd, env=env, capture_output=True, text=True)


def counts(site: Path | None, function: str, specs: list[str]) -> list[int]:
    """Instructions of each call of `function` on texts KIND:SIZE, warm-up call left out,
    with the string_doubles built into `site` (None: the one this Python imports)."""
    with tempfile.TemporaryDirectory() as tmp:
        done = run(site, function, specs, Path(tmp))
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        dumps = sorted(Path(tmp).glob("cg.*.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
        found = [int(re.search(r"^(?:totals|summary): (\d+)", p.read_text(), re.M).group(1)) for p in dumps]
    if len(found) != 1 + len(specs):
        raise RuntimeError(f"callgrind wrote {len(found)} counts for {1 + len(specs)} calls")
    return found[1:]  # the warm-up call left out
