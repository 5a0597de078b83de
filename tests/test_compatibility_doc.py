"""docs/compatibility.md stays true: every difference (and every "same as PyTorch" row) it lists has a
check here, keyed by the row's id, asserting it still holds; and its code blocks, and those of
docs/write-your-own-op.md, run and print what they say."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as torch
import tinygrad_edu.nn.functional as F

DOCS = Path(__file__).resolve().parents[1] / "docs"
ROW_ID = re.compile(r"^\| `([a-z0-9-]+)` \|", re.M)


def _ids(section: str) -> list[str]:
    text = (DOCS / "compatibility.md").read_text()
    return ROW_ID.findall(text.split(f"## {section}", 1)[1].split("\n## ", 1)[0])


def check_random_streams():
    torch.manual_seed(0)
    first = torch.randn(3)
    assert not np.allclose(first.numpy(), [1.5410, -0.2934, -2.1788], atol=1e-3)  # PyTorch's numbers
    torch.manual_seed(0)
    assert torch.randn(3).tolist() == first.tolist()


def check_no_higher_order():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="create_graph"):
        (x * x).sum().backward(create_graph=True)
    with pytest.raises(NotImplementedError, match="create_graph"):
        torch.autograd.grad((x * x).sum(), [x], create_graph=True)


def check_function_one_output():
    class Both(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g2, g3):
            return 2 * g2 + 3 * g3

    with pytest.raises(NotImplementedError, match="one Tensor"):
        Both.apply(torch.ones(2, requires_grad=True))


def check_saved_inplace():
    a, b = torch.ones(3, requires_grad=True), torch.full((3,), 2.0)
    c = a * b  # PyTorch saves only b here (a's gradient needs b; b needs none)
    with torch.no_grad():
        a += 1
    with pytest.raises(RuntimeError, match="in-place"):
        c.sum().backward()


def check_cpu_only():
    assert torch.cuda.is_available() is False
    for make in (lambda: torch.device("cuda"), lambda: torch.device("mps"), lambda: torch.ones(2).cuda(),
                 lambda: torch.ones(2).to("cuda")):
        with pytest.raises(RuntimeError):
            make()


def check_error_types():
    with pytest.raises(torch.ShapeError) as caught:
        torch.ones(3) + torch.ones(4)
    assert isinstance(caught.value, RuntimeError) and isinstance(caught.value, ValueError)
    with pytest.raises(ValueError) as caught:
        torch.ones(3).item()
    assert not isinstance(caught.value, RuntimeError)


def check_loss_shapes():
    preds, targets = torch.ones(4, 1), torch.ones(4)
    for loss in (F.l1_loss, F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits,
                 torch.nn.MSELoss(), torch.nn.BCEWithLogitsLoss()):
        with pytest.raises(torch.ShapeError, match="differ"):
            loss(preds * 0.5, targets)


def check_single_class_cross_entropy():
    with pytest.raises(torch.ShapeError, match="single class"):
        F.cross_entropy(torch.randn(3, 1), torch.zeros(3, dtype=torch.int64))


def check_seed_floats():
    assert torch.manual_seed(7.0).initial_seed() == 7
    with pytest.raises(TypeError):
        torch.manual_seed(7.5)


def check_empty_zeros():
    assert torch.empty(2, 3).tolist() == [[0.0] * 3] * 2
    assert torch.empty_like(torch.ones(4)).tolist() == [0.0] * 4


def check_tensor_of_float64_array():
    array = np.array([1.0, 2.0])
    assert torch.tensor(array).dtype == torch.float32
    assert torch.from_numpy(array).dtype == torch.float64
    assert torch.tensor(array, dtype=torch.float64).dtype == torch.float64


def check_view_copies():
    x = torch.arange(6.0).view(2, 3)
    flat = x.t().view(6)
    assert flat.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    x[0, 0] = 100.0
    assert flat[0].item() == 0.0  # a copy
    same = x.view(3, 2)
    x[0, 1] = 50.0
    assert same[0, 1].item() == 50.0  # contiguous: shared


def check_relu_inplace():
    x = torch.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True).tolist() == [0.0, 2.0]
    assert torch.nn.ReLU(inplace=True)(x).tolist() == [0.0, 2.0]
    assert x.tolist() == [-1.0, 2.0]


def check_numpy_dtypes():
    assert torch.float32 is np.dtype("float32") and str(torch.ones(1).dtype) == "float32"


def check_grad_fn_names():
    assert repr((torch.ones(1, requires_grad=True) * 2).grad_fn) == "<MulBackward>"


def check_compile_no_graph_breaks():
    from tinygrad_edu.compiler import CompileWarning

    def step(x):
        y = x * 2
        if y.sum() > 0:  # Python reads a tensor: the whole signature runs eagerly
            y = y + 1
        return y

    compiled = torch.compile(step, backend="inductor", mode="max-autotune", dynamic=True, options={})
    with pytest.warns(CompileWarning, match="runs eagerly"):
        assert compiled(torch.ones(2)).tolist() == [3.0, 3.0]
    assert compiled._replays == ()
    with torch.no_grad():
        same = torch.compile(lambda x: x * 2, dynamic=True)
        same(torch.ones(2)), same(torch.ones(3))
    assert len(same._replays) == 2  # dynamic=True changes nothing: a new shape, a new capture


def check_missing_apis():
    for owner, name in ((torch, "float16"), (torch, "bfloat16"), (torch, "complex64"), (torch, "jit"),
                        (torch.autograd, "functional"), (torch.ones(1), "register_hook"),
                        (torch.ones(1), "half")):
        assert not hasattr(owner, name), name
    with pytest.raises(TypeError):
        torch.tensor([3]) // torch.tensor([2])


def check_out_shape():
    with pytest.raises(torch.ShapeError, match="out has shape"):
        torch.mul(torch.ones(2, 3), 2.0, out=torch.empty(5))
    empty = torch.empty(0)
    assert torch.mul(torch.ones(2, 3), 2.0, out=empty) is empty and empty.shape == (2, 3)


def check_unsupported_arguments():
    with pytest.raises(NotImplementedError, match="rounding_mode"):
        torch.div(torch.ones(2), 2.0, rounding_mode="floor")
    for name in ("max_norm", "scale_grad_by_freq", "sparse"):
        with pytest.raises(NotImplementedError, match=name):
            torch.nn.Embedding(3, 2, **{name: 1.0 if name == "max_norm" else True})(torch.tensor([0]))


def check_dtype_promotion():
    assert (torch.tensor([1, 2]) + 2.5).dtype == torch.float32
    assert (torch.ones(2) + torch.tensor(1.0, dtype=torch.float64)).dtype == torch.float32
    assert (torch.ones(2, dtype=torch.int32) + torch.tensor(1.0, dtype=torch.float64)).dtype == torch.float64
    assert (torch.ones(2, dtype=torch.int32) + torch.tensor(1)).dtype == torch.int32
    assert (torch.ones(2) + torch.ones(2, dtype=torch.float64)).dtype == torch.float64
    assert (torch.tensor([3]) / torch.tensor([2])).dtype == torch.float32


def check_grad_accumulates():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def check_non_leaf_grad():
    y = torch.ones(2, requires_grad=True) * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
    assert any("retain_grad" in str(w.message) for w in caught)
    with pytest.raises(RuntimeError, match="detach"):
        y.numpy()


def check_signed_zero():
    zero = torch.tensor([-0.0])
    assert np.signbit(zero.numpy()).all() and not np.signbit(zero.relu().numpy()).any()
    assert not np.signbit(zero.clamp(min=0).numpy()).any()


def check_nan_gradients():
    c0 = torch.tensor(-0.42, dtype=torch.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="n - correction = 0"):  # one element: NaN, with a warning
        var = c0.var(dim=-1, keepdim=True, correction=1)
    var.retain_grad()
    (var.clamp(min=0).min().tanh().exp() * 0.97).sum().backward()
    assert np.isnan(var.item()) and var.grad.item() == 0.0 and np.isnan(c0.grad.item())
    x = torch.randn(2, 3, requires_grad=True)
    F.cross_entropy(x, torch.tensor([-100, -100])).backward(torch.tensor(float("nan")))
    assert x.grad.tolist() == [[0.0] * 3] * 2


CHECKS = {name[len("check_"):].replace("_", "-"): fn for name, fn in globals().items()
          if name.startswith("check_")}


def test_every_listed_difference_has_a_check_and_every_check_a_row():
    listed = _ids("Differences from PyTorch") + _ids("The same as PyTorch, checked")
    assert len(listed) == len(set(listed)) >= 15
    assert set(listed) == set(CHECKS)


@pytest.mark.parametrize("row", sorted(CHECKS))
def test_the_row_still_holds(row):
    CHECKS[row]()


def _run_blocks(page: str) -> tuple[dict, str]:
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, page, "exec"), namespace)
    return namespace, "\n".join(blocks)


def test_compatibility_examples_run_and_print_what_they_say(capsys):
    namespace, _ = _run_blocks("compatibility.md")
    out = capsys.readouterr().out
    assert "(3, 1)" in out and "(3,)" in out and "tensor(0.0467)" in out and "tensor(True)" in out
    assert namespace["loss"].item() == pytest.approx(0.14 / 3, rel=1e-5)


def test_write_your_own_op_examples_run_and_print_what_they_say(capsys):
    namespace, _ = _run_blocks("write-your-own-op.md")
    out = capsys.readouterr().out
    assert "grad_fn=<SoftplusBackward>" in out
    shown_trace = re.search(r"```text\n(.*?)```", (DOCS / "write-your-own-op.md").read_text(), re.S).group(1)
    for line in shown_trace.splitlines():
        assert line in out.splitlines(), line
    assert out.count("True") == 2 and "\nFalse\n" in out and "['Mul', 'Softplus', 'Mean']" in out
    sigmoids = 1 / (1 + np.exp(-np.array([-1.0, 0.0, 2.0])))
    np.testing.assert_allclose(namespace["z"].grad.numpy(), sigmoids, rtol=1e-6)
    assert namespace["x"].grad.tolist() == [1.0, 3.0]
