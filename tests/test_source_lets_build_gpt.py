"""Karpathy's "Let's build GPT: from scratch, in code, spelled out": its ``bigram.py`` and ``gpt.py``, and
the notebook's steps toward self-attention, run with ``import tinygrad_edu as torch``.

The models are written here in the shape the lecture gives them (a token-embedding bigram model; heads,
multi-head attention, feed-forward, blocks with LayerNorm and residuals, token and position embeddings,
``lm_head``, ``generate``), for a library handed in as ``torch``. Each is trained a few steps with AdamW in
tinygrad_edu and in PyTorch from the same initial weights on the same batches of tiny shakespeare: losses and
final weights must agree. Skipped without ``../shared/data/tinyshakespeare``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

TEXT = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare" / "input.txt"
needs_text = pytest.mark.skipif(not TEXT.exists(), reason=f"tiny shakespeare not found at {TEXT}")


@pytest.fixture(scope="module")
def corpus():
    text = TEXT.read_text(encoding="utf-8")
    chars = sorted(set(text))
    stoi, itos = {ch: i for i, ch in enumerate(chars)}, dict(enumerate(chars))
    return text[:200_000], chars, stoi, itos


def bigram_model(torch, vocab_size):
    nn, F = torch.nn, torch.nn.functional  # noqa: N806

    class BigramLanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding_table = nn.Embedding(vocab_size, vocab_size)  # the next token's logits

        def forward(self, idx, targets=None):
            logits = self.token_embedding_table(idx)  # (B, T, C)
            if targets is None:
                return logits, None
            B, T, C = logits.shape  # noqa: N806
            return logits, F.cross_entropy(logits.view(B * T, C), targets.view(B * T))

        def generate(self, idx, max_new_tokens):
            for _ in range(max_new_tokens):
                logits, _ = self(idx)
                probs = F.softmax(logits[:, -1, :], dim=-1)
                idx = torch.cat((idx, torch.multinomial(probs, num_samples=1)), dim=1)
            return idx

    return BigramLanguageModel()


def gpt_model(torch, vocab_size, n_embd=32, n_head=4, n_layer=2, block_size=16, dropout=0.0):
    nn, F = torch.nn, torch.nn.functional  # noqa: N806

    class Head(nn.Module):
        def __init__(self, head_size):
            super().__init__()
            self.key = nn.Linear(n_embd, head_size, bias=False)
            self.query = nn.Linear(n_embd, head_size, bias=False)
            self.value = nn.Linear(n_embd, head_size, bias=False)
            self.register_buffer("tril", torch.tril(torch.ones(block_size, block_size)))
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            B, T, C = x.shape  # noqa: N806
            k, q = self.key(x), self.query(x)
            wei = q @ k.transpose(-2, -1) * C**-0.5  # as gpt.py: scaled by n_embd, not head_size
            wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
            wei = self.dropout(F.softmax(wei, dim=-1))
            return wei @ self.value(x)

    class MultiHeadAttention(nn.Module):
        def __init__(self, num_heads, head_size):
            super().__init__()
            self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
            self.proj = nn.Linear(n_embd, n_embd)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            return self.dropout(self.proj(torch.cat([h(x) for h in self.heads], dim=-1)))

    class FeedForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd),
                                     nn.Dropout(dropout))

        def forward(self, x):
            return self.net(x)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.sa = MultiHeadAttention(n_head, n_embd // n_head)
            self.ffwd = FeedForward()
            self.ln1, self.ln2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)

        def forward(self, x):
            x = x + self.sa(self.ln1(x))
            return x + self.ffwd(self.ln2(x))

    class GPTLanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
            self.position_embedding_table = nn.Embedding(block_size, n_embd)
            self.blocks = nn.Sequential(*[Block() for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab_size)

        def forward(self, idx, targets=None):
            B, T = idx.shape  # noqa: N806
            x = self.token_embedding_table(idx) + self.position_embedding_table(torch.arange(T, device="cpu"))
            logits = self.lm_head(self.ln_f(self.blocks(x)))
            if targets is None:
                return logits, None
            B, T, C = logits.shape  # noqa: N806
            return logits, F.cross_entropy(logits.view(B * T, C), targets.view(B * T))

        @torch.no_grad()
        def generate(self, idx, max_new_tokens):
            for _ in range(max_new_tokens):
                logits, _ = self(idx[:, -block_size:])
                probs = F.softmax(logits[:, -1, :], dim=-1)
                idx = torch.cat((idx, torch.multinomial(probs, num_samples=1)), dim=1)
            return idx

    return GPTLanguageModel()


def batches(data_np, block_size, batch_size, steps, seed=0):
    """The start positions of every step's batch (drawn once, used by both libraries)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, len(data_np) - block_size, batch_size) for _ in range(steps)]


