"""The experiments behind docs/weights.md, multiply-vs-distance.md, bias.md, apples-and-pears.md and
regression.md, re-run in fast mode: the numbers they print must still support what those pages say.

Each example's ``main(fast=True, quiet=True)`` runs once per module (a few seconds in all). The claims each
page makes are listed in ``scripts/docs_experiments.py`` (the script refuses to write a page whose claims
fail); they are checked here too, beside the explicit checks below.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT / "examples", ROOT / "scripts"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import docs_experiments  # noqa: E402

_RUNS: dict[str, dict] = {}


def run(key: str) -> dict:
    """The fast run of one page's experiment (computed once per test session)."""
    if key not in _RUNS:
        module = importlib.import_module(docs_experiments.PAGES[key][0])
        _RUNS[key] = module.main(fast=True, quiet=True)
    return _RUNS[key]


@pytest.mark.parametrize("key", list(docs_experiments.PAGES))
def test_page_claims_hold_in_fast_mode(key):
    assert docs_experiments.failed_claims(key, run(key), fast=True) == []


@pytest.mark.parametrize("key", list(docs_experiments.PAGES))
def test_page_renders_from_the_numbers(key):
    page = docs_experiments.PAGES[key][2](run(key))
    for section in ("**The question.**", "**The experiment.**", "## The result", "## What it means",
                    "## Try next"):
        assert section in page
    prose = re.sub(r"```.*?```", "", page, flags=re.S)
    assert "{" not in prose and "}" not in prose  # no template field left unfilled


def test_weights_each_pixel_votes():
    r = run("weights")
    assert r["accuracy"]["overall"] > 0.95
    assert r["correlation"] > 0.5
    assert r["never_inked_change"] == 0.0
    for index, example in enumerate(r["examples"].values()):
        votes = example["votes"]
        assert np.count_nonzero(votes) == example["voting_pixels"]
        assert votes.sum() + example["bias"] == pytest.approx(r["model_scores"][index], abs=1e-3)
        assert np.all(votes[example["image"] == 0] == 0)  # a black pixel never votes


def test_multiply_beats_distance():
    r = run("distance")
    rows = r["rows"]
    assert r["baseline"] == {"3s": 0.9168, "7s": 0.9854, "overall": 0.9511}  # the book's, exactly
    assert rows["linear/SGD"]["accuracy"]["overall"] > rows["template/SGD"]["accuracy"]["overall"]
    assert rows["linear/Adam"]["accuracy"]["overall"] > rows["template/Adam"]["accuracy"]["overall"]
    assert r["disguise_gap"] < 1e-3
    stuck = [x for x in r["runs"] if x["model"] == "template" and x["optimizer"] == "SGD" and x["lr"] == 1.0]
    assert stuck[0]["accuracy"]["overall"] == 0.5


def test_bias_free_model_outputs_exactly_zero_on_black():
    r = run("bias")
    without, with_b = r["models"]["without bias"], r["models"]["with bias"]
    assert without["on_black"] == 0.0
    assert without["prob_on_black"] == 0.5
    assert with_b["on_black"] == pytest.approx(with_b["bias"])
    assert with_b["threshold"] == -with_b["bias"]
    assert r["same_start"]
    example = r["example"]
    assert example["fits"]["with bias"]["accuracy"] == 1.0
    assert example["best_without_bias"] <= 0.5


def test_apples_and_pears():
    r = run("apples")
    for one in r["one_receipt_runs"]:
        assert one["total"] == pytest.approx(7, abs=1e-3)
    ends = {tuple(np.round(one["end"], 3)) for one in r["one_receipt_runs"]}
    assert len(ends) == len(r["one_receipt_runs"])  # every first guess ends somewhere else
    for several in r["several_runs"]:
        assert several["end"] == pytest.approx((1.0, 2.0), abs=1e-3)


def test_gradient_descent_matches_the_textbook_solvers():
    r = run("regression")
    assert r["linear"]["gd"] == pytest.approx(r["linear"]["lstsq"], abs=1e-3)
    assert r["logistic"]["gd"] == pytest.approx(r["logistic"]["newton"], abs=1e-3)


def test_pictures_are_written_only_when_asked(tmp_path):
    pytest.importorskip("matplotlib")
    module = importlib.import_module("i_apples_and_pears")
    assert "pictures" not in run("apples")
    results = module.main(fast=True, quiet=True, out_dir=tmp_path)
    assert [Path(p).name for p in results["pictures"]] == ["apples-and-pears.png"]
    assert (tmp_path / "apples-and-pears.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_committed_pages_and_pictures_exist():
    docs = ROOT / "docs"
    for _, page, _, _ in docs_experiments.PAGES.values():
        text = (docs / page).read_text()
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if not target.startswith("http"):
                assert (docs / target).exists(), f"{page} links to missing {target}"
        assert "scripts/docs_experiments.py" in text
    index = (docs / "index.md").read_text()
    for _, page, _, _ in docs_experiments.PAGES.values():
        assert f"]({page})" in index
