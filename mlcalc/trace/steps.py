"""Trace steps as data: what an op did, in the learner's terms.

Ops call `tracer.step(...)`; the CLI renders the list on stderr (trace/render.py) after the
result is computed. Tests read `tracer.steps` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# operands up to this many rows/columns are shown in full; beyond, a sample with "…"
FULL_UP_TO = 6


@dataclass
class Step:
    title: str
    formula: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # named operands / intermediates (arrays or numbers)
    result: Any = None
    note: str = ""


class Tracer:
    """Collects steps. `exact` tells ops to show fractions."""

    def __init__(self, exact: bool = False):
        self.steps: list[Step] = []
        self.exact = exact

    def step(self, title: str, formula: str = "", result: Any = None, note: str = "", **values: Any) -> Step:
        s = Step(title=title, formula=formula, values=values, result=result, note=note)
        self.steps.append(s)
        return s

    def __bool__(self) -> bool:  # a Tracer is "on" even before its first step
        return True