def get_batch(torch, data, ix, block_size):
    """gpt.py's get_batch, with the positions ``ix`` given instead of drawn."""
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    return x.to("cpu"), y.to("cpu")


def train(torch, model, data, starts, block_size, lr):
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    losses = []
    for ix in starts:
        xb, yb = get_batch(torch, data, torch.tensor(ix), block_size)
        _, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _same_start(ours, theirs, torch):
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


def _compare(ours, theirs, corpus, block_size, steps, batch_size, lr):
    torch = pytest.importorskip("torch")
    text, _, stoi, _ = corpus
    encoded = np.array([stoi[c] for c in text], np.int64)
    data, data_t = tg.tensor(encoded, dtype=tg.long), torch.tensor(encoded, dtype=torch.long)
    starts = batches(encoded, block_size, batch_size, steps)
    _same_start(ours, theirs, torch)
    ours_losses = train(tg, ours, data, starts, block_size, lr)
    theirs_losses = train(torch, theirs, data_t, starts, block_size, lr)
    assert np.allclose(ours_losses, theirs_losses, rtol=2e-5, atol=1e-6), (ours_losses, theirs_losses)
    assert ours_losses[-1] < ours_losses[0]
    theirs_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        assert np.allclose(value.numpy(), theirs_state[name].numpy(), rtol=1e-4, atol=2e-5), name
    return ours_losses


@needs_text
def test_bigram_py_trains_as_in_pytorch(corpus):
    torch = pytest.importorskip("torch")
    vocab = len(corpus[1])
    tg.manual_seed(1337)
    _compare(bigram_model(tg, vocab), bigram_model(torch, vocab), corpus, block_size=8, steps=20,
             batch_size=32, lr=1e-2)


@needs_text
def test_gpt_py_trains_as_in_pytorch(corpus):
    torch = pytest.importorskip("torch")
    vocab = len(corpus[1])
    tg.manual_seed(1337)
    ours, theirs = gpt_model(tg, vocab), gpt_model(torch, vocab)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    assert list(ours.state_dict()) == list(theirs.state_dict())  # the tril buffers included
    _compare(ours, theirs, corpus, block_size=16, steps=8, batch_size=8, lr=1e-3)


