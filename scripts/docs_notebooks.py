"""Write the Jupyter notebooks in docs/notebooks/ from their cell sources, run them, and save their outputs.

    python scripts/docs_notebooks.py                  # all the notebooks, executed, outputs saved
    python scripts/docs_notebooks.py --only lesson    # one notebook (lesson, questions, autograd, compile)
    python scripts/docs_notebooks.py --check          # are the committed notebooks up to date? (no run)

The notebooks are code: each is a list of ``md(...)`` and ``code(...)`` cells in the modules
``docs/notebooks/*.py`` (so a change reads as a diff of Python, not of JSON). This script builds the
``.ipynb`` from them, executes it with nbclient in a fresh "python3" kernel started in docs/notebooks, checks
that every output string listed in ``EXPECTED`` appears and no check mark printed "✗", and only then
writes it. tests/test_notebooks.py runs the notebooks again and compares the committed cells with the
sources. Every notebook's first code cell is ``SETUP``: in a clone it only puts the clone (and its examples/
and scripts/) on ``sys.path``; on Colab or Kaggle it unpacks the repository zip uploaded beside the notebook
(or clones ``REPO_URL``) and installs Graphviz; in the browser (JupyterLite) it installs the wheels beside it.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "docs" / "notebooks"

# key -> (notebook file, the module in docs/notebooks/ that lists its cells)
BOOKS = {
    "lesson": ("01_the_lesson.ipynb", "cells_01_the_lesson.py"),
    "questions": ("02_learners_questions.ipynb", "cells_02_learners_questions.py"),
    "autograd": ("03_inside_autograd.ipynb", "cells_03_inside_autograd.py"),
    "compile": ("04_compile.ipynb", "cells_04_compile.py"),
    "after": ("05_after_the_lesson.ipynb", "cells_05_after_the_lesson.py"),
}

# Strings an executed notebook's outputs must contain: the numbers its prose relies on.
EXPECTED = {
    "lesson": ["3s       tinygrad_edu 0.9168   book 0.9168", "7s       tinygrad_edu 0.9854   book 0.9854",
               "overall  tinygrad_edu 0.9511   book 0.9511", "BasicOptim and optim.SGD agree: True"],
    "questions": ["✓ the fixed baseline reproduces the book: 0.9168 / 0.9854 / 0.9511"],
    "autograd": ["tensor([ 6.,  8., 20.])", "GradcheckError", "MySigmoidBackward",
                 "bias.grad by hand equals the engine's: True"],
    "compile": ["compiled and eager agree bitwise: True", "captures: 3",
                "compiled model and eager agree bitwise: True", "the output's grad_fn: <CompiledBackward>",
                "CompileWarning: tinygrad_edu.compile: logging_step runs eagerly for this signature",
                "CompileError | logging_step runs eagerly for this signature",
                "after reset(): tensor([10., 20.])"],
    "after": ["CNN: 6,722 parameters in all (the linear model: 785)", "every row sums to 1: True",
              "position 0 can only look at itself: True", "the steps give the head's output: True",
              "gpt_from_scratch's Head computes the same: True",
              "✓ one epoch of the CNN beats twenty of the linear model", "BackwardExplorer"],
}

ADDRESS = re.compile(r" at 0x[0-9a-f]+")
BENIGN_STDERR = ("Matplotlib is building the font cache",)  # a fresh install's first plot says so
TIMEOUT = 300  # seconds per cell
# One BLAS thread in the kernel: the lesson's matrices are small, and on a busy machine OpenBLAS's threads
# fighting for the cores made simple_net's 40 epochs ten times slower in a kernel than in a script.
KERNEL_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

SETUP = '''
# Colab or Kaggle: upload tinygrad_edu's repository as a zip (GitHub's "Download ZIP", or in a clone
# `git archive --format=zip -o tinygrad_edu.zip HEAD`) beside this notebook, then run this cell.
REPO_URL = ""  # or a git URL of the repository, cloned when nothing was uploaded


def setup(repo_url):
    """In a clone: put it (and its examples/ and scripts/) on sys.path. Elsewhere, from what lies beside
    the notebook: a repository zip is unpacked and used as a clone; a tinygrad_edu wheel is installed (in
    the browser, under Pyodide, too). On Colab or Kaggle, with nothing uploaded, repo_url is cloned; Graphviz
    is installed there for the graph pictures. Anywhere else: nothing."""
    import os
    import shutil
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    def is_clone(folder):
        return (folder / "tinygrad_edu" / "__init__.py").is_file()

    here = Path.cwd().resolve()
    root = next((p for p in [here, *here.parents] if is_clone(p)), None)
    hosted = "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ
    browser = sys.platform == "emscripten"  # Pyodide (JupyterLite): no programs, no network
    if root is None and (uploaded := sorted(here.glob("tinygrad_edu*.zip"))):
        unpacked = here / "tinygrad_edu_repo"
        if not any(map(is_clone, [unpacked, *unpacked.glob("*/")])):
            zipfile.ZipFile(uploaded[-1]).extractall(unpacked)
        root = next((p for p in [unpacked, *unpacked.glob("*/")] if is_clone(p)), None)
        if root is None:
            raise RuntimeError(f"{uploaded[-1].name} holds no tinygrad_edu/ folder: is it the repository?")
    elif root is None and (wheels := sorted(here.glob("tinygrad_edu-*.whl"))):
        wheels += sorted(here.glob("graphviz-*.whl"))  # Pyodide has no graphviz package of its own
        if browser:  # pure-Python wheels: unpacked where Pyodide imports from
            import importlib
            import sysconfig

            import matplotlib  # noqa: F401  (Pyodide's kernel loads what a cell imports before running it)
            import numpy  # noqa: F401

            for wheel in wheels:
                zipfile.ZipFile(wheel).extractall(sysconfig.get_paths()["purelib"])
            importlib.invalidate_caches()
        else:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", *map(str, wheels)], check=True)
        root = next((p for p in [here, *here.parents] if (p / "examples").is_dir()), None)
    elif root is None and hosted:
        if not repo_url:
            raise RuntimeError("upload tinygrad_edu's repository as a zip beside this notebook (see the top "
                               "of this cell), or set REPO_URL to its git URL, then run this cell again")
        root = Path("tinygrad_edu_repo").resolve()
        if not root.exists():
            subprocess.run(["git", "clone", "-q", "--depth", "1", repo_url, str(root)], check=True)
    if hosted and not browser:
        try:
            import graphviz  # noqa: F401
        except ImportError:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "graphviz"], check=False)
        if shutil.which("dot") is None:
            subprocess.run("apt-get -qq update && apt-get -qq install -y graphviz", shell=True, check=False)
    if root is not None:
        for folder in (root / "scripts", root / "examples", root):
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))


setup(REPO_URL)
'''


def md(text: str) -> tuple[str, str]:
    return ("markdown", textwrap.dedent(text).strip())


def code(text: str) -> tuple[str, str]:
    return ("code", textwrap.dedent(text).strip())


def cells_of(key: str) -> list[tuple[str, str]]:
    """The notebook's cells as (kind, source): the setup cell after its title, then the module's cells."""
    path = NOTEBOOKS / BOOKS[key][1]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    title, *rest = module.CELLS
    return [title, code(SETUP), *rest]


def build(key: str):
    """The notebook (nbformat 4, no outputs) that the cell sources describe, with stable cell ids."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}}
    for index, (kind, source) in enumerate(cells_of(key)):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source, id=f"{key}-{index:02d}"))
    return notebook


