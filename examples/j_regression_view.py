"""The regression view: ``y = f(b + w1*x1 + ... + wn*xn)`` fitted by gradient descent.

The lesson's model is a regression: a weighted sum of the inputs plus an intercept (the bias), passed
through a function ``f``. With ``f`` = identity it is linear regression, and gradient descent on the mean
squared error finds the same coefficients as the textbook solver (``numpy.linalg.lstsq``). With ``f`` =
sigmoid it is logistic regression, and gradient descent on the log loss finds the same coefficients as
Newton's method (the textbook solver for it). The lesson's ``linear1`` followed by ``sigmoid`` is exactly
this model with 784 inputs.

    python examples/j_regression_view.py [--fast] [--out docs/images/experiments]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as torch

SEED = 0
TRUE_LINEAR = {"w": [2.0, -3.0, 0.5], "b": 1.0}  # y = 1 + 2 x1 - 3 x2 + 0.5 x3 + noise
TRUE_LOGISTIC = {"w": [2.0, -1.0], "b": 0.5}  # P(y = 1) = sigmoid(0.5 + 2 x1 - x2)


def gradient_descent(x, y, f, loss_fn, lr, steps, record_every=1):
    """Fit ``f(x @ w + b)`` to ``y`` by full-batch gradient descent from w = 0, b = 0."""
    w = torch.zeros(x.shape[1]).requires_grad_()
    b = torch.zeros(1).requires_grad_()
    history = []
    for step in range(steps + 1):
        loss = loss_fn(f(x @ w + b), y)
        if step % record_every == 0:
            history.append([step, loss.item(), *w.tolist(), b.item()])
        if step == steps:
            break
        loss.backward()
        with torch.no_grad():
            w -= w.grad * lr
            b -= b.grad * lr
        w.grad.zero_()
        b.grad.zero_()
    return w.detach().numpy(), b.item(), np.array(history)


def mse(prediction, target):
    return ((prediction - target) ** 2).mean()


def log_loss(p, target):
    """Logistic regression's loss: -log of the probability given to the right answer."""
    p = p.clamp(1e-7, 1 - 1e-7)
    return -(target * p.log() + (1 - target) * (1 - p).log()).mean()


def identity(z):
    return z


def newton_logistic(x: np.ndarray, y: np.ndarray, steps: int = 25) -> np.ndarray:
    """Logistic regression by Newton's method (iteratively reweighted least squares), in float64."""
    design = np.column_stack([x, np.ones(len(x))])
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (p - y)
        hessian = design.T @ (design * (p * (1 - p))[:, None])
        beta -= np.linalg.solve(hessian, gradient)
    return beta


