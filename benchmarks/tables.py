"""The report as text: the table printed by the bench (median (min–max) per way), notes, memory and the
phases; and the table as markdown for docs/performance.md.
"""

from __future__ import annotations

from . import phases as P
from .runner import Report, Stat
from .ways import WAYS

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
    """Header and rows of the table (shared by the text and the markdown formats): a time column for every
    way that ran, then every way's time over numpy's."""
    ways = [way for way in WAYS if any(way in row.times for row in report.rows)]
    ratios = [way for way in ways if way != "numpy"]
    header = ["workload", "unit"] + ways + [f"{way} / numpy" for way in ratios] + ["target", "agree"]
    body = []
    for row in report.rows:
        cells = [row.title, row.unit] + [_cell(row.time(way)) for way in ways]
        cells += [_cell(row.ratio(way) if row.reference == "numpy" else None, "×") for way in ratios]
        targets = []
        for way, target in (("tinygrad_edu", row.target), ("compiled", row.compiled_target)):
            ratio = row.ratio(way)
            if target is not None and ratio is not None:
                label = "" if way == "tinygrad_edu" else f"{way} "
                targets.append(f"{label}≤ {target:g}× {'met' if ratio.median <= target else 'missed'}")
        if row.torch_target is not None:
            ratio = row.ratio_to_torch()
            met = ratio is not None and ratio.median <= row.torch_target
            targets.append(f"≤ {row.torch_target:g}× torch: {_cell(ratio, '×')} {'met' if met else 'missed'}"
                           if ratio else f"≤ {row.torch_target:g}× torch (not installed)")
        if row.name == "gradcheck" and row.time("tinygrad_edu"):
            targets.append(f"≤ 1 s {'met' if row.time('tinygrad_edu').median <= 1000 else 'missed'}")
        cells.append("; ".join(targets))
        cells.append(", ".join(f"{way}: {v}" if v != "yes" else "yes" for way, v in row.agree.items())
                     if any(v != "yes" for v in row.agree.values()) else "yes" if row.agree else "–")
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
                  "runs; the minimal autograd is examples/autograd_in_60_lines.py's MinimalTensor, "
                  "the floor):",
                  P.markdown_table(report.phases).rstrip()]
    return "\n".join(lines) + "\n"


def format_markdown(report: Report) -> str:
    """The table as markdown (for docs/performance.md)."""
    header, body = table_rows(report)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"
