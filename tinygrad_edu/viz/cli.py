"""``python -m tinygrad_edu graph``: draw the lesson model's graph before and after backward.

Example::

    python -m tinygrad_edu graph --before before.svg --after after.svg --trace trace.txt
    python -m tinygrad_edu graph --explore backward.html

Exit codes: 0 done; 2 usage error (argparse); 3 graphviz missing (without the program ``dot`` the
pictures are saved as ``.dot`` sources next to the requested files); 1 the batch could not be built.
This module imports no graphviz at load time, so the other commands work without it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ..cli import Outputs, positive
from ..utils.files import atomic_write
from .errors import INSTALL_DOT, GraphvizNotFoundError, dot_available
from .stats import format_shape

FORMATS = (".svg", ".png", ".pdf", ".dot", ".gv")


def _picture_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: unknown picture format {path.suffix or '(no extension)'!r}; "
            f"name the file .svg, .png, .pdf or .dot"
        )
    return path


def _html_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".html", ".htm"):
        raise argparse.ArgumentTypeError(f"{text!r}: the explorer is a web page; name the file .html")
    return path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "graph",
        help="draw the lesson model's computation graph before/after backward, and narrate backward",
        description="Build fast.ai lesson 4's model (xb @ weights + bias -> sigmoid -> "
        "where(yb==1, 1-p, p).mean()) on one batch of real 3s and 7s, and draw its graph before and after "
        "backward. The picture format comes from each file's extension: .svg, .png, .pdf, or .dot (the "
        "graphviz source).",
    )
    parser.add_argument("--before", type=_picture_path, metavar="FILE", help="the graph after forward")
    parser.add_argument("--after", type=_picture_path, metavar="FILE",
                        help="the graph after backward, with gradients")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the step-by-step backward trace ('-': the terminal)")
    parser.add_argument("--steps", metavar="DIR", type=Path, help="one picture per backward step, in DIR")
    parser.add_argument("--explore", metavar="FILE", type=_html_path,
                        help="a page (.html) that steps through backward: buttons, slider, arrow keys")
    parser.add_argument("--steps-format", choices=("svg", "png", "pdf", "dot"), default="svg",
                        help="picture format for --steps (default svg)")
    parser.add_argument("--batch-size", type=positive(int), default=4, metavar="N",
                        help="images in the batch (default 4)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="picks the batch and the initial weights (default 0)")
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="TB",
                        help="top to bottom (default: fits a notebook or a page) or left to right")

    def func(args: argparse.Namespace) -> int:
        if not (args.before or args.after or args.trace or args.steps or args.explore):
            parser.error("nothing to do: give at least one of --before, --after, --trace, --steps, --explore")
        return run(args)

    parser.set_defaults(func=func)


def _needs_dot(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() not in (".dot", ".gv")


def _outputs(args: argparse.Namespace, missing_dot: bool) -> dict[str, Path]:
    """Every output, checked before any work (``Outputs``): a free name for each, its option as the key."""
    outputs = Outputs()
    wanted = {"--before": args.before, "--after": args.after, "--steps": args.steps,
              "--explore": args.explore, "--trace": None if args.trace == "-" else args.trace}
    for option, path in wanted.items():
        if path is not None:
            dot = missing_dot and option in ("--before", "--after")
            outputs.add(option, path, folder=option == "--steps", suffix=".dot" if dot else None)
    return outputs.paths


def run(args: argparse.Namespace) -> int:
    """Build the model, draw it, run backward (traced), draw it again; return the exit code."""
    from .model import lesson_graph
    from .trace import trace_backward

    # without Graphviz's `dot`, save every picture as its graphviz source and say how to install it
    missing_dot = bool(_needs_dot(args.before) or _needs_dot(args.after)
                       or (args.steps and args.steps_format != "dot")) and not dot_available()
    paths = _outputs(args, missing_dot)
    before, after, steps_folder = paths.get("--before"), paths.get("--after"), paths.get("--steps")
    trace_path, explore_path = paths.get("--trace", args.trace), paths.get("--explore")
    steps_format = "dot" if missing_dot else args.steps_format
    try:
        if before or after or steps_folder:
            from .render import draw_graph, render_graph
        model = lesson_graph(args.batch_size, args.seed)
    except ImportError as error:  # graphviz (the Python package) or the data module is missing
        print(f"graph: {error}", file=sys.stderr)
        return 3
    except (OSError, ValueError) as error:
        print(f"graph: cannot build the lesson batch: {error}", file=sys.stderr)
        return 1

    label = {"names": model.names, "params": model.params, "rankdir": args.rankdir}
    written: list[Path | str] = []
    no_picture = ""  # why the explorer's page has no picture of the graph (it is written either way)
    try:
        if before:
            written.append(render_graph(draw_graph(model.loss, **label), before))
        with _open_trace(trace_path) as trace_file:
            steps = trace_backward(model.loss, file=trace_file, pictures=steps_folder,
                                   picture_format=steps_format, **label)
        if trace_path not in (None, "-"):
            written.append(trace_path)
        if steps_folder:
            pictures = [step.picture for step in steps if step.picture is not None]
            written.append(f"{len(pictures) + 1} pictures in {steps_folder}: 00-start{pictures[0].suffix} "
                           f"to {pictures[-1].name}" if pictures else steps_folder)
        if after:
            written.append(render_graph(draw_graph(model.loss, grads=steps, **label), after))
        if explore_path:
            from .explore import BackwardExplorer

            explorer = BackwardExplorer(model.loss, steps, **label)
            written.append(explorer.save(explore_path))
            no_picture = explorer.missing
    except GraphvizNotFoundError as error:  # `dot` was found but could not run
        print(f"graph: {error}", file=sys.stderr)
        return 3

    print(f"lesson model, batch of {args.batch_size} (seed {args.seed}): loss = {model.loss.item():.4f}, "
          f"weights {format_shape(model.weights.shape)}, bias {format_shape(model.bias.shape)}")
    for path in written:
        print(f"wrote {path}")
    if no_picture:
        print(f"graph: the explorer page {explore_path} has no picture of the graph: {no_picture}",
              file=sys.stderr)
        return 3
    if missing_dot:
        print("graph: Graphviz's `dot` program was not found on PATH, so the pictures were saved as "
              "graphviz sources (.dot) instead; draw one later with  dot -Tsvg FILE.dot -o FILE.svg\n"
              f"{INSTALL_DOT}", file=sys.stderr)
        return 3
    return 0


@contextlib.contextmanager
def _open_trace(name: str | Path | None) -> Iterator[TextIO | None]:
    """The trace's destination: nothing, the terminal ("-"), or a file (written whole at the end, or not)."""
    if name is None:
        yield None
    elif name == "-":
        yield sys.stdout
    else:
        text = io.StringIO()
        yield text
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(name, text.getvalue())
