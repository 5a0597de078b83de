"""The main job: ``python -m tinygrad_edu train`` trains, prints a line per epoch and writes its outputs."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_edu
from tinygrad_edu.cli import main
from tinygrad_edu.train import train

ROOT = Path(__file__).resolve().parents[1]


def test_train_writes_parameters_and_metrics(tmp_path, capsys):
    assert main(["train", "--epochs", "3", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert out.count("valid accuracy") == 3  # one progress line per epoch
    assert "final validation accuracy" in out and "metrics.json" in out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["config"] == {"model": "linear", "epochs": 3, "seed": 0, "lr": 1.0, "batch_size": 256}
    rows = metrics["epochs"]
    assert [row["epoch"] for row in rows] == [1, 2, 3]
    assert rows[0]["valid_accuracy"] == 0.4932  # as the book: after one epoch every image is called "3"
    assert rows[-1]["valid_accuracy"] > 0.8
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]
    with open(tmp_path / "run" / "metrics.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [float(row["valid_accuracy"]) for row in table] == [row["valid_accuracy"] for row in rows]
    params = tinygrad_edu.load(tmp_path / "run" / "model.npz")
    assert params["weight"].shape == (1, 784) and params["bias"].shape == (1,)


def test_training_is_reproducible_with_a_seed():
    first = train("simple_net", epochs=2, seed=3, log=lambda *a: None)
    second = train("simple_net", epochs=2, seed=3, log=lambda *a: None)
    assert [row.valid_accuracy for row in first.history] == [row.valid_accuracy for row in second.history]
    assert first.history[-1].train_loss == second.history[-1].train_loss


@pytest.mark.parametrize("argv, message", [
    (["train", "--epochs", "0"], "must be positive"),
    (["train", "--lr", "abc"], "is not a float"),
    (["train", "--model", "resnet"], "invalid choice"),
    (["train", "--lr", "inf"], "argument --lr: must be a finite number, got inf"),
    (["train", "--lr", "nan"], "argument --lr: must be a finite number, got nan"),
    (["train", "--lr=-inf"], "argument --lr: must be a finite number, got -inf"),
    (["train", "--seed", "-5"], "argument --seed: must be 0 or more, got -5"),
    (["train", "--epochs", "2.5"], "argument --epochs: '2.5' is not an int"),
])
def test_bad_options_get_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_mlp_without_mnist_says_where_to_put_the_files(tmp_path, capsys):
    assert main(["train", "--model", "mlp", "--data", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "train-images-idx3-ubyte" in err
    assert "--data DIR" in err and "Traceback" not in err


def test_module_entry_point_and_help():
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu", "train", "--help"], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 0 and "--batch-size" in result.stdout
