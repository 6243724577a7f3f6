"""`just watch`: run `just verify` again each time a working-copy file is saved.

The watching is watchfiles' (the Rust `notify` crate underneath): the operating
system says when a file changed, nothing polls. Ctrl-C stops it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from . import ROOT, manifest, workcopy

# A save often writes several files, or one file twice: wait this long (ms) for quiet.
DEBOUNCE_MS = 300


def watched(path: str) -> bool:
    """A file of the working copy (what `just lesson-N` replaces), not a build output."""
    try:
        rel = Path(path).resolve().relative_to(ROOT)
    except ValueError:
        return False
    if rel.parts and rel.parts[0] == "src":
        return not any(part.startswith(".") or part.endswith("~") for part in rel.parts)
    return rel.as_posix() in workcopy.tracked_paths(manifest.load())


def verify() -> None:
    subprocess.run([sys.executable, "-m", "course", "verify"])


def main() -> int:
    from watchfiles import watch

    verify()
    waiting = False
    try:
        # With yield_on_timeout, an empty set arrives once the watcher is running and
        # then every second of quiet: "Watching" is said only when a save will be seen.
        for changes in watch(
            ROOT,
            watch_filter=lambda _change, path: watched(path),
            debounce=DEBOUNCE_MS,
            rust_timeout=1000,
            yield_on_timeout=True,
        ):
            if changes:
                names = sorted({Path(path).resolve().relative_to(ROOT).as_posix() for _, path in changes})
                print(f"\n--- {', '.join(names)} changed ---", flush=True)
                verify()
                waiting = False
            elif not waiting:
                print("\nWatching your working copy: save a file to check it again, Ctrl-C to stop.", flush=True)
                waiting = True
    except KeyboardInterrupt:
        print("\nStopped watching.")
    return 0
