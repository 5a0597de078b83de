"""``python benchmarks/bench.py``: lesson 4's workloads timed in tinygrad_edu, numpy by hand and PyTorch.

Each workload runs three ways in one process: tinygrad_edu; the same math written by hand in numpy
(examples/backprop_by_hand.py, the derivatives written out); PyTorch when it is installed. The ways are
run interleaved, and first checked against each other (same losses, accuracies and parameters). The table
gives the median time of the repeats with their min–max, and tinygrad_edu's and PyTorch's time as a
multiple of numpy's.

workloads:
  tiny        forward + backward of (x @ w + b).sigmoid().mean(), x of shape (1, 784): per-op overhead
  tiny256     the same with x of shape (256, 784)
  lesson      20 epochs of the chapter's hand-written linear loop (batch 256, lr 1.0, validation each epoch)
  simple_net  40 epochs of simple_net (Linear(784, 30), ReLU, Linear(30, 1)), SGD lr 0.1
  mlp         1 epoch of the ten-digit MLP on the 60,000 MNIST training images (synthetic if MNIST is absent)
  gradcheck   gradcheck of the lesson loss on a 16-row batch in float64
  cnn         1 epoch of fastbook chapter 13's simple CNN on the 3s and 7s (batch 64), against PyTorch
  memory      tracemalloc peak over 1,000 and 10,000 training steps (is the graph freed?)
  phases      the lesson loop phase by phase: numpy, a minimal autograd (the floor), tinygrad_edu

tiny, tiny256, lesson, simple_net and mlp also run "compiled": the same step under tinygrad_edu.compile
(captured in the warm-up run; the timed runs replay). --torch-compile adds PyTorch's torch.compile (its
first call per shape builds C++ code: about a minute each on a small machine).
"""

from __future__ import annotations

import argparse
import sys

from tinygrad_edu.cli import Outputs, UsageError, checked_path, positive
from tinygrad_edu.utils.files import atomic_write

from . import runner, tables
from . import workloads as W
from .ways import Config


def _workload_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in W.NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown workload {', '.join(unknown) or repr(text)}; choose from {', '.join(W.NAMES)}")
    return names


def build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-w", "--workloads", type=_workload_list, default=list(W.NAMES), metavar="NAMES",
                        help=f"comma-separated, from: {','.join(W.NAMES)} (default: all)")
    parser.add_argument("-r", "--repeats", type=positive(int), default=None,
                        help="timed runs of each way per workload (default 5; 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes (2 epochs, 2,048 synthetic MLP rows, ...) for tests: checks, "
                             "not timings")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH ('-': stdout)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if it is installed")
    parser.add_argument("--torch-compile", action="store_true",
                        help="also time PyTorch's torch.compile on the compiled steps (slow to compile)")
    parser.add_argument("--threads", type=positive(int),
                        help="limit numpy's BLAS and PyTorch to this many threads (default: theirs)")
    parser.add_argument("--data", metavar="DIR",
                        help="folder with the full MNIST files for the mlp workload (default: load_mnist's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def main(argv: list[str] | None = None, prog: str = "python benchmarks/bench.py") -> int:
    """Parse the options (``sys.argv[1:]`` by default) and run the bench; returns the exit code."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except UsageError as error:  # a path option that cannot be used, found before any work
        parser.error(str(error))


def run(args: argparse.Namespace) -> int:
    if args.data is not None:
        checked_path("--data", args.data, "input folder")
    json_path = None if args.json in (None, "-") else Outputs().add("--json", args.json)
    config = Config.quick_mode(data_root=args.data, torch_compile=args.torch_compile) if args.quick \
        else Config(data_root=args.data, torch_compile=args.torch_compile)
    repeats = args.repeats or (1 if args.quick else 5)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    report = runner.run(args.workloads, repeats, config, include_torch=not args.no_torch,
                        threads=args.threads, log=log)
    if args.json == "-":
        sys.stdout.write(report.to_json())
    else:
        sys.stdout.write(tables.format_table(report))
        if json_path:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(json_path, report.to_json())
            print(f"wrote {json_path}")
    if not report.all_agree:
        print("tinygrad-edu bench: the ways disagree (see the 'agree' column)", file=sys.stderr)
        return 1
    memory = report.memory
    if memory and not all(m["flat"] for m in memory["ways"].values()):
        print("tinygrad-edu bench: memory grows with the number of steps", file=sys.stderr)
        return 1
    return 0
