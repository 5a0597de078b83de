"""scripts/build_lite.py without building: what goes into the site, and the checks that stop a bad build.
(tests/test_lite.py runs the built site in Chromium.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

import build_lite  # noqa: E402


def test_closure_follows_the_lock_with_normalized_names():
    lock = {"packages": {"a": {"depends": ["b_c"]}, "b-c": {"depends": ["d"]}, "d": {"depends": []},
                         "e": {"depends": []}}}
    assert build_lite.closure(lock, ["a"]) == ["a", "b-c", "d"]


def test_a_file_with_another_hash_stops_the_build(tmp_path):
    path = tmp_path / "numpy.whl"
    path.write_bytes(b"not the official wheel")
    with pytest.raises(SystemExit, match="numpy.whl has SHA-256 .* not the pinned"):
        build_lite.check(path, "0" * 64)
    assert build_lite.check(path, build_lite.sha256(path)) == path


def test_the_modules_the_notebooks_import_go_with_them():
    code = ["import docs_experiments\nimport f_what_weights_learned\nfrom a_pixel_similarity import BOOK",
            "import tinygrad_edu as torch\nimport matplotlib.pyplot as plt"]
    found = {f"{p.parent.name}/{p.name}" for p in build_lite.local_modules(code)}
    assert {"scripts/docs_experiments.py", "examples/f_what_weights_learned.py",
            "examples/a_pixel_similarity.py", "examples/_plots.py"} <= found  # _plots: imported by f_
    assert not any(name.startswith(("tinygrad_edu", "matplotlib")) for name in found)


def test_every_notebook_is_taken_and_every_piece_is_pinned():
    assert build_lite.notebooks() == sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
    assert all(len(digest) == 64 for digest in [build_lite.PYODIDE_NPM_SHA256, build_lite.BUNDLE_SHA256,
                                                *build_lite.PYPI.values()])
    assert all("==" in tool for tool in build_lite.TOOLS)
    pins = [line for line in build_lite.CONSTRAINTS.read_text().splitlines() if not line.startswith("#")]
    assert pins and all("==" in line for line in pins)
