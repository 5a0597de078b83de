"""Module-level functions that make and combine tensors, and the random generator."""

import numpy as np
import pytest

import tinygrad_edu as tg


def test_tensor_copies_its_data():
    array = np.array([1.0, 2.0], dtype=np.float32)
    t = tg.tensor(array)
    array[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    other = tg.tensor(t)
    t[1] = 5.0
    assert other.tolist() == [1.0, 2.0]
    assert tg.tensor([1.0], requires_grad=True).requires_grad


def test_from_numpy_shares_and_keeps_dtype():
    array = np.array([1.0, 2.0])
    t = tg.from_numpy(array)
    assert t.dtype == tg.float64
    array[0] = 7.0
    assert t.tolist() == [7.0, 2.0]
    with pytest.raises(TypeError, match="from_numpy"):
        tg.from_numpy([1.0, 2.0])


@pytest.mark.parametrize("make, value", [(tg.zeros, 0.0), (tg.ones, 1.0)])
def test_zeros_ones(make, value):
    assert make(2, 3).shape == (2, 3) and make((2, 3)).shape == (2, 3) and make([4]).shape == (4,)
    t = make(2)
    assert t.dtype == tg.float32 and t.tolist() == [value, value]
    assert make(2, dtype=tg.long).dtype == tg.int64
    assert make(2, dtype=tg.float64, requires_grad=True).requires_grad
    assert make().shape == ()
    with pytest.raises(ValueError, match=rf"^{make.__name__}\(\)"):
        make(-1)
    with pytest.raises(TypeError, match=rf"^{make.__name__}\(\)"):
        make(2.5)


def test_zeros_like_ones_like_full():
    x = tg.tensor([[1, 2, 3]])
    assert tg.zeros_like(x).tolist() == [[0, 0, 0]] and tg.zeros_like(x).dtype == tg.int64
    assert tg.ones_like(x, dtype=tg.float32).dtype == tg.float32
    f = tg.ones_like(tg.tensor([1.0, 2.0]), requires_grad=True)
    assert f.tolist() == [1.0, 1.0] and f.requires_grad and f.dtype == tg.float32
    assert tg.full((2, 2), 1.5).tolist() == [[1.5, 1.5], [1.5, 1.5]]
    assert tg.full((2,), 1.5).dtype == tg.float32
    assert tg.full((2,), 7).dtype == tg.int64 and tg.full((1,), True).dtype == tg.bool
    assert tg.full([3], 2.0, dtype=tg.float64).dtype == tg.float64


def test_arange():
    assert tg.arange(4).tolist() == [0, 1, 2, 3] and tg.arange(4).dtype == tg.int64
    assert tg.arange(1, 7, 2).tolist() == [1, 3, 5]
    a = tg.arange(0, 1, 0.25)
    assert a.dtype == tg.float32 and a.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tg.arange(3.0).dtype == tg.float32
    assert tg.arange(3, dtype=tg.float64).dtype == tg.float64
    assert tg.arange(3.0, requires_grad=True).requires_grad


def test_linspace():
    t = tg.linspace(0, 1, 5)
    assert t.dtype == tg.float32 and t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert tg.linspace(-1, 1, 3, dtype=tg.float64).dtype == tg.float64


def test_random_functions():
    x = tg.randn(200, 50)
    assert x.shape == (200, 50) and x.dtype == tg.float32
    assert abs(x.mean().item()) < 0.05 and abs(x.std().item() - 1) < 0.05
    u = tg.rand((100,), dtype=tg.float64)
    assert u.dtype == tg.float64 and 0 <= u.min().item() and u.max().item() < 1
    assert tg.randn(2, requires_grad=True).requires_grad
    r = tg.randint(0, 5, (1000,))
    assert r.dtype == tg.int64 and set(r.tolist()) == {0, 1, 2, 3, 4}
    assert tg.randint(3, size=(2,)).shape == (2,)
    p = tg.randperm(6)
    assert sorted(p.tolist()) == list(range(6)) and p.dtype == tg.int64
    with pytest.raises(TypeError, match="floating-point"):
        tg.randn(2, dtype=tg.long)


def test_manual_seed_makes_runs_reproducible():
    tg.manual_seed(42)
    first = (tg.randn(3), tg.rand(2), tg.randint(0, 10, (4,)), tg.randperm(5))
    tg.manual_seed(42)
    second = (tg.randn(3), tg.rand(2), tg.randint(0, 10, (4,)), tg.randperm(5))
    for a, b in zip(first, second, strict=True):
        assert a.tolist() == b.tolist()
    tg.manual_seed(43)
    assert tg.randn(3).tolist() != first[0].tolist()
    assert isinstance(tg.generator(), np.random.Generator)


def test_module_level_where_maximum_minimum():
    a, b = tg.tensor([1.0, 5.0]), tg.tensor([3.0, 2.0])
    assert tg.where(a > b, a, b).tolist() == [3.0, 5.0]
    assert tg.where([True, False], a, b).tolist() == [1.0, 2.0]
    assert tg.where(tg.tensor([1, 0]), a, b).tolist() == [1.0, 2.0]  # nonzero means true
    assert tg.maximum(a, b).tolist() == [3.0, 5.0] and tg.minimum(a, b).tolist() == [1.0, 2.0]


def test_stack_and_cat_accept_lists_of_data():
    assert tg.stack([[1.0, 2.0], tg.tensor([3.0, 4.0])]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert tg.cat([tg.tensor([1]), [2, 3]]).tolist() == [1, 2, 3]
    assert tg.stack([tg.zeros(2, 3)] * 4, dim=1).shape == (2, 4, 3)
    assert tg.stack([tg.zeros(2, 3)] * 4, dim=-1).shape == (2, 3, 4)


@pytest.mark.parametrize("bad", ["abc", None, object(), [[1, 2], [3]], [1, None], [1, "a"]])
def test_tensor_rejects_bad_data_with_a_named_error(bad):
    with pytest.raises((TypeError, ValueError), match=r"^tensor\(\)"):
        tg.tensor(bad)


def test_ragged_lists_are_value_errors():
    with pytest.raises(ValueError, match=r"^tensor\(\): .*ragged"):
        tg.tensor([[1.0, 2.0], [3.0]])


def test_bad_sizes_name_the_function():
    for call, name in [(lambda: tg.randn(2.5), "randn"), (lambda: tg.rand("a"), "rand"),
                       (lambda: tg.zeros(None), "zeros"), (lambda: tg.full((2, "a"), 1.0), "full")]:
        with pytest.raises(TypeError, match=rf"^{name}\(\)"):
            call()
    assert tg.full(3, 1.0).shape == (3,)


def test_eye_empty_full_like():
    assert tg.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]] and tg.eye(2).dtype == tg.float32
    assert tg.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] and tg.eye(0).shape == (0, 0)
    assert tg.eye(3, dtype=tg.int64).dtype == tg.int64 and tg.eye(2, requires_grad=True).requires_grad
    assert tg.empty(2, 3).shape == (2, 3) and tg.empty((4,)).tolist() == [0.0] * 4  # zeros here
    assert tg.empty(2, dtype=tg.int64).dtype == tg.int64
    x = tg.tensor([[1, 2]])
    assert tg.full_like(x, 7).tolist() == [[7, 7]] and tg.full_like(x, 7).dtype == tg.int64
    assert tg.full_like(x, 0.5, dtype=tg.float64).tolist() == [[0.5, 0.5]]
    assert tg.empty_like(x).shape == (1, 2) and tg.empty_like(x).dtype == tg.int64
    assert tg.full((2,), tg.tensor(3.0)).tolist() == [3.0, 3.0]  # a one-element tensor is a number
    assert tg.arange(tg.tensor(3)).tolist() == [0, 1, 2]