def main(fast: bool = False, quiet: bool = False, out_dir=None) -> dict:
    say = (lambda *a: None) if quiet else print
    rng = np.random.default_rng(SEED)

    # --- f = identity: linear regression -------------------------------------------------------------
    n = 200
    x_np = rng.standard_normal((n, 3))
    y_np = x_np @ TRUE_LINEAR["w"] + TRUE_LINEAR["b"] + 0.5 * rng.standard_normal(n)
    lin_steps = 300 if fast else 1000
    w, b, lin_history = gradient_descent(torch.tensor(x_np), torch.tensor(y_np), identity, mse, lr=0.1,
                                         steps=lin_steps)
    design = np.column_stack([x_np, np.ones(n)])  # the intercept is a column of ones
    lstsq = np.linalg.lstsq(design, y_np, rcond=None)[0]
    gd = np.append(w, b)
    linear = {"n": n, "steps": lin_steps, "lr": 0.1, "true": TRUE_LINEAR["w"] + [TRUE_LINEAR["b"]],
              "gd": gd, "lstsq": lstsq, "max_diff": float(np.abs(gd - lstsq).max()), "history": lin_history}

    # --- f = sigmoid: logistic regression ----------------------------------------------------------------
    n_log = 1000
    xl_np = rng.standard_normal((n_log, 2))
    p_true = 1 / (1 + np.exp(-(xl_np @ TRUE_LOGISTIC["w"] + TRUE_LOGISTIC["b"])))
    yl_np = (rng.random(n_log) < p_true).astype(np.float64)
    log_steps = 1000 if fast else 3000
    wl, bl, log_history = gradient_descent(torch.tensor(xl_np), torch.tensor(yl_np), torch.sigmoid, log_loss,
                                           lr=1.0, steps=log_steps)
    newton = newton_logistic(xl_np, yl_np)
    gdl = np.append(wl, bl)
    logistic = {"n": n_log, "steps": log_steps, "lr": 1.0, "true": TRUE_LOGISTIC["w"] + [TRUE_LOGISTIC["b"]],
                "gd": gdl, "newton": newton, "max_diff": float(np.abs(gdl - newton).max()),
                "history": log_history, "x": xl_np, "y": yl_np,
                "accuracy": float(((xl_np @ wl + bl > 0) == (yl_np == 1)).mean())}

    names = ["w1", "w2", "w3", "b"]
    say(f"f = identity (linear regression): {n} points, y = 1 + 2 x1 - 3 x2 + 0.5 x3 + noise")
    say(f"gradient descent on the mean squared error, lr 0.1, {lin_steps} steps, from all zeros")
    say(f"{'':8s} {'true':>8s} {'lstsq':>10s} {'gradient descent':>17s}")
    for i, name in enumerate(names):
        say(f"{name:8s} {linear['true'][i]:8.3f} {lstsq[i]:10.5f} {gd[i]:17.5f}")
    say(f"largest difference from lstsq: {linear['max_diff']:.1e}")
    say(f"\nf = sigmoid (logistic regression): {n_log} points, P(y=1) = sigmoid(0.5 + 2 x1 - x2)")
    say(f"gradient descent on the log loss, lr 1.0, {log_steps} steps, from all zeros")
    say(f"{'':8s} {'true':>8s} {'Newton':>10s} {'gradient descent':>17s}")
    for i, name in enumerate(["w1", "w2", "b"]):
        say(f"{name:8s} {logistic['true'][i]:8.3f} {newton[i]:10.5f} {gdl[i]:17.5f}")
    say(f"largest difference from Newton's method: {logistic['max_diff']:.1e}; "
        f"training accuracy {logistic['accuracy']:.3f}")

    results = {"seed": SEED, "linear": linear, "logistic": logistic}
    if out_dir is not None:
        results["pictures"] = [draw(results, out_dir)]
    return results


def draw(results: dict, out_dir) -> str:
    from _plots import pyplot, save

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
    panels = [(axes[0], "linear", ["w1", "w2", "w3", "b"], "f = identity: lstsq (dashed)"),
              (axes[1], "logistic", ["w1", "w2", "b"], "f = sigmoid: Newton (dashed)")]
    for ax, key, names, title in panels:
        part = results[key]
        reference = part["lstsq"] if key == "linear" else part["newton"]
        steps = part["history"][:, 0]
        for i, name in enumerate(names):
            ax.plot(steps, part["history"][:, 2 + i], color=colors[i], label=name)
            ax.axhline(reference[i], color=colors[i], linestyle="--", linewidth=1)
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlim(0, steps[-1])
        ax.set_xlabel("gradient descent step (log scale after 10)")
        ax.set_ylabel("coefficient")
        ax.set_title(f"{title}\ngradient descent (solid) from 0", fontsize=11)
        ax.legend(fontsize=8)
    part = results["logistic"]
    ax = axes[2]
    x, y = part["x"], part["y"]
    ax.scatter(x[y == 1, 0], x[y == 1, 1], s=6, color="tab:red", alpha=0.5, label="y = 1")
    ax.scatter(x[y == 0, 0], x[y == 0, 1], s=6, color="tab:blue", alpha=0.5, label="y = 0")
    line = np.linspace(-3, 3, 2)
    for coef, style, label in [(part["true"], "-", "true boundary"), (part["gd"], "--", "fitted boundary")]:
        w1, w2, b = coef
        ax.plot(line, -(b + w1 * line) / w2, style, color="black", label=label)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("logistic regression: b + w1 x1 + w2 x2 = 0", fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    return str(save(fig, out_dir, "regression.png"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer steps (for the tests)")
    parser.add_argument("--out", default=None, help="folder for the picture (needs matplotlib)")
    args = parser.parse_args()
    main(fast=args.fast, out_dir=args.out)
