"""``python -m tinygrad_edu train``: the main job. Trains one of the lesson's models and saves the result.

By default it trains the chapter's linear model on the bundled 3s and 7s (lr 1.0, batch 256, 20 epochs,
no shuffling, as the book), prints a line per epoch, and writes ``model.npz`` (the parameters) and
``metrics.json`` / ``metrics.csv`` (one row per epoch) into the output folder.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import lesson, optim
from .cli import positive
from .creation import manual_seed
from .data import DataLoader, MnistNotFoundError
from .nn import functional as F
from .serialization import save
from .utils.files import atomic_write


@dataclass(frozen=True)
class Recipe:
    """How one model is trained: its defaults mirror the chapter (and the usual MLP recipe for ten digits)."""

    build: Any
    digits: bool  # ten classes from the full MNIST, or the bundled 3s and 7s
    lr: float
    epochs: int
    batch_size: int
    momentum: float = 0.0
    shuffle: bool = False
    book: str = ""


RECIPES = {
    "linear": Recipe(lesson.linear_model, False, lr=1.0, epochs=20, batch_size=256,
                     book="the book ends at 0.9785 (nn.Linear, lr 1.0, 20 epochs)"),
    "simple_net": Recipe(lesson.simple_net, False, lr=0.1, epochs=40, batch_size=256,
                         book="the book ends at 0.9828 (simple_net, lr 0.1, 40 epochs)"),
    "mlp": Recipe(lesson.digit_mlp, True, lr=0.05, epochs=8, batch_size=64, momentum=0.9, shuffle=True,
                  book="the chapter suggests it; a plain MLP usually reaches 97-98 % on the MNIST test set"),
}


@dataclass
class EpochMetrics:
    epoch: int
    train_loss: float
    valid_accuracy: float
    seconds: float


@dataclass
class TrainResult:
    model: Any
    config: dict  # what was actually used: the recipe's defaults filled in
    history: list[EpochMetrics] = field(default_factory=list)

    @property
    def final_accuracy(self) -> float:
        return self.history[-1].valid_accuracy if self.history else float("nan")


def train(model_name: str = "linear", epochs: int | None = None, lr: float | None = None,
          batch_size: int | None = None, seed: int = 0, data_root: str | None = None,
          log=print) -> TrainResult:
    """Train a model of ``RECIPES`` with SGD and return it with its per-epoch metrics."""
    recipe = RECIPES[model_name]
    epochs = recipe.epochs if epochs is None else epochs
    lr = recipe.lr if lr is None else lr
    batch_size = recipe.batch_size if batch_size is None else batch_size
    manual_seed(seed)
    data = lesson.all_digits(data_root) if recipe.digits else lesson.threes_and_sevens()
    loss_fn = F.cross_entropy if recipe.digits else lesson.mnist_loss
    metric = lesson.class_accuracy if recipe.digits else lesson.batch_accuracy
    train_batches = DataLoader(data.train, batch_size=batch_size, shuffle=recipe.shuffle, seed=seed)
    valid_batches = DataLoader(data.valid, batch_size=1024 if recipe.digits else batch_size)
    model = recipe.build()
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=recipe.momentum)
    result = TrainResult(model, {"model": model_name, "epochs": epochs, "seed": seed, "lr": lr,
                                 "batch_size": batch_size})
    log(f"training {model_name}: {len(data.train.x)} training and {len(data.valid.x)} validation images, "
        f"lr {lr}, batch {batch_size}, {epochs} epochs, seed {seed}")
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        (train_loss,) = lesson.train_epochs(model, train_batches, optimizer, 1, loss_fn)
        accuracy = lesson.validate_epoch(model, valid_batches, metric)
        row = EpochMetrics(epoch, round(train_loss, 6), accuracy, round(time.perf_counter() - start, 3))
        result.history.append(row)
        log(f"epoch {epoch:3d}  train loss {row.train_loss:.4f}  valid accuracy {accuracy:.4f}  "
            f"{row.seconds:.2f} s")
    log(f"final validation accuracy {result.final_accuracy:.4f}; {recipe.book}")
    return result


def write_outputs(result: TrainResult, out_dir: Path) -> list[Path]:
    """Save the parameters (.npz) and the metrics (JSON and CSV) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path, json_path, csv_path = out_dir / "model.npz", out_dir / "metrics.json", out_dir / "metrics.csv"
    save(result.model.state_dict(), model_path)
    rows = [asdict(row) for row in result.history]
    atomic_write(json_path, json.dumps({"config": result.config, "epochs": rows}, indent=2) + "\n")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["epoch"])
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(csv_path, buffer.getvalue())
    return [model_path, json_path, csv_path]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a lesson model (default: the linear model on the bundled 3s and 7s)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(RECIPES), default="linear",
                        help="linear / simple_net (3s vs 7s, bundled data) or mlp (ten digits, full MNIST)")
    parser.add_argument("--epochs", type=positive(int), help="default: the model's recipe (20 / 40 / 8)")
    parser.add_argument("--lr", type=positive(float), help="learning rate (default: 1.0 / 0.1 / 0.05)")
    parser.add_argument("--batch-size", type=positive(int), help="default: 256 (64 for mlp)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="runs/{model}", help="output folder (default runs/MODEL)")
    parser.add_argument("--data", help="folder with the four MNIST files (mlp only; see the README)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out_dir = Path(args.out.format(model=args.model))
    try:
        result = train(args.model, args.epochs, args.lr, args.batch_size, args.seed, args.data)
    except MnistNotFoundError as error:
        print(f"tinygrad-edu train: {error}", file=sys.stderr)
        return 2
    for path in write_outputs(result, out_dir):
        print(f"wrote {path}")
    return 0
