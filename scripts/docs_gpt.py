"""Train examples/gpt_from_scratch.py (and, when PyTorch is installed, the same code on PyTorch) and write
docs/gpt.md with the numbers and samples of that run.

    python scripts/docs_gpt.py [--steps 1500] [--threads 1] [--no-torch] [--sample-chars 300]

Every number on the page comes from this run. Before the page is written, what its prose says is checked
against them (the loss falls, the first steps agree with PyTorch's); if a claim fails, nothing is written.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "examples"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import gpt_from_scratch as gpt  # noqa: E402

import tinygrad_edu as tg  # noqa: E402

COMPARED_STEPS = 10


def first_steps(torch, cfg: gpt.Config) -> dict:
    """Both libraries from the same weights on the same batches: the losses of the first steps."""
    cfg = replace(cfg, dropout=0.0, lr=1e-3)
    text = gpt.load_text()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    encoded = np.array([stoi[c] for c in text], np.int64)
    rng = np.random.default_rng(0)
    starts = [rng.integers(0, len(encoded) - cfg.block_size, cfg.batch_size) for _ in range(COMPARED_STEPS)]
    tg.manual_seed(0)
    ours, theirs = gpt.gpt_classes(tg)(len(chars), cfg), gpt.gpt_classes(torch)(len(chars), cfg)
    gpt.same_start(ours, theirs, torch)
    mine = gpt.train(tg, ours, {"train": tg.tensor(encoded)}, cfg, batch_starts=starts)["losses"]
    pytorch = gpt.train(torch, theirs, {"train": torch.tensor(encoded)}, cfg, batch_starts=starts)["losses"]
    weights = max(float(np.abs(v.numpy() - theirs.state_dict()[k].numpy()).max())
                  for k, v in ours.state_dict().items())
    return {"ours": mine, "torch": pytorch, "loss_gap": float(np.max(np.abs(np.subtract(mine, pytorch)))),
            "weight_gap": weights}


def check(runs: dict, compared: dict | None) -> list[str]:
    """The page's claims, as (claim, holds) pairs that failed."""
    ours = runs["tinygrad_edu"]
    claims = [
        ("the loss falls by more than 2 (nats per character)",
         ours["curve"][0]["val"] - ours["curve"][-1]["val"] > 2),
        ("the validation loss ends below 2.5", ours["curve"][-1]["val"] < 2.5),
    ]
    if compared:
        claims.append(("the first steps agree with PyTorch's to 1e-4", compared["loss_gap"] < 1e-4))
    if "torch" in runs:
        claims.append(("PyTorch's run ends within 0.3 of ours",
                       abs(runs["torch"]["curve"][-1]["val"] - ours["curve"][-1]["val"]) < 0.3))
    return [claim for claim, holds in claims if not holds]


def fence(text: str) -> str:
    return "```text\n" + text.replace("```", "'''").strip("\n") + "\n```"


