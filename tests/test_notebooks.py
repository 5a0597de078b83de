"""The notebooks in docs/notebooks/ run top to bottom, are up to date with their cell sources, and print
the numbers their prose relies on.

Each notebook is executed once per test session with nbclient, in a fresh "python3" kernel started in
docs/notebooks (its setup cell puts the clone on the path), from an in-memory copy: the committed files are
never rewritten. ``scripts/docs_notebooks.py`` builds, runs and writes them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbclient", reason="executing the notebooks needs nbclient: pip install -e '.[dev]'")
pytest.importorskip("ipykernel", reason="executing the notebooks needs ipykernel: pip install -e '.[dev]'")
pytest.importorskip("matplotlib", reason="the notebooks draw with matplotlib: pip install -e '.[dev]'")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

import docs_notebooks  # noqa: E402

_EXECUTED: dict = {}


def executed(key: str):
    """The committed notebook ``key``, run again from a copy (once per session)."""
    if key not in _EXECUTED:
        notebook = docs_notebooks.committed(key)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        _EXECUTED[key] = docs_notebooks.execute(notebook)
    return _EXECUTED[key]


@pytest.mark.parametrize("key", list(docs_notebooks.BOOKS))
def test_committed_notebook_matches_its_sources(key):
    """The cells in the .ipynb are the ones the sources describe: rerun scripts/docs_notebooks.py if not."""
    assert docs_notebooks.cell_sources(docs_notebooks.committed(key)) == \
        docs_notebooks.cell_sources(docs_notebooks.build(key))


@pytest.mark.parametrize("key", list(docs_notebooks.BOOKS))
def test_committed_notebook_keeps_its_outputs(key):
    """Outputs are committed, so the notebook reads on GitHub: every code cell ran, in order."""
    cells = [cell for cell in docs_notebooks.committed(key).cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1))
    with_output = [cell for cell in cells if cell.outputs]
    assert len(with_output) >= len(cells) - 3, "most code cells should show something"
    assert docs_notebooks.problems(key, docs_notebooks.committed(key)) == []


@pytest.mark.parametrize("key", list(docs_notebooks.BOOKS))
def test_notebook_runs_and_prints_its_numbers(key):
    """Top to bottom without an error (nbclient raises on the first), every expected output present, every
    printed check ✓, nothing written to stderr."""
    assert docs_notebooks.problems(key, executed(key)) == []


def test_pixel_similarity_is_the_books():
    text = docs_notebooks.output_text(executed("lesson"))
    assert "overall  tinygrad_edu 0.9511   book 0.9511" in text


def test_every_notebook_starts_with_the_setup_cell():
    for key in docs_notebooks.BOOKS:
        first_code = next(cell for cell in docs_notebooks.committed(key).cells if cell.cell_type == "code")
        assert first_code.source == docs_notebooks.code(docs_notebooks.SETUP)[1]
        assert first_code.outputs == [], "in a clone the setup cell prints nothing and installs nothing"


def test_graphs_are_drawn_inline():
    from tinygrad_edu.viz import dot_available

    if not dot_available():
        pytest.skip("the graph pictures need Graphviz's dot program")
    outputs = [output for cell in executed("autograd").cells for output in cell.get("outputs", [])]
    assert sum("image/svg+xml" in output.get("data", {}) for output in outputs) >= 5
    assert any("BackwardExplorer" in output.get("data", {}).get("text/plain", "") for output in outputs)


def test_setup_cell_outside_a_clone_on_a_hosted_kernel_says_what_to_upload(tmp_path):
    """On Kaggle (its environment variable set), outside a clone, with nothing uploaded and REPO_URL empty,
    the setup cell stops with one line saying what to do instead of guessing a repository."""
    env = {**os.environ, "KAGGLE_KERNEL_RUN_TYPE": "Interactive"}
    result = subprocess.run([sys.executable, "-c", docs_notebooks.SETUP], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "upload tinygrad_edu's repository as a zip beside this notebook" in result.stderr


def run_setup(cwd: Path, then: str, prelude: str = "", **env: str) -> str:
    """Run the setup cell (after ``prelude``) in a fresh Python in ``cwd``, then ``then``; its stdout."""
    environ = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"} | env
    result = subprocess.run([sys.executable, "-c", prelude + docs_notebooks.SETUP + then], cwd=cwd,
                            env=environ, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_setup_cell_on_a_hosted_kernel_uses_an_uploaded_repository_zip(tmp_path):
    """Colab today: the repository uploaded as a zip (GitHub's layout: one top folder) beside the notebook
    is unpacked and used as a clone; no REPO_URL needed."""
    import zipfile

    with zipfile.ZipFile(tmp_path / "tinygrad_edu-main.zip", "w") as archive:
        for folder in ("tinygrad_edu", "examples", "scripts"):
            for path in (ROOT / folder).rglob("*.py"):
                archive.write(path, f"tinygrad_edu-main/{path.relative_to(ROOT)}")
    then = "\nimport a_pixel_similarity, docs_experiments, tinygrad_edu\nprint(tinygrad_edu.__file__)"
    where = run_setup(tmp_path, then, KAGGLE_KERNEL_RUN_TYPE="Interactive")
    unpacked = tmp_path / "tinygrad_edu_repo" / "tinygrad_edu-main"
    assert Path(where) == unpacked / "tinygrad_edu" / "__init__.py"
    assert run_setup(tmp_path, then, KAGGLE_KERNEL_RUN_TYPE="Interactive") == where  # a rerun unpacks nothing


def test_setup_cell_in_the_browser_unpacks_the_wheels_beside_the_notebook(tmp_path):
    """Under Pyodide (sys.platform "emscripten", faked here) the wheels beside the notebook are unpacked into
    site-packages, and the examples/ of the site's copy of the repository go on the path."""
    import zipfile

    notebooks, site = tmp_path / "docs" / "notebooks", tmp_path / "site-packages"
    notebooks.mkdir(parents=True)
    site.mkdir()
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "an_example.py").write_text("NAME = 'example'\n")
    with zipfile.ZipFile(notebooks / "tinygrad_edu-0.1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("tinygrad_edu/__init__.py", "WHERE = 'the wheel'\n")
    with zipfile.ZipFile(notebooks / "graphviz-0.20.3-py3-none-any.whl", "w") as wheel:
        wheel.writestr("graphviz_stand_in.py", "")
    prelude = (f"import sys, sysconfig\nsys.platform = 'emscripten'\nsys.path.insert(0, {str(site)!r})\n"
               f"sysconfig.get_paths = lambda: {{'purelib': {str(site)!r}}}\n")
    then = "\nimport an_example, graphviz_stand_in, tinygrad_edu\nprint(tinygrad_edu.WHERE, an_example.NAME)"
    assert run_setup(notebooks, then, prelude) == "the wheel example"


def test_setup_cell_in_a_clone_puts_it_on_the_path(tmp_path):
    script = docs_notebooks.SETUP + "\nimport a_pixel_similarity, docs_experiments, tinygrad_edu\nprint('ok')"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT / "docs" / "notebooks", env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr
