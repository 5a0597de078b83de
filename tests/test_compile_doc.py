"""docs/compile.md stays true: its code runs, the replay it quotes is the replay source() prints, and the
doors and refusals it lists are the ones the code has."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from tinygrad_edu.compiler import doors

PAGE = Path(__file__).resolve().parents[1] / "docs" / "compile.md"
TEXT = PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page_namespace():
    """Every python block of the page, run in order in one namespace, with no CompileWarning."""
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for block in re.findall(r"```python\n(.*?)```", TEXT, re.S):
            exec(compile(block, str(PAGE), "exec"), namespace)
    return namespace


def test_the_pages_code_runs(page_namespace, capsys):
    assert page_namespace["train_step"]._replays and page_namespace["tiny"]._replays


def test_the_replay_the_page_quotes_is_the_one_source_prints(page_namespace):
    quoted = re.search(r"```text\n(.*?)```", TEXT, re.S).group(1).rstrip("\n").splitlines()
    printed = page_namespace["tiny"].source(-1).splitlines()
    start = printed.index(quoted[0])
    assert printed[start:start + len(quoted)] == quoted


def test_every_value_into_python_that_the_page_names_is_a_door():
    for name in ("item", "__float__", "__int__", "__bool__", "tolist", "numpy", "__array__", "__repr__",
                 "__format__"):
        assert name in doors.doors_tensor._ESCAPES
    for spelled in (".item()", "float(t)", "int(t)", "if t:", "print(t)", ".numpy()", ".tolist()",
                    "np.asarray(t)", "fullgraph=True", "step.reset()", "CompileWarning", "CompileError"):
        assert spelled in TEXT, spelled


def test_the_cache_limit_the_page_gives_is_the_codes():
    from tinygrad_edu.compiler import CACHE_LIMIT

    assert f"up to {CACHE_LIMIT} captures" in TEXT
