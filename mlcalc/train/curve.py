"""A loss curve drawn with characters, for stderr at the end of training (log scale)."""

from __future__ import annotations

import math


def loss_curve(history: list[float], width: int = 60, height: int = 10, unicode: bool = True) -> str:
    values = [v for v in history if v > 0 and math.isfinite(v)]
    if len(values) < 2:
        return ""
    logs = [math.log10(v) for v in values]
    lo, hi = min(logs), max(logs)
    span = hi - lo or 1.0
    cols = min(width, len(values))
    # one column per bucket of steps: its last loss
    picks = [logs[min(len(logs) - 1, round(i * (len(logs) - 1) / max(cols - 1, 1)))] for i in range(cols)]
    grid = [[" "] * cols for _ in range(height)]
    mark = "•" if unicode else "*"
    for c, v in enumerate(picks):
        r = height - 1 - round((v - lo) / span * (height - 1))
        grid[r][c] = mark
    label_hi, label_lo = f"{10 ** hi:.3g}", f"{10 ** lo:.3g}"
    pad = max(len(label_hi), len(label_lo))
    bar = "│" if unicode else "|"
    lines = []
    for r, row in enumerate(grid):
        label = label_hi if r == 0 else label_lo if r == height - 1 else ""
        lines.append(f"{label.rjust(pad)} {bar}{''.join(row)}")
    lines.append(" " * pad + " " + ("└" if unicode else "+") + ("─" if unicode else "-") * cols)
    lines.append(" " * pad + f"  loss (log scale) over {len(history)} reported steps")
    return "\n".join(lines) + "\n"