def test_random_like_and_randint_forms():
    assert tg.randn_like(tg.zeros(2, 3, dtype=tg.float64)).dtype == tg.float64
    assert tg.rand_like(tg.zeros(4)).shape == (4,)
    r = tg.randint(10, (3,))  # PyTorch's randint(high, size)
    assert r.shape == (3,) and 0 <= r.min().item() and r.max().item() < 10
    assert tg.randint(0, 5, (2, 2), dtype=tg.int32).dtype == tg.int32
    assert tg.randperm(0).tolist() == [] and tg.randperm(4, dtype=tg.int32).dtype == tg.int32


# ---- creation errors name the function and the argument (issue 13) -------------------------------------

@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.arange(0, 10, 0), ValueError, r"^arange\(\): step must be non-zero"),
    (lambda: tg.arange(0, 10, -1), ValueError, r"^arange\(\): step -1 goes away from end"),
    (lambda: tg.arange("a"), TypeError, r"^arange\(\): end must be a number"),
    (lambda: tg.arange(0, float("inf")), ValueError, r"^arange\(\): end must be finite"),
    (lambda: tg.arange(0, 3, "1"), TypeError, r"^arange\(\): step must be a number"),
    (lambda: tg.linspace(0, 1, -5), ValueError, r"^linspace\(\): steps must be non-negative"),
    (lambda: tg.linspace(0, 1, 2.5), TypeError, r"^linspace\(\): steps must be an int"),
    (lambda: tg.linspace("a", 1, 3), TypeError, r"^linspace\(\): start must be a number"),
    (lambda: tg.linspace(0, [1], 3), TypeError, r"^linspace\(\): end must be a number"),
    (lambda: tg.full((2, 2), "a"), TypeError, r"^full\(\): fill_value must be a number"),
    (lambda: tg.full((2, 2), None), TypeError, r"^full\(\): fill_value must be a number"),
    (lambda: tg.full((2,), [1, 2]), TypeError, r"^full\(\): fill_value must be a number"),
    (lambda: tg.full((2,), tg.ones(2)), ValueError, r"^full\(\): fill_value must be a number"),
    (lambda: tg.full_like(tg.ones(2), "x"), TypeError, r"^full_like\(\): fill_value must be a number"),
    (lambda: tg.zeros_like([1, 2]), TypeError, r"^zeros_like\(\): input must be a Tensor"),
    (lambda: tg.ones_like(None), TypeError, r"^ones_like\(\): input must be a Tensor"),
    (lambda: tg.eye(-1), ValueError, r"^eye\(\): n must be non-negative"),
    (lambda: tg.eye(2, 2.0), TypeError, r"^eye\(\): m must be an int"),
    (lambda: tg.randperm(-1), ValueError, r"^randperm\(\): n must be non-negative"),
    (lambda: tg.randint(5, 5, (2,)), ValueError, r"^randint\(\): low must be less than high"),
    (lambda: tg.randint(0, 2.5, (2,)), TypeError, r"^randint\(\): high must be an int"),
    (lambda: tg.randint("0", 5, (2,)), TypeError, r"^randint\(\): low must be an int"),
    (lambda: tg.rand(2, dtype=tg.int64), TypeError, r"^rand\(\): random floats need a floating-point dtype"),
    (lambda: tg.tensor([1, 2], device="cuda"), RuntimeError, r"^tensor\(\): device 'cuda'"),
])
def test_creation_errors_name_the_function_and_argument(call, kind, message):
    with pytest.raises(kind, match=message):
        call()


