"""Small plotting helpers shared by the experiments (examples/f_… to j_…).

matplotlib is an optional extra (``pip install -e ".[plot]"``): it is imported only when a picture is
asked for (``--out DIR``), always with the non-interactive Agg backend, so the experiments run and print
their numbers without it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# votes for "7" are blue, votes for "3" are red; zero is white
VOTE_CMAP = "RdBu_r"


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend, or a clear error saying how to install it."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            "drawing the pictures needs matplotlib, an optional extra: pip install matplotlib "
            "(or pip install -e \".[plot]\"); without --out the experiment runs and prints its numbers"
        ) from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, out_dir, name: str) -> Path:
    """Write ``fig`` as ``out_dir/name`` (PNG, no timestamp or version in its metadata) and close it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    pyplot().close(fig)
    return path


def image(ax, values, title: str, diverging: bool = False, limit: float | None = None, colorbar: bool = True):
    """Show 784 values as a 28×28 picture: grey for ink, or a red/blue map centred on zero."""
    values = np.asarray(values, dtype=np.float64).reshape(28, 28)
    if diverging:
        limit = limit or float(np.abs(values).max()) or 1.0
        shown = ax.imshow(values, cmap=VOTE_CMAP, vmin=-limit, vmax=limit)
    else:
        shown = ax.imshow(values, cmap="Greys", vmin=0, vmax=max(1.0, float(values.max())))
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    return shown
