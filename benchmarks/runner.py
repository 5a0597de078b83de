"""Timing and checking: runs the workloads' ways interleaved, measures memory, profiles; returns a Report.

Each workload is run once per way untimed (the warm-up, whose results are compared across ways), then
``repeats`` times per way, interleaved (A B C, B C A, C A B, ...) so that a slow spell of the machine
hits every way alike. A ratio is tinygrad_edu's (or PyTorch's) time divided by numpy's *in the same
repeat*; the table (``tables.py``) shows the median of the repeats and their min–max.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import pstats
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from . import machine
from . import phases as P
from . import workloads as W
from .ways import WAYS, Config, Outcome, Workload, compare, same_as_eager, torch_available

UNIT_SCALE = {"µs/step": 1e6, "ms": 1e3, "s": 1.0}
PROFILED_FOLDERS = ("tinygrad_edu", "numpy", "torch", "benchmarks", "examples")


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
    reference: str = "numpy"  # what the ratios divide by
    torch_target: float | None = None  # the target for tinygrad_edu time / PyTorch time, if any
    compiled_target: float | None = None  # the target for compiled time / numpy time, if any

    def ratio_to_torch(self) -> Stat | None:
        """tinygrad_edu's time over PyTorch's, repeat by repeat (they ran in the same repeats)."""
        if self.reference == "torch":
            return self.ratio("tinygrad_edu")
        ours, theirs = self.times.get("tinygrad_edu"), self.times.get("torch")
        return Stat.of([a / b for a, b in zip(ours, theirs, strict=True)]) if ours and theirs else None

    def time(self, way: str) -> Stat | None:
        return Stat.of(self.times[way]) if self.times.get(way) else None

    def ratio(self, way: str) -> Stat | None:
        return Stat.of(self.ratios[way]) if self.ratios.get(way) else None


@dataclass
class Report:
    rows: list[Row]
    memory: dict | None
    meta: dict
    outcomes: dict[str, dict[str, Outcome]] = field(default_factory=dict)  # not written to JSON
    phases: P.PhaseReport | None = None

    @property
    def all_agree(self) -> bool:
        """Every way computed what numpy computed, but PyTorch's torch.compile: its code generator may reorder
        float32 arithmetic (over the MLP's 938 momentum steps its weights drift visibly), which the agree
        column shows without failing the run."""
        phases_agree = self.phases is None or all(v == "yes" for v in self.phases.agree.values())
        return phases_agree and all(v == "yes" for row in self.rows for way, v in row.agree.items()
                                    if way != "torch.compile")

    def to_dict(self) -> dict:
        rows = []
        for row in self.rows:
            entry = asdict(row)
            entry["summary"] = {
                "time": {way: asdict(self_stat) for way in row.times if (self_stat := row.time(way))},
                f"ratio_to_{row.reference}": {way: asdict(s) for way in row.ratios if (s := row.ratio(way))},
            }
            rows.append(entry)
        return {"meta": self.meta, "workloads": rows, "memory": self.memory,
                "phases": self.phases.to_dict() if self.phases else None}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


# ---- timing ---------------------------------------------------------------------------------------------


def measure(workload: Workload, repeats: int, warmup: bool = True,
            log: Callable[[str], None] = lambda s: None) -> tuple[Row, dict]:
    """Time ``repeats`` interleaved runs of every way (after an untimed warm-up run of each, unless
    ``warmup`` is False) and check the first run of each way against the reference's (numpy's, or
    PyTorch's for a workload without a numpy way; without the reference, nothing is compared)."""
    ways = [w for w in WAYS if w in workload.ways]
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
    ref = workload.reference
    others = [way for way in ways if way != ref] if ref in ways else []
    agree = {way: compare(outcomes[way], outcomes[ref], workload.rtol, workload.atol) for way in others}
    if agree.get("compiled") == "yes":  # a replay must be bitwise the eager step
        agree["compiled"] = same_as_eager(outcomes["compiled"], outcomes["tinygrad_edu"])
    scale = UNIT_SCALE[workload.unit] / workload.per_run
    times = {way: [s * scale for s in seconds[way]] for way in ways}
    ratios = {way: [a / b for a, b in zip(seconds[way], seconds[ref], strict=True)] for way in others}
    notes = [n for n in workload.notes if n]
    row = Row(workload.name, workload.title, workload.unit, workload.target, times, ratios, agree, notes,
              ref, workload.torch_target, workload.compiled_target)
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
        gc.collect()
        # Warm-up: gradients exist, and Python's free lists of small tuples (up to 2,000 each, refilled
        # by every step's graph) are full before measuring. A gc.collect() would empty them again.
        for _ in range(2000):
            step()
        per_way = {}
        for n in steps:
            log(f"  memory: {way}, {n} steps")
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
    # from the innermost folder naming a package: "benchmarks/ways.py" even in a clone called tinygrad_edu
    known = [i for i, part in enumerate(parts[:-1]) if part in PROFILED_FOLDERS]
    return f"{'/'.join(parts[known[-1] if known else -1:])}:{line} {function}"


def profile(workload: Workload, way: str = "tinygrad_edu", top: int = 12, min_seconds: float = 0.5,
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


def run(names: list[str], repeats: int, config: Config, include_torch: bool = True,
        threads: int | None = None, log: Callable[[str], None] = lambda s: None) -> Report:
    """Build, check and time the named workloads (and the memory check and the lesson loop's phases if
    "memory" and "phases" are among them)."""
    if include_torch and torch_available():
        import torch  # noqa: F401 (imported before set_threads, so its thread count can be set too)
    previous = machine.blas_threads(), machine.torch_threads()
    if threads is not None:
        machine.set_threads(threads)
    try:
        meta = machine.machine_info(threads, include_torch)
        meta.update(repeats=repeats, quick=config.quick, workloads=list(names),
                    torch_note=machine.torch_note(include_torch))
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
            machine.restore_threads(*previous)
    return Report(rows, memory, meta, outcomes, split)