def render(runs: dict, compared: dict | None, threads: int | None) -> str:
    ours = runs["tinygrad_edu"]
    cfg = ours["config"]
    torch_run = runs.get("torch")
    settings = ", ".join(f"{k} {v}" for k, v in asdict(cfg).items())
    header = ["step", "train (tinygrad_edu)", "val (tinygrad_edu)"] + (
        ["train (PyTorch)", "val (PyTorch)"] if torch_run else [])
    rows = []
    for i, point in enumerate(ours["curve"]):
        cells = [str(point["step"]), f"{point['train']:.4f}", f"{point['val']:.4f}"]
        if torch_run:
            other = torch_run["curve"][i]
            cells += [f"{other['train']:.4f}", f"{other['val']:.4f}"]
        rows.append(cells)
    table = "\n".join(["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
                      + ["| " + " | ".join(r) + " |" for r in rows])
    per_step = f"{ours['seconds'] / cfg.steps * 1e3:.1f} ms per step (evaluations included)"
    out = [
        "# A GPT from scratch, on these docs",
        "",
        "[`examples/gpt_from_scratch.py`](../examples/gpt_from_scratch.py) is the character-level GPT of "
        "Karpathy's *Let's build GPT*, trained on tinygrad_edu's own README and documentation pages "
        f"({ours['characters']:,} characters, {ours['vocab']} distinct). What is new next to the lesson's "
        "model:",
        "",
        "- each character is a row of a table, `nn.Embedding`, plus a learned row for its position; the "
        "table's gradient is a scatter-add ([`tinygrad_edu/ops/nn.py`](../tinygrad_edu/ops/nn.py));",
        "- a head of self-attention scores every earlier position (`q @ k.transpose(-2, -1)`), hides the "
        "later ones with `masked_fill(tril == 0, float('-inf'))` and mixes their values by the softmax of "
        "the scores ([`tinygrad_edu/tensor_more.py`](../tinygrad_edu/tensor_more.py));",
        "- blocks of attention and a small MLP, each after a `LayerNorm` and added back to its input, are "
        "stacked; `Dropout` is on while training and off after `model.eval()` "
        "([`tinygrad_edu/nn/attention_layers.py`](../tinygrad_edu/nn/attention_layers.py));",
        "- training is the lesson's loop with `AdamW`; `generate` samples one character at a time with "
        "`multinomial`.",
        "",
        "## The run",
        "",
        f"- {ours['parameters']:,} parameters; {settings}",
        f"- tinygrad_edu: {cfg.steps} steps in {ours['seconds']:.1f} s, {per_step}",
    ]
    if torch_run:
        out.append(f"- PyTorch {torch_run['version']} ({threads or 'default'} thread(s)), the same code "
                   f"(`--lib torch`) and seed: {torch_run['seconds']:.1f} s. Its random numbers differ from "
                   "tinygrad_edu's, so its initial weights and batches do too: the curves are alike, not "
                   "equal.")
    out += [
        f"- Python {platform.python_version()}, numpy {np.__version__}, on {platform.machine()} with "
        f"{os.cpu_count()} cores",
        "",
        "## The loss, in nats per character",
        "",
        f"Each number is the mean of {cfg.eval_iters} batches in eval mode (no dropout). An untrained model "
        f"guesses uniformly: ln {ours['vocab']} = {np.log(ours['vocab']):.2f}.",
        "",
        table,
        "",
        "## A sample before training",
        "",
        fence(ours["before"]),
        "",
        f"## A sample after {cfg.steps} steps",
        "",
        fence(ours["after"]),
        "",
    ]
    if compared:
        lines = [f"| {i} | {a:.6f} | {b:.6f} |" for i, (a, b) in enumerate(zip(compared["ours"],
                                                                               compared["torch"]))]
        out += [
            "## The same steps as PyTorch",
            "",
            f"Both libraries from the same initial weights (tinygrad_edu's, copied into PyTorch with "
            f"`load_state_dict`), on the same {COMPARED_STEPS} batches, without dropout, with AdamW at lr "
            f"0.001: the largest difference of a loss is {compared['loss_gap']:.1e}, of a weight after the "
            f"{COMPARED_STEPS} steps {compared['weight_gap']:.1e} (float32 rounding).",
            "",
            "| step | tinygrad_edu | PyTorch |", "|---:|---:|---:|", *lines, "",
        ]
    out += [
        "## Reproduce",
        "",
        "```bash",
        "python examples/gpt_from_scratch.py               # about a minute on a laptop CPU",
        "python examples/gpt_from_scratch.py --lib torch   # the same code on PyTorch",
        "python scripts/docs_gpt.py                        # this page",
        "```",
        "",
        "Back to the [index](index.md).",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=gpt.Config.steps)
    parser.add_argument("--threads", type=int, default=1, help="PyTorch's threads (default 1: steadier)")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--sample-chars", type=int, default=300, help="characters per sample")
    parser.add_argument("--output", default=str(ROOT / "docs" / "gpt.md"))
    args = parser.parse_args(argv)
    runs = {"tinygrad_edu": gpt.main("tinygrad_edu", args.steps, sample_chars=args.sample_chars)}
    compared = None
    if not args.no_torch and importlib.util.find_spec("torch") is not None:
        import torch

        if args.threads:
            torch.set_num_threads(args.threads)
        runs["torch"] = gpt.main("torch", args.steps, sample_chars=args.sample_chars)
        runs["torch"]["version"] = torch.__version__
        compared = first_steps(torch, runs["tinygrad_edu"]["config"])
    failed = check(runs, compared)
    if failed:
        print("not written; these claims no longer hold:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    Path(args.output).write_text(render(runs, compared, args.threads), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
