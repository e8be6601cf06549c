"""A loss curve drawn with characters, for stderr at the end of training (log scale)."""

from __future__ import annotations

import bisect
import math


class EpochLosses:
    """Each epoch's loss as training reports it (linreg.Event), thinned as it goes so that memory stays small
    for any --epochs: every epoch while there are at most 2·keep, then every 2nd, 4th, … epoch (evenly
    spaced from the first), and the last epoch's loss after them."""

    def __init__(self, keep: int = 60):
        self.keep, self.stride, self.epochs, self.kept, self.last = keep, 1, 0, [], math.nan

    def add(self, loss: float) -> None:
        if self.epochs % self.stride == 0:
            self.kept.append(loss)
            if len(self.kept) > 2 * self.keep:
                self.kept = self.kept[::2]
                self.stride *= 2
        self.epochs += 1
        self.last = loss

    def _last_apart(self) -> bool:
        """Whether the last epoch fell between the kept ones (losses() then adds it)."""
        return self.epochs > 0 and (self.epochs - 1) % self.stride != 0

    def losses(self) -> list[float]:
        return self.kept + [self.last] if self._last_apart() else list(self.kept)

    def positions(self) -> list[int]:
        """The epoch (from 0) of each of losses()."""
        kept = [k * self.stride for k in range(len(self.kept))]
        return kept + [self.epochs - 1] if self._last_apart() else kept


def loss_curve(losses: list[float], epochs: int, width: int = 60, height: int = 10, unicode: bool = True,
               positions: list[int] | None = None) -> str:
    """The curve of `losses` over `epochs` epochs, at `positions` (EpochLosses: the epoch of each; evenly
    spread when None): column c shows the loss nearest epoch c·(epochs − 1)/(columns − 1), so that the
    columns are evenly spaced in epochs. (Drawn from the history's reported steps, every --log-every
    epochs, it had 4 points for 300 epochs.)"""
    if positions is None:
        positions = [i * (epochs - 1) / max(len(losses) - 1, 1) for i in range(len(losses))]
    kept = [(x, v) for x, v in zip(positions, losses) if v > 0 and math.isfinite(v)]
    if len(kept) < 2:
        return ""
    at = [x for x, _ in kept]
    logs = [math.log10(v) for _, v in kept]
    lo, hi = min(logs), max(logs)
    span = hi - lo or 1.0
    cols = min(width, len(logs))
    first, last = at[0], at[-1]
    picks = []
    for c in range(cols):  # the loss nearest each column's epoch
        target = first + c * (last - first) / max(cols - 1, 1)
        j = bisect.bisect_left(at, target)
        j = j if j == 0 or (j < len(at) and at[j] - target < target - at[j - 1]) else j - 1
        picks.append(logs[j])
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
    lines.append(" " * pad + f"  loss (log scale) over {epochs} epoch{'' if epochs == 1 else 's'}")
    return "\n".join(lines) + "\n"
