"""accelerator.py and backends/: PyTorch 2's device pickers find no accelerator, so they choose the CPU."""

import tinygrad_edu as tg


def test_no_accelerator():
    assert tg.accelerator.current_accelerator() is None
    assert tg.accelerator.current_accelerator(check_available=True) is None
    assert tg.accelerator.is_available() is False and tg.accelerator.device_count() == 0
    device = tg.accelerator.current_accelerator().type if tg.accelerator.is_available() else "cpu"
    assert tg.zeros(2, device=device).device == "cpu"


def test_no_mps_backend():
    assert tg.backends.mps.is_available() is False and tg.backends.mps.is_built() is False
    device = "mps" if tg.backends.mps.is_available() else "cpu"
    assert tg.ones(1).to(device).device == "cpu"
