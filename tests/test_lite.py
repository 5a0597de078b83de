"""The notebooks in the browser: the JupyterLite site of scripts/build_lite.py, opened offline in headless
Chromium (served on 127.0.0.1), every notebook run with JupyterLab's run-all command under Pyodide, its
outputs checked as the native run's are (docs_notebooks.problems: 0.9511 for pixel similarity, and the rest),
and the explorer stepped through inside the notebook.

The site is built by ``python scripts/build_lite.py`` (.ci/run does it first); without it, or without
Chromium, the tests are skipped with the reason. ``TINYGRAD_EDU_LITE`` names another built site.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("TINYGRAD_EDU_LITE", ROOT / "build" / "lite"))
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
RUN_SECONDS = 900  # one notebook, run all (about a minute each here)

if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

import docs_notebooks  # noqa: E402

pytest.importorskip("nbformat", reason="reading the notebooks needs nbformat: pip install -e '.[dev]'")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the dev extra)")
if not (SITE / "build-info.json").is_file():
    pytest.skip(f"no JupyterLite site in {SITE}: build it with python scripts/build_lite.py",
                allow_module_level=True)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
if CHROMIUM is None or shutil.which("chromedriver") is None:
    pytest.skip("no Chromium or chromedriver on PATH (apt-get install chromium chromium-driver)",
                allow_module_level=True)


class Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json"}

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site():
    """The site served on 127.0.0.1 (a free port), for the module."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--window-size=1300,1000",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-lite')}"):
        options.add_argument(argument)
    try:
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    except Exception as error:  # noqa: BLE001 (a browser that will not start is a skip, with the reason)
        pytest.skip(f"Chromium did not start: {error}")
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


STATE = """
const app = window.jupyterapp;
const panel = app && app.shell.currentWidget;
if (!panel || !panel.sessionContext || !panel.model) return null;
const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
return {status: kernel ? kernel.status : "none", notebook: panel.model.toJSON()};
"""


def wait_for(chromium, condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = chromium.execute_script(STATE)
        if state is not None and condition(state):
            return state
        time.sleep(1)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def finished(state) -> bool:
    cells = [c for c in state["notebook"]["cells"] if c["cell_type"] == "code"]
    errored = any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", []))
    return state["status"] == "idle" and (errored or all(c["execution_count"] for c in cells))


RUNS: dict = {}
SHOWN: list[str] = []  # the notebook the browser shows now (the tests that look at the page need it shown)


def run_all(chromium, site, path: Path) -> dict:
    """Open the site's copy of notebook ``path``, run all its cells, return the notebook as run (again only
    when another notebook has been opened since: the page must show this one)."""
    if path.name in RUNS and SHOWN == [path.name]:
        return RUNS[path.name]
    SHOWN[:] = [path.name]
    chromium.get(f"{site}/lab/index.html?path=docs/notebooks/{path.name}")
    wait_for(chromium, lambda s: s["status"] == "idle", 300, "the Pyodide kernel to start")
    start = time.monotonic()
    chromium.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    time.sleep(2)
    state = wait_for(chromium, finished, RUN_SECONDS, f"{path.name} to run")
    RUNS[path.name] = {"notebook": state["notebook"], "seconds": time.monotonic() - start}
    return RUNS[path.name]


def key_of(path: Path) -> str:
    keys = [key for key, (name, _) in docs_notebooks.BOOKS.items() if name == path.name]
    assert keys, f"{path.name} is not in docs_notebooks.BOOKS, so its expected outputs are unknown"
    return keys[0]


def test_the_site_ships_every_notebook_and_what_it_needs():
    info = json.loads((SITE / "build-info.json").read_text(encoding="utf-8"))
    assert [name for name in info["content"] if name.endswith(".ipynb")] == [p.name for p in NOTEBOOKS]
    assert any(name.startswith("numpy-2.0.2") for name in info["pyodide_packages"])
    assert any(name.startswith("matplotlib-") for name in info["pyodide_packages"])
    assert (SITE / "files" / "docs" / "notebooks").glob("tinygrad_edu-*.whl")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_the_browser_with_the_native_numbers(chromium, site, path):
    import nbformat

    run = run_all(chromium, site, path)
    notebook = nbformat.from_dict(run["notebook"])
    print(f"{path.name}: ran in {run['seconds']:.0f} s in Pyodide")
    assert docs_notebooks.problems(key_of(path), notebook) == []
    if key_of(path) == "lesson":
        assert "overall  tinygrad_edu 0.9511   book 0.9511" in docs_notebooks.output_text(notebook)


def test_graphs_are_drawn_in_the_browser_notebook(chromium, site):
    path = ROOT / "docs" / "notebooks" / docs_notebooks.BOOKS["autograd"][0]
    run = run_all(chromium, site, path)
    outputs = [o for c in run["notebook"]["cells"] for o in c.get("outputs", [])]
    assert sum("image/svg+xml" in o.get("data", {}) for o in outputs) >= 5  # drawn in Pyodide, no `dot`
    assert chromium.find_elements("css selector", ".jp-OutputArea svg g.node")


def test_explorer_steps_inside_the_notebook(chromium, site):
    """The explorer the notebook shows: next steps through every op, highlighting each in the picture."""
    path = ROOT / "docs" / "notebooks" / docs_notebooks.BOOKS["autograd"][0]
    run_all(chromium, site, path)
    root = chromium.find_element("css selector", ".jp-OutputArea .tgx")
    chromium.execute_script("arguments[0].scrollIntoView({block: 'start'})", root)
    data = root.find_element("css selector", "script[data-part=data]").get_attribute("textContent")
    data = json.loads(data)
    steps = data["steps"]
    assert steps and root.find_elements("css selector", "svg g.node")
    for k, step in enumerate(steps, start=1):
        button = root.find_element("css selector", "[data-part=next]")
        chromium.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        assert root.get_attribute("data-step") == str(k)
        heading = root.find_element("css selector", "[data-part=heading]").text
        assert heading.startswith(f"Step {k} of {len(steps)}: {step['op']}")
        current = [g.get_attribute("textContent")
                   for g in root.find_elements("css selector", "g.node.current > title")]
        assert current == ([step["key"]] if step["key"] is not None else [])
    assert root.find_element("css selector", "[data-part=next]").get_attribute("disabled") == "true"


PICTURES = """
import json, os
from tinygrad_edu.viz import trace_backward
from tinygrad_edu.viz.render import draw_graph, render_graph
import tinygrad_edu as tg
x = tg.tensor([1.0, 2.0], requires_grad=True)
loss = (x * 3).sum()
bundle = draw_graph(loss)._repr_mimebundle_()
render_graph(draw_graph(loss), "/tmp/graph.svg")
trace_backward(loss, file=None, pictures="/tmp/steps")
steps = sorted(os.listdir("/tmp/steps"))
json.dumps({"shown": list(bundle), "file": open("/tmp/graph.svg").read(), "steps": steps})
"""


def test_pyodide_draws_pictures_and_files_without_dot():
    """In Pyodide no program runs, so no `dot`: the kernel itself draws the SVG (Graphviz in WebAssembly), for
    the notebook's display, for render_graph's files and for trace_backward's step pictures."""
    import browser_speed

    found = json.loads(browser_speed.run_in_pyodide(PICTURES, SITE, timeout=300))
    assert found["shown"] == ["image/svg+xml"]
    assert "<svg" in found["file"] and ">Mul</text>" in found["file"]
    assert found["steps"] == ["00-start.svg", "01-Sum.svg", "02-Mul.svg"]

