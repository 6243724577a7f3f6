"""Create the course's virtual environment, or bring it up to date. Standard library only.

Usage: python3 tools/bootstrap.py VENV

Installs tools/requirements.txt (every package the lessons and the tooling use,
pinned), plus anything the working copy's pyproject.toml declares in its `dev`
dependency group that the requirements do not already pin: add a package there and
the next `just` recipe installs it. Does nothing when neither has changed.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = Path(__file__).with_name("requirements.txt")


def pinned() -> list[str]:
    lines = (line.strip() for line in REQUIREMENTS.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def declared_by_working_copy() -> list[str]:
    """The working copy's `dev` group, less what the course already pins."""
    import tomllib

    try:
        data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    except FileNotFoundError:
        return []
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        print(f"Note: pyproject.toml has a mistake ({err}); installing the course's packages only.", file=sys.stderr)
        return []
    group = data.get("dependency-groups", {}).get("dev", [])
    return [req for req in group if isinstance(req, str) and req.replace(" ", "") not in pinned()]


# pip's lines worth a learner's attention while it works: what it fetches and installs.
PROGRESS = ("Collecting ", "Downloading ", "Installing collected packages", "Successfully installed")


def pip_with_progress(cmd: list[str]) -> int:
    """Run pip, showing what it is fetching and installing (its errors in full)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, errors="replace")
    for line in proc.stdout:
        if line.lstrip().startswith(PROGRESS):
            print(f"  {line.strip()}", flush=True)
    return proc.wait()


def main(venv: Path) -> int:
    if sys.version_info < (3, 11):
        print(f"The course needs Python 3.11 or newer; `python3` here is {sys.version.split()[0]}.", file=sys.stderr)
        return 1
    extra = declared_by_working_copy()
    stamp = venv / ".course-requirements"
    wanted = hashlib.sha256("\n".join([*pinned(), "", *extra]).encode()).hexdigest()
    if stamp.is_file() and stamp.read_text() == wanted:
        return 0
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"Creating the course's Python environment in {venv} ...", flush=True)
        if subprocess.run([sys.executable, "-m", "venv", str(venv)]).returncode != 0:
            print("`python3 -m venv` failed. On Debian or Ubuntu: sudo apt install python3-venv", file=sys.stderr)
            return 1
    print(
        "Installing the Python packages the course uses (about a minute the first time; "
        "again only when tools/requirements.txt changes):",
        flush=True,
    )
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "install"]
    for args, what in [(["-r", str(REQUIREMENTS)], REQUIREMENTS.name), (extra, "pyproject.toml's dev group")]:
        if args and pip_with_progress([*pip, *args]) != 0:
            print(
                f"\nInstalling {what} failed (pip's messages are above).\n"
                "Check your network connection, and the package names, and run the same command again.",
                file=sys.stderr,
            )
            return 1
    stamp.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
