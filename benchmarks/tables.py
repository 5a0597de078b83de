"""The report as text: the table printed by the bench (median (min–max) per way), notes, memory and the
phases; and the table as markdown for docs/performance.md.
"""

from __future__ import annotations

from . import phases as P
from .runner import Report, Stat

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


def _versus_torch(row) -> Stat | None:
    """tinygrad_edu's time over PyTorch's, repeat by repeat (the same repeat: the same machine load)."""
    if row.reference == "torch":
        return row.ratio("tinygrad_edu")
    ours, theirs = row.times.get("tinygrad_edu"), row.times.get("torch")
    return Stat.of([a / b for a, b in zip(ours, theirs, strict=True)]) if ours and theirs else None


def table_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the table (shared by the text and the markdown formats). A row whose reference
    is PyTorch (no numpy way, as the GPT) has no numpy columns; its target is a multiple of PyTorch's."""
    has_torch = any("torch" in row.times for row in report.rows)
    header = ["workload", "unit", "tinygrad_edu", "numpy"] + (["torch"] if has_torch else []) + \
             ["tinygrad_edu / numpy"] + (["torch / numpy", "tinygrad_edu / torch"] if has_torch else []) + \
             ["target", "agree"]
    body = []
    for row in report.rows:
        by_numpy = row.reference == "numpy"
        cells = [row.title, row.unit, _cell(row.time("tinygrad_edu")), _cell(row.time("numpy"))]
        if has_torch:
            cells.append(_cell(row.time("torch")))
        cells.append(_cell(row.ratio("tinygrad_edu") if by_numpy else None, "×"))
        if has_torch:
            cells += [_cell(row.ratio("torch") if by_numpy else None, "×"), _cell(_versus_torch(row), "×")]
        if row.target is not None:
            ratio = row.ratio("tinygrad_edu")
            met = ratio is not None and ratio.median <= row.target
            what = "" if by_numpy else " torch"
            cells.append(f"≤ {row.target:g}×{what} {'met' if met else 'missed' if ratio else 'not measured'}")
        elif row.name == "gradcheck" and row.time("tinygrad_edu"):
            met = row.time("tinygrad_edu").median <= 1000
            cells.append(f"≤ 1 s {'met' if met else 'missed'}")
        else:
            cells.append("")
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
