"""The command line's dispatcher: every registered command is reachable and bad input is a usage error."""

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu.cli import (
    COMMANDS,
    Outputs,
    UsageError,
    build_parser,
    checked_path,
    main,
    non_negative,
    plain,
    positive,
)

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


def test_checked_path_names_the_option_the_path_and_the_reason(tmp_path):
    assert checked_path("--out", str(tmp_path / "new"), "folder") == tmp_path / "new"
    with pytest.raises(UsageError, match=rf"^--trace '{tmp_path}': {tmp_path} is a folder, not a file$"):
        checked_path("--trace", str(tmp_path), "file")
    with pytest.raises(UsageError, match=r"^--data 'nope': there is no folder .*nope$"):
        checked_path("--data", "nope", "input folder")


def test_outputs_keep_what_is_there_and_give_each_option_its_own_path(tmp_path):
    said = []
    outputs = Outputs(log=said.append)
    (tmp_path / "a.svg").write_text("mine")
    assert outputs.add("--before", tmp_path / "a.svg") == tmp_path / "a-2.svg"
    assert said == [f"{tmp_path / 'a.svg'} is already there and is kept; --before writes "
                    f"{tmp_path / 'a-2.svg'} instead"]
    assert outputs.add("--after", tmp_path / "b.svg", suffix=".dot") == tmp_path / "b.dot"
    assert outputs.add("--other", tmp_path / "b.png", suffix=".dot") == tmp_path / "b-2.dot"
    assert said[-1] == f"--after writes {tmp_path / 'b.dot'}; --other writes {tmp_path / 'b-2.dot'} instead"
    with pytest.raises(UsageError, match="--before names it too"):
        outputs.add("--again", tmp_path / "a.svg")
    with pytest.raises(UsageError, match="the files of --before and --steps would mix"):
        outputs.add("--steps", tmp_path, folder=True)
    assert outputs.paths == {"--before": tmp_path / "a-2.svg", "--after": tmp_path / "b.dot",
                             "--other": tmp_path / "b-2.dot"}
