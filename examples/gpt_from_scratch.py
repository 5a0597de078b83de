"""A character-level GPT trained on tinygrad_edu's own documentation, after Karpathy's "Let's build GPT".

What changes from the lesson's model: the input is a sequence of characters, each looked up in a table
(``nn.Embedding``) and given a learned position; *self-attention* lets every position gather what it needs
from the earlier ones (a softmax over q·k scores, with the future masked out by ``tril`` and
``masked_fill``); blocks of attention and a small MLP, each behind a ``LayerNorm`` and added back to its
input (a residual), are stacked; a last ``nn.Linear`` scores the next character. Training is the lesson's
loop with ``AdamW``; ``generate`` samples one character at a time with ``multinomial``.

The text is the project's README and docs (not this page's output, docs/gpt.md); the page gives its length.
The same code runs on PyTorch with ``--lib torch``: the classes are made by ``gpt_classes(torch)`` so that
either library can be handed in as ``torch``.

    python examples/gpt_from_scratch.py [--steps 1500] [--lib torch] [--seed 1337]
"""

from __future__ import annotations

import argparse
import importlib
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Config:
    block_size: int = 32   # how many characters of context the model sees
    batch_size: int = 16
    n_embd: int = 64       # the size of each position's vector
    n_head: int = 4
    n_layer: int = 2
    dropout: float = 0.1
    lr: float = 3e-3
    steps: int = 1500
    eval_interval: int = 100
    eval_iters: int = 10


def load_text(root: Path = ROOT) -> str:
    """The README and every page in docs/ but the one this example writes, joined."""
    pages = [root / "README.md"] + [p for p in sorted((root / "docs").glob("*.md")) if p.name != "gpt.md"]
    return "\n\n".join(p.read_text(encoding="utf-8") for p in pages)


def gpt_classes(torch: ModuleType) -> type:
    """The GPT's modules, built on the library ``torch`` (tinygrad_edu or PyTorch); returns the model."""
    nn, F = torch.nn, torch.nn.functional  # noqa: N806

    class Head(nn.Module):
        """One head of self-attention: each position mixes the values of the positions before it."""

        def __init__(self, cfg: Config, head_size: int) -> None:
            super().__init__()
            self.key = nn.Linear(cfg.n_embd, head_size, bias=False)
            self.query = nn.Linear(cfg.n_embd, head_size, bias=False)
            self.value = nn.Linear(cfg.n_embd, head_size, bias=False)
            self.register_buffer("tril", torch.tril(torch.ones(cfg.block_size, cfg.block_size)))
            self.dropout = nn.Dropout(cfg.dropout)

        def forward(self, x: Any) -> Any:
            B, T, C = x.shape  # noqa: N806 (batch, time, channels)
            k, q = self.key(x), self.query(x)                         # (B, T, head_size)
            wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5       # (B, T, T), scaled: softmax stays soft
            wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))  # no peeking at the future
            wei = self.dropout(F.softmax(wei, dim=-1))
            return wei @ self.value(x)                                # (B, T, head_size)

    class MultiHeadAttention(nn.Module):
        def __init__(self, cfg: Config) -> None:
            super().__init__()
            self.heads = nn.ModuleList([Head(cfg, cfg.n_embd // cfg.n_head) for _ in range(cfg.n_head)])
            self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)
            self.dropout = nn.Dropout(cfg.dropout)

        def forward(self, x: Any) -> Any:
            return self.dropout(self.proj(torch.cat([h(x) for h in self.heads], dim=-1)))

    class FeedForward(nn.Module):
        def __init__(self, cfg: Config) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.ReLU(),
                                     nn.Linear(4 * cfg.n_embd, cfg.n_embd), nn.Dropout(cfg.dropout))

        def forward(self, x: Any) -> Any:
            return self.net(x)

    class Block(nn.Module):
        """Communication (attention), then computation (the MLP), each on a LayerNorm, each a residual."""

        def __init__(self, cfg: Config) -> None:
            super().__init__()
            self.sa, self.ffwd = MultiHeadAttention(cfg), FeedForward(cfg)
            self.ln1, self.ln2 = nn.LayerNorm(cfg.n_embd), nn.LayerNorm(cfg.n_embd)

        def forward(self, x: Any) -> Any:
            x = x + self.sa(self.ln1(x))
            return x + self.ffwd(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self, vocab_size: int, cfg: Config) -> None:
            super().__init__()
            self.cfg = cfg
            self.token_embedding_table = nn.Embedding(vocab_size, cfg.n_embd)
            self.position_embedding_table = nn.Embedding(cfg.block_size, cfg.n_embd)
            self.blocks = nn.Sequential(*[Block(cfg) for _ in range(cfg.n_layer)])
            self.ln_f = nn.LayerNorm(cfg.n_embd)
            self.lm_head = nn.Linear(cfg.n_embd, vocab_size)

        def forward(self, idx: Any, targets: Any = None) -> tuple[Any, Any]:
            B, T = idx.shape  # noqa: N806
            x = self.token_embedding_table(idx) + self.position_embedding_table(torch.arange(T))  # (B, T, C)
            logits = self.lm_head(self.ln_f(self.blocks(x)))                                       # (B, T, V)
            if targets is None:
                return logits, None
            B, T, V = logits.shape  # noqa: N806
            return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))

        @torch.no_grad()
        def generate(self, idx: Any, max_new_tokens: int) -> Any:
            for _ in range(max_new_tokens):
                logits, _ = self(idx[:, -self.cfg.block_size:])  # at most block_size characters of context
                probs = F.softmax(logits[:, -1, :], dim=-1)      # the last position predicts the next one
                idx = torch.cat((idx, torch.multinomial(probs, num_samples=1)), dim=1)
            return idx

    return GPT


