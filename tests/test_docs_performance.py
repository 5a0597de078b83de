"""scripts/docs_performance.py: the prose of the phase section is computed from the run it describes."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import docs_performance  # noqa: E402

from benchmarks import phases  # noqa: E402


def report(numpy_s: float, minimal_s: float, ours_s: float, steps: int = 100) -> phases.PhaseReport:
    """One repeat, all of each way's time in forward."""
    def way(total: float) -> dict[str, list[float]]:
        return {phase: [total if phase == "forward" else 0.0] for phase in phases.PHASES}
    return phases.PhaseReport(epochs=1, steps=steps, agree={"minimal autograd": "yes", "tinygrad_edu": "yes"},
                              seconds={"numpy": way(numpy_s), "minimal autograd": way(minimal_s),
                                       "tinygrad_edu": way(ours_s)})


def test_the_budget_and_what_the_floor_leaves_of_it():
    # numpy 100 µs per step; the target 1.3× allows 30 µs; the floor takes 10, leaving 20; ours takes 25
    text = "\n".join(docs_performance.phases_markdown(report(0.01, 0.011, 0.0125), target=1.3))
    assert "allows 30.0 µs per step beyond numpy" in text
    assert "the floor leaves 20.0 µs of it" in text
    assert "tinygrad_edu's 25.0 µs fit in it" in text


def test_a_floor_over_the_budget_is_said_without_a_negative_room():
    # the floor alone takes 50 µs, 20 more than the 30 allowed; ours 60 µs, 10 more than the floor
    text = "\n".join(docs_performance.phases_markdown(report(0.01, 0.015, 0.016), target=1.3))
    assert "-20.0" not in text and "leaves" not in text
    assert "in this run the floor alone took 20.0 µs more than that" in text
    assert ("tinygrad_edu spends 60.0 µs, 10.0 µs more than the minimal autograd, "
            "and misses the target (1.60×)") in text
