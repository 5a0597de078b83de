"""Timing, checking and reporting: runs the workloads' ways interleaved, then prints a table or writes JSON.

Each workload is run once per way untimed (the warm-up, whose results are compared across ways), then
``repeats`` times per way, interleaved (A B C, B C A, C A B, ...) so that a slow spell of the machine
hits every way alike. A ratio is tinygrad_edu's (or PyTorch's) time divided by numpy's *in the same
repeat*; the table shows the median of the repeats and their min–max.
"""

from __future__ import annotations

import cProfile
import ctypes
import datetime
import gc
import json
import os
import platform
import pstats
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import phases as P
from . import workloads as W

UNIT_SCALE = {"µs/step": 1e6, "ms": 1e3, "s": 1.0}


# ---- BLAS threads -------------------------------------------------------------------------------------


def _openblas() -> Any:
    """numpy's OpenBLAS, opened with ctypes (Linux: found among the loaded libraries), or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def _blas_call(kind: str, *args: int) -> Any:
    lib = _openblas()
    if lib is None:
        return None
    for prefix in ("scipy_openblas_", "openblas_"):
        for suffix in ("64_", "", "_64_"):
            function = getattr(lib, f"{prefix}{kind}_num_threads{suffix}", None)
            if function is not None:
                return function(*args)
    return None


def blas_threads() -> int | None:
    """How many threads numpy's BLAS (OpenBLAS) uses, when that can be told."""
    return _blas_call("get")


def _torch() -> Any:
    """PyTorch if it has been imported (the bench never imports it just to ask), else None."""
    return sys.modules.get("torch")


def _torch_threads() -> int | None:
    return _torch().get_num_threads() if _torch() is not None else None


def _restore_threads(blas: int | None, torch_threads: int | None) -> None:
    if blas is not None:
        _blas_call("set", blas)
    if torch_threads is not None and _torch() is not None:
        _torch().set_num_threads(torch_threads)


def _torch_note(include_torch: bool) -> str | None:
    if not include_torch:
        return "PyTorch left out (--no-torch)"
    if not W.torch_available():
        return "PyTorch is not installed: its columns are skipped (pip install torch to include it)"
    return None


def set_threads(threads: int) -> None:
    """Limit numpy's BLAS and PyTorch (if installed and already imported) to ``threads`` threads."""
    _blas_call("set", threads)
    if _torch() is not None:
        _torch().set_num_threads(threads)


# ---- the results ------------------------------------------------------------------------------------


@dataclass
class Stat:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Stat:
        return cls(statistics.median(values), min(values), max(values))


@dataclass
class Row:
    """One workload's measurements: times per way in ``unit``, ratios to numpy, agreement with numpy."""

    name: str
    title: str
    unit: str
    target: float | None
    times: dict[str, list[float]]
    ratios: dict[str, list[float]]
    agree: dict[str, str]  # way -> "yes" or what differs
    notes: list[str] = field(default_factory=list)

    def time(self, way: str) -> Stat | None:
        return Stat.of(self.times[way]) if self.times.get(way) else None

    def ratio(self, way: str) -> Stat | None:
        return Stat.of(self.ratios[way]) if self.ratios.get(way) else None


@dataclass
class Report:
    rows: list[Row]
    memory: dict | None
    meta: dict
    outcomes: dict[str, dict[str, W.Outcome]] = field(default_factory=dict)  # not written to JSON
    phases: P.PhaseReport | None = None

    @property
    def all_agree(self) -> bool:
        phases_agree = self.phases is None or all(v == "yes" for v in self.phases.agree.values())
        return phases_agree and all(v == "yes" for row in self.rows for v in row.agree.values())

    def to_dict(self) -> dict:
        rows = []
        for row in self.rows:
            entry = asdict(row)
            entry["summary"] = {
                "time": {way: asdict(self_stat) for way in row.times if (self_stat := row.time(way))},
                "ratio_to_numpy": {way: asdict(s) for way in row.ratios if (s := row.ratio(way))},
            }
            rows.append(entry)
        return {"meta": self.meta, "workloads": rows, "memory": self.memory,
                "phases": self.phases.to_dict() if self.phases else None}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


