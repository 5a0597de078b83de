"""Lesson 4's workloads timed in tinygrad_edu, numpy by hand and PyTorch: ``python benchmarks/bench.py``.

Not part of the installed package: this folder lives in the repository beside ``tinygrad_edu/`` and uses
only its public API. ``python -m tinygrad_edu bench`` runs it from a clone.

Read ``workloads.py`` for the workloads, ``ways.py`` for what they share (the libraries, the data, how two
ways' results are compared), ``runner.py`` for timing, memory and profiling, ``tables.py`` for the
output, ``machine.py`` for thread control, ``phases.py`` for the lesson loop timed phase by phase, and
``cli.py`` for the command. The numpy way is ``examples/backprop_by_hand.py`` and the minimal autograd
``examples/autograd_in_60_lines.py``: learning files, imported from ``examples/`` (one copy).
"""

import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.append(str(EXAMPLES))
