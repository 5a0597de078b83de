"""Karpathy's "Neural Networks: Zero to Hero" lectures, their patterns run with
``import tinygrad_edu as torch``.

micrograd checks a tiny neuron against float64 tensors; makemore part 1 counts character bigrams in an
int32 table, turns the counts into probabilities and samples names with a seeded Generator, then learns
the same table as a one-layer net; part 2 embeds contexts of three characters (``C[X]``) and trains an
MLP on minibatches; part 4 ("backprop ninja") derives every intermediate's gradient by hand and compares
it with autograd's after ``retain_grad()``. The data here is a short list of made-up names.
"""

import math

import numpy as np
import pytest

import tinygrad_edu as torch
import tinygrad_edu.nn.functional as F

WORDS = ["ada", "bo", "cara", "dab", "ebba", "fae", "gio", "hana", "iva", "jade", "kai", "lea", "mo",
         "nia", "ora", "pia", "rae", "sol", "tia", "uma"]
CHARS = sorted(set("".join(WORDS)))
STOI = {ch: i + 1 for i, ch in enumerate(CHARS)} | {".": 0}
ITOS = {i: ch for ch, i in STOI.items()}
V = len(STOI)


def _bigrams():
    for word in WORDS:
        padded = ["."] + list(word) + ["."]
        yield from ((STOI[a], STOI[b]) for a, b in zip(padded, padded[1:]))


def _contexts(block: int = 3):
    xs, ys = [], []
    for word in WORDS:
        context = [0] * block
        for ch in word + ".":
            xs.append(context)
            ys.append(STOI[ch])
            context = context[1:] + [STOI[ch]]
    return torch.tensor(xs), torch.tensor(ys)


def test_micrograd_neuron_against_float64_tensors():
    x1, x2 = torch.Tensor([2.0]).double(), torch.Tensor([0.0]).double()
    w1, w2 = torch.Tensor([-3.0]).double(), torch.Tensor([1.0]).double()
    b = torch.Tensor([6.8813735870195432]).double()
    for t in (x1, x2, w1, w2, b):
        t.requires_grad = True
    out = torch.tanh(x1 * w1 + x2 * w2 + b)
    out.backward()
    assert out.dtype == torch.float64 and isinstance(out.data.item(), float)
    # torch.Tensor makes float32 first, so the bias is rounded before .double(): the lecture's output is
    # 0.70710669..., not √½ itself
    assert out.data.item() == float(np.tanh(np.float64(np.float32(6.8813735870195432)) - 6.0))
    assert out.data.item() == pytest.approx(math.sqrt(0.5), abs=1e-6)
    local = 1 - out.data.item() ** 2
    grads = [t.grad.item() for t in (x1, w1, x2, w2)]
    assert grads == pytest.approx([-3 * local, 2 * local, local, 0.0], abs=1e-15)


# ---- makemore part 1: the bigram model --------------------------------------------------------------------


def _counts():
    table = torch.zeros((V, V), dtype=torch.int32)
    for ix1, ix2 in _bigrams():
        table[ix1, ix2] += 1
    return table


def _probabilities():
    probs = (_counts() + 1).float()
    probs /= probs.sum(1, keepdims=True)
    return probs


def test_bigram_counts_in_an_int32_table_equal_numpys():
    table = _counts()
    expected = np.zeros((V, V), np.int64)
    np.add.at(expected, tuple(np.array(list(_bigrams())).T), 1)
    assert table.dtype == torch.int32
    np.testing.assert_array_equal(table.numpy(), expected)
    assert table.sum().item() == sum(len(w) + 1 for w in WORDS)


def test_smoothed_probabilities_rows_sum_to_one():
    probs = _probabilities()
    assert probs.dtype == torch.float32 and probs.shape == (V, V)
    np.testing.assert_allclose(probs.sum(1).numpy(), np.ones(V), rtol=1e-6)
    counts = _counts().numpy() + 1.0
    np.testing.assert_allclose(probs.numpy(), counts / counts.sum(1, keepdims=True), rtol=1e-6)


def _sample_names(seed: int, how_many: int = 5) -> list[str]:
    g = torch.Generator().manual_seed(seed)
    probs, names = _probabilities(), []
    for _ in range(how_many):
        ix, out = 0, []
        while True:
            ix = torch.multinomial(probs[ix], num_samples=1, replacement=True, generator=g).item()
            if ix == 0:
                break
            out.append(ITOS[ix])
        names.append("".join(out))
    return names


