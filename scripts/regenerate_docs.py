"""Regenerate every number and picture in docs/ from fresh runs: one command for the whole documentation.

    python scripts/regenerate_docs.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPTS = [
    ["docs_lesson.py"],
    ["docs_graphs.py"],
    ["docs_experiments.py"],
    ["build_lite.py"],  # the JupyterLite site, for the lesson loop in Pyodide on the performance page
    # one BLAS thread: steadier ratios on a small shared machine; PyTorch's own torch.compile timed too
    ["docs_performance.py", "--threads", "1", "--torch-compile"],
    ["docs_notebooks.py"],  # the notebooks need the dev extra (nbclient, ipykernel)
    ["docs_cnn.py"],  # the simple CNN, tinygrad_edu beside PyTorch
    ["docs_gpt.py"],  # last: the GPT trains on the text of the other pages
]


def main() -> int:
    here = Path(__file__).resolve().parent
    for script, *args in SCRIPTS:
        print(f"== {script} {' '.join(args)}", flush=True)
        result = subprocess.run([sys.executable, str(here / script), *args], cwd=here.parent)
        if result.returncode:
            print(f"{script} failed with exit code {result.returncode}", file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