# ---- timing ---------------------------------------------------------------------------------------------


def measure(workload: W.Workload, repeats: int, warmup: bool = True,
            log: Callable[[str], None] = lambda s: None) -> tuple[Row, dict]:
    """Time ``repeats`` interleaved runs of every way (after an untimed warm-up run of each, unless
    ``warmup`` is False) and check the first run of each way against numpy's."""
    ways = [w for w in W.WAYS if w in workload.ways]
    outcomes = {way: workload.ways[way]() for way in ways} if warmup else {}
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    for r in range(repeats):
        shift = r % len(ways)
        for way in ways[shift:] + ways[:shift]:
            start = time.perf_counter()
            outcome = workload.ways[way]()
            seconds[way].append(time.perf_counter() - start)
            outcomes.setdefault(way, outcome)
        log(f"  {workload.name}: repeat {r + 1}/{repeats}")
    agree = {way: W.compare(outcomes[way], outcomes["numpy"], workload.rtol, workload.atol)
             for way in ways if way != "numpy"}
    scale = UNIT_SCALE[workload.unit] / workload.per_run
    times = {way: [s * scale for s in seconds[way]] for way in ways}
    ratios = {way: [a / b for a, b in zip(seconds[way], seconds["numpy"], strict=True)]
              for way in ways if way != "numpy"}
    notes = [n for n in workload.notes if n]
    row = Row(workload.name, workload.title, workload.unit, workload.target, times, ratios, agree, notes)
    return row, outcomes


# ---- memory ---------------------------------------------------------------------------------------------


