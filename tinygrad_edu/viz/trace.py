"""Watch backward work: one record (and optionally one picture) per op, in the order the engine visits them.

``trace_backward(loss)`` runs the real engine (``engine.backward`` with its ``on_step`` callback), so
what it prints is what ``loss.backward()`` does, step by step:

* the op, its inputs and output, and its local derivative rule (the first line of its docstring);
* the gradient *arriving* at the op's output: d loss / d output, complete by the time the op runs;
* the gradient the op *sends* to each input: d loss / d input = (arriving gradient) × (local derivative),
  already summed back to the input's shape when the input was broadcast (``unbroadcast``).
"""

from __future__ import annotations

import sys
import weakref
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import numpy as np

from .. import engine
from ..function import Function
from ..tensor import Tensor
from ..utils.files import atomic_folder, creatable_folder_problem, free_name
from .errors import GraphvizNotFoundError
from .graph import arg_names, forward_order, leaves, op_rule, output_tensors, tensor_names
from .modules import find_calls
from .names import model_or_callers, names_or_callers
from .stats import PREVIEW_SIZE, ArrayStats, array_stats, format_shape


@dataclass
class BackwardStep:
    """What happened at one op during backward (``index`` counts from 1, as printed)."""

    index: int
    op: str  # "MatMul"
    rule: str  # "out = a @ b;  d/da = grad @ bᵀ,  d/db = aᵀ @ grad"
    output_name: str
    output_shape: tuple[int, ...]
    input_names: tuple[str, ...]
    arg_names: tuple[str, ...]  # the op's names for its inputs: ("a", "b")
    input_shapes: tuple[tuple[int, ...], ...]
    grad_out: ArrayStats  # d loss / d output: the gradient arriving at this op
    grads_in: tuple[ArrayStats | None, ...]  # d loss / d input for each input (None: not needed)
    unbroadcast: tuple[bool, ...]  # True where the engine summed a gradient down to a smaller input
    fn: Function = field(repr=False)
    grad_out_array: np.ndarray = field(repr=False)
    grads_in_arrays: tuple[np.ndarray | None, ...] = field(repr=False)
    picture: Path | None = None
    loss_name: str = "loss"  # what the trace calls the output backward started from

    def __repr__(self) -> str:
        return format_step(self, self.loss_name).rstrip()


#: the ops that trace_backward ran backward from (evidence for backward_ran when the graph was retained)
_TRACED: weakref.WeakSet[Function] = weakref.WeakSet()


def backward_ran(root: Tensor) -> bool:
    """Whether backward has run through the graph behind ``root``, as far as the graph can tell.

    Evidence: ``root.grad_fn`` freed its saved values (backward without retain_graph), ``trace_backward``
    walked it, or ``root`` asked for ``retain_grad()`` and got a ``.grad``. A plain
    ``backward(retain_graph=True)`` leaves none of these, so it is not seen.
    """
    fn = root.grad_fn
    if fn is None:
        return root.grad is not None
    return fn.released or fn in _TRACED or (fn.retained is not None and root._grad is not None)


