"""A compiled function whose result is still in a graph: ``model = torch.compile(model)``, then
``loss_fn(model(x), y).backward()`` outside it.

A replay makes no Function per op, so it cannot hand back the ops' graph. It hands back one node instead:
the result's ``grad_fn`` is a ``CompiledBackward``, whose backward is the forward's backward walk. Capture
records that walk by walking it once, right after the eager call (the graph retained, no ``.grad``
touched), from a stand-in gradient ``grad_out``: the lines it records become a second function,
``<name>_backward(grad_out, saved)``, and ``saved`` holds the forward's values those lines read. As
PyTorch's AOTAutograd does, the compiled forward becomes one op of your graph, and ``backward()`` walks
up to it as to any op, then on to the parameters' ``.grad``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .. import engine
from ..function import Function

_backward = engine.backward  # the walk itself (while a capture runs, engine.backward is a door)


class CompiledBackward(Function):
    """out = the compiled forward;  d/d(each input) = the backward walk recorded at capture

    One node for a whole compiled forward. ``saved`` holds the forward's values its backward reads, then
    the outside arrays it reads (so that changing a parameter in place before backward is refused, as for
    any op); ``run`` is the backward function the replay wrote.
    """

    run: Any = None
    count = 0  # how many of ``saved`` are the forward's values

    def backward(self, grad: np.ndarray) -> tuple:
        return self.run(grad, self.saved[:self.count])

    def name(self) -> str:
        return "CompiledBackward"


def probe(recorder: Any, out: Any) -> str:
    """Record the backward of ``out``'s graph for the replay (see the module's docstring) and return the
    expression of the replay's result: ``out``'s array, with a CompiledBackward node as its grad_fn."""
    forward, before = recorder.lines, set(recorder._taken)
    recorder.lines = [("", f"---- backward of the compiled forward, from {type(out.grad_fn).__name__}")]
    seed = np.ones_like(out._data)  # a stand-in: the walk's lines are kept, its values are not
    recorder._taken.add("grad_out")
    recorder.register(seed, "grad_out")
    recorder.pending, recorder.leaf_grads = {id(out.grad_fn): ["grad_out"]}, {}

    def sink(tensor: Any, grad: np.ndarray) -> None:
        name = recorder.tensor(tensor)
        if name is None:
            return recorder.refuse("a gradient for a tensor made inside the compiled function "
                                   "(retain_grad()): the replay makes no tensors of its own for it")
        recorder.waiting.append((tensor, name, grad, None))  # None: the gradient is returned, not added

    _backward(out, seed, True, recorder.backward_step, sink)
    recorder.flush()
    inputs, grads = [], []
    for name, parts in recorder.leaf_grads.values():
        total = parts[0]
        for part in parts[1:]:  # in the order the walk reached the leaf, as .grad would add them up
            summed = recorder.fresh("g")
            recorder.lines.append((f"{summed} = {total} + {part}", f"the gradients reaching {name}, summed"))
            total = summed
        inputs.append(name)
        grads.append(total)
    backward, recorder.lines = recorder.lines, forward
    code = "\n".join(line for line, _ in backward)
    words = set(re.findall(r"\w+", code))
    values = sorted(w for w in words & before if w not in recorder.ns)  # the forward's, by name
    outside = sorted(w for w in words
                     if isinstance(recorder.ns.get(w), np.ndarray) and w not in recorder.consts)
    recorder.backward = (values, backward, grads)
    node = recorder.fresh("node")
    recorder.ns["CompiledBackward"] = CompiledBackward
    n = len(inputs)
    recorder.lines += [
        ("", "---- one node in your graph for all of it: its backward is the function below"),
        (f"{node} = CompiledBackward(); {node}.run = BACKWARD; {node}.count = {len(values)}", ""),
        (f"{node}.saved = ({''.join(v + ', ' for v in values + outside)})", "what its backward reads"),
        (f"{node}.inputs = ({''.join(i + ', ' for i in inputs)})", "where its gradients go"),
        (f"{node}.parents, {node}.needs_input_grad = {(None,) * n!r}, {(True,) * n!r}", "leaves, all"),
        (f"{node}.stamp = current_stamp()", "for the check of in-place changes"),
    ]
    return f"make({recorder.names[id(out._data)]}, True, {node})"


def backward_source(name: str, recorder: Any) -> list[str]:
    """The lines of ``<name>_backward(grad_out, saved)``, the function a CompiledBackward node runs."""
    values, lines, grads = recorder.backward
    body = [f"def {name}_backward(grad_out, saved):"]
    if values:
        body.append(f"    {', '.join(values)}, = saved")
    for code, comment in lines:
        body.append(f"    {code:<66} # {comment}" if code and comment else f"    {code or '# ' + comment}")
    body.append(f"    return ({''.join(g + ', ' for g in grads)})")
    return body
