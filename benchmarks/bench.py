"""Run the benchmark from a clone: ``python benchmarks/bench.py [--quick] [-w NAMES] ...`` (``--help``).

The same command as ``python -m tinygrad_edu bench``. The clone's folder goes on ``sys.path`` first, so
this runs the clone's tinygrad_edu even when another copy is installed.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="python benchmarks/bench.py"))