def trace_backward(
    loss: Tensor,
    file: TextIO | Literal["stdout"] | None = "stdout",
    pictures: str | Path | None = None,
    *,
    names: Mapping[str, Tensor] | None = None,
    params: Any = None,
    retain_graph: bool = False,
    picture_format: str = "svg",
    max_pictures: int = 100,
    preview: int = PREVIEW_SIZE,
    rankdir: str = "TB",
    expressions: bool = False,
    model: Any = None,
) -> list[BackwardStep]:
    """Run ``loss.backward()`` and narrate it; return one ``BackwardStep`` per op.

    The text goes to ``file``: the terminal (``sys.stdout``) by default, nothing with ``file=None``.
    ``pictures="folder"`` also draws the graph once before backward (``00-start.svg``) and once after
    each step (``01-Mean.svg``, ...) with the op being processed highlighted; that needs graphviz
    (``pip install -e ".[viz]"`` in a clone). Leaves get ``.grad`` exactly as with ``loss.backward()``; the
    returned steps also hold the gradients of the intermediate tensors, which
    ``draw_graph(loss, grads=steps)`` shows. Tensors are named as in ``draw_graph``: after the caller's
    variables unless ``names`` is given (``names={}``: numbered). ``expressions=True`` names unnamed
    intermediates after the expression (or the module call, named as ``model`` has it) that made them, as
    ``draw_graph`` does (``tensor_names``).
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"trace_backward: expected a Tensor, got {type(loss).__name__}")
    if loss.grad_fn is None:
        raise RuntimeError("trace_backward: this tensor was not made by an op (it has no grad_fn), so there "
                           "is no graph to walk; did you forget requires_grad_() on the parameters?")
    if loss._data.size != 1:
        raise RuntimeError(f"trace_backward: the output must hold a single number (its shape is "
                           f"{loss.shape}); reduce it first, e.g. with .mean()")
    if file == "stdout":
        file = sys.stdout  # looked up now, so redirected output (Jupyter, pytest) is honoured
    names = names_or_callers(names, params)
    calls = find_calls(forward_order(loss), model_or_callers(model)) if expressions else None
    display = tensor_names(loss, names, params, expressions=expressions, calls=calls)
    loss_name = display.get(id(loss), "loss")
    outputs = output_tensors(loss)
    steps: list[BackwardStep] = []

    def on_step(fn: Function, grad_out: np.ndarray, returned: tuple, sent: tuple) -> None:
        output_name = display[id(outputs[fn])]
        summed = tuple(g is not None and r.shape != g.shape for r, g in zip(returned, sent))
        step = _make_step(len(steps) + 1, fn, grad_out, sent, summed, output_name, display, preview)
        step.loss_name = loss_name
        steps.append(step)

    engine.backward(loss, np.ones_like(loss._data), retain_graph=retain_graph, on_step=on_step)
    _TRACED.add(loss.grad_fn)

    if file is not None:
        file.write(format_trace(steps, loss, display))
    if pictures is not None:
        _draw_pictures(steps, loss, Path(pictures), picture_format, max_pictures, names, params, rankdir,
                       expressions)
    return steps


def _make_step(
    index: int, fn: Function, grad_out: np.ndarray, grads_in: tuple, summed: tuple[bool, ...],
    output_name: str, display: dict[int, str], preview: int,
) -> BackwardStep:
    output_shape = tuple(grad_out.shape)
    shapes = tuple(tuple(t.shape) for t in fn.inputs)
    op = fn.op_name()
    kept = tuple(None if g is None else np.array(g, copy=True) for g in grads_in)
    return BackwardStep(
        index=index,
        op=op,
        rule=op_rule(fn),
        output_name=output_name,
        output_shape=output_shape,
        input_names=tuple(display.get(id(t), "?") for t in fn.inputs),
        arg_names=arg_names(fn),
        input_shapes=shapes,
        grad_out=array_stats(grad_out, preview),
        grads_in=tuple(None if g is None else array_stats(g, preview) for g in kept),
        unbroadcast=summed,
        fn=fn,
        grad_out_array=np.array(grad_out, copy=True),
        grads_in_arrays=kept,
    )


# ---- text ---------------------------------------------------------------------------------------


def _d(loss_name: str, name: str) -> str:
    """``d loss/d weights``, with parentheses around names that have spaces: ``d loss/d(1 - p)``."""
    return f"d {loss_name}/d{'(' + name + ')' if ' ' in name else ' ' + name}"


def send_notes(step: BackwardStep) -> list[str]:
    """For each input, what became of the gradient sent to it: summed over broadcast axes, added to .grad."""
    result = []
    for name, summed, shape, tensor, grad in zip(step.input_names, step.unbroadcast, step.input_shapes,
                                                 step.fn.inputs, step.grads_in, strict=True):
        notes = []
        if grad is None:
            result.append("")
            continue
        if summed:
            notes.append(f"summed over the broadcast axes: {format_shape(step.output_shape)} -> "
                         f"{format_shape(shape)}")
        if tensor.grad_fn is None:
            notes.append(f"added to {name}.grad")
        result.append("; ".join(notes))
    return result


def format_step(step: BackwardStep, loss_name: str = "loss") -> str:
    """The text block ``trace_backward`` prints for one step."""
    shapes = zip(step.input_names, step.input_shapes, strict=True)
    inputs = ", ".join(f"{name} {format_shape(shape)}" for name, shape in shapes)
    lines = [
        f"step {step.index}: {step.op}   {inputs}  ->  {step.output_name} {format_shape(step.output_shape)}",
        f"  rule:      {step.rule}",
        f"  arriving:  {_d(loss_name, step.output_name)} = {step.grad_out}",
    ]
    for arg, name, stats, note in zip(step.arg_names, step.input_names, step.grads_in, send_notes(step),
                                      strict=True):
        if stats is None:
            lines.append(f"  to {arg} ({name}):  nothing, it does not require grad")
        else:
            note = f"   ({note})" if note else ""
            lines.append(f"  to {arg} ({name}):  {_d(loss_name, name)} = {stats}{note}")
    return "\n".join(lines) + "\n"


def format_trace(steps: Sequence[BackwardStep], loss: Tensor, display: dict[int, str]) -> str:
    """Header, one block per step, and the gradients that ended up in the leaves."""
    loss_name = display.get(id(loss), "loss")
    out = [
        f"Backward pass from {loss_name} = {array_stats(loss._data).summary()}: "
        f"{len(steps)} ops, in the order the engine visits them.",
        "Each op gets the gradient arriving at its output (complete by then), multiplies it by its local",
        "derivative (the rule) and sends the result to each of its inputs.",
        "",
    ]
    for step in steps:
        out.append(format_step(step, loss_name))
    leaf_lines = []
    for tensor in leaves(loss):
        if tensor.grad is not None:
            leaf_lines.append(f"  {display.get(id(tensor), '?')}.grad = {array_stats(tensor.grad._data)}")
    if leaf_lines:
        out.append("Gradients stored in the leaves (.grad), ready for the optimizer step:")
        out.extend(leaf_lines)
    return "\n".join(out) + "\n"


# ---- gradients known after some steps (for pictures) ---------------------------------------------


def gradients_at(steps: Sequence[BackwardStep], loss: Tensor, done: int | None = None) -> dict[int, tuple]:
    """The gradient of every tensor after the first ``done`` steps, as ``id(tensor) -> (array, complete)``.

    A tensor used by several ops receives one part of its gradient from each of them; ``complete``
    is False while some of those parts are still missing (the engine keeps such partial sums while
    it walks the graph).
    """
    done = len(steps) if done is None else done
    known: dict[int, tuple] = {}
    if steps:
        known[id(loss)] = (steps[0].grad_out_array, True)
    for index, updates in enumerate(gradient_updates(steps)):
        if index >= done:
            break
        known.update((id(tensor), state) for tensor, *state in updates)
    return known


def gradient_updates(steps: Sequence[BackwardStep]) -> Iterator[list[tuple[Tensor, np.ndarray, bool]]]:
    """For each step in turn, the inputs it sent a gradient to: ``(tensor, gradient so far, complete)``.

    The gradient so far is the sum of every part the tensor has received up to this step; ``complete``
    says whether all of its parts are in.
    """
    expected: Counter[int] = Counter(id(t) for step in steps
                                     for t, g in zip(step.fn.inputs, step.grads_in_arrays) if g is not None)
    received: Counter[int] = Counter()
    running: dict[int, np.ndarray] = {}
    for step in steps:
        updates = []
        for tensor, grad in zip(step.fn.inputs, step.grads_in_arrays, strict=True):
            if grad is None:
                continue
            key = id(tensor)
            received[key] += 1
            running[key] = grad if key not in running else running[key] + grad
            updates.append((tensor, running[key], received[key] == expected[key]))
        yield updates


def _draw_pictures(
    steps: Sequence[BackwardStep], loss: Tensor, folder: Path, picture_format: str, max_pictures: int,
    names: Mapping[str, Tensor] | None, params: Any, rankdir: str, expressions: bool,
) -> None:
    """Draw the step pictures into a new ``folder`` that appears whole (``atomic_folder``); a folder that
    already holds files is kept, and the pictures go to the first free ``folder-2``, ``folder-3``, ..."""
    from .render import draw_graph, render_graph  # needs the graphviz package

    problem = creatable_folder_problem(folder)
    if problem:
        raise ValueError(f"trace_backward: pictures={str(folder)!r}: {problem}")
    target = free_name(folder)
    if target != folder:
        print(f"trace_backward: {folder} already holds files, which are kept; the pictures go to {target}",
              file=sys.stderr)
    suffix = "." + picture_format.lstrip(".")
    count = min(len(steps), max_pictures)
    missing_dot: GraphvizNotFoundError | None = None
    with atomic_folder(target) as building:
        for done in range(count + 1):
            label = "start" if done == 0 else steps[done - 1].op
            path = building / f"{done:02d}-{label}{suffix}"
            graph = draw_graph(loss, names=names, params=params, grads=steps, step=done, rankdir=rankdir,
                               expressions=expressions)
            if missing_dot is not None:
                path = render_graph(graph, path.with_suffix(".dot"))
            else:
                try:
                    render_graph(graph, path)
                except GraphvizNotFoundError as error:  # keep going: write the .dot sources instead
                    path = error.dot_path
                    missing_dot = GraphvizNotFoundError(target / error.path.name, target / path.name)
            if done:
                steps[done - 1].picture = target / path.name
    if count < len(steps):
        print(f"trace_backward: pictures drawn for the first {count} of {len(steps)} steps "
              f"(max_pictures={max_pictures})", file=sys.stderr)
    if missing_dot is not None:
        print(f"trace_backward: the step pictures in {target} were saved as .dot sources.\n{missing_dot}",
              file=sys.stderr)
