"""Shared test helpers: hypothesis strategies for shapes and arrays, a gradcheck shortcut, and the
line a marker comment is on (``line_marked``).

Test modules import them with ``from conftest import ...``. The strategies draw small float64 arrays
(dims 0–3, sides 1–4) so every property test stays fast; ``away_from`` keeps values off the kinks of
non-smooth ops (relu at 0, clamp at its bounds), where finite differences are meaningless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import tinygrad_edu as tg

# One settings object for the core's property tests: few, small examples and no deadline
# (the first call of a test pays numpy's warm-up).
core_settings = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MAX_DIMS = 3
MAX_SIDE = 4


def hyp_shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1, max_side: int = MAX_SIDE):
    """Array shapes, including 0-d and size-1 dimensions."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def hyp_broadcast_pair(min_dims: int = 0, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE):
    """Two shapes that broadcast together (numpy's rules), e.g. (3, 1) and (4,)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda result: result.input_shapes)


def hyp_floats(low: float = -2.0, high: float = 2.0, away_from: Sequence[float] = (), gap: float = 0.05):
    """Finite floats in [low, high], at least ``gap`` away from every point in ``away_from``."""
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if away_from:
        floats = floats.filter(lambda v: all(abs(v - p) > gap for p in away_from))
    return floats


def hyp_array(shape, low: float = -2.0, high: float = 2.0, away_from: Sequence[float] = (), gap: float = 0.05,
              dtype=np.float64):
    """A float array of ``shape`` with elements from ``hyp_floats``."""
    return hnp.arrays(dtype, shape, elements=hyp_floats(low, high, away_from, gap))


def hyp_distinct_array(shape, spacing: float = 0.1):
    """A float64 array whose elements all differ by at least ``spacing`` (no ties for max/min)."""
    return hnp.arrays(np.int64, shape, elements=st.integers(-60, 60), unique=True).map(
        lambda a: a.astype(np.float64) * spacing
    )


@st.composite
def hyp_untied_pair(draw, shapes):
    """Two broadcastable float64 arrays whose elements never come closer than 0.1 (maximum/minimum)."""
    shape_a, shape_b = shapes
    # a lives at k + [0, 0.4], b at k + 0.5 + [0, 0.4] for integers k: any a and b differ by >= 0.1
    a = draw(hnp.arrays(np.float64, shape_a, elements=st.tuples(st.integers(-2, 2), hyp_floats(0, 0.4))
                        .map(lambda p: p[0] + p[1])))
    b = draw(hnp.arrays(np.float64, shape_b, elements=st.tuples(st.integers(-2, 2), hyp_floats(0, 0.4))
                        .map(lambda p: p[0] + 0.5 + p[1])))
    return a, b


@st.composite
def hyp_dims(draw, ndim: int, allow_none: bool = True):
    """A ``dim`` argument for a reduction over ``ndim`` axes: None, an int or a tuple (negatives too)."""
    if ndim == 0:
        return None
    kinds = ["int", "tuple"] + (["none"] if allow_none else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)


def leaves(*arrays: np.ndarray) -> list[tg.Tensor]:
    """float64 leaf tensors that require grad, one per array."""
    return [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in arrays]


def assert_gradcheck(fn: Callable, *arrays: np.ndarray, **kwargs) -> None:
    """gradcheck ``fn`` at float64 copies of ``arrays`` (all of them require grad)."""
    assert tg.gradcheck(fn, leaves(*arrays), **kwargs)


def assert_forward(fn: Callable, reference: Callable, *arrays: np.ndarray, rtol: float = 1e-12, atol=1e-12):
    """fn on tensors and reference on the arrays agree in values and shape."""
    out = fn(*leaves(*arrays))
    expected = np.asarray(reference(*arrays))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=rtol, atol=atol)
    return out


def simple_net() -> tg.nn.Sequential:
    """The chapter's model: Linear(784, 30), ReLU, Linear(30, 1)."""
    return tg.nn.Sequential(tg.nn.Linear(28 * 28, 30), tg.nn.ReLU(), tg.nn.Linear(30, 1))


def line_marked(path: str | Path, marker: str) -> int:
    """The one line of ``path`` that ends in the comment ``# marker`` (a line a message must name)."""
    lines = Path(path).read_text().splitlines()
    found = [i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(f"# {marker}")]
    assert len(found) == 1, marker
    return found[0]


@pytest.fixture(scope="module")
def one_torch_thread():
    """PyTorch on one thread for a module's tests (its threads only slow small models down on a busy
    machine); restored afterwards. Use with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
