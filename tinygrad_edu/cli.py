"""The command line: ``python -m tinygrad_edu COMMAND`` (or the ``tinygrad-edu`` script).

Each command lives in its own module, which provides ``add_parser(subparsers)``; the parser it adds
sets ``func`` (called with the parsed arguments, returning the exit code). ``bench`` is the exception:
the benchmarks are not part of the package but a folder of the repository, ``benchmarks/``, so this
module only adds a thin entry that finds that folder in a clone and hands it the options.

A command that finds a bad option only after parsing raises ``UsageError``: it is reported as argparse
reports its own errors (the command's usage line, the message, exit status 2), never as a traceback.
Every path option goes through ``checked_path`` (and every output through ``Outputs``) before any work:
a bad one is named with its path and the reason, and an output that is already there is kept.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .utils.files import creatable_file_problem, creatable_folder_problem, existing_folder_problem, free_name

# command name -> module that defines it (bench: this module's add_parser, an entry to benchmarks/)
COMMANDS = {
    "train": "tinygrad_edu.train",
    "graph": "tinygrad_edu.viz.cli",
    "bench": __name__,
}
# a clone holds the package and benchmarks/ side by side; an installed package has no benchmarks/
CLONE = Path(__file__).resolve().parents[1]


class UsageError(Exception):
    """A command-line option that parsed but cannot be used; the message names the option."""


PATH_CHECKS = {"file": creatable_file_problem, "folder": creatable_folder_problem,
               "input folder": existing_folder_problem}


def checked_path(option: str, text: str, kind: str) -> Path:
    """``option``'s path, or ``UsageError`` naming the option, the path and the reason it cannot be used.

    ``kind``: "file" or "folder" (an output to write, its parent folders made as needed), or
    "input folder" (a folder to read).
    """
    problem = PATH_CHECKS[kind](text)
    if problem:
        raise UsageError(f"{option} {text!r}: {problem}")
    return Path(text)


class Outputs:
    """The outputs of one command, checked and named before any work; nothing already there is overwritten.

    ``add`` checks an option's path (``checked_path``) and refuses two options naming one path or a
    file inside another option's folder; a path already taken is replaced by the first free
    ``NAME-2``, ``NAME-3``, ... (``free_name``), and ``log`` is told so.
    """

    def __init__(self, log: Callable[[str], Any] = print) -> None:
        self.log = log
        self.asked: dict[str, tuple[Path, bool]] = {}  # option -> (the path given, a folder?)
        self.paths: dict[str, Path] = {}  # option -> the path it writes

    def add(self, option: str, text: str | Path, folder: bool = False, suffix: str | None = None) -> Path:
        """The free path ``option`` writes (with ``suffix`` instead of its own, if given)."""
        text = str(text)
        path = checked_path(option, text, "folder" if folder else "file")
        absolute = Path(os.path.abspath(path))
        for other, (taken, taken_folder) in self.asked.items():
            if absolute == taken:
                raise UsageError(f"{option} {text!r}: {other} names it too; give each output its own name")
            if (folder and absolute in taken.parents) or (taken_folder and taken in absolute.parents):
                raise UsageError(f"{option} {text!r}: the files of {other} and {option} would mix; "
                                 "put them in separate folders")
        self.asked[option] = (absolute, folder)
        wanted = path if suffix is None else path.with_suffix(suffix)
        target = free_name(wanted, file=not folder, avoid=set(self.paths.values()))
        owner = next((other for other, taken in self.paths.items() if taken == wanted), None)
        if target != wanted:
            why = f"{owner} writes {wanted}" if owner else f"{wanted} is already there and is kept"
            self.log(f"{why}; {option} writes {target} instead")
        self.paths[option] = target
        return target


def _number(kind: type, text: str) -> Any:
    try:
        value = kind(text)
    except ValueError:
        article = "an" if kind is int else "a"
        raise argparse.ArgumentTypeError(f"{text!r} is not {article} {kind.__name__}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def positive(kind: type) -> Callable[[str], Any]:
    """An argparse ``type`` for positive, finite numbers of ``kind`` (int or float), clear usage errors."""

    def parse(text: str) -> Any:
        value = _number(kind, text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def add_parser(subparsers) -> None:
    """``bench``: listed here, run by ``benchmarks/bench.py`` (``main`` passes it every option)."""
    subparsers.add_parser("bench", help="time the lesson's workloads against hand-written numpy and PyTorch "
                                        "(needs a clone: runs benchmarks/bench.py)", add_help=False)


def run_benchmarks(argv: list[str]) -> int:
    """Run the clone's ``benchmarks/bench.py`` with ``argv``, or explain why it cannot be found."""
    if not (CLONE / "benchmarks" / "bench.py").is_file():
        print(f"tinygrad-edu bench: the benchmarks are not part of the installed package; they live in the "
              f"repository's benchmarks/ folder, which is not beside this tinygrad_edu ({CLONE}). Clone the "
              "repository and run `python benchmarks/bench.py` (or `python -m tinygrad_edu bench`) there.",
              file=sys.stderr)
        return 2
    if str(CLONE) not in sys.path:
        sys.path.insert(0, str(CLONE))
    bench = importlib.import_module("benchmarks.cli")
    return bench.main(argv, prog="tinygrad-edu bench")


def non_negative(kind: type) -> Callable[[str], Any]:
    """An argparse ``type`` for finite numbers of ``kind`` that are 0 or more (seeds, counts)."""

    def parse(text: str) -> Any:
        value = _number(kind, text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
        return value

    return parse


def missing_mnist(error: Exception, prog: str) -> int:
    """Report a ``MnistNotFoundError`` on stderr as a command does (naming ``--data``); the exit status, 2."""
    print(f"{prog}: {error}\nOr pass the folder that holds them with --data DIR.", file=sys.stderr)
    return 2


def plain(text: str | None) -> str | None:
    """Help text without reST markup: ````name```` becomes ``name`` (docstrings double as descriptions)."""
    return None if text is None else re.sub(r"``(.+?)``", r"\1", text)


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu",
        description="tinygrad_edu: train fast.ai lesson 4's MNIST models, draw graphs, run benchmarks.",
        epilog="Run 'tinygrad-edu COMMAND --help' for a command's options.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module_name in COMMANDS.values():
        importlib.import_module(module_name).add_parser(subparsers)
    for command in subparsers.choices.values():  # every command's --help in plain text
        command.description, command.epilog = plain(command.description), plain(command.epilog)
        for action in command._actions:
            action.help = plain(action.help)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # every option after "bench" is the benchmark's own
        return run_benchmarks(argv[1:])
    parser = build_parser()
    if not argv:  # no command: list them, one line each, then argparse's usage error (status 2)
        parser.print_help(sys.stderr)
        parser.exit(2, f"\n{parser.prog}: error: choose a COMMAND\n")
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as error:
        _subparsers(parser).choices[args.command].error(str(error))


if __name__ == "__main__":
    sys.exit(main())