@needs_text
def test_gpt_py_with_dropout_trains_evaluates_and_generates(corpus, capsys):
    text, chars, stoi, itos = corpus
    encode = lambda s: [stoi[c] for c in s]  # noqa: E731 (the lecture's lambdas)
    decode = lambda l: "".join([itos[i] for i in l])  # noqa: E731, E741
    assert decode(encode("hii there")) == "hii there"
    data = tg.tensor(encode(text), dtype=tg.long)
    n = int(0.9 * len(data))
    train_data, val_data = data[:n], data[n:]
    tg.manual_seed(1337)
    block_size, batch_size = 16, 8
    model = gpt_model(tg, len(chars), block_size=block_size, dropout=0.2)
    print(sum(p.numel() for p in model.parameters()) / 1e6, "M parameters")
    assert capsys.readouterr().out.endswith("M parameters\n")

    def random_batch(split):
        source = train_data if split == "train" else val_data
        ix = tg.randint(len(source) - block_size, (batch_size,))  # randint(high, size)
        return get_batch(tg, source, ix, block_size)

    @tg.no_grad()
    def estimate_loss():
        out = {}
        model.eval()
        for split in ["train", "val"]:
            losses = tg.zeros(5)
            for k in range(5):
                _, loss = model(*random_batch(split))
                losses[k] = loss.item()
            out[split] = losses.mean()
        model.train()
        return out

    before = estimate_loss()
    optimizer = tg.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(40):
        _, loss = model(*random_batch("train"))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    after = estimate_loss()
    print(f"train loss {after['train']:.4f}, val loss {after['val']:.4f}")
    assert capsys.readouterr().out.startswith("train loss ")
    assert after["train"].item() < before["train"].item() and model.training
    x, _ = random_batch("val")
    model.eval()
    assert np.array_equal(model(x)[0].detach().numpy(), model(x)[0].detach().numpy())  # no dropout in eval
    model.train()
    assert not np.array_equal(model(x)[0].detach().numpy(), model(x)[0].detach().numpy())
    context = tg.zeros((1, 1), dtype=tg.long, device="cpu")
    sample = model.generate(context, max_new_tokens=40)  # longer than block_size: idx[:, -block_size:]
    assert sample.shape == (1, 41) and not sample.requires_grad
    assert len(decode(sample[0].tolist())) == 41


def test_the_mathematical_trick_of_self_attention():
    tg.manual_seed(1337)
    B, T, C = 4, 8, 2  # noqa: N806
    x = tg.randn(B, T, C)
    xbow = tg.zeros((B, T, C))
    for b in range(B):
        for t in range(T):
            xbow[b, t] = tg.mean(x[b, :t + 1], 0)  # the average of the past, one position at a time
    wei = tg.tril(tg.ones(T, T))
    wei = wei / wei.sum(1, keepdim=True)
    assert tg.allclose(xbow, wei @ x, atol=1e-6)
    wei = tg.zeros((T, T)).masked_fill(tg.tril(tg.ones(T, T)) == 0, float("-inf"))
    wei = tg.nn.functional.softmax(wei, dim=-1)
    assert tg.allclose(xbow, wei @ x, atol=1e-6)
    a = tg.tril(tg.ones(3, 3))
    a = a / tg.sum(a, 1, keepdim=True)
    assert np.allclose(a.numpy(), [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]])
    assert tg.randint(0, 10, (3, 2)).float().dtype == tg.float32


def test_scaled_attention_keeps_unit_variance_and_softmax_sharpens():
    tg.manual_seed(0)
    k, q = tg.randn(4, 64, 16), tg.randn(4, 64, 16)
    wei = q @ k.transpose(-2, -1) * 16**-0.5
    assert 0.8 < wei.var().item() < 1.2 and 0.8 < k.var().item() < 1.2
    soft = tg.softmax(tg.tensor([0.1, -0.2, 0.3, -0.2, 0.5]), dim=-1)
    sharp = tg.softmax(tg.tensor([0.1, -0.2, 0.3, -0.2, 0.5]) * 8, dim=-1)
    assert sharp.max().item() > 0.75 > soft.max().item()


def test_a_layer_norm_by_hand_normalizes_rows_not_columns():
    class LayerNorm1d:  # the notebook's: batchnorm with the mean and variance taken along dim 1
        def __init__(self, dim, eps=1e-5):
            self.eps, self.gamma, self.beta = eps, tg.ones(dim), tg.zeros(dim)

        def __call__(self, x):
            xhat = (x - x.mean(1, keepdim=True)) / tg.sqrt(x.var(1, keepdim=True) + self.eps)
            return self.gamma * xhat + self.beta

    tg.manual_seed(1337)
    x = tg.randn(32, 100)
    out = LayerNorm1d(100)(x)
    assert abs(out[0, :].mean().item()) < 1e-6 and out[0, :].std().item() == pytest.approx(1, abs=1e-3)
    assert abs(out[:, 0].std().item() - 1) > 1e-3  # columns are not normalized
    module = tg.nn.functional.layer_norm(x, (100,))  # the library's: the biased variance
    assert np.allclose(module.numpy() * np.sqrt(99 / 100), out.numpy(), atol=1e-4)
