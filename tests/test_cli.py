"""The command line's dispatcher: every registered command is reachable and bad input is a usage error."""

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu.cli import COMMANDS, build_parser, main, non_negative, plain, positive

ROOT = Path(__file__).resolve().parents[1]


def test_every_registered_command_has_a_parser():
    parser = build_parser()
    help_text = parser.format_help()
    for name in COMMANDS:
        assert name in help_text
    assert set(COMMANDS) == {"train", "graph", "bench"}


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_no_command_lists_the_commands_one_line_each():
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and result.stdout == ""  # argparse's status for a missing argument
    lines = result.stderr.splitlines()
    for name in COMMANDS:
        listed = [line for line in lines if line.split()[:1] == [name]]
        assert len(listed) == 1 and len(listed[0].split()) > 2, f"{name} has no one-line description"
    assert lines[-1] == "tinygrad-edu: error: choose a COMMAND" and "Traceback" not in result.stderr


def test_help_texts_are_plain_text():
    assert plain("``python -m tinygrad_edu train`` writes ``model.npz``") == (
        "python -m tinygrad_edu train writes model.npz")
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in subparsers.choices.items():
        assert "``" not in command.format_help(), f"{name} --help shows reST markup"


@pytest.mark.parametrize("parse, text, message", [
    (positive(float), "inf", "must be a finite number, got inf"),
    (positive(float), "nan", "must be a finite number, got nan"),
    (positive(float), "0", "must be positive, got 0"),
    (positive(int), "x", "'x' is not an int"),
    (non_negative(int), "-1", "must be 0 or more, got -1"),
    (non_negative(float), "-inf", "must be a finite number, got -inf"),
])
def test_number_options_refuse_what_cannot_be_used(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)
    assert non_negative(int)("0") == 0 and positive(float)("1e-3") == 0.001
