"""Every file path named in the README, the docs and the package's docstrings exists, and the counts the
reading path gives are the code's."""

import ast
import importlib.util
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tinygrad_edu"
TOP_LEVEL = ("tinygrad_edu", "examples", "scripts", "benchmarks", "tests", "docs", ".ci")
FOLDERS = "|".join(re.escape(t) for t in TOP_LEVEL)
REPO_PATH = re.compile(rf"(?<![\w./~])((?:{FOLDERS})/[\w./-]*\w)")
PY_FILE = re.compile(r"(?<![\w/.])([\w/]+\.py)\b")


def _named_in_docs() -> list[tuple[str, str]]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [(page.name, match) for page in pages for match in REPO_PATH.findall(page.read_text())]


@pytest.mark.parametrize(("page", "path"), _named_in_docs())
def test_paths_in_the_readme_and_docs_exist(page, path):
    assert (ROOT / path).exists(), f"{page} names {path}, which does not exist"


def _prose(source: str) -> str:
    """A module's docstrings and comments: where it tells the reader about other files."""
    texts = [ast.get_docstring(node) or "" for node in ast.walk(ast.parse(source))
             if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))]
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    texts += [token.string for token in tokens if token.type == tokenize.COMMENT]
    return "\n".join(texts)


def _named_in_package() -> list[tuple[str, str]]:
    found = []
    for source in sorted(PACKAGE.rglob("*.py")):
        for name in PY_FILE.findall(_prose(source.read_text())):
            found.append((str(source.relative_to(ROOT)), name))
    return found


@pytest.mark.parametrize(("source", "name"), _named_in_package())
def test_py_files_named_in_the_package_exist(source, name):
    here = (ROOT / source).parent
    candidates = [here / name, PACKAGE / name, ROOT / name]
    assert any(c.exists() for c in candidates), f"{source} names {name}, which does not exist"


def test_the_reading_path_gives_the_backward_loops_true_length():
    spec = importlib.util.spec_from_file_location("line_budget", ROOT / "scripts" / "line_budget.py")
    line_budget = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(line_budget)
    length = line_budget.function_lines((PACKAGE / "engine.py").read_text(), "backward")
    stated = re.findall(r"`backward` \((\d+) lines\)", (ROOT / "docs" / "internals.md").read_text())
    assert stated == [str(length)]