def test_sampling_names_is_reproducible_per_seed():
    first = _sample_names(2147483647)
    assert first == _sample_names(2147483647)
    assert first != _sample_names(1)
    assert all(set(name) <= set(CHARS) for name in first)


def test_multinomial_draws_follow_the_row_and_the_method_matches_the_function():
    p = torch.tensor([0.6, 0.3, 0.1])
    g = torch.Generator().manual_seed(7)
    draws = torch.multinomial(p, num_samples=20000, replacement=True, generator=g)
    freq = np.bincount(draws.numpy(), minlength=3) / 20000
    np.testing.assert_allclose(freq, [0.6, 0.3, 0.1], atol=0.015)
    again = p.multinomial(num_samples=20000, replacement=True, generator=torch.Generator().manual_seed(7))
    assert again.tolist() == draws.tolist() and again.dtype == torch.int64


def test_average_negative_log_likelihood_equals_numpys():
    probs = _probabilities()
    log_likelihood, n = 0.0, 0
    for ix1, ix2 in _bigrams():
        log_likelihood += torch.log(probs[ix1, ix2])
        n += 1
    nll = -log_likelihood / n
    counts = _counts().numpy() + 1.0
    pairs = np.array(list(_bigrams()))
    expected = -np.log((counts / counts.sum(1, keepdims=True))[pairs[:, 0], pairs[:, 1]]).mean()
    assert f"{nll}" == str(nll.item()) and nll.item() == pytest.approx(expected, rel=1e-6)


def test_neural_bigram_training_steps_equal_numpy():
    pairs = list(_bigrams())
    xs, ys = torch.tensor([a for a, _ in pairs]), torch.tensor([b for _, b in pairs])
    num = xs.nelement()
    g = torch.Generator().manual_seed(2147483647)
    W = torch.randn((V, V), generator=g, requires_grad=True)
    Wn = W.detach().numpy().astype(np.float64)
    onehot = np.eye(V)[xs.numpy()]
    for _ in range(5):
        xenc = F.one_hot(xs, num_classes=V).float()
        counts = (xenc @ W).exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
        W.grad = None
        loss.backward()
        W.data += -50 * W.grad
        # numpy: the same step, gradient by hand
        e = np.exp(onehot @ Wn)
        pn = e / e.sum(1, keepdims=True)
        loss_np = -np.log(pn[np.arange(num), ys.numpy()]).mean() + 0.01 * (Wn**2).mean()
        dlogits = (pn - np.eye(V)[ys.numpy()]) / num
        Wn = Wn - 50 * (onehot.T @ dlogits + 0.02 * Wn / Wn.size)
        assert loss.item() == pytest.approx(loss_np, rel=1e-5)
    np.testing.assert_allclose(W.detach().numpy(), Wn, rtol=1e-4, atol=1e-5)


# ---- makemore part 2: an MLP on contexts of three characters --------------------------------------------


def test_mlp_minibatch_step_equals_numpy():
    X, Y = _contexts()
    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((V, 2), generator=g)
    W1, b1 = torch.randn((6, 10), generator=g), torch.randn(10, generator=g)
    W2, b2 = torch.randn((10, V), generator=g), torch.randn(V, generator=g)
    parameters = [C, W1, b1, W2, b2]
    assert sum(p.nelement() for p in parameters) == V * 2 + 60 + 10 + 10 * V + V
    before = [p.numpy().astype(np.float64) for p in parameters]
    for p in parameters:
        p.requires_grad = True
    lrs = 10 ** torch.linspace(-3, 0, 1000)
    np.testing.assert_allclose(lrs.log10().numpy(), np.linspace(-3, 0, 1000), atol=1e-5)
    lr = lrs[900].item()
    ix = torch.randint(0, X.shape[0], (8,), generator=g)
    emb = C[X[ix]]
    assert emb.shape == (8, 3, 2)
    assert emb.view(-1, 6).tolist() == torch.cat(torch.unbind(emb, 1), 1).tolist()
    h = torch.tanh(emb.view(-1, 6) @ W1 + b1)
    logits = h @ W2 + b2
    counts = logits.exp()
    manual = -(counts / counts.sum(1, keepdims=True))[torch.arange(8), Y[ix]].log().mean()
    loss = F.cross_entropy(logits, Y[ix])
    assert loss.item() == pytest.approx(manual.item(), rel=1e-5)
    for p in parameters:
        p.grad = None
    loss.backward()
    for p in parameters:
        p.data += -lr * p.grad
    # numpy: forward, backward by hand, the same update
    Cn, W1n, b1n, W2n, b2n = before
    xb, yb = X[ix].numpy(), Y[ix].numpy()
    hn = np.tanh(Cn[xb].reshape(8, 6) @ W1n + b1n)
    ln = hn @ W2n + b2n
    pn = np.exp(ln - ln.max(1, keepdims=True))
    pn /= pn.sum(1, keepdims=True)
    assert loss.item() == pytest.approx(-np.log(pn[np.arange(8), yb]).mean(), rel=1e-5)
    dl = (pn - np.eye(V)[yb]) / 8
    dpre = (1 - hn**2) * (dl @ W2n.T)
    dC = np.zeros_like(Cn)
    np.add.at(dC, xb, (dpre @ W1n.T).reshape(8, 3, 2))
    grads = [dC, Cn[xb].reshape(8, 6).T @ dpre, dpre.sum(0), hn.T @ dl, dl.sum(0)]
    for p, start, grad in zip(parameters, before, grads):
        np.testing.assert_allclose(p.detach().numpy(), start - lr * grad, rtol=1e-5, atol=1e-6)


