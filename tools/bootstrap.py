"""Create the course's virtual environment, or bring it up to date. Standard library only.

Usage: python3 tools/bootstrap.py VENV
Installs tools/requirements.txt, and again only when that file changes.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements.txt")


def main(venv: Path) -> int:
    if sys.version_info < (3, 11):
        print(f"The course needs Python 3.11 or newer; `python3` here is {sys.version.split()[0]}.", file=sys.stderr)
        return 1
    stamp = venv / ".course-requirements"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text() == wanted:
        return 0
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"Creating the course's Python environment in {venv} ...", flush=True)
        if subprocess.run([sys.executable, "-m", "venv", str(venv)]).returncode != 0:
            print("`python3 -m venv` failed. On Debian or Ubuntu: sudo apt install python3-venv", file=sys.stderr)
            return 1
    print(f"Installing what the course uses ({REQUIREMENTS.name}); this happens once ...", flush=True)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    if subprocess.run([*pip, "-r", str(REQUIREMENTS)]).returncode != 0:
        print(
            "\nInstalling the course's Python packages failed (pip's messages are above).\n"
            "Check your network connection and run the same command again.",
            file=sys.stderr,
        )
        return 1
    stamp.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
