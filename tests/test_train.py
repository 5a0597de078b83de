"""The main job: ``python -m tinygrad_edu train`` trains, prints a line per epoch and writes its outputs.

Its run folders and its feedback: a bad --out is refused before training, a run folder appears whole or
not at all, an earlier run is never overwritten, and a failed training says what went wrong.
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_edu
from tinygrad_edu import lesson
from tinygrad_edu import train as train_module
from tinygrad_edu.cli import main
from tinygrad_edu.train import DivergedError, train

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


QUIET = {"log": lambda *a: None}


def usage_error(argv: list[str], capsys) -> str:
    """Run the command, expect argparse's usage error (status 2), return stderr."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert "epoch" not in captured.out  # refused before any training
    assert "Traceback" not in captured.err and captured.err.startswith("usage: tinygrad-edu train")
    return captured.err


def test_out_naming_a_file_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    err = usage_error(["train", "--out", str(tmp_path / "notes.txt")], capsys)
    assert f"--out '{tmp_path / 'notes.txt'}'" in err and "is a file, not a folder" in err
    err = usage_error(["train", "--out", str(tmp_path / "notes.txt" / "run")], capsys)
    assert "notes.txt is a file, so no folder can be made inside it" in err
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("out, message", [
    ("runs/{date}", "{date} is not a placeholder; the ones --out knows are {model}, {epochs}, {lr}"),
    ("runs/{}", "{} is not a placeholder"),
    ("runs/{model", "a literal brace is written {{ or }}"),
    ("runs/model}", "Single '}' encountered"),
    ("runs/{lr:zz}", "Unknown format code 'z'"),
])
def test_out_with_unknown_placeholders_or_stray_braces_is_a_usage_error(out, message, tmp_path, capsys):
    err = usage_error(["train", "--out", str(tmp_path / out)], capsys)
    assert f"--out '{tmp_path / out}'" in err and message in err
    assert os.listdir(tmp_path) == []


def test_out_placeholders_are_the_values_used(tmp_path, capsys):
    out = str(tmp_path / "{model}-e{epochs}-lr{lr}-b{batch_size}-s{seed}-{{literal}}")
    assert main(["train", "--epochs", "1", "--seed", "3", "--out", out]) == 0
    assert os.listdir(tmp_path) == ["linear-e1-lr1.0-b256-s3-{literal}"]


def test_data_is_refused_for_the_models_that_read_none(tmp_path, capsys):
    err = usage_error(["train", "--model", "simple_net", "--data", str(tmp_path)], capsys)
    assert "--data: simple_net trains on the bundled 3s and 7s" in err and "--model mlp" in err
    with pytest.raises(ValueError, match="data_root is only read by the ten-digit models; linear"):
        train("linear", data_root=str(tmp_path), **QUIET)


@pytest.mark.parametrize("lr", [math.inf, math.nan, 0.0, -1.0, "1"])
def test_train_refuses_a_learning_rate_that_cannot_train(lr):
    with pytest.raises(ValueError, match="train: lr must be a positive, finite number"):
        train("linear", epochs=1, lr=lr, **QUIET)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_train_refuses_a_seed_numpy_cannot_take(seed):
    with pytest.raises(ValueError, match=f"^train: seed must be an integer 0 or more, got {seed!r}$"):
        train("linear", epochs=1, seed=seed, **QUIET)


def test_a_second_run_goes_to_a_numbered_folder_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the Quickstart's `python -m tinygrad_edu train`, twice in one clone
    assert main(["train", "--epochs", "1"]) == 0
    run = tmp_path / "runs" / "linear"
    first = {name: (run / name).read_bytes() for name in ("model.npz", "metrics.json")}
    capsys.readouterr()
    assert main(["train", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "runs/linear already holds a run, which is kept; writing this run to runs/linear-2" in out
    assert "wrote runs/linear-2/model.npz" in out
    assert {name: (run / name).read_bytes() for name in first} == first
    assert json.loads((tmp_path / "runs" / "linear-2" / "metrics.json").read_text())["config"]["epochs"] == 2
    assert main(["train", "--epochs", "1"]) == 0
    assert sorted(os.listdir(tmp_path / "runs")) == ["linear", "linear-2", "linear-3"]


def test_an_empty_folder_is_used_as_it_is(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    assert main(["train", "--epochs", "1", "--out", str(tmp_path / "run")]) == 0
    assert "already holds" not in capsys.readouterr().out
    assert sorted(os.listdir(tmp_path / "run")) == ["metrics.csv", "metrics.json", "model.npz"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_run_folder_is_written_whole_or_not_at_all(error, tmp_path, monkeypatch, capsys):
    real_write = train_module.atomic_write

    def failing_write(path, data):
        if path.name == "metrics.csv":  # the model and metrics.json are written by now
            raise error
        real_write(path, data)

    monkeypatch.setattr(train_module, "atomic_write", failing_write)
    if isinstance(error, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            main(["train", "--epochs", "1", "--out", str(tmp_path / "run")])
    else:
        assert main(["train", "--epochs", "1", "--out", str(tmp_path / "run")]) == 1
        err = capsys.readouterr().err
        assert f"could not write the run to {tmp_path / 'run'}: disk full. Nothing was written." in err
    assert os.listdir(tmp_path) == []  # no half-written run, no temporary folder or *.tmp file


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_outputs_have_ordinary_permissions(mask, tmp_path, capsys):
    old = os.umask(mask)
    try:
        assert main(["train", "--epochs", "1", "--out", str(tmp_path / "runs" / "a")]) == 0
    finally:
        os.umask(old)
    for folder in (tmp_path / "runs", tmp_path / "runs" / "a"):
        assert os.stat(folder).st_mode & 0o777 == 0o777 & ~mask
    for name in ("model.npz", "metrics.json", "metrics.csv"):
        assert os.stat(tmp_path / "runs" / "a" / name).st_mode & 0o777 == 0o666 & ~mask


def test_a_diverging_run_stops_says_so_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lesson, "train_epochs", lambda *args: [math.nan])
    assert main(["train", "--lr", "50", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "the training loss became nan in epoch 1" in err and "lr 50.0" in err and "--lr 5" in err
    assert "Nothing was written" in err and os.listdir(tmp_path) == []
    with pytest.raises(DivergedError, match="loss became inf in epoch 1"):
        monkeypatch.setattr(lesson, "train_epochs", lambda *args: [math.inf])
        train("linear", **QUIET)


def test_a_model_with_one_answer_for_everything_gets_a_warning(tmp_path, capsys):
    assert main(["train", "--lr", "100", "--epochs", "2", "--out", str(tmp_path / "run")]) == 0
    captured = capsys.readouterr()
    assert "final validation accuracy 0.4932" in captured.out
    assert "warning: the model answers '3' for every validation image" in captured.err
    assert "Train longer (--epochs)" in captured.err and "--lr 10" in captured.err
    assert main(["train", "--epochs", "4", "--out", str(tmp_path / "good")]) == 0
    assert capsys.readouterr().err == ""
