"""Render trace steps for a reader: text (Rich on a terminal), Markdown or LaTeX, to stderr."""

from __future__ import annotations

import numpy as np

from mlcalc.trace.steps import FULL_UP_TO, Step


def _num(x) -> str:
    from mlcalc.io.write import format_number
    from fractions import Fraction
    if isinstance(x, Fraction):
        return str(x)
    return format_number(x, 6)


def matrix_lines(a, full_up_to: int = FULL_UP_TO) -> list[str]:
    """A matrix as aligned text rows in brackets; large ones as corner rows/columns with '…'."""
    from mlcalc.io.grid import grid_lines, rows_of
    if not isinstance(a, list):
        a = np.asarray(a)
        if a.ndim == 0:
            return [_num(a.item())]
    shape, get = rows_of(a)
    return grid_lines(shape, lambda i, j: _num(get(i, j)), max_rows=full_up_to, max_cols=full_up_to, brackets=True)


def _value_text(v) -> list[str]:
    if isinstance(v, (np.ndarray, list)) and np.ndim(v if not isinstance(v, list) else np.empty(0)) != 0:
        return matrix_lines(v)
    if isinstance(v, np.ndarray):
        return matrix_lines(v)
    if isinstance(v, (int, float, complex, np.number)):
        return [_num(v)]
    return [str(v)]


def _formula_shows(s: Step) -> bool:
    """The formula already ends in '= <result>': don't print the result twice."""
    lines = _value_text(s.result)
    return len(lines) == 1 and s.formula.endswith("= " + lines[0])


def render_text(steps: list[Step]) -> str:
    out = []
    for i, s in enumerate(steps, start=1):
        out.append(f"Step {i}: {s.title}")
        if s.formula:
            out.append(f"  {s.formula}")
        for name, v in s.values.items():
            lines = _value_text(v)
            if len(lines) == 1:
                out.append(f"  {name} = {lines[0]}")
            else:
                out.append(f"  {name} =")
                out.extend("    " + line for line in lines)
        if s.result is not None and not _formula_shows(s):
            lines = _value_text(s.result)
            if len(lines) == 1:
                out.append(f"  → {lines[0]}")
            else:
                out.append("  →")
                out.extend("    " + line for line in lines)
        if s.note:
            out.append(f"  ({s.note})")
    return "\n".join(out) + "\n"


def render_markdown(steps: list[Step]) -> str:
    out = []
    for i, s in enumerate(steps, start=1):
        out.append(f"### Step {i}: {s.title}\n")
        if s.formula:
            out.append(f"`{s.formula}`\n")
        for name, v in s.values.items():
            out.append(f"**{name}**\n\n```\n" + "\n".join(_value_text(v)) + "\n```\n")
        if s.result is not None and not _formula_shows(s):
            out.append("**result**\n\n```\n" + "\n".join(_value_text(s.result)) + "\n```\n")
        if s.note:
            out.append(f"_{s.note}_\n")
    return "\n".join(out)


def _latex_value(v) -> str:
    if isinstance(v, np.ndarray) and v.ndim >= 1 or isinstance(v, list):
        lines = matrix_lines(v)
        body = r" \\ ".join(" & ".join(line.strip("[] ").split()) for line in lines)
        return r"\begin{bmatrix} " + body.replace("…", r"\cdots").replace("⋮", r"\vdots") + r" \end{bmatrix}"
    return _value_text(v)[0]


_LATEX = {"·": r" \cdot ", "Σ": r"\sum ", "√": r"\sqrt ", "←": r" \leftarrow ", "−": "-", "⊙": r" \odot ",
          "⊗": r" \otimes ", "ᵀ": "^T", "λ": r"\lambda ", "δ": r"\delta ", "η": r"\eta ", "σ": r"\sigma ",
          "‖": r"\| ", "→": r" \to ", "≈": r" \approx ", "×": r" \times ", "…": r"\dots ", "∂": r"\partial ",
          "⁻¹": "^{-1}", "²": "^2", "⁺": "^+", "≤": r" \le ", "≥": r" \ge ", "∞": r"\infty ", "ε": r"\varepsilon ",
          "β": r"\beta ", "ρ": r"\rho ", "α": r"\alpha ", "∇": r"\nabla ", "⋅": r" \cdot "}
_SUBSCRIPT = dict(zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₙₘ", "0123456789ijknm"))


def latex_math(text: str) -> str:
    """A plain-Unicode formula as LaTeX math: c₁₁ = 1·5 → c_{11} = 1 \\cdot 5."""
    out, sub = [], []
    for ch in text:
        if ch in _SUBSCRIPT:
            sub.append(_SUBSCRIPT[ch])
            continue
        if sub:
            out.append("_{" + "".join(sub) + "}")
            sub = []
        out.append(_LATEX.get(ch, "\\%" if ch == "%" else ch))
    if sub:
        out.append("_{" + "".join(sub) + "}")
    text = "".join(out)
    for k, v in (("⁻¹", "^{-1}"),):
        text = text.replace(k, v)
    return text


def latex_text(text: str) -> str:
    """Prose with a few symbols in it (titles, notes): symbols become inline math, the rest stays text."""
    out, sub = [], []
    for ch in text + " ":
        if ch in _SUBSCRIPT:
            sub.append(_SUBSCRIPT[ch])
            continue
        if sub:
            out.append("$_{" + "".join(sub) + "}$")
            sub = []
        if ch in _LATEX:
            out.append("$" + _LATEX[ch].strip() + "$")
        elif ch in "%&#_":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out).rstrip()


def render_latex(steps: list[Step]) -> str:
    out = []
    for i, s in enumerate(steps, start=1):
        out.append(f"% Step {i}: {s.title}")
        out.append(r"\paragraph{Step %d: %s}" % (i, latex_text(s.title)))
        if s.formula:
            out.append(r"\[ %s \]" % latex_math(s.formula))
        for name, v in s.values.items():
            out.append(r"\[ \mathrm{%s} = %s \]" % (name.replace("_", r"\_"), _latex_value(v)))
        if s.result is not None and not _formula_shows(s):
            out.append(r"\[ \Rightarrow %s \]" % _latex_value(s.result))
        if s.note:
            out.append(r"\textit{%s}" % latex_text(s.note))
    return "\n".join(out) + "\n"


def render(steps: list[Step], fmt: str = "text") -> str:
    if fmt == "markdown":
        return render_markdown(steps)
    if fmt == "latex":
        return render_latex(steps)
    return render_text(steps)


def print_rich(steps: list[Step], file) -> None:
    """On a terminal: each step in a panel, the formula bold, the result in colour."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = Console(file=file, highlight=False)
    for i, s in enumerate(steps, start=1):
        body = Text()
        if s.formula:
            body.append(s.formula + "\n", style="bold")
        for name, v in s.values.items():
            lines = _value_text(v)
            if len(lines) == 1:
                body.append(f"{name} = {lines[0]}\n")
            else:
                body.append(f"{name} =\n" + "\n".join("  " + line for line in lines) + "\n")
        if s.result is not None and not _formula_shows(s):
            lines = _value_text(s.result)
            body.append("→ " + ("\n  ".join(lines) if len(lines) > 1 else lines[0]) + "\n", style="green")
        if s.note:
            body.append(s.note + "\n", style="dim")
        body.rstrip()
        console.print(Panel(body, title=f"Step {i}: {s.title}", title_align="left", border_style="cyan",
                            expand=False))
