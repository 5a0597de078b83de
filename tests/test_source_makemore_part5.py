"""makemore part 5 (Karpathy's "Building a WaveNet"), its patterns run with ``import tinygrad_edu as torch``.

The lecture writes its layers by hand (Linear, a BatchNorm1d over dims (0, 1) for 3-D inputs, Tanh, an
Embedding that is ``weight[IX]``, FlattenConsecutive, Sequential), builds contexts of eight characters from
makemore's names and trains a hierarchical network on minibatches with ``p.data += -lr * p.grad``. Here the
same network runs in tinygrad_edu and in PyTorch from the same initial weights on the same batches: the
losses, the running statistics and the final weights must agree. Skipped without ``../shared/data/names``.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

NAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "names" / "names.txt"
needs_names = pytest.mark.skipif(not NAMES.exists(), reason=f"makemore's names.txt not found at {NAMES}")
BLOCK = 8


def layers(torch):
    """The lecture's hand-written layers, for a library ``torch`` (tinygrad_edu or PyTorch)."""

    class Linear:
        def __init__(self, fan_in, fan_out, bias=True):
            self.weight = torch.randn((fan_in, fan_out)) / fan_in**0.5
            self.bias = torch.zeros(fan_out) if bias else None

        def __call__(self, x):
            self.out = x @ self.weight
            if self.bias is not None:
                self.out += self.bias  # in place, on a tensor in the graph
            return self.out

        def parameters(self):
            return [self.weight] + ([] if self.bias is None else [self.bias])

    class BatchNorm1d:
        def __init__(self, dim, eps=1e-5, momentum=0.1):
            self.eps, self.momentum, self.training = eps, momentum, True
            self.gamma, self.beta = torch.ones(dim), torch.zeros(dim)
            self.running_mean, self.running_var = torch.zeros(dim), torch.ones(dim)

        def __call__(self, x):
            if self.training:
                dim = 0 if x.ndim == 2 else (0, 1)
                xmean, xvar = x.mean(dim, keepdim=True), x.var(dim, keepdim=True)
            else:
                xmean, xvar = self.running_mean, self.running_var
            self.out = self.gamma * (x - xmean) / torch.sqrt(xvar + self.eps) + self.beta
            if self.training:
                with torch.no_grad():
                    self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                    self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
            return self.out

        def parameters(self):
            return [self.gamma, self.beta]

    class Tanh:
        def __call__(self, x):
            self.out = torch.tanh(x)
            return self.out

        def parameters(self):
            return []

    class Embedding:
        def __init__(self, num_embeddings, embedding_dim):
            self.weight = torch.randn((num_embeddings, embedding_dim))

        def __call__(self, IX):  # noqa: N803 (the lecture's name)
            self.out = self.weight[IX]
            return self.out

        def parameters(self):
            return [self.weight]

    class FlattenConsecutive:
        def __init__(self, n):
            self.n = n

        def __call__(self, x):
            B, T, C = x.shape  # noqa: N806
            x = x.view(B, T // self.n, C * self.n)
            if x.shape[1] == 1:
                x = x.squeeze(1)
            self.out = x
            return self.out

        def parameters(self):
            return []

    class Sequential:
        def __init__(self, layers):
            self.layers = layers

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            self.out = x
            return self.out

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    return Linear, BatchNorm1d, Tanh, Embedding, FlattenConsecutive, Sequential


def wavenet(torch, vocab_size=27, n_embd=10, n_hidden=32):
    """The hierarchical network: pairs of characters, then pairs of pairs, then pairs of those."""
    Linear, BatchNorm1d, Tanh, Embedding, FlattenConsecutive, Sequential = layers(torch)  # noqa: N806
    model = Sequential([
        Embedding(vocab_size, n_embd),
        FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, vocab_size),
    ])
    with torch.no_grad():
        model.layers[-1].weight *= 0.1  # a less confident last layer
    return model


def dataset(torch, words, stoi):
    X, Y = [], []  # noqa: N806
    for w in words:
        context = [0] * BLOCK
        for ch in w + ".":
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return torch.tensor(X), torch.tensor(Y)


@pytest.fixture(scope="module")
def names():
    words = NAMES.read_text().splitlines()
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)} | {".": 0}
    itos = {i: s for s, i in stoi.items()}
    random.Random(42).shuffle(words)
    return words, stoi, itos


@needs_names
def test_the_dataset_prints_as_the_lecture(names, capsys):
    words, stoi, itos = names
    Xtr, Ytr = dataset(tg, words[:int(0.8 * len(words))], stoi)  # noqa: N806
    print(Xtr.shape, Ytr.shape)
    assert capsys.readouterr().out == "torch.Size([182625, 8]) torch.Size([182625])\n"
    for x, y in zip(Xtr[:3], Ytr[:3]):
        print("".join(itos[ix.item()] for ix in x), "-->", itos[y.item()])
    first = capsys.readouterr().out.splitlines()
    assert first[0].startswith("........ --> ") and first[1][:7] == "......." and Xtr.dtype == tg.int64