def _rss() -> int | None:
    """Resident memory of this process in bytes (Linux), or None."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def measure_memory(steps: Iterable[int] = (1000, 10000), log: Callable[[str], None] = lambda s: None) -> dict:
    """tracemalloc's peak (above the starting point) over N training steps of the lesson's linear model,
    for tinygrad_edu and numpy. Flat = the peak over the most steps is within 1.5× of the peak over the
    fewest: the graph of each step is freed, nothing piles up."""
    steps = sorted(steps)
    result: dict[str, Any] = {"workload": "lesson linear step (batch 256), cycling through the batches",
                              "steps": steps, "ways": {}}
    for way in ("tinygrad_edu", "numpy"):
        step = W.lesson_step_function(way)
        for _ in range(10):  # warm-up: gradients and caches exist before measuring
            step()
        per_way = {}
        for n in steps:
            log(f"  memory: {way}, {n} steps")
            gc.collect()
            rss_before = _rss()
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            for _ in range(n):
                step()
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_after = _rss()
            per_way[str(n)] = {
                "peak_bytes": peak - base,
                "retained_bytes": current - base,
                "rss_growth_bytes": None if rss_before is None else rss_after - rss_before,
            }
        fewest, most = per_way[str(steps[0])], per_way[str(steps[-1])]
        per_way["flat"] = most["peak_bytes"] <= 1.5 * fewest["peak_bytes"] + 65536
        result["ways"][way] = per_way
    return result


# ---- profiling ------------------------------------------------------------------------------------------


def _function_name(key: tuple) -> str:
    """cProfile's (file, line, function) as 'tinygrad_edu/engine.py:142 backward' or numpy's builtin name."""
    filename, line, function = key
    if filename == "~":  # a builtin, e.g. "<method 'reduce' of 'numpy.ufunc' objects>"
        return function.strip("<>{}")
    parts = filename.replace(os.sep, "/").split("/")
    for package in ("tinygrad_edu", "numpy", "torch"):
        if package in parts:
            parts = parts[len(parts) - 1 - parts[::-1].index(package):]
            break
    else:
        parts = parts[-1:]
    return f"{'/'.join(parts)}:{line} {function}"


def profile(workload: W.Workload, way: str = "tinygrad_edu", top: int = 12, min_seconds: float = 0.5,
            max_runs: int = 20) -> dict:
    """cProfile runs of a way (after a warm-up run; repeated until ``min_seconds`` or ``max_runs``): its
    functions by own time, with calls per run and µs per call.

    cProfile adds about a microsecond to every Python call, so small functions look costlier than they are;
    the order is what matters.
    """
    run_way = workload.ways[way]
    run_way()
    profiler = cProfile.Profile()
    runs, elapsed = 0, 0.0
    while runs < max_runs and (runs == 0 or elapsed < min_seconds):
        start = time.perf_counter()
        profiler.enable()
        run_way()
        profiler.disable()
        elapsed += time.perf_counter() - start
        runs += 1
    # key -> (primitive calls, calls, own time, cumulative time, callers)
    stats = pstats.Stats(profiler).stats
    total = sum(entry[2] for entry in stats.values()) or 1.0
    rows = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return {
        "workload": workload.name, "way": way, "runs": runs, "seconds_per_run": elapsed / runs,
        "functions": [{"function": _function_name(key), "calls_per_run": calls / runs,
                       "own_share": own / total, "own_us_per_call": own / calls * 1e6 if calls else 0.0,
                       "cumulative_share": cumulative / total}
                      for key, (_, calls, own, cumulative, _) in rows],
    }


def format_profile(result: dict) -> str:
    lines = [f"{result['workload']} ({result['way']}): {result['runs']} profiled run(s), "
             f"{result['seconds_per_run'] * 1e3:.0f} ms each under cProfile; functions by own time:",
             f"  {'own %':>6} {'cum %':>6} {'calls/run':>9} {'µs/call':>8}  function"]
    for f in result["functions"]:
        lines.append(f"  {f['own_share']:6.1%} {f['cumulative_share']:6.1%} {f['calls_per_run']:9.0f} "
                     f"{f['own_us_per_call']:8.2f}  {f['function']}")
    return "\n".join(lines) + "\n"


# ---- the whole run ---------------------------------------------------------------------------------------


def machine_info(threads: int | None, include_torch: bool = True) -> dict:
    torch_version = None
    torch_threads = None
    if include_torch and W.torch_available():
        import torch

        torch_version, torch_threads = torch.__version__, torch.get_num_threads()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "processor": _cpu_name(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas_threads": blas_threads(),
        "torch": torch_version,
        "torch_threads": torch_threads,
        "threads_requested": threads,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run(names: list[str], repeats: int, config: W.Config, include_torch: bool = True,
        threads: int | None = None, log: Callable[[str], None] = lambda s: None) -> Report:
    """Build, check and time the named workloads (and the memory check and the lesson loop's phases if
    "memory" and "phases" are among them)."""
    if include_torch and W.torch_available():
        import torch  # noqa: F401 (imported before set_threads, so its thread count can be set too)
    previous = blas_threads(), _torch_threads()
    if threads is not None:
        set_threads(threads)
    try:
        meta = machine_info(threads, include_torch)
        meta.update(repeats=repeats, quick=config.quick, workloads=list(names),
                    torch_note=_torch_note(include_torch))
        load = meta["load_average"]
        if load and load[0] > 0.5 * (os.cpu_count() or 1):
            log(f"note: load average {load[0]:.2f} on {os.cpu_count()} cores: other processes are busy, so "
                "timings will be noisy (multi-threaded BLAS suffers most; --threads 1 is steadier)")
        rows, outcomes = [], {}
        for name in names:
            if name not in W.BUILDERS:  # memory, phases: below
                continue
            log(f"{name}: preparing")
            workload = W.BUILDERS[name](config, include_torch=include_torch)
            row, outcomes[name] = measure(workload, repeats, warmup=not config.quick, log=log)
            rows.append(row)
        memory = measure_memory(config.memory_steps, log) if "memory" in names else None
        split = P.run(config, repeats, log) if "phases" in names else None
        meta["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    finally:
        if threads is not None:
            _restore_threads(*previous)
    return Report(rows, memory, meta, outcomes, split)


# ---- formatting ------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(stat: Stat | None, suffix: str = "") -> str:
    if stat is None:
        return "–"
    return f"{_number(stat.median)}{suffix} ({_number(stat.low)}–{_number(stat.high)})"


def _bytes(n: int | None) -> str:
    if n is None:
        return "?"
    if abs(n) >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    return f"{n / 1024:.1f} KiB"


def table_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the table (shared by the text and the markdown formats)."""
    has_torch = any("torch" in row.times for row in report.rows)
    header = ["workload", "unit", "tinygrad_edu", "numpy"] + (["torch"] if has_torch else []) + \
             ["tinygrad_edu / numpy"] + (["torch / numpy"] if has_torch else []) + ["target", "agree"]
    body = []
    for row in report.rows:
        cells = [row.title, row.unit, _cell(row.time("tinygrad_edu")), _cell(row.time("numpy"))]
        if has_torch:
            cells.append(_cell(row.time("torch")))
        cells.append(_cell(row.ratio("tinygrad_edu"), "×"))
        if has_torch:
            cells.append(_cell(row.ratio("torch"), "×"))
        if row.target is not None:
            ratio = row.ratio("tinygrad_edu")
            met = ratio is not None and ratio.median <= row.target
            cells.append(f"≤ {row.target:g}× {'met' if met else 'missed'}")
        elif row.name == "gradcheck" and row.time("tinygrad_edu"):
            met = row.time("tinygrad_edu").median <= 1000
            cells.append(f"≤ 1 s {'met' if met else 'missed'}")
        else:
            cells.append("")
        cells.append(", ".join(f"{way}: {v}" if v != "yes" else "yes" for way, v in row.agree.items())
                     if any(v != "yes" for v in row.agree.values()) else "yes")
        body.append(cells)
    return header, body


