"""Learner-grade feedback outside the train command: an example script without MNIST gives the command
line's message (naming --data), not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_example(*args: str, mnist: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TINYGRAD_EDU_MNIST": str(mnist)}
    return subprocess.run([sys.executable, str(ROOT / "examples" / "e_all_digits.py"), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT)


@pytest.mark.parametrize("with_data", [True, False])
def test_all_digits_without_mnist_names_the_data_option(tmp_path, with_data):
    result = run_example(*(["--data", str(tmp_path)] if with_data else []), mnist=tmp_path / "absent")
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("e_all_digits.py: MNIST not found: the folder ")
    assert str(tmp_path) in result.stderr and "train-images-idx3-ubyte.gz" in result.stderr
    assert result.stderr.rstrip().endswith("Or pass the folder that holds them with --data DIR.")
