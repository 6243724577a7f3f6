"""The course's book, book/: build it with mdbook, check it, serve it.

`just book-build` and `just book` run this. A book that builds with a warning is a
broken book, and mdbook alone does not say so: it logs a missing include as an error
and still exits 0 (mdBook #1094, #1865), renders an include whose anchor is missing
as nothing at all, and does not check links or images. So a build here

* checks every include's file, anchor or line range itself, before mdbook runs;
* reads mdbook's log and fails on any WARN or ERROR line, whatever the exit code;
* checks the built HTML: no `{{#...}}` left unexpanded, and every local link and
  image pointing at a file (and heading) that exists.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import ROOT, STATE_DIR, CourseError, results

BOOK_DIR = ROOT / "book"
MDBOOK_VERSION = "0.5.4"
# Where the course installs mdbook when the reader has another version of their own.
LOCAL_TOOLS = STATE_DIR / "tools"

# The headless browser the book's tests drive (Debian's chromium and chromium-driver).
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

_EXE = ".exe" if os.name == "nt" else ""
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# mdbook 0.5 logs "ERROR message", " WARN message" (0.4: "[ERROR] (target): message").
_PROBLEM_LINE = re.compile(r"^\W*(?:\d[\d:.TZ-]*\s+)*\[?(WARN|ERROR)\b")
# {{#include path}}, {{#include path:anchor}}, {{#include path:10:20}}; `\{{#` is escaped.
_INCLUDE = re.compile(r"(?<!\\)\{\{#(include|rustdoc_include)\s+([^\s}]+)\s*\}\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


# --- mdbook itself --------------------------------------------------------------


def _version_of(exe: Path | str) -> str | None:
    try:
        out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+\.\d+\.\d+)", out)
    return match.group(1) if match else None


def _cargo_bin() -> Path:
    return Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo")) / "bin"


def find_mdbook() -> str | None:
    """An mdbook of the pinned version: the course's own, on PATH, or cargo's."""
    candidates = [LOCAL_TOOLS / "bin" / f"mdbook{_EXE}", shutil.which("mdbook"), _cargo_bin() / f"mdbook{_EXE}"]
    for exe in candidates:
        if exe and Path(exe).is_file() and _version_of(exe) == MDBOOK_VERSION:
            return str(exe)
    return None


def ensure_mdbook() -> str:
    """The path of mdbook MDBOOK_VERSION, installing it with cargo when it is missing."""
    found = find_mdbook()
    if found:
        return found
    if shutil.which("cargo") is None:
        raise CourseError(
            "The book is built with mdbook, which cargo installs, and Rust is not installed\n"
            "(no `cargo` on your PATH). Install it from https://rustup.rs, open a new terminal,\n"
            "and run the same command again."
        )
    cmd = ["cargo", "install", "mdbook", "--locked", "--version", MDBOOK_VERSION]
    cargo_mdbook = _cargo_bin() / f"mdbook{_EXE}"
    theirs = shutil.which("mdbook") or (cargo_mdbook if cargo_mdbook.is_file() else None)
    if theirs:
        # Another version is installed: leave it alone, put ours in the course's folder.
        cmd += ["--root", str(LOCAL_TOOLS)]
        print(f"Your mdbook ({theirs}) is not version {MDBOOK_VERSION}, which the book is checked with.")
    print(f"Installing mdbook {MDBOOK_VERSION} (only once; compiling it takes a few minutes)...", flush=True)
    if subprocess.run(cmd).returncode != 0:
        raise CourseError(f"Installing mdbook failed (`{' '.join(cmd)}`): cargo's messages are above.")
    found = find_mdbook()
    if found is None:
        raise CourseError(f"cargo installed mdbook, but no mdbook {MDBOOK_VERSION} can be found afterwards.")
    return found


def chromium_paths() -> list[Path]:
    return [CHROMIUM, CHROMEDRIVER]


def _mdbook_env() -> dict:
    # MDBOOK_* variables override book.toml, and MDBOOK_LOG can silence warnings: the
    # book builds from book.toml alone, with mdbook's default log, which has every warning.
    env = {key: value for key, value in os.environ.items() if not key.startswith("MDBOOK_")}
    env["NO_COLOR"] = "1"
    return env


# --- checks -------------------------------------------------------------------------


def check_includes(book_dir: Path) -> list[str]:
    """Every include's file exists, and its anchor or line range is in that file.

    mdbook reports a missing file (and exits 0) but renders a missing anchor as an
    empty listing without a word.
    """
    problems = []
    src = book_dir / "src"
    for page in sorted(src.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in _INCLUDE.finditer(text):
            spec = match.group(2)
            where = f"{page.relative_to(book_dir)}: {{{{#{match.group(1)} {spec}}}}}"
            path_part, _, selector = spec.partition(":")
            target = (page.parent / path_part).resolve()
            if not target.is_file():
                problems.append(f"{where}: there is no file {target}")
                continue
            lines = target.read_text(encoding="utf-8").splitlines()
            if not selector:
                continue
            if re.fullmatch(r"[\d:]*", selector):
                numbers = [int(n) for n in selector.split(":") if n]
                if any(n < 1 or n > len(lines) for n in numbers):
                    problems.append(f"{where}: {target.name} has {len(lines)} lines")
                continue
            body = "\n".join(lines)
            for marker in ("ANCHOR", "ANCHOR_END"):
                if not re.search(rf"\b{marker}:\s*{re.escape(selector)}\b", body):
                    problems.append(f"{where}: {target.name} has no `{marker}: {selector}`")
    return problems


class _Refs(HTMLParser):
    """The ids, the <base>, and the local links and sources of one HTML page."""

    ATTRS = {"href", "src"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.base: str | None = None
        self.refs: list[tuple[str, str]] = []  # (tag, url)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            elif tag == "base" and name == "href":
                self.base = value
            elif name in self.ATTRS and tag != "base":
                self.refs.append((tag, value))


def _parse(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def check_html(out_dir: Path) -> list[str]:
    """No unexpanded `{{#...}}`, and every local link and image resolves in `out_dir`."""
    problems = []
    out_dir = out_dir.resolve()
    pages = {page.resolve(): _parse(page) for page in sorted(out_dir.rglob("*.html"))}
    for page, parsed in pages.items():
        rel = page.relative_to(out_dir)
        if "{{#" in page.read_text(encoding="utf-8"):
            problems.append(f"{rel}: contains an unexpanded {{{{#...}}}}")
        base_dir = out_dir if parsed.base == "/" else page.parent
        for tag, url in parsed.refs:
            parts = urlsplit(url)
            if _SCHEME.match(url) or url.startswith("//"):
                continue  # another site, or data:/mailto:/javascript:
            path, fragment = unquote(parts.path), unquote(parts.fragment)
            if not path:
                target = page
            elif path.startswith("/"):
                target = (out_dir / path.lstrip("/")).resolve()
            else:
                target = (base_dir / path).resolve()
            if target.is_dir():
                target = target / "index.html"
            what = "image" if tag == "img" else "link"
            if not target.is_relative_to(out_dir):
                problems.append(f"{rel}: {what} {url!r} points outside the book")
            elif not target.is_file():
                problems.append(f"{rel}: broken {what} {url!r} (no {target.relative_to(out_dir)})")
            elif fragment and target.suffix == ".html":
                ids = (pages.get(target) or _parse(target)).ids
                if fragment not in ids:
                    problems.append(f"{rel}: broken {what} {url!r} (no #{fragment} in {target.name})")
    return problems


# --- building and serving -------------------------------------------------------


def build_book(book_dir: Path, dest: Path | None = None, mdbook: str | None = None) -> Path:
    """Build the mdbook in `book_dir` (into `dest`, else book.toml's build-dir).

    Raises CourseError listing every problem: a WARN or ERROR in mdbook's log, a
    missing include file or anchor, an unexpanded `{{#...}}`, a broken link or image.
    Returns the folder holding the HTML.
    """
    book_dir = Path(book_dir).resolve()
    mdbook = mdbook or ensure_mdbook()
    if dest is None:
        with (book_dir / "book.toml").open("rb") as f:
            dest = book_dir / tomllib.load(f).get("build", {}).get("build-dir", "book")
    out = Path(dest).resolve()
    problems = check_includes(book_dir)
    run = subprocess.run(
        [mdbook, "build", str(book_dir), "--dest-dir", str(out)],
        capture_output=True,
        text=True,
        env=_mdbook_env(),
    )
    log = _ANSI.sub("", run.stdout + run.stderr)
    logged = [line.strip() for line in log.splitlines() if _PROBLEM_LINE.match(line)]
    problems += [f"mdbook: {line}" for line in logged]
    if run.returncode != 0 and not logged:
        problems.append(f"mdbook exited with status {run.returncode}")
    if run.returncode == 0:
        problems += check_html(out)
    if problems:
        problems = list(dict.fromkeys(problems))  # an image is in the HTML twice (click to zoom)
        raise CourseError(
            f"mdbook's log:\n{log.rstrip()}\n\nThe book in {book_dir} has problems; each one fails the build:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )
    return out


def _build() -> Path:
    results.ensure_stubs()  # a report not measured yet is a stub that says how to measure it
    return build_book(BOOK_DIR)


def build() -> int:
    """`just book-build`: build and check the book, serve nothing."""
    out = _build()
    print(f"The book is built, with no warnings: {out.relative_to(ROOT)}/index.html (`just book` serves it)")
    return 0


def _free_port(wanted: int) -> int:
    """`wanted` if nothing listens there on 127.0.0.1, else a free port."""
    for port in (wanted, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise CourseError("Found no free port on 127.0.0.1 to serve the book on.")


def serve(port: int = 3000) -> int:
    """`just book`: build and check the book, then serve it and rebuild it on changes."""
    _build()
    mdbook = ensure_mdbook()
    actual = _free_port(port)
    if actual != port:
        print(f"Port {port} is taken; using {actual} instead.")
    print(
        f"\nThe book is at  http://127.0.0.1:{actual}/  (open it in your browser; Ctrl-C stops it)\n"
        "It rebuilds itself when a chapter, a lesson or a measured result changes, and the open page reloads.\n",
        flush=True,
    )
    cmd = [mdbook, "serve", str(BOOK_DIR), "--hostname", "127.0.0.1", "--port", str(actual)]
    try:
        return subprocess.run(cmd, env=_mdbook_env()).returncode
    except KeyboardInterrupt:
        return 0
