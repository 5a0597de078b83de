"""Devices: the CPU is the only one. device("cpu") prints and compares as PyTorch's; every creation
function and Tensor.to accept it; any other device is refused with an error saying why."""

import pytest

import tinygrad_edu as tg

CPU_ONLY = "runs on the CPU only"


def test_device_objects():
    d = tg.device("cpu")
    assert d.type == "cpu" and d.index is None
    assert repr(d) == "device(type='cpu')" and str(d) == "cpu"
    assert d == "cpu" and d == tg.device(d) and d != "cpu:0" and d != "cuda" and d != 3
    indexed = tg.device("cpu:0")
    assert indexed == tg.device("cpu", 0) and indexed.index == 0
    assert repr(indexed) == "device(type='cpu', index=0)"
    assert hash(d) == hash(tg.device("cpu")) and len({d, tg.device("cpu")}) == 1


@pytest.mark.parametrize("name", ["cuda", "mps", "cuda:0", 0])
def test_other_devices_are_refused(name):
    with pytest.raises(RuntimeError, match=rf"^device\(\): .*{CPU_ONLY}"):
        tg.device(name)
    with pytest.raises(RuntimeError, match=rf"^zeros\(\): .*{CPU_ONLY}"):
        tg.zeros(2, device=name)
    with pytest.raises(RuntimeError, match=rf"^to\(\): .*{CPU_ONLY}"):
        tg.ones(2).to(name)


def test_malformed_devices():
    with pytest.raises(RuntimeError, match=r"^device\(\): unknown device type 'gpu'"):
        tg.device("gpu")
    with pytest.raises(RuntimeError, match=r"^device\(\): invalid device 'cpu:x'"):
        tg.device("cpu:x")
    with pytest.raises(TypeError, match=r"^device\(\): expected a device"):
        tg.device(1.5)
    with pytest.raises(RuntimeError, match=r"^device\(\): the device index"):
        tg.device("cpu", -1)


def test_cuda_module_and_method():
    assert tg.cuda.is_available() is False and tg.cuda.device_count() == 0
    tg.cuda.manual_seed_all(0)  # nothing to seed, as in PyTorch without a GPU
    with pytest.raises(RuntimeError, match=rf"^cuda\(\): .*{CPU_ONLY}"):
        tg.zeros(2).cuda()
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")  # the usual idiom picks the CPU
    assert tg.zeros(2).to(device).device == device


@pytest.mark.parametrize("make", [
    lambda d: tg.tensor([1.0], device=d), lambda d: tg.zeros(2, device=d), lambda d: tg.ones(2, device=d),
    lambda d: tg.empty(2, device=d), lambda d: tg.full((2,), 3.0, device=d),
    lambda d: tg.zeros_like(tg.ones(2), device=d), lambda d: tg.ones_like(tg.ones(2), device=d),
    lambda d: tg.full_like(tg.ones(2), 5, device=d), lambda d: tg.empty_like(tg.ones(2), device=d),
    lambda d: tg.arange(3, device=d), lambda d: tg.linspace(0, 1, 3, device=d), lambda d: tg.eye(2, device=d),
    lambda d: tg.randn(2, device=d), lambda d: tg.rand(2, device=d),
    lambda d: tg.randint(0, 3, (2,), device=d),
    lambda d: tg.randperm(3, device=d), lambda d: tg.randn_like(tg.ones(2), device=d),
    lambda d: tg.rand_like(tg.ones(2), device=d),
])
def test_every_creation_function_takes_device(make):
    for device in (None, "cpu", tg.device("cpu"), "cpu:0"):
        assert make(device).device == "cpu"
    with pytest.raises(RuntimeError, match=CPU_ONLY):
        make("cuda")


def test_tensor_device_is_a_device_object():
    t = tg.zeros(2)
    assert isinstance(t.device, tg.device) and repr(t.device) == "device(type='cpu')"
    assert f"{t.device}" == "cpu"
    assert tg.nn.Linear(2, 1).weight.device == "cpu"


def test_to_takes_pytorchs_forms():
    t = tg.tensor([1, 2, 3])
    assert t.to("cpu") is t and t.cpu() is t and t.to(tg.device("cpu")) is t and t.to(device="cpu") is t
    assert t.to(tg.float64).dtype == tg.float64 and t.to("float64").dtype == tg.float64
    assert t.to(dtype=tg.float32).tolist() == [1.0, 2.0, 3.0]
    assert t.to("cpu", tg.float64).dtype == tg.float64
    assert t.to(tg.device("cpu"), dtype=tg.float32).dtype == tg.float32
    assert t.to(device="cpu", dtype=tg.float64).dtype == tg.float64
    assert t.to(tg.zeros(1, dtype=tg.float64)).dtype == tg.float64  # another tensor: its dtype
    assert t.to(int) is t and t.to(float).dtype == tg.float32
    copied = t.to(tg.int64, copy=True)
    assert copied is not t and copied.tolist() == t.tolist()
    x = tg.ones(2, requires_grad=True)
    y = x.to("cpu", tg.float64)
    assert y.grad_fn is not None and x.to(copy=True).grad_fn is not None  # float casts stay in the graph
    with pytest.raises(TypeError, match=r"^to\(\): unexpected"):
        t.to("cpu", tg.float64, tg.float32)
    with pytest.raises(TypeError, match=r"^to\(\): unexpected"):
        t.to(memory_format=None)
