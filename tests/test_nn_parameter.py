"""nn.Parameter: a leaf tensor that requires grad, its repr, and pickling (old names still load)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import modules as old_layout
from tinygrad_edu.nn.parameter import _rebuild_parameter


def test_parameter_is_a_leaf_tensor_that_requires_grad_and_shares_storage():
    t = tg.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, tg.Tensor) and p.requires_grad and p.is_leaf and p.grad is None
    t._data[0] = 5.0
    assert p.tolist() == [5.0, 2.0]
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert nn.Parameter(np.zeros(2, np.float64)).dtype == np.float64
    assert nn.Parameter([1, 2.5]).dtype == np.float32
    assert nn.Parameter().shape == (0,)


def test_parameter_repr_and_ops_give_plain_tensors():
    p = nn.Parameter(tg.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    out = p * 2
    assert type(out) is tg.Tensor and out.grad_fn is not None


def test_integer_parameter_that_requires_grad_is_an_error():
    with pytest.raises(RuntimeError, match="floating-point"):
        nn.Parameter(tg.tensor([1, 2]))


# ---- pickling ------------------------------------------------------------------------------------


def test_pickle_keeps_the_class_the_flag_and_the_grad():
    p = nn.Parameter(tg.tensor([1.5, -2.0]))
    p.grad = tg.tensor([0.5, 0.25])
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is nn.Parameter and q.requires_grad and q.tolist() == [1.5, -2.0]
    assert q.grad.tolist() == [0.5, 0.25]
    assert not pickle.loads(pickle.dumps(nn.Parameter(tg.ones(1), requires_grad=False))).requires_grad


@pytest.mark.parametrize("name", old_layout.__all__)
def test_names_pickled_before_the_split_still_load(name):
    """Old pickles name ``tinygrad_edu.nn.modules.X``: a GLOBAL opcode for each must still resolve."""
    old = pickle.loads(f"ctinygrad_edu.nn.modules\n{name}\n.".encode())
    assert old is (_rebuild_parameter if name == "_rebuild_parameter" else getattr(nn, name))