@pytest.mark.parametrize("make", [tg.randn, tg.rand, tg.zeros, tg.ones, tg.empty,
                                  lambda *s: tg.full(s, 1.0), lambda *s: tg.randint(0, 3, s)])
def test_sizes_are_non_negative_ints_everywhere(make):
    name = {"<lambda>": None}.get(make.__name__, make.__name__)
    prefix = rf"^{name}\(\): " if name else r"^(full|randint)\(\): "
    with pytest.raises(ValueError, match=prefix + r"sizes must be non-negative integers, got \(2, -3\)"):
        make(2, -3)
    for bad in ((2, 1.5), (True, 2), (2, "3"), (2, None)):
        with pytest.raises(TypeError, match=prefix + "sizes must be ints"):
            make(*bad)
    assert make(0, 2).shape == (0, 2)


def test_one_hot():
    F = tg.nn.functional
    out = F.one_hot(tg.tensor([0, 2, 1]))
    assert out.dtype == tg.int64 and out.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(tg.tensor([[1], [0]]), num_classes=4).tolist() == [[[0, 1, 0, 0]], [[1, 0, 0, 0]]]
    assert F.one_hot(tg.tensor([], dtype=tg.int64), 3).shape == (0, 3)
    assert F.one_hot(tg.tensor(1), 2).tolist() == [0, 1]
    for call, kind, message in [
        (lambda: F.one_hot(tg.tensor([0.0, 1.0])), TypeError, "integer class indices"),
        (lambda: F.one_hot([0, 1]), TypeError, "integer class indices"),
        (lambda: F.one_hot(tg.tensor([0, -1])), ValueError, "non-negative, got -1"),
        (lambda: F.one_hot(tg.tensor([0, 3]), 3), ValueError, "class index 3 is too large for num_classes=3"),
        (lambda: F.one_hot(tg.tensor([0]), -2), ValueError, "num_classes must be -1"),
        (lambda: F.one_hot(tg.tensor([0]), 2.0), TypeError, "num_classes must be an int"),
        (lambda: F.one_hot(tg.tensor([], dtype=tg.int64)), ValueError, "cannot infer num_classes"),
    ]:
        with pytest.raises(kind, match=rf"^one_hot\(\): .*{message}"):
            call()
