"""Matrix multiplication: every combination of 1-D, 2-D and batched operands (with broadcast batch
dimensions) matches numpy's ``@`` and passes gradcheck; mismatched shapes give a clear error."""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from conftest import assert_forward, assert_gradcheck, core_settings, hyp_array, hyp_broadcast_pair
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

SIDE = st.integers(1, 4)


def _matmul(a, b):
    return a @ b


@core_settings
@given(data=st.data(), m=SIDE, k=SIDE, n=SIDE, kind=st.sampled_from(["1d@1d", "1d@2d", "2d@1d", "2d@2d"]))
def test_matmul_1d_2d(data, m, k, n, kind):
    left = (k,) if kind.startswith("1d") else (m, k)
    right = (k,) if kind.endswith("1d") else (k, n)
    a, b = data.draw(hyp_array(left)), data.draw(hyp_array(right))
    assert_forward(_matmul, np.matmul, a, b)
    assert_forward(lambda x, y: x.matmul(y), np.matmul, a, b)
    assert_gradcheck(_matmul, a, b)


@core_settings
@given(data=st.data(), batches=hyp_broadcast_pair(min_dims=0, max_dims=2, max_side=3), m=SIDE, k=SIDE,
       n=SIDE, vector=st.sampled_from([None, "left", "right"]))
def test_matmul_batched_with_broadcast(data, batches, m, k, n, vector):
    left = (k,) if vector == "left" else batches[0] + (m, k)
    right = (k,) if vector == "right" else batches[1] + (k, n)
    a, b = data.draw(hyp_array(left)), data.draw(hyp_array(right))
    assert_forward(_matmul, np.matmul, a, b)
    assert_gradcheck(_matmul, a, b)


def test_matmul_hand_computed_gradient():
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = tg.tensor([[5.0], [6.0]], requires_grad=True)
    out = a @ b
    assert out.tolist() == [[17.0], [39.0]]
    out.sum().backward()
    assert a.grad.tolist() == [[5.0, 6.0], [5.0, 6.0]]
    assert b.grad.tolist() == [[4.0], [6.0]]


def test_matmul_dot_product_and_only_one_side_requires_grad():
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = tg.tensor([4.0, 5.0, 6.0])
    out = x @ w
    assert out.shape == () and out.item() == 32.0
    out.backward()
    assert w.grad.tolist() == [4.0, 5.0, 6.0] and x.grad is None
    assert (np.array([1.0, 1.0, 1.0]) @ w).item() == 6.0  # ndarray @ Tensor


def test_matmul_inner_dimension_error_names_both_shapes():
    with pytest.raises(RuntimeError) as info:
        tg.zeros(256, 784) @ tg.zeros(28, 1)
    assert str(info.value) == "matmul: (256, 784) @ (28, 1): inner dimensions 784 and 28 differ"
    assert isinstance(info.value, ValueError)  # ShapeError is both, like PyTorch's RuntimeError
    with pytest.raises(RuntimeError, match=r"matmul: \(3,\) @ \(4,\)"):
        tg.zeros(3) @ tg.zeros(4)
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        tg.zeros(3) @ 2.0


def test_matmul_batch_mismatch_names_the_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"(?i)matmul.*\(2, 3, 4\).*\(5, 4, 1\)"):
        tg.zeros(2, 3, 4) @ tg.zeros(5, 4, 1)


def test_matmul_dtypes():
    a = tg.tensor([[1, 2], [3, 4]])
    assert (a @ a).dtype == tg.int64 and (a @ a).tolist() == [[7, 10], [15, 22]]
    f = tg.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    d = tg.tensor([[2.0], [3.0]], dtype=tg.float64)
    out = f @ d
    assert out.dtype == tg.float64
    out.sum().backward()
    assert f.grad.dtype == tg.float32 and f.grad.tolist() == [[2.0, 3.0], [2.0, 3.0]]


# ---- mm ------------------------------------------------------------------------------------------


@core_settings
@given(data=st.data(), m=SIDE, k=SIDE, n=SIDE)
def test_mm(data, m, k, n):
    a, b = data.draw(hyp_array((m, k))), data.draw(hyp_array((k, n)))
    assert_forward(lambda x, y: x.mm(y), np.matmul, a, b)
    assert_forward(tg.mm, np.matmul, a, b)
    assert_gradcheck(lambda x, y: x.mm(y), a, b)


@pytest.mark.parametrize("left, right", [((3,), (3, 2)), ((2, 3), (3,)), ((1, 2, 3), (3, 2)), ((), (2, 2))])
def test_mm_takes_only_matrices(left, right):
    with pytest.raises(tg.ShapeError, match=r"mm: both operands must be 2-D.*matmul"):
        tg.ones(*left).mm(tg.ones(*right))


def test_mm_inner_dimensions_and_operand_type():
    with pytest.raises(tg.ShapeError, match=r"mm: \(2, 3\) @ \(4, 2\): inner dimensions 3 and 4"):
        tg.mm(tg.ones(2, 3), tg.ones(4, 2))
    with pytest.raises(tg.ShapeError, match="mm"):
        tg.ones(2, 2).mm([[1.0, 0.0], [0.0, 1.0]])


# ---- einsum ----------------------------------------------------------------------------------------


