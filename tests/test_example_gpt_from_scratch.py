"""examples/gpt_from_scratch.py: a short run learns (the loss falls, the samples are text of the docs'
characters), the model has the parameters its shape says, and its first training steps equal PyTorch's
from the same weights on the same batches."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
import gpt_from_scratch as gpt  # noqa: E402

SMALL = gpt.Config(n_embd=32, steps=80, eval_interval=40, eval_iters=4, lr=1e-2)


def test_the_text_is_the_projects_docs_without_the_page_it_writes():
    text = gpt.load_text()
    assert (ROOT / "README.md").read_text(encoding="utf-8")[:200] in text
    assert len(text) > 50_000
    gpt_page = ROOT / "docs" / "gpt.md"
    if gpt_page.exists():
        assert gpt_page.read_text(encoding="utf-8")[:300] not in text


def test_a_short_run_learns_and_samples_before_and_after():
    result = gpt.main(steps=SMALL.steps, cfg=SMALL, sample_chars=50, quiet=True)
    curve = result["curve"]
    assert [point["step"] for point in curve] == [0, 40, 79]
    assert curve[0]["train"] > 4.0 and curve[-1]["train"] < curve[0]["train"] - 1.0  # ln(113) ≈ 4.7 at first
    assert len(result["losses"]) == SMALL.steps and result["losses"][-1] < result["losses"][0]
    assert len(result["before"]) == len(result["after"]) == 51  # the start character and 50 more
    assert set(result["after"]) <= set(gpt.load_text())
    c, v, t, layers = SMALL.n_embd, result["vocab"], SMALL.block_size, SMALL.n_layer
    per_block = 4 * c * c + c + (c * 4 * c + 4 * c + 4 * c * c + c) + 4 * c  # attention, MLP, two LayerNorms
    assert result["parameters"] == v * c + t * c + layers * per_block + 2 * c + (c * v + v)


def test_dropout_is_off_in_eval_and_generate_records_nothing():
    cfg = replace(SMALL, dropout=0.5)
    tg.manual_seed(0)
    model = gpt.gpt_classes(tg)(20, cfg)
    x = tg.randint(0, 20, (2, 8))
    model.eval()
    assert np.array_equal(model(x)[0].detach().numpy(), model(x)[0].detach().numpy())
    model.train()
    assert not np.array_equal(model(x)[0].detach().numpy(), model(x)[0].detach().numpy())
    out = model.generate(tg.zeros((1, 1), dtype=tg.long), 40)  # past block_size: the context is cropped
    assert out.shape == (1, 41) and not out.requires_grad and out.dtype == tg.int64


def test_the_first_steps_equal_pytorchs_from_the_same_weights_and_batches():
    torch = pytest.importorskip("torch")
    cfg = replace(SMALL, dropout=0.0, lr=1e-3)  # a large lr: Adam magnifies float32 rounding in tiny grads
    text = gpt.load_text()
    chars = sorted(set(text))
    encoded = np.array([chars.index(c) for c in text[:20000]], np.int64)
    rng = np.random.default_rng(0)
    starts = [rng.integers(0, len(encoded) - cfg.block_size, cfg.batch_size) for _ in range(6)]
    tg.manual_seed(3)
    ours, theirs = gpt.gpt_classes(tg)(len(chars), cfg), gpt.gpt_classes(torch)(len(chars), cfg)
    gpt.same_start(ours, theirs, torch)
    data, data_t = tg.tensor(encoded), torch.tensor(encoded)
    mine = gpt.train(tg, ours, {"train": data}, cfg, batch_starts=starts)["losses"]
    pytorch = gpt.train(torch, theirs, {"train": data_t}, cfg, batch_starts=starts)["losses"]
    assert np.allclose(mine, pytorch, rtol=2e-5, atol=1e-6), (mine, pytorch)
    theirs_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        assert np.allclose(value.numpy(), theirs_state[name].numpy(), rtol=1e-4, atol=2e-5), name
