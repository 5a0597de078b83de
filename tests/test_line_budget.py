"""scripts/line_budget.py: the figures it prints are right, and it fails past each budget."""

import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("line_budget", ROOT / "scripts" / "line_budget.py")
line_budget = importlib.util.module_from_spec(spec)
spec.loader.exec_module(line_budget)


def test_code_lines_skip_blank_lines_comments_and_docstrings():
    source = ('"""Module doc."""\n\n# a comment\ndef f(x):\n    """Doc\n    on two lines."""\n'
              "    return (x +\n            1)  # trailing\n")
    assert line_budget.code_lines(source) == 3  # def, and the two lines of the return


def test_function_lines_leave_out_the_docstring():
    source = "def g():\n    pass\n\n\ndef backward():\n    '''Doc.\n\n    More.'''\n    a = 1\n    return a\n"
    assert line_budget.function_lines(source, "backward") == 3


def test_the_package_is_within_its_budget():
    report, over = line_budget.check(ROOT / "tinygrad_edu")
    assert over == []
    assert any(line.startswith("engine.backward:") for line in report)


@pytest.fixture
def package(tmp_path):
    copy = tmp_path / "tinygrad_edu"
    shutil.copytree(ROOT / "tinygrad_edu", copy, ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
    return copy


def test_a_file_over_400_lines_fails(package):
    (package / "long.py").write_text("x = 1\n" * 401)
    _, over = line_budget.check(package)
    assert over == ["tinygrad_edu/long.py: 401 lines (budget 400 per file)"]
    assert line_budget.main(["--root", str(package.parent)]) == 1


def test_a_longer_backward_loop_fails(package):
    engine = package / "engine.py"
    comment = "    # a comment: a longer loop, but no more lines of code in the core\n"
    padding = comment * line_budget.BACKWARD_LINES
    first_line = "    sink = sink or accumulate_leaf"
    engine.write_text(engine.read_text().replace(first_line, padding + first_line, 1))
    _, over = line_budget.check(package)
    assert len(over) == 1 and over[0].startswith("engine.backward:")


def test_a_larger_core_fails(package):
    for i in range(4):
        (package / "ops" / f"more{i}.py").write_text("x = 1\n" * 390)
    _, over = line_budget.check(package)
    assert [line.split(":")[0] for line in over] == ["core"]