def memory_lines(memory: dict | None) -> list[str]:
    if not memory:
        return []
    few, most = (str(n) for n in (memory["steps"][0], memory["steps"][-1]))
    lines = [f"memory, {memory['workload']} (tracemalloc peak above the start; RSS growth):"]
    for way, m in memory["ways"].items():
        lines.append(
            f"  {way:13s} {int(few):>6,} steps: peak {_bytes(m[few]['peak_bytes'])}, "
            f"RSS +{_bytes(m[few]['rss_growth_bytes'])}   {int(most):>6,} steps: peak "
            f"{_bytes(m[most]['peak_bytes'])}, RSS +{_bytes(m[most]['rss_growth_bytes'])}   "
            f"{'flat' if m['flat'] else 'GROWS'}")
    return lines


def heading(meta: dict) -> str:
    torch = f"torch {meta['torch']} ({meta['torch_threads']} threads)" if meta.get("torch") else "no torch"
    blas = meta.get("numpy_blas_threads")
    load = meta.get("load_average")
    return (f"{meta['machine']}; {meta['processor']}; Python {meta['python']}, numpy {meta['numpy']} "
            f"({blas if blas is not None else '?'} BLAS threads), {torch}; {meta['repeats']} repeats"
            f"{', quick mode' if meta['quick'] else ''}"
            f"{f'; load average at start {load[0]:.2f}' if load else ''}; median (min–max)")


def format_table(report: Report) -> str:
    """The report as plain text: a heading, the table (median (min–max)), notes and memory."""
    header, body = table_rows(report)
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    lines = [heading(report.meta), ""]
    for cells in [header] + body:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    notes = [f"  {row.name}: {note}" for row in report.rows for note in row.notes]
    if report.meta.get("torch_note"):
        notes.append(f"  {report.meta['torch_note']}")
    if notes:
        lines += ["", "notes:"] + notes
    memory = memory_lines(report.memory)
    if memory:
        lines += [""] + memory
    if report.phases:
        runs = len(report.phases.seconds["numpy"]["forward"])
        lines += ["", f"the lesson loop phase by phase ({report.phases.epochs} epochs; median of {runs} "
                  "runs; the minimal autograd is bench/phases.py's MinimalTensor, the floor):",
                  P.markdown_table(report.phases).rstrip()]
    return "\n".join(lines) + "\n"


def format_markdown(report: Report) -> str:
    """The table as markdown (for docs/performance.md)."""
    header, body = table_rows(report)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"
