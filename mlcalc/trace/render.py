"""Render trace steps for a reader: text (Rich on a terminal), Markdown or LaTeX, to stderr."""

from __future__ import annotations

import re
import unicodedata

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


# punctuation that Markdown would read as emphasis, code, links, tables or HTML: a feature named
# <script>…</script> reached a handout as HTML, and *s* as emphasis
_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|~#")


def markdown_text(text: str) -> str:
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)


def render_markdown(steps: list[Step]) -> str:
    out = []
    for i, s in enumerate(steps, start=1):
        out.append(f"### Step {i}: {markdown_text(s.title)}\n")
        if s.formula:
            fence, pad = ("``", " ") if "`" in s.formula else ("`", "")
            out.append(f"{fence}{pad}{s.formula}{pad}{fence}\n")
        for name, v in s.values.items():
            out.append(f"**{markdown_text(name)}**\n\n```\n" + "\n".join(_value_text(v)) + "\n```\n")
        if s.result is not None and not _formula_shows(s):
            out.append("**result**\n\n```\n" + "\n".join(_value_text(s.result)) + "\n```\n")
        if s.note:
            out.append(f"_{markdown_text(s.note)}_\n")
    return "\n".join(out)


def _latex_value(v) -> str:
    if isinstance(v, np.ndarray) and v.ndim >= 1 or isinstance(v, list):
        lines = matrix_lines(v)
        cells = [[_latex_number(c) for c in line.strip("[] ").split()] for line in lines]
        for row in cells:  # where the elided rows cross the elided columns
            for j, c in enumerate(row):
                if c == "⋮" and any(j < len(other) and other[j] == "…" for other in cells):
                    row[j] = r"\ddots"
        # [A | I]'s bar as the array's rule between columns, not a column of its own
        width = max(len(row) for row in cells)
        bars = {j for j in range(width) if all(j < len(row) and row[j] in ("|", "⋮") for row in cells)
                and any(row[j] == "|" for row in cells)}
        cells = [[c for j, c in enumerate(row) if j not in bars] for row in cells]
        body = r" \\ ".join(" & ".join(row) for row in cells)
        body = body.replace("…", r"\cdots").replace("⋮", r"\vdots")
        if bars or width > 10:  # amsmath's bmatrix takes at most 10 columns
            spec = "".join("|" if j in bars else "c" for j in range(width))
            return r"\left[\begin{array}{" + spec + "} " + body + r" \end{array}\right]"
        return r"\begin{bmatrix} " + body + r" \end{bmatrix}"
    return _latex_number(_value_text(v)[0])


