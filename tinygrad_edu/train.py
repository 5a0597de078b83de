"""``python -m tinygrad_edu train``: the main job. Trains one of the lesson's models and saves the result.

By default it trains the chapter's linear model on the bundled 3s and 7s (lr 1.0, batch 256, 20 epochs,
no shuffling, as the book), prints a line per epoch, and writes ``model.npz`` (the parameters) and
``metrics.json`` / ``metrics.csv`` (one row per epoch) into the output folder.

The folder appears whole or not at all, and an earlier run is never overwritten: if the folder already
holds files, the run goes to the first free ``FOLDER-2``, ``FOLDER-3``, ... and the command says so.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import string
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import lesson, optim
from .cli import UsageError, checked_path, missing_mnist, non_negative, positive
from .creation import manual_seed
from .data import DataLoader, MnistNotFoundError
from .function import no_grad
from .nn import functional as F
from .serialization import save
from .utils.files import atomic_folder, atomic_write, free_name


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


# what ``--out`` may name in braces: runs/{model}, runs/{model}-lr{lr}, ...
OUT_FIELDS = ("model", "epochs", "lr", "batch_size", "seed")
PLACEHOLDERS = ", ".join(f"{{{name}}}" for name in OUT_FIELDS)


@dataclass
class EpochMetrics:
    epoch: int
    train_loss: float
    valid_accuracy: float
    seconds: float


class DivergedError(FloatingPointError):
    """The training loss became NaN or infinite: the weights blew up, usually from too large a step (lr)."""


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
          log=print, warn=None) -> TrainResult:
    """Train a model of ``RECIPES`` with SGD and return it with its per-epoch metrics.

    Raises ``DivergedError`` as soon as an epoch's loss is NaN or infinite. ``warn`` (default: print
    to stderr) hears of a model that ends up giving one answer for every validation image.
    """
    recipe = RECIPES[model_name]
    epochs = recipe.epochs if epochs is None else epochs
    lr = recipe.lr if lr is None else lr
    batch_size = recipe.batch_size if batch_size is None else batch_size
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"train: lr must be a positive, finite number, got {lr!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"train: seed must be an integer 0 or more, got {seed!r}")
    if data_root is not None and not recipe.digits:
        raise ValueError(f"train: data_root is only read by the ten-digit models; {model_name} trains on "
                         "the bundled 3s and 7s")
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
        if not math.isfinite(train_loss):
            raise DivergedError(f"the training loss became {train_loss} in epoch {epoch}: the weights blew "
                                f"up (lr {lr} takes steps too large for this model); {_smaller_lr(lr)}")
    log(f"final validation accuracy {result.final_accuracy:.4f}; {recipe.book}")
    answer = _single_answer(model, valid_batches, recipe.digits)
    if answer is not None:
        (warn or _to_stderr)(
            f"warning: the model answers {answer!r} for every validation image: its accuracy "
            f"{result.final_accuracy:.4f} is what always answering {answer!r} scores, and it has not learned "
            f"to tell the digits apart. Train longer (--epochs); if that does not help, the learning rate "
            f"is too large (lr {lr}): {_smaller_lr(lr)}")
    return result


def _smaller_lr(lr: float) -> str:
    return f"try a smaller one, such as --lr {lr / 10:g}"


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


@no_grad()
def _single_answer(model: Any, batches: DataLoader, digits: bool) -> str | None:
    """The answer the model gives for every image of ``batches``, or None if it gives several."""
    answers: set = set()
    for xb, _ in batches:
        scores = model(xb).numpy()
        answers.update(np.unique(scores.argmax(1) if digits else scores > 0).tolist())
        if len(answers) > 1:
            return None
    (answer,) = answers
    return str(answer) if digits else "3" if answer else "7"


def write_outputs(result: TrainResult, out_dir: Path) -> list[Path]:
    """Save the parameters (.npz) and the metrics (JSON and CSV) into the new folder ``out_dir``.

    The folder appears with all three files or not at all (``atomic_folder``); an ``out_dir`` that
    already holds files is refused with ``FileExistsError`` (``free_name`` finds a free one).
    """
    names = ("model.npz", "metrics.json", "metrics.csv")
    rows = [asdict(row) for row in result.history]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["epoch"])
    writer.writeheader()
    writer.writerows(rows)
    metrics = json.dumps({"config": result.config, "epochs": rows}, indent=2) + "\n"
    with atomic_folder(out_dir) as folder:
        save(result.model.state_dict(), folder / names[0])
        atomic_write(folder / names[1], metrics)
        atomic_write(folder / names[2], buffer.getvalue())
    return [out_dir / name for name in names]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a lesson model (default: the linear model on the bundled 3s and 7s)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(RECIPES), default="linear",
                        help="linear / simple_net (3s vs 7s, bundled data) or mlp (ten digits, full MNIST)")
    parser.add_argument("--epochs", type=positive(int), help="default: the model's recipe (20 / 40 / 8)")
    parser.add_argument("--lr", type=positive(float), help="learning rate (default: 1.0 / 0.1 / 0.05)")
    parser.add_argument("--batch-size", type=positive(int), help="default: 256 (64 for mlp)")
    parser.add_argument("--seed", type=non_negative(int), default=0, help="seed, 0 or more (default 0)")
    parser.add_argument("--out", default="runs/{model}",
                        help=f"output folder (default runs/{{model}}); {PLACEHOLDERS} are replaced by the "
                             "values used; a folder that already holds files is never overwritten")
    parser.add_argument("--data", help="folder with the four MNIST files (mlp only; see the README)")
    parser.set_defaults(func=run)


def out_folder(args: argparse.Namespace) -> Path:
    """``--out`` with its placeholders filled in; ``UsageError`` if one is unknown or it cannot be made."""
    recipe = RECIPES[args.model]
    values = {"model": args.model, "epochs": args.epochs or recipe.epochs, "lr": args.lr or recipe.lr,
              "batch_size": args.batch_size or recipe.batch_size, "seed": args.seed}
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(args.out) if field is not None]
        unknown = [field for field in fields if field not in values]
        if unknown:
            raise UsageError(f"--out {args.out!r}: {{{unknown[0]}}} is not a placeholder; the ones --out "
                             f"knows are {PLACEHOLDERS} (write {{{{ and }}}} for a literal brace)")
        out_dir = args.out.format(**values)
    except ValueError as error:  # unbalanced braces, a bad format spec
        raise UsageError(f"--out {args.out!r}: {error}; placeholders are {PLACEHOLDERS}, a literal brace is "
                         "written {{ or }}") from None
    return checked_path("--out", out_dir, "folder")


def run(args: argparse.Namespace) -> int:
    if args.data is not None and not RECIPES[args.model].digits:
        raise UsageError(f"--data: {args.model} trains on the bundled 3s and 7s and reads no data folder; "
                         "--data is for --model mlp")
    if args.data is not None:
        checked_path("--data", args.data, "input folder")
    out_dir = out_folder(args)
    try:
        result = train(args.model, args.epochs, args.lr, args.batch_size, args.seed, args.data)
    except MnistNotFoundError as error:
        return missing_mnist(error, "tinygrad-edu train")
    except DivergedError as error:
        print(f"tinygrad-edu train: {error}. Nothing was written.", file=sys.stderr)
        return 1
    target = free_name(out_dir)
    if target != out_dir:
        print(f"{out_dir} already holds a run, which is kept; writing this run to {target}")
    try:
        paths = write_outputs(result, target)
    except OSError as error:  # a full disk, a folder made meanwhile: the run folder is not there at all
        print(f"tinygrad-edu train: could not write the run to {target}: {error}. Nothing was written.",
              file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path}")
    return 0
