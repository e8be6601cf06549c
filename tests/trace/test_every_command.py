"""Every command explains itself with --trace, on stderr only: stdout is the same with and without it.
The core ops' steps are checked as data against the result."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_cli
from mlcalc.ops import core, generate
from mlcalc.trace.steps import Tracer

ROOT = __import__('pathlib').Path(__file__).resolve().parents[2]

COMMANDS = [
    ("matmul", "1 2; 3 4", "5 6; 7 8"), ("add", "1 2; 3 4", "5 6; 7 8"), ("sub", "1 2", "3 4"),
    ("hadamard", "1 2", "3 4"), ("scale", "1 2", "--by", "3"), ("transpose", "1 2; 3 4"),
    ("dot", "[1,2]", "[3,4]"), ("outer", "[1,2]", "[3,4]"), ("gen", "eye", "2"),
    ("norm", "[3,4]"), ("dist", "[0,0]", "[3,4]"), ("project", "[3,4]", "[1,0]"),
    ("eig", "2 1; 1 2"), ("svd", "3 0; 4 5"), ("pinv", "1 2; 3 4"), ("inspect", "2 1; 1 2"),
    ("inv", "2 1; 1 1"), ("solve", "2 1; 1 3", "3 5"), ("det", "1 2; 3 4"), ("rank", "1 2; 2 4"),
    ("rref", "1 2; 3 4"),
    ("activate", "-1 0 2", "--fn", "relu"), ("forward", "1 2", "--weights", "1 0; 0 1"),
    ("backward", "1 2", "--weights", "1 0; 0 1", "--grad-out", "1 1"), ("loss", "1 2", "1 3", "--fn", "mse"),
    ("attention", "1 0; 0 1", "1 0; 0 1", "1 2; 3 4"), ("conv2d", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 1"),
    ("embed", "[1,0]", "1 2; 3 4"), ("gradcheck", "1 2", "--weights", "1 0; 0 1", "--target", "1 2"),
    # tiny operands untraced take the pure-Python path, whose sums round once: traced, NumPy's BLAS
    # printed 0.6000000000000001 for this 0.6
    ("matmul", "0.1 0.2 0.3;", "1; 1; 1"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_trace_explains_on_stderr_and_leaves_stdout_alone(args):
    plain = run_cli(*args, "-f", "json")
    traced = run_cli(*args, "-f", "json", "--trace")
    assert plain.code == traced.code == 0, traced.stderr
    assert traced.stdout == plain.stdout
    assert "Step 1:" in traced.stderr and plain.stderr == ""


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
@pytest.mark.parametrize("args", COMMANDS[:6], ids=lambda a: a[0])
def test_other_trace_formats(args, fmt):
    r = run_cli(*args, "-f", "csv", "--trace", "--trace-format", fmt)
    assert r.code == 0 and ("### Step 1" in r.stderr if fmt == "markdown" else r"\paragraph{Step 1" in r.stderr)


@pytest.mark.parametrize("op", ["add", "sub", "hadamard"])
def test_elementwise_step_holds_the_result(op):
    t = Tracer()
    a, b = np.array([[1.0, 2], [3, 4]]), np.array([[5.0, 6], [7, 8]])
    result = core.elementwise(op, a, b, engine="numpy", tracer=t)
    assert np.array_equal(t.steps[-1].result, result)
    assert np.array_equal(t.steps[-1].values["A"], a)


def test_dot_step_shows_the_terms_and_the_sum():
    t = Tracer()
    r = core.dot(np.array([1.0, -2, 3]), np.array([4.0, 5, 6]), engine="numpy", tracer=t)
    assert r == 12 and t.steps[-1].result == 12
    assert t.steps[-1].formula.endswith("1·4 + (−2)·5 + 3·6 = 12")


def test_scale_transpose_outer_steps_hold_their_results():
    a = np.array([[1.0, 2], [3, 4]])
    for fn, args in ((core.scale, (a, 2.0)), (core.transpose, (a,)), (core.outer, (np.array([1.0, 2]), np.array([3.0, 4])))):
        t = Tracer()
        r = fn(*args, engine="numpy", tracer=t)
        assert np.array_equal(t.steps[-1].result, r)


def test_gen_step_states_distribution_and_seed():
    t = Tracer()
    r = generate.generate("randn", 2, 2, seed=7, tracer=t)
    assert "seed=7" in t.steps[0].formula and np.array_equal(t.steps[0].result, r)


@pytest.mark.parametrize("args", COMMANDS + [("inv", "2 1; 1 1", "--exact"), ("norm", "[1,-2,3]"),
                                             ("eig", "2 1; 1 2", "--vectors"), ("activate", "1 2", "--fn", "softmax"),
                                             ("activate", "1 2", "--fn", "gelu"),
                                             ("activate", "1 2", "--fn", "gelu", "--grad"),
                                             ("train-linreg", "samples/linreg_tutorial.csv", "--optimizer", "adam",
                                              "--epochs", "3"),
                                             ("train-linreg", "samples/linreg_tutorial.csv", "--method", "normal"),
                                             ("inv", "2 1 0 0 0; 1 2 1 0 0; 0 1 2 1 0; 0 0 1 2 1; 0 0 0 1 2",
                                              "--exact")], ids=lambda a: a[0])
def test_latex_traces_are_plain_ascii_latex(args, monkeypatch):
    monkeypatch.chdir(ROOT)
    # pdflatex refuses Unicode such as λ or ⁻¹; √14 must be \sqrt{14} (\sqrt 14 is √1 then 4); prose in a
    # formula goes into \text{...} (in math mode its words run together in italics)
    r = run_cli(*args, "-f", "csv", "--trace", "--trace-format", "latex")
    assert r.code == 0 and r"\paragraph{Step 1" in r.stderr
    assert r.stderr.isascii(), sorted({c for c in r.stderr if not c.isascii()})
    for line in r.stderr.splitlines():
        assert line.count("{") == line.count("}"), line
        assert "\\sqrt " not in line and "\\sqrt(" not in line, line
        assert "bmatrix" not in line or line.split("bmatrix}")[1].split("\\\\")[0].count("&") < 10, line
        if line.startswith("\\["):
            assert not __import__("re").search(r"(?<![\\{a-z])[a-z]{3,} [a-z]{3,}", line.replace("\\text{", "\\text{@")
                                              .split("\\text{@")[0]), line


def test_latex_formula_pieces():
    from mlcalc.trace.render import latex_math
    assert latex_math("‖v‖₂ = √(Σ vᵢ²) = √14") == r"\| v\| _{2} = \sqrt{\sum  v_{i}^{2}} = \sqrt{14}"
    assert latex_math("√5e-06 = 0.00223607") == r"\sqrt{5 \times 10^{-6}} = 0.00223607"  # not \sqrt{5e}-06
    assert latex_math("√1.5e+300 − 2") == r"\sqrt{1.5 \times 10^{300}} - 2"
    assert latex_math("σ_max·A⁻¹") == r"\sigma _{\text{max}} \cdot A^{-1}"
    assert latex_math("v spans the null space of A") == r"v\text{ spans the null space of }A"
    assert latex_math("e^(z − 1)") == r"e^{z - 1}"


def test_a_matmul_chain_trace_names_each_product_as_what_it_is():
    r = run_cli("matmul", "1 2; 3 4", "0 1; 1 0", "2 0; 0 3", "--trace", "-f", "csv")
    assert "Matrix product A·B\n" in r.stderr and "Matrix product (A·B)·C" in r.stderr
    assert "row 1 of (A·B) · column 1 of C" in r.stderr


@pytest.mark.parametrize("args", [("activate", "1 2 3", "--fn", "softmax", "--grad-out", "1 0 0"),
                                  ("loss", "1 2 3", "1 2 5", "--fn", "mse", "--grad"),
                                  ("loss", "2 1 0.1", "1 0 0", "--fn", "cross-entropy", "--grad"),
                                  ("loss", "0.7 0.2 0.1", "1 0 0", "--fn", "cross-entropy", "--from-probs", "--grad")],
                         ids=lambda a: " ".join(a[:3]))
def test_gradient_traces_end_with_a_finite_difference_check(args):
    r = run_cli(*args, "--trace", "-f", "json", env={"NO_COLOR": "1"})
    last = r.stderr.split("Step ")[-1]
    assert last.startswith(tuple(str(i) for i in range(10))) and "finite difference" in last
    residual = float(last.split("→ ")[1].split()[0])
    assert residual < 1e-6


def test_the_probability_check_steps_only_within_the_logged_probabilities():
    # a tiny probability whose target is 0 is not under a log: it must not shrink the step to rounding
    r = run_cli("loss", "1e-12 1", "0 1", "--fn", "cross-entropy", "--from-probs", "--grad", "--trace", "-f", "csv",
                env={"NO_COLOR": "1"})
    assert float(r.stderr.split("Step ")[-1].split("→ ")[1].split()[0]) < 1e-6


def test_the_activation_check_avoids_relus_kink_or_says_why_it_differs():
    # the first element, 0, was checked: "finite difference 0.5, analytic 0" with no word on the kink
    r = run_cli("activate", "0 2 -1", "--fn", "relu", "--grad", "--trace", "-f", "csv")
    assert r.code == 0 and "at x = 2," in r.stderr and "kink" not in r.stderr
    r = run_cli("activate", "0 0", "--fn", "leaky-relu", "--grad", "--trace", "-f", "csv")
    assert r.code == 0 and "leaky-relu's kink" in r.stderr and "0.01" in r.stderr
    r = run_cli("backward", "0 1", "-W", "1 0; 0 1", "--act", "relu", "--grad-out", "1 1", "--trace", "-f", "csv")
    assert r.code == 0 and "relu's kink (0)" in r.stderr
    r = run_cli("backward", "2 1", "-W", "1 0; 0 1", "--act", "relu", "--grad-out", "1 1", "--trace", "-f", "csv")
    assert r.code == 0 and "kink" not in r.stderr


@pytest.mark.parametrize("args,shown", [
    # the sums of squares overflow or underflow; the results are computed scaled, and the traces said
    # "√inf = 1.41421e+200", "√0 = 1.41421e-200", "c = inf / inf = nan" before a finite projection
    (("norm", "1e200 1e200"), "1e+200·√2 = 1.41421e+200"),
    (("norm", "1e-200 1e-200"), "1e-200·√2 = 1.41421e-200"),
    (("dist", "1e200 0", "-1e200 0"), "2e+200·√1 = 2e+200"),
    (("norm", "1e200 1; 1 1"), "1e+200·√1 = 1e+200"),
    (("project", "1e200 1", "1e200 0"), "proj_b(a) = (a·u)·u = 1e+200·u"),
    (("project", "[1e20,1]", "[1e20,1]", "--dtype", "float32"), "out of float32's range"),
])
def test_traces_out_of_float_range_show_the_scaled_computation(args, shown):
    r = run_cli(*args, "--trace", "-f", "csv")
    assert r.code == 0 and shown in r.stderr and "√inf" not in r.stderr and "nan" not in r.stderr


def test_smaller_trace_wordings():
    r = run_cli("project", "[1,0]", "[0,1]", "--trace", "-f", "csv")  # orthogonal: a·b = 0 is no overflow
    assert "c = a·b / b·b = 0 / 1 = 0" in r.stderr and "range" not in r.stderr
    r = run_cli("activate", "1e-7 2e-4", "--fn", "relu", "--grad", "--trace", "-f", "csv")
    assert "at x = 0.0002," in r.stderr and "kink" not in r.stderr  # 1e-7 is within h of the kink
    r = run_cli("activate", "1e-7", "--fn", "relu", "--grad", "--trace", "-f", "csv")
    assert "within h of 0" in r.stderr and "g′(0)" not in r.stderr  # it is not 0
    r = run_cli("project", "1 2 3", "-1 0 2", "--trace", "-f", "csv")
    assert "a·b = 1·(−1) + 2·0 + 3·2 = 5" in r.stderr  # was 1·−1
    r = run_cli("rank", "1 2 3; 4 5 6; 7 8 9", "--trace", "-f", "csv")
    assert "(2 pivots; entries within 1.12231e-14 of 0 count as 0)" in r.stderr


def test_check_steps_name_the_difference_they_show():
    # the arrow after "Σ K·X" or the finite difference showed |difference|: a learner read "Σ … → 0"
    r = run_cli("conv2d", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1", "--trace", "-f", "csv", env={"NO_COLOR": "1"})
    assert "|Σ_c,i,j K[0, c, i, j]·X[c, i, j] − out[0, 0]|\n  → 0\n  (direct sum -4, out[0, 0] -4)" in r.stderr
    r = run_cli("activate", "-1", "--fn", "sigmoid", "--grad", "--trace", "-f", "csv", env={"NO_COLOR": "1"})
    assert "|(g(x + h) − g(x − h)) / 2h − g′(x)| at x = -1, h = 1e-06" in r.stderr
    r = run_cli("train-linreg", "1 2; 2 4; 3 6", "--trace", "-f", "csv", env={"NO_COLOR": "1"})
    assert "(3 rows, 1 feature; " in r.stderr


def test_conv2d_trace_shows_each_output_image(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(18.0).reshape(2, 3, 3))
    np.save(tmp_path / "k.npy", np.arange(16.0).reshape(2, 2, 2, 2))
    r = run_cli("conv2d", str(tmp_path / "x.npy"), str(tmp_path / "k.npy"), "--trace", "-f", "csv")
    step = r.stderr.split("Reshape each row to the output image")[1].split("Step")[0]
    assert "out[0] =" in step and "out[1] =" in step and "[ 960  1052 ]" in step  # was the 2×4 product again
