"""The command line: ``python -m tinygrad_edu COMMAND`` (or the ``tinygrad-edu`` script).

Each command lives in its own module, which provides ``add_parser(subparsers)``; the parser it adds
sets ``func`` (called with the parsed arguments, returning the exit code). A command that finds a bad
option only after parsing raises ``UsageError``: it is reported as argparse reports its own errors
(the command's usage line, the message, exit status 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import math
import re
import sys
from collections.abc import Callable
from typing import Any

# command name -> module that defines it
COMMANDS = {
    "train": "tinygrad_edu.train",
    "graph": "tinygrad_edu.viz.cli",
    "bench": "tinygrad_edu.bench.cli",
}


class UsageError(Exception):
    """A command-line option that parsed but cannot be used; the message names the option."""


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
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
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
