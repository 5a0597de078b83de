"""What to tell the user when graphviz (the Python package) or Graphviz (the ``dot`` program) is missing.

Kept apart from ``render`` so that code without graphviz installed can still import and use it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MISSING_PACKAGE = (
    "tinygrad_edu.viz needs the graphviz Python package to draw graphs: pip install -e \".[viz]\" in a "
    "clone of tinygrad_edu (or pip install graphviz), plus the Graphviz program `dot` (e.g. apt-get install "
    "graphviz)"
)

INSTALL_DOT = """Install Graphviz (the program; the Python package alone is not enough), then try again:
  Debian/Ubuntu:  sudo apt-get install graphviz
  Fedora:         sudo dnf install graphviz
  macOS:          brew install graphviz
  conda:          conda install -c conda-forge graphviz
  Windows:        winget install graphviz  (or: choco install graphviz, or the installer from
                  https://graphviz.org/download/), then open a new terminal so `dot` is on PATH"""


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is missing; the graph's source was saved as ``dot_path`` instead."""

    def __init__(self, path: Path, dot_path: Path) -> None:
        self.path, self.dot_path = Path(path), Path(dot_path)
        super().__init__(
            f"Cannot draw {path}: Graphviz's `dot` program was not found on PATH.\n"
            f"The graph's source was written to {dot_path}; once Graphviz is installed, draw it with\n"
            f"  dot -T{self.path.suffix.lstrip('.') or 'svg'} {dot_path} -o {path}\n{INSTALL_DOT}"
        )


def dot_available() -> bool:
    """True when Graphviz's ``dot`` program is on PATH."""
    return shutil.which("dot") is not None