# a number in e-notation (2e-06, 1.5E+300): as 2 \times 10^{-6}, which math mode would set "2e − 06"
_E_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])(-?(?:\d+\.?\d*|\.\d+))[eE]([+-]?)0*(\d+)(?![A-Za-z0-9_.])", re.A)
_NON_FINITE = {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\text{nan}"}
_COMPLEX = re.compile(r"(-?(?:[0-9.]+(?:e[+-]?\d+)?|inf|nan))([+-])([0-9.]+(?:e[+-]?\d+)?|inf|nan)j")


def _latex_number(text: str) -> str:
    """A number as a matrix cell or value: e-notation as a power of ten, inf as ∞, 1-2j as 1 - 2i."""
    if text in _NON_FINITE:
        return _NON_FINITE[text]
    z = _COMPLEX.fullmatch(text)
    if z:
        return f"{_latex_number(z.group(1))} {z.group(2)} {_latex_number(z.group(3))}i"
    return _E_NUMBER.sub(lambda m: _power_of_ten(m), text)


def _power_of_ten(m: re.Match) -> str:
    exponent = ("-" if m.group(2) == "-" else "") + m.group(3)
    return rf"{m.group(1)} \times 10^{{{exponent}}}"


# Unicode in the plain traces → LaTeX math (pdflatex knows none of these characters)
_LATEX = {"·": r" \cdot ", "Σ": r"\sum ", "←": r" \leftarrow ", "−": "-", "⊙": r" \odot ",
          "⊗": r" \otimes ", "λ": r"\lambda ", "δ": r"\delta ", "η": r"\eta ", "σ": r"\sigma ", "θ": r"\theta ",
          "‖": r"\| ", "→": r" \to ", "≈": r" \approx ", "×": r" \times ", "…": r"\dots ", "∂": r"\partial ",
          "≤": r" \le ", "≥": r" \ge ", "∞": r"\infty ", "ε": r"\varepsilon ", "β": r"\beta ", "ρ": r"\rho ",
          "α": r"\alpha ", "∇": r"\nabla ", "⋅": r" \cdot ", "Δ": r"\Delta ", "Λ": r"\Lambda ", "Φ": r"\Phi ",
          "±": r" \pm ", "↔": r" \leftrightarrow ", "′": "'", "⟨": r"\langle ", "⟩": r"\rangle ", "½": r"\tfrac{1}{2}",
          "—": r"\text{---}", "⋮": r"\vdots ", "≠": r" \neq ", "∈": r" \in ", "π": r"\pi ", "μ": r"\mu ",
          "φ": r"\varphi ", "ψ": r"\psi ", "ω": r"\omega ", "τ": r"\tau ", "κ": r"\kappa ", "ν": r"\nu ",
          "ξ": r"\xi ", "ζ": r"\zeta ", "χ": r"\chi ", "γ": r"\gamma ", "Γ": r"\Gamma ", "Θ": r"\Theta ",
          "Π": r"\Pi ", "Ψ": r"\Psi ", "Ω": r"\Omega "}
# combining accents (after NFD: ŷ is y + U+0302): ŷ → \hat{y}, x̄ → \bar{x}
_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0305": r"\bar", "\u0303": r"\tilde", "\u0307": r"\dot"}
_SUBSCRIPT = dict(zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₙₘ", "0123456789ijknm"))
_SUPERSCRIPT = dict(zip("⁻¹²³ᵀ⁺ⁿ", "-123T+n"))
# a phrase (words of two letters or more, with what joins them) inside a formula is set as text, or
# math mode runs it together in italics: "(keeps the scores' spread independent of d)"
# (a word needs a lower-case letter: AAᵀ is a product; one_hot is one name, σ_max and proj_b subscripts)
_WORD = r"[A-Za-z]*[a-z][A-Za-z]*(?<=[A-Za-z]{2})(?:'s)?(?:_[A-Za-z]{2,})?"  # (the cross product's area)
# (after a word, a capital acronym such as LU or SVD continues the text, unless a script follows: AAᵀ)
_PHRASE = re.compile(rf" ?{_WORD}(?:[ ,;:'-]+(?:{_WORD}|[A-Z]{{2,}}(?![A-Za-z0-9_⁻¹²³ᵀ⁺ⁿ₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₙₘ])))* ?")
_SUBSCRIPT_WORD = re.compile(r"_([A-Za-z]+(?:,[A-Za-z])*)")  # σ_max, proj_b, Σ_c,i,j
_OPTION = re.compile(r"--[a-z][a-z0-9-]*")  # --target: TeX made -- an en dash


def _sqrt_argument(text: str, i: int) -> int:
    """The end of √'s argument (or ^'s) starting at text[i]: a parenthesised group, or one number or symbol."""
    if i < len(text) and text[i] == "(":
        depth = 0
        for j in range(i, len(text)):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                return j + 1
        return len(text)
    j = i
    while j < len(text) and (text[j].isalnum() or text[j] in "._" or text[j] in _SUBSCRIPT or text[j] in _SUPERSCRIPT
                             or text[j] in _ACCENTS
                             # a number's exponent sign: √5e-06 whole (it gave \sqrt{5e}-06)
                             or (text[j] in "+-" and text[j - 1] in "eE" and text[i] in "0123456789."
                                 and text[j + 1:j + 2].isdigit())):
        j += 1
    return max(j, min(i + 1, len(text)))


def _split_accents(text: str) -> str:
    """ŷ as y + U+0302 (and x̄, v̂, …), so that an accent becomes \\hat{y}; other characters as they
    are (NFD would also split ≠ into = and a combining slash)."""
    out = []
    for c in text:
        parts = unicodedata.normalize("NFD", c)
        out.append(parts if len(parts) > 1 and all(m in _ACCENTS for m in parts[1:]) else c)
    return "".join(out)


def latex_math(text: str) -> str:
    """A plain-Unicode formula as LaTeX math: c₁₁ = 1·5 → c_{11} = 1 \\cdot 5, √(a+b) → \\sqrt{a+b}."""
    text = _split_accents(text)
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if i + 1 < len(text) and text[i + 1] in _ACCENTS:
            out.append(_ACCENTS[text[i + 1]] + "{" + _LATEX.get(ch, ch).strip() + "}")
            i += 2
            continue
        if ch == "√":
            start = i + 1
            while start < len(text) and text[start] == " ":
                start += 1
            end = _sqrt_argument(text, start)
            arg = text[start:end]
            if arg.startswith("(") and arg.endswith(")"):
                arg = arg[1:-1]
            out.append(r"\sqrt{" + latex_math(arg) + "}")
            i = end
            continue
        if ch == "^" and text[i + 1:i + 2] == "(":  # e^(z - max z): the whole group is the exponent
            end = _sqrt_argument(text, i + 1)
            inner = text[i + 2:end - 1] if text[end - 1] == ")" else text[i + 2:end]
            out.append("^{" + latex_math(inner) + "}")
            i = end
            continue
        word = _SUBSCRIPT_WORD.match(text, i)
        if word:
            w = word.group(1)
            out.append("_{" + (w if len(w) == 1 or "," in w else r"\text{" + w + "}") + "}")
            i = word.end()
            continue
        number = _E_NUMBER.match(text, i)
        if number:
            power = _power_of_ten(number)
            raised = text[number.end():number.end() + 1] in ("^", *_SUPERSCRIPT)
            out.append(r"\left(" + power + r"\right)" if raised else power)  # (1e-05)², not 1e-05²
            i = number.end()
            continue
        option = _OPTION.match(text, i)
        if option:
            out.append(r"\texttt{" + option.group().replace("--", "-{}-") + "}")
            i = option.end()
            continue
        if ch == "‖" and text[i + 1:i + 2] == "∞":  # ‖v‖∞
            out.append(r"\|_{\infty}")
            i += 2
            continue
        phrase = _PHRASE.match(text, i)
        if phrase and (i == 0 or text[i] == " " or not text[i - 1].isalnum()):
            out.append(r"\text{" + _escape_text(phrase.group()) + "}")
            i = phrase.end()
            continue
        script = _script_run(text, i)
        if script:
            out.append(script[1])
            i = script[0]
        else:
            out.append(_LATEX.get(ch, "\\" + ch if ch in "%&#" else ch))
            i += 1
    return "".join(out)


def _script_run(text: str, i: int) -> tuple[int, str] | None:
    """(end, LaTeX) for a run of Unicode subscripts (cᵢⱼ → _{ij}) or superscripts (A⁻¹ → ^{-1}) at i."""
    for table, mark in ((_SUBSCRIPT, "_"), (_SUPERSCRIPT, "^")):
        if text[i] in table:
            j = i
            while j < len(text) and text[j] in table:
                j += 1
            return j, mark + "{" + "".join(table[c] for c in text[i:j]) + "}"
    return None


def _escape_text(text: str) -> str:
    return "".join("\\" + c if c in "%&#_$" else c for c in text).replace("--", "-{}-")


# text-mode forms of what TeX would take as commands or set as other glyphs (| < > as — ¡ ¿ in OT1)
_TEXT_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "^": r"\^{}", "~": r"\~{}",
                 "|": r"\textbar{}", "<": r"\textless{}", ">": r"\textgreater{}", "–": "--"}


def latex_text(text: str) -> str:
    """Prose with a few symbols in it (titles, notes): symbols become inline math, the rest stays text."""
    text = _split_accents(text)
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if i + 1 < len(text) and text[i + 1] in _ACCENTS:
            out.append("$" + _ACCENTS[text[i + 1]] + "{" + _LATEX.get(ch, ch).strip() + "}$")
            i += 2
            continue
        script = _script_run(text, i)
        if script:
            out.append("$" + script[1] + "$")
            i = script[0]
        else:
            if ch == "—":
                out.append("---")
            elif ch == "‖" and text[i + 1:i + 2] == "∞":
                out.append(r"$\|_{\infty}$")
                i += 1
            elif ch == "-" and text[i + 1:i + 2] == "-":  # --target, not an en dash
                out.append("-{}")
            elif ch in _TEXT_SPECIAL:
                out.append(_TEXT_SPECIAL[ch])
            elif ch in _LATEX and (word := _SUBSCRIPT_WORD.match(text, i + 1)):  # λ_min, not "λ\_min"
                out.append("$" + _LATEX[ch].strip() + r"_{\text{" + word.group(1) + "}}$")
                i = word.end() - 1
            elif ch == "√" or ch in _LATEX:
                out.append("$" + (r"\surd" if ch == "√" else _LATEX[ch].strip()) + "$")
            elif ch in "%&#_$":
                out.append("\\" + ch)
            else:
                out.append(ch)
            i += 1
    return "".join(out).rstrip()


def render_latex(steps: list[Step]) -> str:
    out = []
    for i, s in enumerate(steps, start=1):
        out.append(f"% Step {i}: {latex_text(s.title)}")
        out.append(r"\paragraph{Step %d: %s}" % (i, latex_text(s.title)))
        if s.formula:
            out.append(r"\[ %s \]" % latex_math(s.formula))
        for name, v in s.values.items():
            out.append(r"\[ %s = %s \]" % (latex_math(name), _latex_value(v)))
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


def column_blocks(lines: list[str], width: int) -> list[list[str]]:
    """Aligned matrix lines too wide for `width` cut into blocks of whole columns, to be shown one under
    the other (Octave's layout of a wide matrix): each cut at a gutter, two spaces that are blank in
    every line. Lines that fit, or with no gutter, stay one block. On an 80-column terminal Rich had
    wrapped the rows of a 5×10 [A | I] inside their panel, so that they read as 10 rows."""
    blocks = []
    while lines and max(len(line) for line in lines) > width:
        cut = next((c for c in range(min(width, min(len(line) for line in lines) - 1), 1, -1)
                    if all(line[c - 1:c + 1] == "  " for line in lines)), None)
        if cut is None:
            break
        blocks.append([line[:cut].rstrip() for line in lines])
        rest = [line[cut:] for line in lines]
        blank = min(len(line) - len(line.lstrip()) for line in rest)  # the common indent only: alignment stays
        lines = ["  " + line[blank:] for line in rest]
    blocks.append(lines)
    return blocks


def print_rich(steps: list[Step], file) -> None:
    """On a terminal: each step in a panel, the formula bold, the result in colour; matrices wider than
    the panel in blocks of columns (column_blocks). A step with a line that still does not fit (a long
    title, fraction or vector) is printed without its panel and left to the terminal to wrap: Rich had
    cut a title in the panel's border with no mark (R1 ← R1 − 0.28571 for 0.285714·R2) and folded a
    long value inside the panel, where its last digits read as a value of their own."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = Console(file=file, highlight=False)
    if console.width < 20:  # COLUMNS=0: panels of no width printed nothing at all, and said nothing
        console.width = 80
    inside = console.width - 4  # within the panel's borders and padding
    room = max(inside - 4, 16)  # a matrix's lines, indented by two, with a margin

    def matrix(lines: list[str]) -> str:
        blocks = column_blocks(lines, room)
        return "\n  ⋯\n".join("\n".join("  " + line for line in block) for block in blocks)

    for i, s in enumerate(steps, start=1):
        body = Text()
        rigid = []  # lines that must not wrap (values); the formula and the note may, between words
        if s.formula:
            body.append(s.formula + "\n", style="bold")
        for name, v in s.values.items():
            lines = _value_text(v)
            shown = f"{name} = {lines[0]}" if len(lines) == 1 else f"{name} =\n" + matrix(lines)
            rigid.extend(shown.split("\n"))
            body.append(shown + "\n")
        if s.result is not None and not _formula_shows(s):
            lines = _value_text(s.result)
            shown = "→ " + ("\n" + matrix(lines) if len(lines) > 1 else lines[0])
            rigid.extend(shown.split("\n"))
            body.append(shown + "\n", style="green")
        if s.note:
            body.append(s.note + "\n", style="dim")
        body.rstrip()
        title = f"Step {i}: {s.title}"
        words = f"{s.formula or ''} {s.note or ''}".split()
        # the top border is "╭─ title ─╮": the title has the panel's width less six
        if (cell_len(title) <= console.width - 6 and all(cell_len(line) <= inside for line in rigid)
                and all(cell_len(word) <= inside for word in words)):
            console.print(Panel(body, title=title, title_align="left", border_style="cyan", expand=False))
        else:
            console.print(Text(title, style="bold cyan"), soft_wrap=True)
            console.print(body, soft_wrap=True)
            console.print()
