"""The command line: ``python -m tinygrad_edu COMMAND`` (or the ``tinygrad-edu`` script).

Each command lives in its own module, which provides ``add_parser(subparsers)``; the parser it adds
sets ``func`` (called with the parsed arguments, returning the exit code). ``bench`` is the exception:
the benchmarks are not part of the package but a folder of the repository, ``benchmarks/``, so this
module only adds a thin entry that finds that folder in a clone and hands it the options.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# command name -> module that defines it (bench: this module's add_parser, an entry to benchmarks/)
COMMANDS = {
    "train": "tinygrad_edu.train",
    "graph": "tinygrad_edu.viz.cli",
    "bench": __name__,
}
# a clone holds the package and benchmarks/ side by side; an installed package has no benchmarks/
CLONE = Path(__file__).resolve().parents[1]


def positive(kind: type) -> Callable[[str], Any]:
    """An argparse ``type`` for positive numbers of ``kind`` (int or float), with a clear usage error."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu",
        description="tinygrad_edu: train fast.ai lesson 4's MNIST models, draw graphs, run benchmarks.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module_name in COMMANDS.values():
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # every option after "bench" is the benchmark's own
        return run_benchmarks(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
