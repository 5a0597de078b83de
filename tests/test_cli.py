"""The command line's dispatcher: every registered command is reachable and bad input is a usage error."""

import pytest

from tinygrad_edu.cli import COMMANDS, build_parser, main


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
