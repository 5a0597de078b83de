"""scripts/docs_gpt.py: docs/gpt.md is written from a run, and only when the run still supports its prose."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import docs_gpt  # noqa: E402


def test_a_run_that_no_longer_supports_the_page_writes_nothing(tmp_path, capsys):
    page = tmp_path / "gpt.md"
    argv = ["--steps", "3", "--no-torch", "--sample-chars", "5", "--output", str(page)]
    assert docs_gpt.main(argv) == 1  # too few steps to learn anything
    assert not page.exists() and "the loss falls by more than 2" in capsys.readouterr().err


def test_the_page_is_rendered_from_the_runs_numbers():
    curve = [{"step": 0, "train": 4.9, "val": 4.8}, {"step": 9, "train": 2.1, "val": 2.2}]
    run = {"characters": 1000, "vocab": 50, "parameters": 1234, "config": docs_gpt.gpt.Config(steps=10),
           "curve": curve, "seconds": 2.0, "before": "xq```", "after": "the docs"}
    compared = {"ours": [4.9, 4.5], "torch": [4.9, 4.5], "loss_gap": 1e-7, "weight_gap": 2e-6}
    runs = {"tinygrad_edu": run, "torch": run | {"version": "2.x"}}
    assert docs_gpt.check(runs, compared) == []
    page = docs_gpt.render(runs, compared, 1)
    assert "| 9 | 2.1000 | 2.2000 | 2.1000 | 2.2000 |" in page and "1,234 parameters" in page
    assert "'''" in page and "```text\nthe docs\n```" in page  # a sample cannot close its own fence
    assert "1.0e-07" in page and "PyTorch 2.x (1 thread(s))" in page


def test_the_committed_page_still_says_what_its_numbers_show():
    page = (ROOT / "docs" / "gpt.md").read_text(encoding="utf-8")
    losses = page.split("## The loss", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| ([\d.]+) \| ([\d.]+) \|", losses, re.M)
    first, last = rows[0], rows[-1]
    assert float(first[2]) - float(last[2]) > 2 and float(last[2]) < 2.5  # the validation loss fell
    assert "(gpt.md)" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
