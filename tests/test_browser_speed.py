"""scripts/browser_speed.py: one script for both runs, and the section it gives docs/performance.md (the runs
themselves are measured by the script, never asserted in a test)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

import browser_speed  # noqa: E402


def test_both_runs_use_the_same_script():
    here, there = browser_speed.script(3, 20, "/a"), browser_speed.script(3, 20, "/b")
    assert here.replace('"/a"', '"/b"') == there
    assert "c.fit(model, torch.optim.SGD(model.parameters(), lr=1.0), dl, valid_dl, 20," in here
    compile(here, "script", "exec")


def test_the_section_reports_medians_ratios_and_agreement():
    result = {"epochs": 20, "repeats": 3, "pyodide_version": "0.27.7",
              "native": {"seconds": [0.4, 0.5, 0.6], "final": 0.979},
              "pyodide": {"seconds": [1.2, 1.5, 1.8], "final": 0.979}, "ratio_min": 2.5, "ratio_median": 3.0}
    text = "\n".join(browser_speed.markdown(result))
    assert "| lesson loop | 0.50 s (0.40–0.60) | 1.50 s (1.20–1.80) | 3.0× (min 2.5×) |" in text
    assert "native 0.979, Pyodide 0.979 (the same)" in text


def test_without_a_site_it_says_so(tmp_path, capsys):
    assert browser_speed.measure(site=tmp_path) is None
    assert "python scripts/build_lite.py" in capsys.readouterr().err
