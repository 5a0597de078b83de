"""The lesson loop in the browser (Pyodide, in headless Chromium) against native Python, from one script.

    python scripts/browser_speed.py [--repeats 3] [--epochs 20]   # needs the site of scripts/build_lite.py

The same Python source (``SCRIPT``: examples/c_nn_linear.py's ``fit``, 20 epochs of ``nn.Linear(784, 1)``
with SGD on the 3s and 7s, validation included) runs natively (one BLAS thread: Pyodide has one) and in
Pyodide 0.27.7 with numpy 2.0.2 from the JupyterLite site (build/lite), served on 127.0.0.1. Each timing
is inside the script, after one warm-up run; the ratio is Pyodide's time over native's. scripts/
docs_performance.py calls ``measure`` for its "In the browser" section.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "lite"

SCRIPT = """
import json, sys, time
sys.path.insert(0, "EXAMPLES")
import c_nn_linear as c
import tinygrad_edu as torch

dl, valid_dl = c.lesson_loaders()
seconds, finals = [], []
for run in range(REPEATS + 1):  # the first run warms up
    torch.manual_seed(0)
    model = torch.nn.Linear(28 * 28, 1)
    start = time.perf_counter()
    history = c.fit(model, torch.optim.SGD(model.parameters(), lr=1.0), dl, valid_dl, EPOCHS,
                    say=lambda *a: None)
    if run:
        seconds.append(time.perf_counter() - start)
    finals.append(history[-1])
json.dumps({"seconds": seconds, "final": finals[-1]})
"""

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script src="/static/pyodide/pyodide.js"></script>
</head><body><script>
(async () => {
  try {
    const pyodide = await loadPyodide({indexURL: "/static/pyodide/"});
    await pyodide.loadPackage("numpy");
    for (const wheel of WHEELS) pyodide.unpackArchive(await (await fetch(wheel)).arrayBuffer(), "wheel");
    pyodide.FS.mkdirTree("/examples");
    const example = await (await fetch("/files/examples/c_nn_linear.py")).text();
    pyodide.FS.writeFile("/examples/c_nn_linear.py", example);
    window.result = await pyodide.runPythonAsync(SCRIPT);  // async: pyodide.ffi.run_sync works
  } catch (error) { window.result = JSON.stringify({error: String(error)}); }
})();
</script></body></html>"""


def script(repeats: int, epochs: int, examples: str) -> str:
    return SCRIPT.replace("REPEATS", str(repeats)).replace("EPOCHS", str(epochs)) \
        .replace("EXAMPLES", examples)


def native(repeats: int, epochs: int) -> dict:
    code = script(repeats, epochs, str(ROOT / "examples")).replace("json.dumps(", "print(json.dumps(") + ")"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def in_pyodide(repeats: int, epochs: int, site: Path = SITE, timeout: float = 1200) -> dict:
    """The same script in Pyodide, in headless Chromium, offline (the site served on 127.0.0.1)."""
    return json.loads(run_in_pyodide(script(repeats, epochs, "/examples"), site, timeout))


def run_in_pyodide(code: str, site: Path = SITE, timeout: float = 1200) -> str:
    """What Python ``code`` (its last expression, a string) gives in Pyodide with numpy and the wheels of the
    site's notebooks (tinygrad_edu, graphviz) installed, examples/c_nn_linear.py in /examples."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = sorted((site / "files" / "docs" / "notebooks").glob("*.whl"))
    wheels = [f"/files/docs/notebooks/{wheel.name}" for wheel in found]
    page = PAGE.replace("WHEELS", json.dumps(wheels)).replace("SCRIPT", json.dumps(code))

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm"}

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path != "/speed.html":
                return super().do_GET()
            body = page.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Handler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/speed.html")
        from selenium.webdriver.support.ui import WebDriverWait

        result = WebDriverWait(driver, timeout, poll_frequency=1).until(lambda d: d.execute_script(
            "return window.result"))
    finally:
        driver.quit()
        server.shutdown()
    if result.startswith('{"error":'):
        raise RuntimeError(f"browser_speed: Pyodide failed: {json.loads(result)['error']}")
    return result


def measure(repeats: int = 3, epochs: int = 20, site: Path = SITE) -> dict | None:
    """Both runs and their ratio; None (with the reason printed) where the site or Chromium is missing."""
    if not (site / "build-info.json").is_file() or shutil.which("chromedriver") is None:
        print("browser_speed: no JupyterLite site (python scripts/build_lite.py) or no chromedriver: skipped",
              file=sys.stderr)
        return None
    here, browser = native(repeats, epochs), in_pyodide(repeats, epochs, site)
    ratios = sorted(b / n for b, n in zip(browser["seconds"], here["seconds"]))
    return {"epochs": epochs, "repeats": repeats, "native": here, "pyodide": browser,
            "ratio_min": ratios[0], "ratio_median": statistics.median(ratios),
            "pyodide_version": json.loads((site / "build-info.json").read_text())["pyodide"]}


def markdown(result: dict) -> list[str]:
    """The section of docs/performance.md."""
    native_s, browser_s = result["native"]["seconds"], result["pyodide"]["seconds"]

    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"

    same = result["native"]["final"] == result["pyodide"]["final"]
    return [
        "## In the browser (Pyodide)", "",
        f"The lesson loop (examples/c_nn_linear.py's `fit`: {result['epochs']} epochs of `nn.Linear(784, 1)` "
        f"with SGD, validation included) run by the same script natively (one BLAS thread) and in Pyodide "
        f"{result['pyodide_version']} in headless Chromium, from the JupyterLite site of "
        f"`scripts/build_lite.py` (`python scripts/browser_speed.py`). Median of {result['repeats']} runs "
        f"after a warm-up, min–max in parentheses.", "",
        "| | native | Pyodide | Pyodide / native |", "|---|---|---|---|",
        f"| lesson loop | {cell(native_s)} | {cell(browser_s)} | {result['ratio_median']:.1f}× "
        f"(min {result['ratio_min']:.1f}×) |", "",
        f"Final validation accuracy: native {result['native']['final']}, Pyodide {result['pyodide']['final']}"
        f" ({'the same' if same else 'they differ'}).", "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    result = measure(args.repeats, args.epochs)
    if result is None:
        return 1
    print("\n".join(markdown(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