@st.composite
def hyp_einsum(draw):
    """A random valid einsum: (equation, operand shapes). Repeated indices within an operand, indices
    summed in one operand only, size-1 broadcasting, ellipses, implicit and explicit outputs."""
    sizes = {c: draw(st.integers(1, 3)) for c in "ijkl"}
    count = draw(st.integers(1, 3))
    ellipsis = draw(st.booleans())
    batches = draw(hnp.mutually_broadcastable_shapes(num_shapes=count, max_dims=2, max_side=3)).input_shapes
    terms, shapes = [], []
    for n in range(count):
        letters = draw(st.lists(st.sampled_from("ijkl"), max_size=3))
        own = {c: draw(st.sampled_from([sizes[c], 1])) for c in set(letters)}  # 1: broadcast
        terms.append(("..." if ellipsis else "") + "".join(letters))
        shapes.append((batches[n] if ellipsis else ()) + tuple(own[c] for c in letters))
    used = sorted(set("".join(terms)) - {"."})
    if draw(st.booleans()):
        return ",".join(terms), shapes
    chosen = draw(st.lists(st.sampled_from(used), unique=True)) if used else []
    output = "".join(draw(st.permutations(chosen)))
    return ",".join(terms) + "->" + ("..." if ellipsis else "") + output, shapes


@core_settings
@given(data=st.data(), case=hyp_einsum())
def test_einsum(data, case):
    equation, shapes = case
    arrays = [data.draw(hyp_array(shape)) for shape in shapes]
    out = assert_forward(lambda *xs: tg.einsum(equation, *xs), lambda *xs: np.einsum(equation, *xs), *arrays)
    assert out.grad_fn.name() == "EinsumBackward"
    assert_gradcheck(lambda *xs: tg.einsum(equation, list(xs)), *arrays)


@pytest.mark.parametrize("equation, shapes, same_as", [
    ("ik,kj->ij", [(2, 3), (3, 4)], lambda a, b: a @ b),
    ("ij->ji", [(2, 3)], lambda a: a.T),
    ("bi,ij,bj->b", [(5, 3), (3, 3), (5, 3)], lambda x, w, y: ((x @ w) * y).sum(1)),
    ("bik,bkj->bij", [(2, 3, 4), (2, 4, 5)], lambda a, b: a @ b),
    ("ii->i", [(3, 3)], lambda a: a[range(3), range(3)]),
    ("ii", [(3, 3)], lambda a: a[range(3), range(3)].sum()),
    ("ij,jk", [(2, 3), (3, 4)], lambda a, b: a @ b),
    ("...ij,jk->...ik", [(2, 1, 2, 3), (3, 4)], lambda a, b: a @ b),
])
def test_einsum_says_what_the_chapter_says(equation, shapes, same_as):
    rng = np.random.default_rng(0)
    xs = [tg.tensor(rng.standard_normal(shape), dtype=tg.float64, requires_grad=True) for shape in shapes]
    out = tg.einsum(equation, *xs)
    np.testing.assert_allclose(out.detach().numpy(), same_as(*xs).detach().numpy(), rtol=1e-12)
    out.sum().backward()
    expected = [x.grad.numpy().copy() for x in xs]
    for x in xs:
        x.grad = None
    same_as(*xs).sum().backward()
    for x, grad in zip(xs, expected):
        np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-12)


def test_einsum_gradient_of_a_diagonal_lands_on_the_diagonal():
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    tg.einsum("ii", a).backward()  # the trace
    assert a.grad.tolist() == [[1.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize("equation, shapes, says", [
    ("ij,jk->ik", [(2, 3), (4, 5)], "subscript 'j' names dimensions of sizes 3 and 4"),
    ("ij", [(2, 3, 4)], "operand 0 has 3 dimensions but its subscripts 'ij' name 2"),
    ("ij,jk", [(2, 3)], "2 operand subscripts for 1 operands"),
    ("ij->k", [(2, 3)], "the output 'k' repeats a subscript or names one that no operand has"),
    ("ij->ii", [(2, 2)], "repeats a subscript"),
    ("ii", [(2, 3)], "operand 0 repeats subscript 'i' over dimensions of sizes 2 and 3"),
    ("i..j", [(2, 3)], "'i..j' is not a subscript"),
    ("i1", [(2, 3)], "'i1' is not a subscript"),
    ("...i->i", [(2, 3)], "no '...'"),
])
def test_einsum_errors_name_einsum_the_equation_and_the_shapes(equation, shapes, says):
    operands = [tg.ones(*shape) for shape in shapes]
    with pytest.raises(tg.ShapeError) as error:
        tg.einsum(equation, *operands)
    message = str(error.value)
    assert message.startswith("einsum: ") and says in message
    assert repr(equation) in message and str(shapes[0]) in message


def test_einsum_operand_errors():
    with pytest.raises(TypeError, match="einsum: the operands must be Tensors"):
        tg.einsum("ij", np.ones((2, 2)))
    with pytest.raises(TypeError, match="einsum: the operands must be Tensors"):
        tg.einsum("ij")
    with pytest.raises(TypeError, match="einsum: the operands must have one dtype"):
        tg.einsum("i,i", tg.ones(2), tg.ones(2, dtype=tg.float64))
    with pytest.raises(tg.ShapeError, match="einsum: the equation must be a string"):
        tg.einsum(3, tg.ones(2))