def get_batch(torch: ModuleType, data: Any, cfg: Config, starts: Any = None) -> tuple[Any, Any]:
    """``batch_size`` windows of the text and the same windows shifted by one (the targets); the start
    positions are drawn from the library's generator unless given."""
    if starts is None:
        starts = torch.randint(len(data) - cfg.block_size, (cfg.batch_size,))
    x = torch.stack([data[i:i + cfg.block_size] for i in starts])
    y = torch.stack([data[i + 1:i + cfg.block_size + 1] for i in starts])
    return x, y


def estimate_loss(torch: ModuleType, model: Any, splits: dict, cfg: Config) -> dict:
    """The mean loss of ``eval_iters`` batches of each split, in eval mode (no dropout), unrecorded."""
    out = {}
    model.eval()
    with torch.no_grad():
        for name, data in splits.items():
            losses = torch.zeros(cfg.eval_iters)
            for k in range(cfg.eval_iters):
                _, loss = model(*get_batch(torch, data, cfg))
                losses[k] = loss.item()
            out[name] = losses.mean().item()
    model.train()
    return out


def train(torch: ModuleType, model: Any, splits: dict, cfg: Config, say: Any = print,
          batch_starts: list | None = None) -> dict:
    """AdamW on the training split; every ``eval_interval`` steps both splits' losses. With
    ``batch_starts`` the batches' start positions are given (one array per step) instead of drawn."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    steps = len(batch_starts) if batch_starts is not None else cfg.steps
    curve, step_losses, start = [], [], time.perf_counter()
    for step in range(steps):
        if batch_starts is None and (step % cfg.eval_interval == 0 or step == steps - 1):
            losses = estimate_loss(torch, model, splits, cfg)
            curve.append({"step": step, **losses})
            say(f"step {step:5d}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
        starts = None if batch_starts is None else torch.tensor(batch_starts[step])
        _, loss = model(*get_batch(torch, splits["train"], cfg, starts))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step_losses.append(loss.item())
    return {"curve": curve, "losses": step_losses, "seconds": time.perf_counter() - start}


def main(lib: str = "tinygrad_edu", steps: int | None = None, seed: int = 1337, sample_chars: int = 300,
         cfg: Config | None = None, quiet: bool = False) -> dict:
    say = (lambda *a: None) if quiet else print
    torch = importlib.import_module(lib)
    cfg = cfg or Config()
    cfg = replace(cfg, steps=steps) if steps is not None else cfg
    text = load_text()
    chars = sorted(set(text))
    stoi, itos = {ch: i for i, ch in enumerate(chars)}, dict(enumerate(chars))
    encode = lambda s: [stoi[c] for c in s]  # noqa: E731 (the lecture's encoder and decoder)
    decode = lambda ids: "".join(itos[i] for i in ids)  # noqa: E731
    data = torch.tensor(encode(text), dtype=torch.long)
    n = int(0.9 * len(data))
    splits = {"train": data[:n], "val": data[n:]}
    torch.manual_seed(seed)
    model = gpt_classes(torch)(len(chars), cfg)
    parameters = sum(p.numel() for p in model.parameters())
    say(f"{lib}: {len(text):,} characters, {len(chars)} distinct; {parameters:,} parameters")
    context = torch.zeros((1, 1), dtype=torch.long)
    before = decode(model.generate(context, sample_chars)[0].tolist())
    say(f"--- a sample before training ---\n{before}\n---")
    result = train(torch, model, splits, cfg, say)
    after = decode(model.generate(context, sample_chars)[0].tolist())
    say(f"--- a sample after {cfg.steps} steps ({result['seconds']:.1f} s) ---\n{after}\n---")
    return {"lib": lib, "characters": len(text), "vocab": len(chars), "parameters": parameters,
            "before": before, "after": after, "config": cfg, "model": model, **result}


def same_start(ours: Any, theirs: Any, torch: ModuleType) -> None:
    """Copy the weights (and buffers) of a tinygrad_edu model into a PyTorch model of the same code."""
    theirs.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=Config.steps)
    parser.add_argument("--lib", choices=["tinygrad_edu", "torch"], default="tinygrad_edu",
                        help="run the same code with PyTorch (torch must be installed)")
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args()
    main(args.lib, args.steps, args.seed)
