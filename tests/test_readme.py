"""The README is the front door: its Quickstart must stay true and CI must run its test command."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_quickstart_has_exactly_two_commands():
    commands = quickstart_commands()
    assert len(commands) == 2, commands
    assert commands[0].endswith("-m tinygrad_edu train")
    assert commands[1].endswith("-m pytest")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert quickstart_commands()[1] in ci.splitlines()


def test_readme_links_exist():
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), f"README links to missing {target}"


def test_readme_python_examples_run(tmp_path, monkeypatch, capsys):
    pytest.importorskip("graphviz", reason="the README's example draws a graph: pip install graphviz")
    from tinygrad_edu.viz import dot_available

    if not dot_available():
        pytest.skip("the README's example renders with Graphviz's dot, which is not installed")
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["x"].grad is not None or namespace["w"].grad is not None
    assert namespace["w"].grad.shape == (4, 1)
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")
    assert "step 1" in capsys.readouterr().out
