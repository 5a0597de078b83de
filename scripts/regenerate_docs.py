"""Regenerate every number and picture in docs/ from fresh runs: one command for the whole documentation.

    python scripts/regenerate_docs.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPTS = ["docs_lesson.py", "docs_graphs.py", "docs_experiments.py", "docs_performance.py",
           "docs_notebooks.py"]  # the notebooks need the dev extra (nbclient, ipykernel)
SCRIPTS.append("docs_cnn.py")  # issue 16: the simple CNN, tinygrad_edu beside PyTorch
SCRIPTS += ["docs_gpt.py"]  # docs/gpt.md: the GPT example trained (and on PyTorch, if installed)


def main() -> int:
    here = Path(__file__).resolve().parent
    for script in SCRIPTS:
        print(f"== {script}", flush=True)
        result = subprocess.run([sys.executable, str(here / script)], cwd=here.parent)
        if result.returncode:
            print(f"{script} failed with exit code {result.returncode}", file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