def cell_sources(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def execute(notebook, cwd: Path = NOTEBOOKS):
    """Run every cell in a fresh python3 kernel started in ``cwd``; raises on the first error."""
    import os

    from nbclient import NotebookClient

    NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(cwd)}}).execute(env={**os.environ, **KERNEL_ENV})
    return without_addresses(notebook)


def without_addresses(notebook):
    """Drop the memory addresses of default reprs (``<... at 0x7f...>``) so that a rerun changes no output."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text/plain" in output.get("data", {}):
                output.data["text/plain"] = ADDRESS.sub("", output.data["text/plain"])
    return notebook


def output_text(notebook) -> str:
    """Every text a code cell printed or displayed (plain text and HTML), joined."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts += [data.get("text/plain", ""), data.get("text/html", "")]
            if output.get("output_type") == "error":
                parts.append("\n".join(output.get("traceback", [])))
    return "\n".join(parts)


def problems(key: str, notebook) -> list[str]:
    """What is wrong with an executed notebook: missing expected output, a failed check (✗), an error."""
    text = output_text(notebook)
    found = [f"{key}: expected output {s!r} not found" for s in EXPECTED[key] if s not in text]
    found += [f"{key}: a check failed: {line.strip()}" for line in text.splitlines() if line.startswith("✗")]
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            stderr = output.get("name") == "stderr" and not output.get("text", "").startswith(BENIGN_STDERR)
            if output.get("output_type") == "error" or stderr:
                what = output.get("ename") or output.get("text")
                found.append(f"{key}: cell {cell.id} wrote an error or a warning: {what}")
    return found


def committed(key: str):
    import nbformat

    return nbformat.read(NOTEBOOKS / BOOKS[key][0], as_version=4)


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BOOKS), help="comma-separated: " + ", ".join(BOOKS))
    parser.add_argument("--check", action="store_true",
                        help="only compare the committed cells with the sources (runs nothing)")
    args = parser.parse_args(argv)
    keys = args.only.split(",")
    if unknown := [key for key in keys if key not in BOOKS]:
        parser.error(f"unknown notebook(s) {', '.join(unknown)}; choose from {', '.join(BOOKS)}")
    status = 0
    for key in keys:
        if args.check:
            stale = cell_sources(committed(key)) != cell_sources(build(key))
            verdict = "out of date: run python scripts/docs_notebooks.py" if stale else "up to date"
            print(f"{BOOKS[key][0]}: {verdict}")
            status |= stale
            continue
        start = time.perf_counter()
        notebook = execute(build(key))
        seconds = time.perf_counter() - start
        if found := problems(key, notebook):
            print("\n".join(found), file=sys.stderr)
            print(f"{BOOKS[key][0]} not written", file=sys.stderr)
            status = 1
            continue
        nbformat.write(notebook, NOTEBOOKS / BOOKS[key][0])
        print(f"wrote docs/notebooks/{BOOKS[key][0]} (executed in {seconds:.1f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
