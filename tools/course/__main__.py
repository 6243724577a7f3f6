"""`python -m course COMMAND`: the justfile's recipes call this."""

import argparse
import os
import sys

from . import CourseError, commands


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m course")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("lesson").add_argument("number")
    sub.add_parser("exercise").add_argument("number")
    sub.add_parser("solution")
    sub.add_parser("watch")
    sub.add_parser("doctor", add_help=False)  # parses its own options (and --help): see doctor.py
    sub.add_parser("restore").add_argument("name", nargs="?", default="")
    sub.add_parser("status")
    p = sub.add_parser("diff")
    p.add_argument("a")
    p.add_argument("b")
    sub.add_parser("verify")
    sub.add_parser("bench", help="extra arguments go to pytest")
    sub.add_parser("sync-lessons")
    sub.add_parser("book-build")
    sub.add_parser("book-serve").add_argument("--port", type=int, default=3000)
    # compare and race parse their own options (and --help): see compare.py, race.py
    sub.add_parser("compare", add_help=False)
    sub.add_parser("race", add_help=False)
    sub.add_parser("profile", add_help=False)
    sub.add_parser("mutants", add_help=False)
    ns, extra = parser.parse_known_args(argv)
    if extra and ns.command not in ("bench", "compare", "race", "profile", "doctor", "mutants"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        match ns.command:
            case "lesson":
                return commands.lesson(ns.number)
            case "exercise":
                return commands.exercise(ns.number)
            case "solution":
                return commands.solution()
            case "watch":
                from . import watch

                return watch.main()
            case "doctor":
                from . import doctor

                return doctor.main(extra)
            case "restore":
                return commands.restore(ns.name)
            case "status":
                return commands.status()
            case "diff":
                return commands.diff(ns.a, ns.b)
            case "verify":
                return commands.verify()
            case "bench":
                return commands.bench(extra)
            case "sync-lessons":
                return commands.sync_lessons()
            case "book-build":
                from . import book

                return book.build()
            case "book-serve":
                from . import book

                return book.serve(ns.port)
            case "compare":
                from . import compare

                return compare.main(extra)
            case "race":
                from . import race

                return race.main(extra)
            case "profile":
                from . import profile

                return profile.main(extra)
            case "mutants":
                from . import mutants

                return mutants.main(extra)
    except CourseError as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the reader knows why it stopped, no traceback
        return 130
    except BrokenPipeError:  # `just solution | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