# ---- makemore part 4: backprop ninja ----------------------------------------------------------------------

N_EMBD, N_HIDDEN, BATCH = 4, 16, 12


def _ninja_forward():
    """An MLP with batchnorm, broken into single steps, each keeping its gradient (retain_grad)."""
    X, Y = _contexts()
    g = torch.Generator().manual_seed(2147483647)
    fan_in = N_EMBD * 3
    p = {"C": torch.randn((V, N_EMBD), generator=g),
         "W1": torch.randn((fan_in, N_HIDDEN), generator=g) * (5 / 3) / fan_in**0.5,
         "b1": torch.randn(N_HIDDEN, generator=g) * 0.1,
         "W2": torch.randn((N_HIDDEN, V), generator=g) * 0.1, "b2": torch.randn(V, generator=g) * 0.1,
         "bngain": torch.randn((1, N_HIDDEN), generator=g) * 0.1 + 1.0,
         "bnbias": torch.randn((1, N_HIDDEN), generator=g) * 0.1}
    for t in p.values():
        t.requires_grad = True
    ix = torch.randint(0, X.shape[0], (BATCH,), generator=g)
    xb, yb, n = X[ix], Y[ix], BATCH
    s = {"emb": p["C"][xb]}
    s["embcat"] = s["emb"].view(s["emb"].shape[0], -1)
    s["pre_bn"] = s["embcat"] @ p["W1"] + p["b1"]
    s["bn_mean"] = 1 / n * s["pre_bn"].sum(0, keepdim=True)
    s["bn_diff"] = s["pre_bn"] - s["bn_mean"]
    s["bn_diff2"] = s["bn_diff"] ** 2
    s["bn_var"] = 1 / (n - 1) * s["bn_diff2"].sum(0, keepdim=True)
    s["bn_var_inv"] = (s["bn_var"] + 1e-5) ** -0.5
    s["bn_raw"] = s["bn_diff"] * s["bn_var_inv"]
    s["pre_act"] = p["bngain"] * s["bn_raw"] + p["bnbias"]
    s["h"] = torch.tanh(s["pre_act"])
    s["logits"] = s["h"] @ p["W2"] + p["b2"]
    s["row_max"] = s["logits"].max(1, keepdim=True).values
    s["shifted"] = s["logits"] - s["row_max"]
    s["counts"] = s["shifted"].exp()
    s["counts_sum"] = s["counts"].sum(1, keepdims=True)
    s["counts_sum_inv"] = s["counts_sum"] ** -1
    s["probs"] = s["counts"] * s["counts_sum_inv"]
    s["logprobs"] = s["probs"].log()
    loss = -s["logprobs"][range(n), yb].mean()
    for t in s.values():
        t.retain_grad()
    loss.backward()
    return p, s, xb, yb, loss