def _train(torch, model, X, Y, batches, lr=0.1):  # noqa: N803
    parameters = model.parameters()
    for p in parameters:
        p.requires_grad = True
    losses = []
    for ix in batches:
        ix = torch.tensor(ix)
        logits = model(X[ix])
        loss = torch.nn.functional.cross_entropy(logits, Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())
    return losses


@needs_names
def test_wavenet_trains_as_in_pytorch_from_the_same_weights_and_batches(names):
    torch = pytest.importorskip("torch")
    words, stoi, _ = names
    X, Y = dataset(tg, words[:3000], stoi)  # noqa: N806
    tg.manual_seed(42)
    ours = wavenet(tg)
    theirs = wavenet(torch)
    with torch.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
            q.copy_(torch.from_numpy(p.numpy().copy()))
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, len(X), 32) for _ in range(15)]
    X_t, Y_t = torch.from_numpy(X.numpy()), torch.from_numpy(Y.numpy())  # noqa: N806
    ours_losses = _train(tg, ours, X, Y, batches)
    theirs_losses = _train(torch, theirs, X_t, Y_t, batches)
    assert np.allclose(ours_losses, theirs_losses, rtol=1e-5) and ours_losses[-1] < ours_losses[0]
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert np.allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-5)
    for a, b in zip(ours.layers, theirs.layers, strict=True):
        if hasattr(a, "running_var"):
            assert np.allclose(a.running_var.numpy(), b.running_var.numpy(), rtol=1e-4, atol=1e-6)
            assert np.allclose(a.running_mean.numpy(), b.running_mean.numpy(), rtol=1e-4, atol=1e-6)
    # eval mode: the running statistics replace the batch's, in both libraries alike
    for layer in ours.layers + theirs.layers:
        layer.training = False
    with tg.no_grad():
        ours_eval = tg.nn.functional.cross_entropy(ours(X[:500]), Y[:500]).item()
    with torch.no_grad():
        theirs_eval = torch.nn.functional.cross_entropy(theirs(X_t[:500]), Y_t[:500]).item()
    assert ours_eval == pytest.approx(theirs_eval, rel=1e-5)


@needs_names
def test_eval_sampling_and_the_for_loop_that_a_convolution_replaces(names):
    words, stoi, itos = names
    X, Y = dataset(tg, words[:200], stoi)  # noqa: N806
    tg.manual_seed(42)
    model = wavenet(tg)
    _train(tg, model, X, Y, [np.arange(i, i + 32) for i in range(0, 320, 32)])
    for layer in model.layers:
        layer.training = False

    @tg.no_grad()  # the lecture's decorator on a function
    def split_loss(x, y):
        return tg.nn.functional.cross_entropy(model(x), y).item()

    assert np.isfinite(split_loss(X, Y))
    tg.manual_seed(7)
    out, context = [], [0] * BLOCK
    while len(out) < 30:
        probs = tg.nn.functional.softmax(model(tg.tensor([context])), dim=1)
        ix = tg.multinomial(probs, num_samples=1).item()
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0:
            break
    assert all(i in itos for i in out)
    one = model(X[[7]])  # a list as an index: one example, still batched
    assert one.shape == (1, 27)
    logits = tg.zeros(8, 27)
    for i in range(8):
        logits[i] = model(X[[7 + i]])  # (1, 27) into a row of (27,)
    assert np.allclose(logits.detach().numpy(), model(X[7:15]).detach().numpy(), atol=1e-5)
    lossi = [float(v) for v in range(3000)]
    assert tg.tensor(lossi).view(-1, 1000).mean(1).tolist() == [499.5, 1499.5, 2499.5]


def test_nn_embedding_gives_the_lectures_embedding():
    table = layers(tg)[3](27, 10)  # the lecture's Embedding: weight[IX]
    table.weight.requires_grad = True
    module = tg.nn.Embedding(27, 10)
    module.load_state_dict({"weight": table.weight.detach()})
    idx = tg.tensor([[1, 2, 2, 0], [5, 5, 5, 5]])
    by_hand, by_module = table(idx), module(idx)
    assert np.array_equal(by_module.detach().numpy(), by_hand.detach().numpy())
    by_hand.tanh().sum().backward()
    by_module.tanh().sum().backward()
    assert np.allclose(module.weight.grad.numpy(), table.weight.grad.numpy(), atol=1e-6)
