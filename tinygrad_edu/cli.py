"""The command line: ``python -m tinygrad_edu COMMAND`` (or the ``tinygrad-edu`` script).

Each command lives in its own module, which provides ``add_parser(subparsers)``; the parser it adds
sets ``func`` (called with the parsed arguments, returning the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import Any

# command name -> module that defines it
COMMANDS = {
    "train": "tinygrad_edu.train",
    "graph": "tinygrad_edu.viz.cli",
    "bench": "tinygrad_edu.bench.cli",
}


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
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
