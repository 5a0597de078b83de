"""nn/attention_layers.py: Embedding, LayerNorm, Dropout, GELU, Softmax, LogSoftmax as modules (their
parameters, initialisation, reprs, train/eval), and register_buffer as a causal-attention head uses it."""

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def test_embedding_module_initialises_from_n01_and_zeroes_the_padding_row():
    tg.manual_seed(0)
    emb = nn.Embedding(2000, 8, padding_idx=-1)
    w = emb.weight.detach().numpy()
    assert emb.padding_idx == 1999 and w[1999].tolist() == [0.0] * 8
    assert abs(w[:-1].mean()) < 0.02 and abs(w[:-1].std() - 1) < 0.02  # N(0, 1), as PyTorch
    tg.manual_seed(0)
    assert np.array_equal(nn.Embedding(2000, 8, padding_idx=-1).weight.detach().numpy(), w)
    assert [name for name, _ in emb.named_parameters()] == ["weight"] and emb.weight.dtype == tg.float32
    assert repr(emb) == "Embedding(2000, 8, padding_idx=1999)"
    assert repr(nn.Embedding(3, 2)) == "Embedding(3, 2)"
    out = emb(tg.tensor([[1, 1999]]))
    out.sum().backward()
    assert out.shape == (1, 2, 8) and emb.weight.grad.numpy()[1999].tolist() == [0.0] * 8
    with pytest.raises(ValueError, match="padding_idx 5 must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(ValueError, match="num_embeddings must be a non-negative integer"):
        nn.Embedding(-1, 2)
    assert nn.Embedding(3, 2, dtype=tg.float64).weight.dtype == tg.float64


def test_embedding_from_pretrained_shares_the_table_and_freezes_it():
    table = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad and emb(tg.tensor([1])).tolist() == [[3.0, 4.0]]
    table[0, 0] = 10.0
    assert emb.weight[0, 0].item() == 10.0
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_layer_norm_module():
    ln = nn.LayerNorm(4)
    assert repr(ln) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert ln.weight.tolist() == [1.0] * 4 and ln.bias.tolist() == [0.0] * 4
    assert list(ln.state_dict()) == ["weight", "bias"]
    x = tg.randn(3, 4)
    out = ln(x).detach().numpy()
    assert np.allclose(out.mean(-1), 0, atol=1e-6) and np.allclose(out.var(-1), 1, atol=1e-3)
    plain = nn.LayerNorm((2, 3), elementwise_affine=False)
    assert list(plain.parameters()) == [] and plain.weight is None
    assert repr(plain) == "LayerNorm((2, 3), eps=1e-05, elementwise_affine=False, bias=False)"
    assert plain(tg.randn(5, 2, 3)).shape == (5, 2, 3)
    no_bias = nn.LayerNorm(4, bias=False)
    assert [n for n, _ in no_bias.named_parameters()] == ["weight"]
    ln.weight.data.fill_(2.0)
    ln.reset_parameters()
    assert ln.weight.tolist() == [1.0] * 4
    with pytest.raises(TypeError, match="normalized_shape must be an int or a tuple of ints"):
        nn.LayerNorm(2.5)


def test_dropout_module_follows_train_and_eval():
    drop = nn.Dropout(0.5)
    assert repr(drop) == "Dropout(p=0.5, inplace=False)" and drop.training
    x = tg.ones(2000)
    tg.manual_seed(1)
    out = drop(x)
    assert 0.4 < (out.numpy() == 0).mean() < 0.6 and set(np.unique(out.numpy())) == {0.0, 2.0}
    drop.eval()
    assert drop(x) is x
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.9))
    model.eval()
    assert not model[1].training and model(tg.ones(1, 3)).shape == (1, 3)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    g = tg.Generator().manual_seed(4)
    mine = nn.Dropout(0.5, generator=g)
    first = mine(x).tolist()
    g.manual_seed(4)
    assert mine(x).tolist() == first


def test_gelu_softmax_and_log_softmax_modules():
    x = tg.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    assert np.allclose(nn.GELU()(x).numpy(), tg.nn.functional.gelu(x).numpy())
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert np.allclose(nn.Softmax(dim=-1)(x).numpy().sum(-1), 1)
    assert np.allclose(nn.LogSoftmax(dim=1)(x).exp().numpy(), nn.Softmax(dim=1)(x).numpy())
    assert repr(nn.Softmax(dim=-1)) == "Softmax(dim=-1)" and repr(nn.LogSoftmax(1)) == "LogSoftmax(dim=1)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        implicit = nn.Softmax()(x)  # dim=None on 2-D: dim 1, with PyTorch's deprecation warning
    assert caught and np.allclose(implicit.numpy().sum(1), 1)


class Head(nn.Module):
    """One causal head's bookkeeping, as "Let's build GPT" writes it."""

    def __init__(self, block_size):
        super().__init__()
        self.key = nn.Linear(4, 2, bias=False)
        self.register_buffer("tril", tg.tril(tg.ones(block_size, block_size)))
        self.register_buffer("scratch", tg.zeros(2), persistent=False)
        self.register_buffer("steps", tg.tensor(0))
        self.note = "plain"


def test_register_buffer_as_pytorch():
    head = Head(3)
    assert [n for n, _ in head.named_parameters()] == ["key.weight"]
    assert [n for n, _ in head.named_buffers()] == ["tril", "scratch", "steps"]
    assert list(head.state_dict()) == ["tril", "steps", "key.weight"]  # persistent=False stays out
    assert head.tril[:2, :2].tolist() == [[1.0, 0.0], [1.0, 1.0]]
    head.double()
    assert (head.tril.dtype, head.scratch.dtype, head.steps.dtype) == (tg.float64, tg.float64, tg.int64)
    head.to(tg.device("cpu"))
    head.tril = tg.ones(2, 2)  # assigning a tensor replaces the buffer
    assert head.state_dict()["tril"].shape == (2, 2)
    other = Head(2)
    assert repr(other.load_state_dict(head.state_dict())) == "<All keys matched successfully>"
    assert other.tril.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    head.register_buffer("empty", None)
    assert "empty" not in head.state_dict() and head.empty is None
    del head.scratch
    assert [n for n, _ in head.named_buffers()] == ["tril", "steps"]
    for name in ("key", "note", "train"):
        with pytest.raises(KeyError, match=f"attribute '{name}' already exists"):
            head.register_buffer(name, tg.ones(1))
    for name in ("a.b", ""):
        with pytest.raises(KeyError, match="non-empty string without '.'"):
            head.register_buffer(name, tg.ones(1))
    with pytest.raises(TypeError, match="cannot assign int as buffer 'tril'"):
        head.tril = 3
