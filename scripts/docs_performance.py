"""Write docs/performance.md from a fresh run of the benchmark (``python benchmarks/bench.py``).

    python scripts/docs_performance.py [--repeats 5] [--threads N] [--data MNIST_DIR] [--quick]
                                       [--torch-compile]

Runs every workload three ways (tinygrad_edu, numpy by hand, PyTorch if installed) and compiled
(tinygrad_edu.compile; PyTorch's torch.compile with --torch-compile), the memory check and
a cProfile of tinygrad_edu's run of each workload, then writes the tables into the markdown. Every number
in the page comes from this run; the prose around them only describes what each workload does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import machine, phases, runner, tables  # noqa: E402
from benchmarks import workloads as W  # noqa: E402
from benchmarks.ways import Config  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
import browser_speed  # noqa: E402  (the lesson loop in Pyodide, for the "In the browser" section)

WHAT = {
    "tiny": "4 recorded ops forward (matmul, add, sigmoid, mean) and 4 backward on a single image: numpy "
            "spends about a microsecond per op, so the ratio is almost pure per-op overhead of the engine "
            "(Function.apply, Tensor creation, the backward walk, unbroadcast, leaf accumulation).",
    "tiny256": "the same graph on 256 images: the matrix-vector products start to count; overhead still "
               "shows.",
    "lesson": "per batch: 6 recorded ops (matmul, add, sigmoid, 1 - p, where, mean), backward, then "
              "`p.data -= p.grad * lr` and `p.grad.zero_()` for two parameters; after each epoch 8 "
              "validation batches. The numpy work per batch is two matrix-vector products (256×784).",
    "simple_net": "per batch: two nn.Linear layers (each one Linear op, x @ Wᵀ + b), ReLU, the loss, "
                  "backward and optim.SGD.step; 49 batches per epoch. The matmuls are 256×784 by 784×30.",
    "mlp": "batches of 64: Linear(784, 128), ReLU, Linear(128, 10), cross_entropy (one op: its gradient "
           "is softmax minus one-hot), backward, SGD with momentum.",
    "gradcheck": "785 parameters: 1,570 forward evaluations of the loss on 16 rows (float64) plus one "
                 "backward; the evaluations dominate, so it measures the forward path's per-op overhead.",
    "cnn": "batches of 64 images [64, 1, 28, 28]: five stride-2 3×3 convolutions (each one Conv2d op: "
           "im2col and one matrix product; backward two more correlations), ReLU, cross_entropy, SGD with "
           "momentum; 194 steps. The numpy way writes the same network by hand with col2im for the input "
           "gradient; the target is against PyTorch: within 2×.",
    "gpt": "per step: 160 recorded ops forward on a batch of 16 × 32 characters (embeddings, 8 heads of "
           "causal attention, 5 LayerNorms, 31 Linear layers, the loss), backward, AdamW over 50 parameter "
           "tensors; its reference is PyTorch (there is no numpy way), from the same weights on the same "
           "batches.",
}


def default_data_root() -> str | None:
    """$TINYGRAD_EDU_MNIST, else the shared data folder beside the repository, else load_mnist's default."""
    if os.environ.get("TINYGRAD_EDU_MNIST"):
        return None
    shared = ROOT.parent / "shared" / "data" / "mnist"
    return str(shared) if shared.is_dir() else None


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + (" with uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def profiles(config: Config, names: list[str], top: int) -> list[dict]:
    results = []
    for name in names:
        print(f"profiling {name}", file=sys.stderr, flush=True)
        workload = W.BUILDERS[name](config, include_torch=False)
        results.append(runner.profile(workload, "tinygrad_edu", top))
    return results


def profile_markdown(result: dict) -> str:
    lines = ["| own % | cumulative % | calls per run | µs per call (own) | function |",
             "|---:|---:|---:|---:|---|"]
    for f in result["functions"]:
        lines.append(f"| {f['own_share']:.1%} | {f['cumulative_share']:.1%} | {f['calls_per_run']:,.0f} | "
                     f"{f['own_us_per_call']:.2f} | `{f['function']}` |")
    return "\n".join(lines) + "\n"


BACKWARD_COST = (": an autograd applies each op's derivative on its own (the where's two masks, the "
                 "sigmoid's three products, a broadcast for the mean) where numpy has one fused line "
                 "`dz = sign * p * (1 - p) / n`, and walks the graph to do it.")


def phases_markdown(split: phases.PhaseReport, target: float) -> list[str]:
    """The lesson loop phase by phase, and what the minimal autograd says about the lesson's target."""
    numpy_us = split.median("numpy") / split.steps * 1e6
    floor_us = split.extra_us_per_step("minimal autograd")
    ours_us = split.extra_us_per_step("tinygrad_edu")
    budget_us = (target - 1) * numpy_us
    ours, floor = split.ratio("tinygrad_edu"), split.ratio("minimal autograd")
    verdict = (f"tinygrad_edu's {ours_us:.1f} µs fit in it" if ours_us <= budget_us else
               f"tinygrad_edu spends {ours_us:.1f} µs, {ours_us - floor_us:.1f} µs more than the minimal "
               f"autograd, and misses the target ({ours:.2f}×)")
    room = budget_us - floor_us
    gaps = {p: split.median("minimal autograd", p) - split.median("numpy", p) for p in phases.PHASES}
    costliest = max(gaps, key=gaps.get)
    share = gaps[costliest] / max(sum(gaps.values()), 1e-12)
    runs = len(split.seconds["numpy"]["forward"])
    numpy_top = max(phases.PHASES, key=lambda p: split.median("numpy", p))
    return [
        "## The lesson loop, phase by phase",
        "",
        f"The lesson workload again ({split.epochs} epochs, {split.steps:,} training steps plus validation), "
        "with a clock between its phases, run three ways: the numpy reference; a *minimal autograd* "
        "([`MinimalTensor`](../examples/autograd_in_60_lines.py), about 60 lines: micrograd-style "
        "closures for exactly the six ops the lesson uses, with no dtype rules, checks, error messages, "
        "grad_fn objects or hooks); and tinygrad_edu running the chapter's code. The minimal autograd is "
        "the floor: what recording the graph and walking it back costs at the least, in Python on numpy. "
        "Medians of "
        f"{runs} interleaved run{'s' if runs != 1 else ''} "
        "(`python benchmarks/bench.py -w phases`):",
        "",
        phases.markdown_table(split).rstrip(),
        "",
        f"- numpy does {numpy_us:.1f} µs of array work per training step (validation included); its "
        f"largest phase is {numpy_top} ({split.median('numpy', numpy_top) * 1e3:.1f} ms)"
        + (", which holds the pass over each 256×784 batch in `xb @ w`." if numpy_top == "forward" else "."),
        f"- The minimal autograd needs {floor_us:.1f} µs more per step ({floor:.2f}× numpy), "
        f"{share:.0%} of it in {costliest}"
        + (BACKWARD_COST if costliest == "backward" else "."),
        f"- The lesson's target, {target:g}× numpy, allows {budget_us:.1f} µs per step beyond numpy; "
        + (f"the floor leaves {room:.1f} µs of it for everything a real framework adds to the bare minimum; "
           if room >= 0 else
           f"in this run the floor alone took {-room:.1f} µs more than that; ")
        + f"{verdict}.",
        "- What tinygrad_edu adds, per step: a `grad_fn` object per op (named, inspectable, drawn by "
        "`viz`), dtype promotion for `1 - p` and `p.grad * lr` as PyTorch does it, shape checks that turn "
        "numpy's errors into messages naming the op, released-graph and retain_grad bookkeeping, "
        "`detect_anomaly` and the tracing hook, and PyTorch's `p.data` / `p.grad.zero_()` protocol in the "
        "update (a tensor per `.data`, a recorded-or-not check per in-place op). Each is a fraction of a "
        "microsecond; on this workload they add up to the gap in the table.",
        "",
    ]


def compiled_markdown(report: runner.Report, capture: dict[str, float]) -> list[str]:
    """The compiled column explained, and what a capture costs (docs/compile.md tells the rest)."""
    rows = [row for row in report.rows if "compiled" in row.times]
    if not rows:
        return []
    ratios = ", ".join(f"{row.name} {row.ratio('compiled').median:.2f}×" for row in rows)
    out = [
        "## Compiled: the same steps under `tinygrad_edu.compile`",
        "",
        "The *compiled* column runs each workload's step through `torch.compile` (here "
        "[`tinygrad_edu.compile`](compile.md)): the first call per signature runs eagerly while it is "
        "captured, later calls replay the captured numpy code. Each workload compiles its step once; the "
        "untimed warm-up run captures, the timed runs replay (their results are checked bitwise against "
        f"the eager way's: the agree column). Compiled over numpy, medians: {ratios}.",
        "",
        f"A capture costs {capture['capture'] / 1e3:.2f} ms on the lesson step (the first call of a "
        f"signature: eager, recording, then writing and compiling the replay), against "
        f"{capture['eager step']:.0f} µs for an eager step and {capture['replay']:.0f} µs for a replay: "
        f"about {capture['capture'] / capture['eager step']:.0f} eager steps, once per signature.",
        "",
    ]
    if any("torch.compile" in row.times for row in rows):
        out += ["The *torch.compile* column is PyTorch's own `torch.compile` (inductor, C++ built with gcc) "
                "on the same step: its first call per shape, in the warm-up run, generates and builds code "
                "and is not timed.", ""]
    return out


def render(report: runner.Report, profiled: list[dict], command: str,
           capture: dict[str, float] | None = None, browser: dict | None = None) -> str:
    meta = report.meta
    torch = f"PyTorch {meta['torch']} ({meta['torch_threads']} threads)" if meta.get("torch") else \
        "PyTorch not installed (its columns are absent)"
    blas = meta.get("numpy_blas_threads")
    load = meta.get("load_average") or [float("nan")]
    load_end = meta.get("load_average_end") or [float("nan")]
    out = [
        "# Performance",
        "",
        "tinygrad_edu against the same math written by hand in numpy "
        "([`examples/backprop_by_hand.py`](../examples/backprop_by_hand.py), derivatives written out) "
        "and against PyTorch, on fast.ai lesson 4's workloads. This page is generated by "
        "`python scripts/docs_performance.py` from one run of `python benchmarks/bench.py`: every number "
        "below comes from that run.",
        "",
        "## The run",
        "",
        f"- date: {meta['date']}; commit {git_commit()}",
        f"- machine: {meta['machine']}; {meta['processor']}",
        f"- Python {meta['python']}, numpy {meta['numpy']} "
        f"({blas if blas is not None else '?'} BLAS threads), {torch}",
        f"- {meta['repeats']} timed repeats per way after one warm-up run, interleaved (A B C, B C A, ...); "
        f"each cell is the median with the min–max in parentheses. A ratio is a way's time (tinygrad_edu's, "
        f"compiled, PyTorch's) divided by numpy's in the same repeat.",
        f"- load average (1 min) at the start {load[0]:.2f}, at the end {load_end[0]:.2f}"
        + (" — the machine was busy: numbers are noisy" if max(load[0], load_end[0]) > 0.7 else ""),
        "",
        "## Results",
        "",
        tables.format_markdown(report).rstrip(),
        "",
        "\"agree\" says whether the way computed the same losses, accuracies and final parameters (or "
        "gradients) as the numpy reference, from the same initial parameters and the same batches.",
        "",
    ]
    notes = [f"- {row.name}: {note}" for row in report.rows for note in row.notes]
    if meta.get("torch_note"):
        notes.append(f"- {meta['torch_note']}")
    if notes:
        out += ["Notes:", ""] + notes + [""]
    if report.memory:
        out += ["## Memory", "", "```"] + tables.memory_lines(report.memory) + ["```", "",
                "Flat means the peak over the most steps is within 1.5× of the peak over the fewest: each "
                "step's graph is freed when the loss goes out of scope.", ""]
    if capture:
        out += compiled_markdown(report, capture)
    lesson = next((row for row in report.rows if row.name == "lesson"), None)
    if report.phases is not None and lesson is not None and lesson.target:
        out += phases_markdown(report.phases, lesson.target)
    if browser is not None:
        out += browser_speed.markdown(browser)
    out += [
        "## What dominates each workload",
        "",
        "The numpy reference does the same matrix products as tinygrad_edu, so the ratio is what "
        "tinygrad_edu adds: Python calls per op to record the graph and walk it back, and the elementwise "
        "derivatives applied op by op rather than fused by hand (the phase table above). The tables are "
        "cProfile's view of tinygrad_edu's run (own time per function; cProfile adds about a microsecond "
        "to every Python call, so read them for the order, not for absolute times). A `@` or a ufunc shows "
        "up inside the op that "
        "calls it (e.g. `MatMul.forward`'s own time is mostly BLAS).",
        "",
    ]
    for result in profiled:
        name = result["workload"]
        row = next((r for r in report.rows if r.name == name), None)
        title = row.title if row else name
        out += [f"### {title}", "", WHAT.get(name, ""), "",
                f"{result['runs']} profiled run(s), {result['seconds_per_run'] * 1e3:.0f} ms each "
                "under cProfile.",
                "",
                profile_markdown(result)]
    out += [
        "## Reproduce",
        "",
        "```bash",
        "python benchmarks/bench.py                         # the table (add --json results.json to keep it)",
        "python benchmarks/bench.py -w tiny,lesson -r 9     # some workloads, more repeats",
        "python benchmarks/bench.py --quick                 # seconds: checks that the ways agree",
        "python benchmarks/bench.py --torch-compile         # PyTorch's torch.compile too (minutes to build)",
        "python benchmarks/bench.py -w phases               # the lesson loop phase by phase, with the floor",
        "python scripts/docs_performance.py                 # this page",
        "```",
        "",
        f"This page was made with `{command}`. `python -m tinygrad_edu bench` is the same command, from a "
        "clone (the benchmarks are not part of the installed package). PyTorch is optional "
        "(`pip install torch`); without it its columns are left out. The mlp workload reads the full "
        "MNIST (`--data DIR`, or `$TINYGRAD_EDU_MNIST`) and falls back to synthetic images of the same "
        "shape, which the notes say. On a 2-core machine, other busy processes hurt multi-threaded BLAS "
        "badly (a small matmul can become "
        "ten times slower); `--threads 1` gives steadier numbers there.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, help="limit numpy's BLAS and PyTorch to this many threads")
    parser.add_argument("--data", default=default_data_root(), help="folder with the full MNIST")
    parser.add_argument("--quick", action="store_true", help="quick mode (to try the script)")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--torch-compile", action="store_true", help="also time PyTorch's torch.compile")
    parser.add_argument("--top", type=int, default=10, help="functions per profile table")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--json", help="also write the bench results as JSON here")
    parser.add_argument("--no-browser", action="store_true", help="leave out the lesson loop in Pyodide")
    args = parser.parse_args(argv)

    config = Config.quick_mode(data_root=args.data, torch_compile=args.torch_compile) if args.quick \
        else Config(data_root=args.data, torch_compile=args.torch_compile)
    names = list(W.NAMES)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    report = runner.run(names, args.repeats, config, include_torch=not args.no_torch, threads=args.threads,
                        log=log)
    print(tables.format_table(report))
    previous = machine.blas_threads()
    if args.threads:
        machine.set_threads(args.threads)
    try:
        profiled = profiles(config, [n for n in names if n in W.BUILDERS], args.top)
    finally:
        if args.threads and previous:
            machine.set_threads(previous)
    browser = None if args.no_browser or args.quick else browser_speed.measure()  # needs build/lite
    command = " ".join(["python scripts/docs_performance.py"] + list(sys.argv[1:] if argv is None else argv))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    capture = W.capture_cost()
    output.write_text(render(report, profiled, command, capture, browser), encoding="utf-8")
    print(f"wrote {output}")
    if args.json:
        Path(args.json).write_text(report.to_json(), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0 if report.all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