def _hand_gradients(p, s, xb, yb):
    """Every gradient derived by hand, from the loss back to the embedding table."""
    n, d = BATCH, {}
    d["logprobs"] = torch.zeros_like(s["logprobs"])
    d["logprobs"][range(n), yb] = -1.0 / n
    d["probs"] = (1.0 / s["probs"]) * d["logprobs"]
    d["counts_sum_inv"] = (s["counts"] * d["probs"]).sum(1, keepdim=True)
    d["counts"] = s["counts_sum_inv"] * d["probs"]
    d["counts_sum"] = -s["counts_sum"] ** -2 * d["counts_sum_inv"]
    d["counts"] += torch.ones_like(s["counts"]) * d["counts_sum"]
    d["shifted"] = s["counts"] * d["counts"]
    d["row_max"] = (-d["shifted"]).sum(1, keepdim=True)
    d["logits"] = d["shifted"].clone()
    d["logits"] += F.one_hot(s["logits"].max(1).indices, num_classes=V) * d["row_max"]
    d["h"], d["W2"], d["b2"] = d["logits"] @ p["W2"].T, s["h"].T @ d["logits"], d["logits"].sum(0)
    d["pre_act"] = (1.0 - s["h"] ** 2) * d["h"]
    d["bngain"] = (s["bn_raw"] * d["pre_act"]).sum(0, keepdim=True)
    d["bnbias"] = d["pre_act"].sum(0, keepdim=True)
    d["bn_raw"] = p["bngain"] * d["pre_act"]
    d["bn_var_inv"] = (s["bn_diff"] * d["bn_raw"]).sum(0, keepdim=True)
    d["bn_var"] = -0.5 * (s["bn_var"] + 1e-5) ** -1.5 * d["bn_var_inv"]
    d["bn_diff2"] = 1.0 / (n - 1) * torch.ones_like(s["bn_diff2"]) * d["bn_var"]
    d["bn_diff"] = s["bn_var_inv"] * d["bn_raw"] + 2 * s["bn_diff"] * d["bn_diff2"]
    d["bn_mean"] = (-d["bn_diff"]).sum(0, keepdim=True)
    d["pre_bn"] = d["bn_diff"] + 1.0 / n * torch.ones_like(s["pre_bn"]) * d["bn_mean"]
    d["embcat"], d["W1"] = d["pre_bn"] @ p["W1"].T, s["embcat"].T @ d["pre_bn"]
    d["b1"] = d["pre_bn"].sum(0)
    d["emb"] = d["embcat"].view(s["emb"].shape)
    d["C"] = torch.zeros_like(p["C"])
    for k in range(xb.shape[0]):
        for j in range(xb.shape[1]):
            d["C"][xb[k, j]] += d["emb"][k, j]
    return d


def _maxdiff(mine, autograd_grad) -> float:
    assert mine.shape == autograd_grad.shape
    return (mine - autograd_grad).abs().max().item()


def test_backprop_ninja_every_hand_derived_gradient_equals_autograds():
    p, s, xb, yb, _ = _ninja_forward()
    d = _hand_gradients(p, s, xb, yb)
    every = {**p, **s}
    assert set(d) == set(every)
    for name, mine in d.items():
        theirs = every[name].grad
        assert torch.allclose(mine, theirs), name
        assert _maxdiff(mine, theirs) <= 1e-6, name
    # the first step back from the loss is the very same arithmetic as autograd's: equal to the bit
    # (later ones may differ in the last bits: (1/p)·g here, g/p in the Log op)
    assert torch.all(d["logprobs"] == every["logprobs"].grad).item()


def test_batchnorm_variance_is_the_unbiased_var():
    _, s, _, _, _ = _ninja_forward()
    unbiased = s["pre_bn"].var(0, keepdim=True, unbiased=True)
    np.testing.assert_allclose(unbiased.detach().numpy(), s["bn_var"].detach().numpy(), rtol=1e-5)
    expected = s["pre_bn"].detach().numpy().astype(np.float64).var(0, ddof=1, keepdims=True)
    np.testing.assert_allclose(s["bn_var"].detach().numpy(), expected, rtol=1e-5)


def test_backprop_ninja_shortcuts_for_cross_entropy_and_batchnorm():
    p, s, _, yb, loss = _ninja_forward()
    n, logits = BATCH, s["logits"]
    assert F.cross_entropy(logits, yb).item() == pytest.approx(loss.item(), abs=1e-6)
    assert float(f"{loss}") == loss.item()
    with torch.no_grad():
        dlogits = F.softmax(logits, 1)
        dlogits[range(n), yb] -= 1
        dlogits /= n
    assert _maxdiff(dlogits, logits.grad) <= 1e-6
    dpre_act, bn_raw = s["pre_act"].grad, s["bn_raw"].detach()
    with torch.no_grad():
        dpre_bn = p["bngain"] * s["bn_var_inv"] / n * (
            n * dpre_act - dpre_act.sum(0) - n / (n - 1) * bn_raw * (dpre_act * bn_raw).sum(0))
    assert _maxdiff(dpre_bn, s["pre_bn"].grad) <= 1e-6
