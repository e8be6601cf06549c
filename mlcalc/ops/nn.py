"""Neural-network blocks: check shapes (naming both), pick the engine, explain with the tracer.

Conventions (CLI.md): W is (out, in), X is (batch, in) or one vector (in,), b is (out,); a dense
layer is a = g(X·Wᵀ + b), for one vector the tutorial's a = g(W·x + b). Element-wise operations
carry NaN/Inf through as NumPy does; only gradcheck rejects them in values (a finite difference of NaN
says nothing), as embed's ids, class-id targets and attention's masks do in theirs.
"""

from __future__ import annotations

import math

import numpy as np

from mlcalc import engine as engines
from mlcalc.errors import InputError, MlcalcError, ShapeError
from mlcalc.kernels import reference as ref
from mlcalc.ops.common import as_vector, counted, shape_text
from mlcalc.trace.steps import FULL_UP_TO, Tracer

_CPU = "mlcalc.kernels.cpu.nn"
_REF = "mlcalc.kernels.reference"

# `auto` (engine.AUTO_NUMBA_FROM, figures from bench/bench_nn.py): numba for the activations, their
# derivatives and the losses from their thresholds; the ops built on GEMM (dense, attention, conv2d) and
# embed stay on NumPy/BLAS, which `--engine numba` overrides.
for _op in ("activation", "activation_grad", "activation_vjp", "dense_forward", "dense_backward", "mse_loss",
            "cross_entropy_loss", "attention", "conv2d", "embed"):
    engines.register(_op, numpy=f"{_REF}:{_op}", numba=f"{_CPU}:{_op}")

# NumPy's time an element for each activation against relu's (10⁷ float64, 2026-12-06: relu 2.9 ns,
# tanh 4.3, softmax 9.4, leaky-relu 11, sigmoid and swish 30, gelu 131 through math.erfc): `activate`
# weighs its work by it, since what numba saves grows with what NumPy spends
_NUMPY_COST = {"relu": 1, "tanh": 1.5, "softmax": 3, "leaky-relu": 4, "sigmoid": 10, "swish": 10, "gelu": 45}

ACTIVATIONS = ref.ACTIVATIONS

FORMULAS = {
    "relu": "relu(z) = max(0, z)",
    "leaky-relu": "leaky_relu(z) = z if z > 0 else α·z",
    "sigmoid": "σ(z) = 1 / (1 + e^(−z))  (computed with e^(−|z|), so it never overflows)",
    "tanh": "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))",
    "softmax": "softmax(z)ᵢ = e^(zᵢ − max z) / Σⱼ e^(zⱼ − max z)  (per row; the max keeps exp ≤ 1)",
    "swish": "swish(z) = z·σ(z)",
    "gelu": "gelu(z) = z·Φ(z) = ½·z·(1 + erf(z/√2))",
    "gelu-tanh": "gelu(z) ≈ ½·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))",
}
DERIVATIVES = {
    "relu": "relu′(z) = 1 if z > 0 else 0",
    "leaky-relu": "leaky_relu′(z) = 1 if z > 0 else α",
    "sigmoid": "σ′(z) = σ(z)·(1 − σ(z))",
    "tanh": "tanh′(z) = 1 − tanh²(z)",
    "swish": "swish′(z) = σ(z) + z·σ(z)·(1 − σ(z))",
    "gelu": "gelu′(z) = Φ(z) + z·φ(z),  φ(z) = e^(−z²/2)/√(2π)",
    "gelu-tanh": "gelu′(z) ≈ ½(1 + t) + ½·z·(1 − t²)·√(2/π)·(1 + 3·0.044715·z²),  t = tanh(√(2/π)(z + 0.044715z³))",
    "softmax": "∂L/∂z = s ⊙ (dA − ⟨dA, s⟩) per row  (the vector-Jacobian product with J = diag(s) − s·sᵀ)",
}


def _formula_key(fn, approx):
    return "gelu-tanh" if fn == "gelu" and approx == "tanh" else fn


def _check_fn(command: str, fn, approx, alpha) -> None:
    if fn is not None and fn not in ACTIVATIONS:
        raise MlcalcError(f"{command}: unknown activation {fn!r}: choose one of {', '.join(ACTIVATIONS)}")
    if approx not in (None, "none", "tanh"):
        raise MlcalcError(f"{command}: unknown --approx {approx!r}: choose none or tanh")
    if approx == "tanh" and fn != "gelu":
        option = "--fn" if command == "activate" else "--act"
        given = f"not {fn}" if fn is not None else f"and no {option} was given: add {option} gelu"
        raise MlcalcError(f"{command}: --approx tanh applies to {option} gelu only, {given}")
    if not math.isfinite(alpha):
        raise MlcalcError(f"{command}: --alpha must be a finite number, got {alpha}")


def _approx(approx):
    return None if approx in (None, "none") else approx


def _same_shape(command: str, name: str, a: np.ndarray, like: np.ndarray, like_name: str) -> np.ndarray:
    """`a` in the shape of `like`; a 1-D vector is accepted for a row or a column (and a row or a column
    for a 1-D vector), but not a row for a column: NumPy would broadcast those two to a matrix."""
    if a.shape == like.shape:
        return a
    if a.size == like.size and (like.ndim == 1 or min(like.shape) == 1) and (a.ndim == 1 or min(a.shape) == 1) \
            and (a.ndim == 1 or like.ndim == 1):
        return a.reshape(like.shape)
    raise ShapeError(f"{command}: {name} is {shape_text(a.shape)} but {like_name} is {shape_text(like.shape)}: "
                     "they must have the same shape")


def _nonempty(command: str, name: str, a: np.ndarray) -> None:
    if a.size == 0:
        raise ShapeError(f"{command}: {name} is empty ({shape_text(a.shape)})")


# ================================================================ activate


def activate(x, fn: str, grad: bool = False, alpha: float = 0.01, approx=None, grad_out=None,
             engine: str = "auto", tracer: Tracer | None = None):
    """g(X); with grad, g′(X) element-wise; with grad_out, the vector-Jacobian product dA ⊙ g′(X)
    (for softmax the only meaningful derivative: its Jacobian is a full matrix per row)."""
    _check_fn("activate", fn, approx, alpha)
    approx = _approx(approx)
    _nonempty("activate", "X", x)
    if x.ndim > 2:  # (B, T, C) as PyTorch's activations take it: rows of the last dimension (softmax's)
        if grad_out is not None and grad_out.shape != x.shape:
            raise ShapeError(f"activate: dA (--grad-out) is {shape_text(grad_out.shape)} but X is "
                             f"{shape_text(x.shape)}: they must have the same shape")
        rows = x.reshape(-1, x.shape[-1])
        g_rows = None if grad_out is None else grad_out.reshape(rows.shape)
        return activate(rows, fn, grad, alpha, approx, g_rows, engine, tracer).reshape(x.shape)
    work = x.size * _NUMPY_COST.get(fn, 1)  # relu-equivalent elements (the registration above)
    if grad_out is not None:
        grad_out = _same_shape("activate", "dA (--grad-out)", grad_out, x, "X")
        result = engines.kernel("activation_vjp", engine, work=work)(x, grad_out, fn, alpha, approx)
    elif grad:
        if fn == "softmax":
            raise MlcalcError("activate: softmax --grad needs --grad-out dA: softmax's derivative is a full "
                              "Jacobian per row (its diagonal s(1 − s) alone would mislead), so mlcalc gives "
                              "the vector-Jacobian product dA·J")
        result = engines.kernel("activation_grad", engine, work=work)(x, fn, alpha, approx)
    else:
        result = engines.kernel("activation", engine, work=work)(x, fn, alpha, approx)
    if tracer is not None:
        _trace_activate(tracer, x, fn, grad or grad_out is not None, alpha, approx, grad_out, result)
    return result


def _alpha_note(fn, alpha):
    return f"α = {alpha:g}" if fn == "leaky-relu" else ""


# activations with a kink at 0, where a finite difference straddles two slopes
KINKED = ("relu", "leaky-relu")


def _trace_activate(tracer, x, fn, grad, alpha, approx, grad_out, result):
    key = _formula_key(fn, approx)
    note = _alpha_note(fn, alpha)
    if fn == "softmax":
        xs = x.reshape(1, -1) if x.ndim == 1 else x
        m = np.max(xs, axis=-1, keepdims=True)
        with np.errstate(invalid="ignore"):
            e = np.exp(xs - m)
        tracer.step("Subtract each row's maximum", "z′ = z − max(z)  (softmax is unchanged; exp cannot overflow)",
                    z=xs, row_max=m.reshape(-1), result=xs - m)
        tracer.step("Exponentiate and normalise", FORMULAS["softmax"], exp=e,
                    row_sums=np.sum(e, axis=-1), result=ref.softmax(x))
        if grad_out is not None:
            tracer.step("Vector-Jacobian product", DERIVATIVES["softmax"], dA=grad_out, result=result)
            g_up = grad_out.astype(np.float64).reshape(xs.shape)
            _trace_gradient_check(tracer, lambda z: float(np.sum(g_up * ref.softmax(z))), xs, result,
                                  "Σ dA ⊙ softmax(z)")
        else:
            tracer.step("Check: every row sums to 1", "Σⱼ softmax(z)ᵢⱼ = 1",
                        result=float(np.nanmax(np.abs(np.sum(result.reshape(xs.shape), axis=-1) - 1), initial=0)),
                        note="largest |row sum − 1|")
        return
    if not grad:
        tracer.step(f"Apply {fn} element-wise", FORMULAS[key], note=note, X=x, result=result)
        return
    g = ref.activation_grad(x.astype(np.float64), fn, alpha, approx)
    tracer.step(f"Derivative of {fn}, element-wise", DERIVATIVES[key], note=note, X=x, result=g)
    if grad_out is not None:
        tracer.step("Chain rule: multiply by the upstream gradient", "dZ = dA ⊙ g′(X)", dA=grad_out, result=result)
    # check one element against a central finite difference: the first finite one away from 0, where
    # relu and leaky relu have their kink (at x = 0 the check showed 0.5 against relu′(0) = 0 unexplained)
    xf = x.astype(np.float64).reshape(-1)
    finite = np.isfinite(xf)
    away = finite & (np.abs(xf) > 1e-5)  # beyond the step h = 1e-6 (for |x| < 1), with room
    i = int(np.argmax(away)) if away.any() else int(np.argmax(finite))
    h = 1e-6 * max(1.0, abs(xf[i]))
    fd = (ref.activation(np.array([xf[i] + h]), fn, alpha, approx)[0]
          - ref.activation(np.array([xf[i] - h]), fn, alpha, approx)[0]) / (2 * h)
    kink = ""
    if fn in KINKED and abs(xf[i]) <= h:
        kink = (f"; x is within h of 0, {fn}'s kink, where it has no derivative: the difference straddles it"
                + (f" (at 0 mlcalc takes g′(0) = {g.reshape(-1)[i]:g}, as PyTorch does)" if xf[i] == 0 else ""))
    tracer.step("Check: central finite difference at one element",
                f"|(g(x + h) − g(x − h)) / 2h − g′(x)| at x = {xf[i]:.6g}, h = {h:.1g}",
                result=abs(fd - g.reshape(-1)[i]), note=f"finite difference {fd:.10g}, analytic "
                                                         f"{g.reshape(-1)[i]:.10g}{kink}")


# ================================================================ dense layer


def _layer_shapes(command: str, x, w, b, batched: bool = False):
    """(X as 2-D, W as 2-D, b as 1-D or None, x_was_vector), with errors naming both shapes. batched: X may
    be (*, in) as PyTorch's nn.Linear takes it, its rows those of X.reshape(-1, in)."""
    if w.ndim == 1:
        w = w.reshape(1, -1)  # one neuron
    if w.ndim != 2:
        raise ShapeError(f"{command}: W must be a matrix (out, in), got shape {shape_text(w.shape)}")
    n_out, n_in = w.shape
    _nonempty(command, "W", w)
    vector = False
    if x.ndim == 1:
        vector = True
    elif x.ndim == 2 and x.shape[1] == 1 and x.shape[0] == n_in and n_in != 1:
        vector = True  # a one-column X is one input vector x, as in a = g(W·x + b)
        x = x.reshape(-1)
    if x.ndim > 2 and not batched:
        raise ShapeError(f"{command}: X must be (batch, in) or one vector, got shape {shape_text(x.shape)}")
    x2 = x.reshape(1, -1) if vector else x.reshape(-1, x.shape[-1]) if x.ndim > 2 else x
    _nonempty(command, "X", x2)
    if x2.shape[1] != n_in:
        # W laid out (in, out), as x·W is written in some texts: W is (out, in) here, as nn.Linear's weight
        flipped = "; W is (out, in), as nn.Linear's weight: transpose it" if x2.shape[1] == w.shape[0] else ""
        raise ShapeError(f"{command}: X has {counted(x2.shape[1], 'feature')} but W expects {n_in} "
                         f"(X is {shape_text(x.shape)}, W is {shape_text(w.shape)}{flipped})")
    if b is not None:
        if b.ndim == 0 or (b.ndim == 2 and min(b.shape) != 1) or b.ndim > 2:
            raise ShapeError(f"{command}: b must be a vector (out,), got shape {shape_text(b.shape)}")
        bv = b.reshape(-1)
        if bv.size != n_out:
            raise ShapeError(f"{command}: b has {counted(bv.size, 'value')} but W has {counted(n_out, 'output')} "
                             f"(b is {shape_text(b.shape)}, W is {shape_text(w.shape)})")
        b = bv
    return x2, w, b, vector


def _common_dtype(*arrays):
    dtype = np.result_type(*[a.dtype for a in arrays if a is not None])
    return [None if a is None else a.astype(dtype, copy=False) for a in arrays]


def forward(x, w, b=None, act=None, alpha: float = 0.01, approx=None, engine: str = "auto",
            tracer: Tracer | None = None):
    """a = g(X·Wᵀ + b) (one vector x: a = g(W·x + b))."""
    _check_fn("forward", act, approx, alpha)
    approx = _approx(approx)
    x2, w, b, vector = _layer_shapes("forward", x, w, b, batched=True)
    x2, w, b = _common_dtype(x2, w, b)
    work = x2.shape[0] * w.shape[0] * w.shape[1]
    a = engines.kernel("dense_forward", engine, work=work)(x2, w, b, act, alpha, approx)
    if tracer is not None:
        _trace_forward(tracer, x2, w, b, act, alpha, approx, vector)
    return a[0] if vector else a.reshape(*x.shape[:-1], w.shape[0]) if x.ndim > 2 else a


def _trace_pre_activation(tracer, x2, w, b, vector):
    z = ref.dense_forward(x2, w, b)
    batch, (n_out, n_in) = x2.shape[0], w.shape
    if vector:
        values = {"W": w, "x": x2[0]}
        if b is not None:
            values["b"] = b
        tracer.step("Weighted input z = W·x + b", "zᵢ = Σⱼ Wᵢⱼ·xⱼ + bᵢ", result=z[0],
                    note=f"W is {n_out}×{n_in}: {n_out * n_in} multiply-adds", **values)
    else:
        values = {"X": x2, "Wᵀ": w.T}
        if b is not None:
            values["b"] = b
        tracer.step("Weighted input Z = X·Wᵀ + b", "Zₙᵢ = Σⱼ Xₙⱼ·Wᵢⱼ + bᵢ  (b added to every row)", result=z,
                    note=f"X is {batch}×{n_in}, W is {n_out}×{n_in}, Z is {batch}×{n_out}: "
                         f"{batch * n_out * n_in} multiply-adds", **values)
    return z


def _trace_forward(tracer, x2, w, b, act, alpha, approx, vector):
    z = _trace_pre_activation(tracer, x2, w, b, vector)
    if act is not None:
        a = ref.activation(z, act, alpha, approx)
        tracer.step(f"Activation a = {act}(z)", FORMULAS[_formula_key(act, approx)], note=_alpha_note(act, alpha),
                    result=a[0] if vector else a)


def backward(x, w, b=None, grad_out=None, act=None, alpha: float = 0.01, approx=None, engine: str = "auto",
             tracer: Tracer | None = None) -> dict:
    """{dW, db, dX} of a = g(X·Wᵀ + b) given dA = ∂L/∂a: δ = dA ⊙ g′(Z), dW = δᵀ·X, db = Σ δ, dX = δ·W."""
    _check_fn("backward", act, approx, alpha)
    approx = _approx(approx)
    if grad_out is None:
        raise MlcalcError("backward: needs --grad-out dA (the gradient of the loss with respect to the layer's output)")
    w_shape = w.shape  # dW in W's own shape, as PyTorch gives a parameter's gradient (a 1-D W: one neuron)
    x2, w, b, vector = _layer_shapes("backward", x, w, b, batched=True)
    out_shape = (w.shape[0],) if vector else (x2.shape[0], w.shape[0])
    if x.ndim > 2:  # (*, in): dA is (*, out), taken as rows as X is
        if grad_out.shape != (*x.shape[:-1], w.shape[0]):
            raise ShapeError(f"backward: dA is {shape_text(grad_out.shape)} but the layer's output is "
                             f"{shape_text((*x.shape[:-1], w.shape[0]))} (X is {shape_text(x.shape)}, W is "
                             f"{shape_text(w.shape)})")
        grad_out = grad_out.reshape(out_shape)
    if grad_out.shape != out_shape:
        if grad_out.size == int(np.prod(out_shape)) and (vector or out_shape[0] == 1 or out_shape[1] == 1) \
                and (grad_out.ndim == 1 or min(grad_out.shape) == 1):
            grad_out = grad_out.reshape(out_shape)
        else:
            raise ShapeError(f"backward: dA is {shape_text(grad_out.shape)} but the layer's output is "
                             f"{shape_text(out_shape)} (X is {shape_text(x.shape)}, W is {shape_text(w.shape)})")
    g2 = grad_out.reshape(1, -1) if vector else grad_out
    x2, w, b, g2 = _common_dtype(x2, w, b, g2)
    work = x2.shape[0] * w.shape[0] * w.shape[1]
    dW, db, dX = engines.kernel("dense_backward", engine, work=work)(x2, w, b, g2, act, alpha, approx)
    if tracer is not None:
        _trace_backward(tracer, x2, w, b, g2, act, alpha, approx, vector, dW, db, dX)
    return {"dW": dW.reshape(w_shape), "db": db, "dX": dX[0] if vector else dX.reshape(x.shape) if x.ndim > 2 else dX}


def _trace_backward(tracer, x2, w, b, g2, act, alpha, approx, vector, dW, db, dX):
    x64, w64, g64 = (a.astype(np.float64) for a in (x2, w, g2))
    b64 = None if b is None else b.astype(np.float64)
    z = _trace_pre_activation(tracer, x64, w64, b64, vector)
    v = (lambda a: a[0]) if vector else (lambda a: a)
    if act is None:
        delta = g64
        tracer.step("No activation: δ = dA", "δ = ∂L/∂Z = dA", result=v(delta))
    elif act == "softmax":
        delta = ref.softmax_vjp(z, g64)
        tracer.step("Back through softmax (per row)", DERIVATIVES["softmax"], s=v(ref.softmax(z)), dA=v(g64),
                    result=v(delta))
    else:
        gp = ref.activation_grad(z, act, alpha, approx)
        tracer.step(f"Local derivative g′(Z) of {act}", DERIVATIVES[_formula_key(act, approx)], result=v(gp),
                    note=_alpha_note(act, alpha))
        delta = g64 * gp
        tracer.step("Chain rule: δ = dA ⊙ g′(Z)", "δ = ∂L/∂Z = ∂L/∂a ⊙ ∂a/∂Z", dA=v(g64), result=v(delta))
    if vector:
        tracer.step("Weight gradient dW = δ·xᵀ", "dWᵢⱼ = δᵢ·xⱼ  (an outer product)", result=dW)
        tracer.step("Bias gradient db = δ", "dbᵢ = δᵢ", result=db)
        tracer.step("Input gradient dx = Wᵀ·δ", "dxⱼ = Σᵢ Wᵢⱼ·δᵢ", result=dX[0])
    else:
        tracer.step("Weight gradient dW = δᵀ·X", "dWᵢⱼ = Σₙ δₙᵢ·Xₙⱼ  (summed over the batch)", result=dW)
        tracer.step("Bias gradient db = Σₙ δₙ", "dbᵢ = Σₙ δₙᵢ  (column sums of δ)", result=db)
        tracer.step("Input gradient dX = δ·W", "dXₙⱼ = Σᵢ δₙᵢ·Wᵢⱼ", result=dX)
    _trace_directional_check(tracer, x64, w64, b64, g64, act, alpha, approx, dW, db, dX)


def _trace_directional_check(tracer, x, w, b, g, act, alpha, approx, dW, db, dX):
    """Check: L(θ) = ⟨dA, a(θ)⟩ has dL/dθ = the gradients above; compare along one random direction
    per parameter with a central finite difference (cheap at any size)."""
    rng = np.random.default_rng(0)
    bb = np.zeros(w.shape[0]) if b is None else b
    parts = {"W": (w, dW), "b": (bb, db), "X": (x, dX)}
    lines = []
    worst = 0.0
    for name, (p, grad) in parts.items():
        d = rng.standard_normal(p.shape)
        h = 1e-6 * max(1.0, float(np.max(np.abs(p), initial=0)))

        def loss(q):
            args = {"W": w, "b": bb, "X": x}
            args[name] = q
            return float(np.sum(g * ref.dense_forward(args["X"], args["W"], args["b"], act, alpha, approx)))
        fd = (loss(p + h * d) - loss(p - h * d)) / (2 * h)
        an = float(np.sum(np.asarray(grad, dtype=np.float64).reshape(p.shape) * d))
        err = abs(fd - an) / max(abs(fd), abs(an), 1e-12)
        worst = max(worst, err)
        lines.append(f"d{name}: analytic {an:.10g}, finite difference {fd:.10g}")
    z = x @ w.T + bb
    at_kink = act in KINKED and bool(np.any(np.abs(z) <= 1e-4 * max(1.0, float(np.max(np.abs(z), initial=0)))))
    tracer.step("Check: finite differences along a random direction",
                "⟨∇L, d⟩ ≈ (L(θ + h·d) − L(θ − h·d)) / 2h with L = Σ dA ⊙ a", result=worst,
                note="; ".join(lines) + " — largest relative difference above"
                + (f"; some Z = X·Wᵀ + b are at {act}'s kink (0), where it has no derivative: a difference "
                   "there is expected" if at_kink else ""))


def _trace_gradient_check(tracer, f, x, grad, what: str, positive=None):
    """Check: the analytic gradient `grad` of the scalar f at x (float64) against a central finite
    difference along one random direction, ⟨∇f, d⟩ ≈ (f(x + h·d) − f(x − h·d)) / 2h. `positive`: a
    mask of the entries that must stay positive (probabilities under a log, those with a non-zero
    target), so h is kept below a thousandth of the smallest of them over the direction's largest step."""
    x = np.asarray(x, dtype=np.float64)
    d = np.random.default_rng(0).standard_normal(x.shape)
    h = 1e-6 * max(1.0, float(np.max(np.abs(x[np.isfinite(x)]), initial=0)))
    logged = x[positive & (x > 0)] if positive is not None else x[:0]
    if logged.size:
        h = min(h, 1e-3 * float(np.min(logged)) / float(np.max(np.abs(d))))
    fd = (f(x + h * d) - f(x - h * d)) / (2 * h)
    an = float(np.sum(np.asarray(grad, dtype=np.float64).reshape(x.shape) * d))
    tracer.step("Check: finite difference along a random direction",
                f"⟨∇L, d⟩ ≈ (L(x + h·d) − L(x − h·d)) / 2h with L = {what}, h = {h:.1g}",
                result=abs(fd - an) / max(abs(fd), abs(an), 1e-12),
                note=f"analytic {an:.10g}, finite difference {fd:.10g}: the relative difference is above")


# ================================================================ losses


def _class_targets(command: str, ids: np.ndarray, n: int, c: int) -> np.ndarray:
    ids = ids.reshape(-1)
    for i, v in enumerate(ids):
        if not (np.isfinite(v) and v == int(v) and 0 <= v < c):
            raise InputError(f"{command}: TARGET row {i + 1}: class id {v:g} is not an integer in 0..{c - 1}")
    onehot = np.zeros((n, c), dtype=ids.dtype)
    onehot[np.arange(n), ids.astype(np.intp)] = 1
    return onehot


def loss(pred, target, fn: str, grad: bool = False, from_probs: bool = False, engine: str = "auto",
         tracer: Tracer | None = None, reduction: str = "mean"):
    """The loss value, or {loss, grad} with grad (∂L/∂PRED, in PRED's shape). reduction: "mean" (over
    the elements for mse, the rows for cross-entropy) or "sum", as PyTorch's."""
    if reduction not in ("mean", "sum"):
        raise MlcalcError(f"loss: unknown reduction {reduction!r}: choose mean or sum")
    _nonempty("loss", "PRED", pred)
    _nonempty("loss", "TARGET", target)
    if fn == "mse":
        if from_probs:
            raise MlcalcError("loss: --from-probs applies to cross-entropy only")
        target = _same_shape("loss", "TARGET", target, pred, "PRED")
        pred, target = _common_dtype(pred, target)
        rows = (-1, pred.shape[-1]) if pred.ndim > 2 else pred.shape  # (B, T, C): the mean over every element
        value, g = engines.kernel("mse_loss", engine, work=pred.size)(pred.reshape(rows), target.reshape(rows))
        g = g.reshape(pred.shape)
        if tracer is not None:
            diff = pred.astype(np.float64) - target
            shown = (lambda a: a.reshape(rows)) if pred.ndim > 2 else (lambda a: a)  # an N-D array as its rows
            tracer.step("Differences", "eᵢ = predᵢ − targetᵢ", result=shown(diff),
                        note=f"PRED is {shape_text(pred.shape)}, shown as rows" if pred.ndim > 2 else "")
            tracer.step("Mean of the squares", f"L = (1/N)·Σ eᵢ²,  N = {diff.size}", result=float(np.mean(diff ** 2)))
            if grad:
                tracer.step("Gradient", "∂L/∂predᵢ = 2·eᵢ / N", result=shown(g))
                t64 = target.astype(np.float64)
                _trace_gradient_check(tracer, lambda p: float(np.mean((p - t64) ** 2)), pred, g, "mse")
    elif fn == "cross-entropy":
        p2 = pred.reshape(1, -1) if pred.ndim == 1 else pred
        if p2.ndim != 2:
            raise ShapeError(f"loss: PRED must be one row per sample, got shape {shape_text(pred.shape)} (PyTorch's "
                             "(N, C, d…) logits: move C last and make them rows, (N·d…, C), with their targets)")
        n, c = p2.shape
        if target.size == p2.size and (target.shape == pred.shape or target.shape == p2.shape
                                       or (n == 1 and (target.ndim == 1 or (target.ndim == 2 and min(target.shape) == 1)))) and c > 1:
            t2 = target.reshape(p2.shape)  # one-hot rows or probabilities
        elif target.size == n and (target.ndim <= 1 or min(target.shape) == 1):
            t2 = _class_targets("loss", target, n, c)  # one column of class ids
        else:
            raise ShapeError(f"loss: TARGET is {shape_text(target.shape)} but PRED is {shape_text(pred.shape)}: "
                             f"give one-hot rows / probabilities {shape_text(p2.shape)} or one column of {counted(n, 'class id')}")
        p2, t2 = _common_dtype(p2, t2)
        if from_probs and np.any(p2 < 0):
            raise InputError("loss: --from-probs: PRED has a negative probability")
        value, g = engines.kernel("cross_entropy_loss", engine, work=p2.size)(p2, t2, from_probs)
        value = value + 0.0  # −Σ 0·log p is −0.0 on one engine and 0 on the other; a loss is ≥ 0 (PyTorch: 0)
        g = g.reshape(pred.shape)
        if tracer is not None:
            _trace_cross_entropy(tracer, p2, t2, from_probs, value, g if grad else None)
    else:
        raise MlcalcError(f"loss: unknown --fn {fn!r}: choose mse or cross-entropy")
    value = float(value)
    if reduction == "sum":  # PyTorch's reduction="sum"
        count = pred.size if fn == "mse" else (1 if pred.ndim == 1 else pred.shape[0])
        if fn == "mse":  # Σ e² and 2·e directly: N times the mean's 2·e/N left 2·(−6) at −12.000000000000002
            diff = pred - target
            value, g = float(np.sum(np.square(diff, dtype=np.float64))), diff * diff.dtype.type(2)
        else:  # the rows' mean times the rows (the gradient of each row is independent of n but for 1/n)
            value, g = value * count, g * g.dtype.type(count)
        if tracer is not None:
            over = "elements" if fn == "mse" else "rows"
            tracer.step("Sum instead of mean (--reduction sum)", f"L_sum = {count}·L  ({count} {over})",
                        result=value, **({"grad": g.reshape(-1, g.shape[-1]) if g.ndim > 2 else g} if grad else {}))
    return {"loss": value, "grad": g} if grad else value


def _trace_cross_entropy(tracer, p2, t2, from_probs, value, g):
    n = p2.shape[0]
    z = p2.astype(np.float64)
    if from_probs:
        with np.errstate(divide="ignore"):
            logp = np.log(z)
        tracer.step("Log-probabilities", "log pᵢⱼ", P=z, result=logp)
    else:
        m = np.max(z, axis=1, keepdims=True)
        lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
        tracer.step("Log-sum-exp per row (stable)", "lseᵢ = mᵢ + log Σⱼ e^(zᵢⱼ − mᵢ),  mᵢ = max row i",
                    logits=z, result=lse.reshape(-1))
        logp = z - lse
        tracer.step("Log-softmax", "log pᵢⱼ = zᵢⱼ − lseᵢ", result=logp)
    tracer.step("Cross-entropy, averaged over rows", f"L = −(1/n)·Σᵢ Σⱼ tᵢⱼ·log pᵢⱼ,  n = {n}", T=t2,
                result=float(value))
    if g is not None:
        formula = "∂L/∂pᵢⱼ = −tᵢⱼ / (n·pᵢⱼ)" if from_probs else "∂L/∂zᵢⱼ = (softmax(z)ᵢⱼ·Σₖ tᵢₖ − tᵢⱼ) / n"
        tracer.step("Gradient", formula, result=g)
        t64 = t2.astype(np.float64)
        _trace_gradient_check(tracer, lambda q: float(ref.cross_entropy_loss(q, t64, from_probs)[0]), z, g,
                              "cross-entropy", positive=(t64 != 0) if from_probs else None)


# ================================================================ attention


def attention(q, k, v, causal: bool = False, mask=None, engine: str = "auto", tracer: Tracer | None = None):
    """softmax(Q·Kᵀ/√d)·V, one query per row of Q; a 1-D Q is one query and gives one output vector.
    Batched operands (..., L, d), as PyTorch's scaled_dot_product_attention takes them (B, L, d) or (B, H, L, d),
    give (..., Lq, dv): their leading dimensions broadcast, and each (L, d) slice is attended on its own,
    under the one (Lq, Lk) mask."""
    if max(q.ndim, k.ndim, v.ndim) <= 2:
        return _attention(q, k, v, causal, mask, engine, tracer)
    shapes = f"Q is {shape_text(q.shape)}, K is {shape_text(k.shape)}, V is {shape_text(v.shape)}"
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise ShapeError(f"attention: batched Q, K and V are each (..., L, d): {shapes}")
    try:
        lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ShapeError(f"attention: the batch dimensions of Q, K and V do not broadcast: {shapes}") from None
    q, k, v = (np.broadcast_to(a, lead + a.shape[-2:]) for a in (q, k, v))
    slices = list(np.ndindex(lead))
    if tracer is not None:
        tracer.step(f"A batch of {len(slices)} attentions", "out[b] = softmax(Q[b]·K[b]ᵀ/√d)·V[b] for each b",
                    note=f"batch shape {shape_text(lead)}; the steps below are the first's, the others alike")
    outs = [_attention(q[b], k[b], v[b], causal, mask, engine, tracer if b == slices[0] else None, shapes)
            for b in slices]
    return np.stack(outs).reshape(lead + outs[0].shape)


def _attention(q, k, v, causal: bool, mask, engine: str, tracer: Tracer | None, shapes: str | None = None):
    """attention of one (Lq, d) Q, or one query vector; shapes: the batch's, for the messages."""
    vector = q.ndim == 1
    q2, k2, v2 = (a.reshape(1, -1) if a.ndim == 1 else a for a in (q, k, v))
    for name, a in (("Q", q2), ("K", k2), ("V", v2)):
        _nonempty("attention", name, a)
    if k2.shape[1] != q2.shape[1]:
        raise ShapeError("attention: Q and K need the same width d: "
                         + (shapes or f"Q is {shape_text(q.shape)}, K is {shape_text(k.shape)}"))
    if v2.shape[0] != k2.shape[0]:
        raise ShapeError("attention: V needs one row per key: "
                         + (shapes or f"K is {shape_text(k.shape)}, V is {shape_text(v.shape)}"))
    lq, lk = q2.shape[0], k2.shape[0]
    if mask is not None:
        mask = mask.reshape(1, -1) if mask.ndim == 1 else mask
        if mask.shape != (lq, lk):
            raise ShapeError(f"attention: the mask is {shape_text(mask.shape)} but Q·Kᵀ is {shape_text((lq, lk))}")
        odd = ~((mask == 0) | (mask == 1))
        if odd.any():
            # 1 keeps a pair and 0 hides it (PyTorch's boolean mask). Anything else is refused: PyTorch's
            # float mask is additive (0 keeps, −inf hides), and read as "non-zero keeps" it would
            # silently attend to exactly the pairs it meant to hide
            i, j = np.unravel_index(int(np.argmax(odd)), odd.shape)
            from mlcalc.io.write import format_number
            raise InputError(f"attention: the mask holds {format_number(float(mask[i, j]))} at row {i + 1}, "
                             f"column {j + 1}: it must be 1 (attend) or 0 (hide); an additive mask of 0 and "
                             f"-inf is 1 where it is 0")
    keep = np.ones((lq, lk), dtype=bool)
    if causal:
        keep = np.tril(keep)
    if mask is not None:
        keep &= mask != 0
    hidden = np.flatnonzero(~keep.any(axis=1))
    if hidden.size:
        hiders = "--causal and the mask hide" if causal else "the mask hides"
        raise ShapeError(f"attention: query row {hidden[0] + 1} may attend to no key ({hiders} them all)")
    q2, k2, v2 = _common_dtype(q2, k2, v2)
    work = lq * lk * (q2.shape[1] + v2.shape[1])
    out = engines.kernel("attention", engine, work=work)(q2, k2, v2, causal, mask)
    if tracer is not None:
        _trace_attention(tracer, q2, k2, v2, keep, causal, mask is not None)
    return out[0] if vector else out


def _trace_attention(tracer, q, k, v, keep, causal, masked):
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    d = q.shape[1]
    s = q @ k.T
    tracer.step("Scores S = Q·Kᵀ", "Sᵢⱼ = qᵢ·kⱼ  (how well query i matches key j)", Q=q, K=k, result=s,
                note=f"{q.shape[0]}×{d} times {d}×{k.shape[0]}")
    s = s / math.sqrt(d)
    tracer.step("Scale by 1/√d", f"S / √{d} = S / {math.sqrt(d):.6g}  (keeps the scores' spread independent of d)",
                result=s)
    if causal or masked:
        s = np.where(keep, s, -np.inf)
        what = " and ".join(w for w, on in (("causal: key j > query i is hidden", causal),
                                             ("the mask's zeros are hidden", masked)) if on)
        tracer.step("Mask", "hidden scores become −∞ (weight e^(−∞) = 0)", note=what, result=s)
    p = ref.softmax(s)
    tracer.step("Attention weights P = softmax(S/√d) per row" if not (causal or masked) else
                "Attention weights P = softmax of the masked S/√d per row", FORMULAS["softmax"], result=p,
                note=f"largest |row sum − 1| = {float(np.max(np.abs(p.sum(axis=1) - 1))):.2g}")
    tracer.step("Weighted sum of the values O = P·V", "oᵢ = Σⱼ Pᵢⱼ·vⱼ", V=v, result=p @ v)


# ================================================================ convolution


def conv2d(x, k, stride: int = 1, padding: int = 0, engine: str = "auto", tracer: Tracer | None = None,
           bias=None):
    """Cross-correlation of X (H, W) or (C, H, W) with K (kh, kw), (C, kh, kw) or (O, C, kh, kw) via im2col;
    (O, H′, W′) for several output channels, (H′, W′) for one. A batch X (N, C, H, W), as PyTorch's
    conv2d takes it, gives (N, O, H′, W′), one image at a time. bias: (O,), added to each output channel."""
    if stride < 1:
        raise MlcalcError(f"conv2d: --stride must be at least 1, got {stride}")
    if padding < 0:
        raise MlcalcError(f"conv2d: --padding must be 0 or more, got {padding}")
    if x.ndim not in (2, 3, 4):
        raise ShapeError(f"conv2d: X must be (H, W), (C, H, W) or a batch (N, C, H, W), got shape {shape_text(x.shape)}")
    if k.ndim not in (2, 3, 4):
        raise ShapeError(f"conv2d: K must be (kh, kw), (C, kh, kw) or (O, C, kh, kw), got shape {shape_text(k.shape)}")
    x4 = x if x.ndim == 4 else (x[None] if x.ndim == 3 else x[None, None])
    k4 = k[None, None] if k.ndim == 2 else (k[None] if k.ndim == 3 else k)
    _nonempty("conv2d", "X", x4)
    _nonempty("conv2d", "K", k4)
    n, c, h, w = x4.shape
    o, kc, kh, kw = k4.shape
    if kc != c:
        # TensorFlow's channels-last (N, H, W, C) where (N, C, H, W) is meant
        layout = "(N, C, H, W)" if x.ndim == 4 else "(C, H, W)"
        last = f"; X is read as {layout}, PyTorch's layout: a channels-last array needs its axes moved" \
            if x.ndim >= 3 and x.shape[-1] == kc else ""
        raise ShapeError(f"conv2d: X has {counted(c, 'channel')} but K expects {kc} (X is {shape_text(x.shape)}, "
                         f"K is {shape_text(k.shape)}{last})")
    if kh > h + 2 * padding or kw > w + 2 * padding:
        raise ShapeError(f"conv2d: the kernel ({kh}×{kw}) is larger than the padded input "
                         f"({h + 2 * padding}×{w + 2 * padding}; X is {shape_text(x.shape)}, K is {shape_text(k.shape)})")
    if bias is not None:
        if bias.ndim > 2 or (bias.ndim == 2 and min(bias.shape) != 1) or bias.size != o:
            raise ShapeError(f"conv2d: b must hold one value per output channel, {o}, got shape "
                             f"{shape_text(bias.shape)} (K is {shape_text(k.shape)})")
        bias = bias.reshape(o)
    x4, k4, bias = _common_dtype(x4, k4, bias)
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (w + 2 * padding - kw) // stride + 1
    # the padded input and the im2col matrix are held in memory: refuse sizes no machine holds (a
    # 20-digit --padding reached NumPy's pad as a Python int it cannot take)
    if max(c * (h + 2 * padding) * (w + 2 * padding), c * kh * kw * ho * wo) > 2 ** 34 or n * o * ho * wo > 2 ** 34:
        raise ShapeError(f"conv2d: --padding {padding} and --stride {stride} make a {h + 2 * padding}×"
                         f"{w + 2 * padding} padded input and a {ho}×{wo} output: too large to compute")
    kernel = engines.kernel("conv2d", engine, work=o * c * kh * kw * ho * wo)
    # one image at a time: its im2col matrix, not the batch's, is what memory holds
    out = np.stack([kernel(image, k4, stride, padding) for image in x4]) if n > 1 else kernel(x4[0], k4, stride, padding)[None]
    if tracer is not None:
        _trace_conv2d(tracer, x4[0], k4, stride, padding, out[0], n)
    if bias is not None:
        out = out + bias[:, None, None]
        if tracer is not None:
            tracer.step("Add the bias", "out[o] += b[o] for each output channel o", b=bias)
    if x.ndim == 4:
        return out
    return out[0, 0] if o == 1 else out[0]


def _trace_conv2d(tracer, x, k, stride, padding, out, batch: int = 1):
    """The steps for one image x (C, H, W) and its output out (O, H′, W′); of a batch, its first image."""
    o, c, kh, kw = k.shape
    cols = ref.im2col(x.astype(np.float64), kh, kw, stride, padding)
    ho, wo = out.shape[1:]
    which = f"image 1 of the batch's {batch}, the others alike; " if batch > 1 else ""
    tracer.step("im2col: one column per output position", "column p = the kh·kw·C input values under the kernel "
                "at output p (zero padding outside)", result=cols,
                note=f"{which}X is {c}×{x.shape[1]}×{x.shape[2]}, padding {padding}, stride {stride}: "
                     f"cols is {cols.shape[0]}×{cols.shape[1]} (output {ho}×{wo})")
    kf = k.reshape(o, -1).astype(np.float64)
    prod = kf @ cols
    tracer.step("One matrix product", "out = K_flat · cols, K_flat row o = filter o flattened", K_flat=kf, result=prod,
                note=f"{o}×{kf.shape[1]} times {kf.shape[1]}×{cols.shape[1]}: {prod.size * kf.shape[1]} multiply-adds")
    images = prod.reshape(o, ho, wo)
    if o == 1:
        tracer.step("Reshape each row to the output image", f"out[o] is {ho}×{wo}", result=images[0])
    else:  # each image on its own (the step had shown the unreshaped o×(ho·wo) product again)
        shown = min(o, 3)
        tracer.step("Reshape each row to the output image", f"out[o] is {ho}×{wo}",
                    note=f"the first {shown} of {o} output channels" if o > shown else "",
                    **{f"out[{c}]": images[c] for c in range(shown)})  # 0-based, as K[0, c, i, j] below
    # check the top-left output against the direct sum
    xp = np.pad(x.astype(np.float64), ((0, 0), (padding, padding), (padding, padding)))
    direct = float(np.sum(k[0].astype(np.float64) * xp[:, :kh, :kw]))
    # out[o, y, x] = Σ K[o, c, i, j]·X[c, S·y + i − P, S·x + j − P]; at y = x = 0 the stride drops out
    at = "X[c, i, j]" if padding == 0 else f"X[c, i − {padding}, j − {padding}]  (0 outside X: the padding)"
    tracer.step("Check: out[0, 0] by the direct sum", f"|Σ_c,i,j K[0, c, i, j]·{at} − out[0, 0]|",
                result=abs(direct - float(out[0, 0, 0])),
                note=f"direct sum {direct:.10g}, out[0, 0] {float(out[0, 0, 0]):.10g}")


# ================================================================ embeddings


def embed(ids, e, engine: str = "auto", tracer: Tracer | None = None):
    """Rows of E (vocabulary × dimension) for integer ids (0-based): one-hot(ids)·E without the zeros."""
    if e.ndim == 1:
        e = e.reshape(-1, 1)
    # (B, T) ids, as PyTorch's nn.Embedding takes them, give (B, T, dim); a row or a column is a vector
    grid = ids.ndim == 2 and min(ids.shape) > 1
    ids_v = ids.reshape(-1) if grid else as_vector(ids, "embed", "IDS") if ids.ndim != 0 else ids.reshape(1)
    _nonempty("embed", "IDS", ids_v)
    _nonempty("embed", "E", e)
    vocab = e.shape[0]
    bad = ~(np.isfinite(ids_v) & (ids_v == np.round(ids_v)) & (ids_v >= 0) & (ids_v < vocab))
    if bad.any():
        i = int(np.argmax(bad))
        from mlcalc.io.write import format_number  # shortest repr: 1.0000000000000002, not 1
        where = f"row {i // ids.shape[1] + 1}, column {i % ids.shape[1] + 1}" if grid else f"position {i + 1}"
        # E's entries as ids of IDS's rows: the operands were likely given in the other order
        rows_of_ids = ids.shape[0] if ids.ndim == 2 else ids.size
        fractional = np.isfinite(ids_v[i]) and ids_v[i] != np.round(ids_v[i])  # (an id out of range is a slip)
        swapped = fractional and bool(np.all(np.isfinite(e) & (e == np.round(e)) & (e >= 0) & (e < rows_of_ids)))
        raise InputError(f"embed: IDS {where}: {format_number(float(ids_v[i]))} is not an integer id "
                         f"in 0..{vocab - 1} "
                         f"(E has {counted(vocab, 'row')})"
                         + ("; embed takes IDS first, then E: were they swapped?" if swapped else ""))
    out = engines.kernel("embed", engine, work=ids_v.size * e.shape[1])(ids_v, e)
    if tracer is not None:
        n = ids_v.size
        tracer.step("Look up rows", "embed(i) = row i of E (ids count from 0)", ids=ids_v, E=e, result=out)
        if n <= FULL_UP_TO * 4 and vocab <= 1000:
            onehot = np.zeros((n, vocab))
            onehot[np.arange(n), ids_v.astype(np.intp)] = 1
            tracer.step("Check: the same as one-hot(ids)·E", "one_hot(i)·E picks row i", one_hot=onehot,
                        result=float(np.max(np.abs(onehot @ e.astype(np.float64) - out))),
                        note="largest difference from the lookup")
    return out.reshape(*ids.shape, e.shape[1]) if grid else out


# ================================================================ gradcheck


_EPS64 = float(np.finfo(np.float64).eps)


def gradcheck(x, w, b=None, act=None, loss_fn: str = "mse", target=None, tol: float = 1e-6, alpha: float = 0.01,
              approx=None, tracer: Tracer | None = None, max_params: int = 20_000) -> dict:
    """Largest relative error of the analytic dW, db, dX (backward through the loss) against central
    finite differences of the scalar loss, one parameter at a time, in float64.
    Raises NumericError when an error is above `tol`."""
    from mlcalc.errors import NumericError
    from mlcalc.io.read import require_finite

    _check_fn("gradcheck", act, approx, alpha)
    approx = _approx(approx)
    if target is None:
        raise MlcalcError("gradcheck: needs --target T (what the loss compares the layer's output with)")
    x2, w, b, vector = _layer_shapes("gradcheck", x, w, b)
    for name, a in (("X", x2), ("W", w), ("b", b), ("--target", target)):
        if a is not None:
            require_finite(a, "gradcheck", name)
    x2, w = x2.astype(np.float64), w.astype(np.float64)
    b = np.zeros(w.shape[0]) if b is None else b.astype(np.float64)
    target = target.astype(np.float64)
    n_params = w.size + b.size + x2.size
    if n_params > max_params:
        raise MlcalcError(f"gradcheck: {n_params} parameters is too many for finite differences "
                          f"(at most {max_params}: use a smaller layer)")
    a = ref.dense_forward(x2, w, b, act, alpha, approx)
    pred = a[0] if vector else a

    def loss_and_grad(p):
        r = loss(p, target, loss_fn, grad=True, engine="numpy")
        return r["loss"], r["grad"]

    try:
        _, dA = loss_and_grad(pred)
    except MlcalcError as e:  # in this command's terms, not those of the loss command it calls
        text = str(e).removeprefix("loss: ").replace("TARGET", "--target").replace("PRED", "the layer's output")
        raise type(e)("gradcheck: " + text) from None
    dA2 = dA.reshape(a.shape)
    dW, db, dX = ref.dense_backward(x2, w, b, dA2, act, alpha, approx)
    if tracer is not None:
        what = ("L = (1/N)·Σ (aᵢⱼ − tᵢⱼ)²,  N = the number of entries of a" if loss_fn == "mse" else
                "L = −(1/n)·Σᵢ Σⱼ tᵢⱼ·log softmax(a)ᵢⱼ,  n = rows (a as logits)")
        tracer.step("The scalar whose gradients are checked",
                    f"a = {act or 'identity'}(X·Wᵀ + b),  T = --target,  {what}",
                    result=float(loss_and_grad(pred)[0]), note=f"{loss_fn} loss at the given X, W, b")

    def total(xx, ww, bb):
        out = ref.dense_forward(xx, ww, bb, act, alpha, approx)
        return loss_and_grad(out[0] if vector else out)[0]

    results = {}
    params = {"dW": (w, dW), "db": (b, db), "dX": (x2, dX)}
    for name, (p, analytic) in params.items():
        numeric, rounding = np.empty_like(p), np.empty_like(p)
        for idx in np.ndindex(p.shape):
            # the fourth-order central difference (−L(θ+2h) + 8L(θ+h) − 8L(θ−h) + L(θ−2h)) / 12h: its
            # truncation error is O(h⁴), so h can be large enough that rounding stays near 1e-12
            old = p[idx]
            h = 1e-4 * max(1.0, abs(old))
            values = []
            for step in (2, 1, -1, -2):
                p[idx] = old + step * h
                values.append(total(x2, w, b))
            p[idx] = old
            numeric[idx] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * h)
            # what rounding the loss values can put into that quotient: 18 units of |L|'s last place over
            # 12h, with room for the loss's own sums (a saturated tanh layer has gradients of 1e-20 and
            # differences of ±2e-12 that are this noise alone: PyTorch's gradcheck has its atol for them)
            rounding[idx] = 12 * _EPS64 * max(abs(v) for v in values) / h
        # relative error with a floor, so that two tiny numbers that agree to rounding are not called wrong:
        # a thousandth of the largest gradient, and the differences' rounding times 10⁶ (a disagreement of
        # that rounding alone is then 1e-6 at most, the default --tol); neither depends on --tol
        scale = max(1e-3, float(np.max(np.abs(analytic), initial=0)), float(np.max(np.abs(numeric), initial=0)))
        floor = np.maximum(1e-3 * scale, rounding * 1e6)
        err = np.abs(analytic - numeric) / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
        results[name] = float(np.max(err, initial=0))
        if tracer is not None:
            tracer.step(f"{name}: analytic vs central differences",
                        "∂L/∂θ ≈ (−L(θ+2h) + 8L(θ+h) − 8L(θ−h) + L(θ−2h)) / 12h,  h = 1e-4·max(1, |θ|)",
                        analytic=analytic if name != "dX" or not vector else analytic[0],
                        numeric=numeric if name != "dX" or not vector else numeric[0],
                        result=results[name], note="largest relative error")
    # NaN is a failure, not a pass (nan > tol is false): a loss that overflows has no finite differences
    worst = max(results, key=lambda k: math.inf if math.isnan(results[k]) else results[k])
    if not results[worst] <= tol:
        every = ", ".join(f"{k} {v:.3g}" for k, v in results.items())
        if math.isnan(results[worst]):
            raise NumericError(f"gradcheck: {worst} cannot be checked: the loss is not finite near X, W, b "
                               f"(its finite differences are NaN: {every})")
        raise NumericError(f"gradcheck: {worst} differs from finite differences: relative error "
                           f"{results[worst]:.3g} > --tol {tol:g} ({every}){_kink_note(x2, w, b, act)}")
    return results


def _kink_note(x, w, b, act) -> str:
    """For relu and leaky-relu: the entries of Z = X·Wᵀ + b that a finite-difference step (up to 2h, h =
    1e-4·max(1, |θ|)) can carry across the kink at 0, where the derivative jumps. There the differences
    mix the two slopes, and a learner read the failure as a wrong backward pass."""
    if act not in ("relu", "leaky-relu"):
        return ""
    z = x @ w.T + b
    largest = max(1.0, *(float(np.max(np.abs(a), initial=0)) for a in (x, w, b)))
    reach = 2 * 1e-4 * largest * max(1.0, float(np.max(np.abs(x), initial=0)), float(np.max(np.abs(w), initial=0)))
    near = int(np.count_nonzero(np.abs(z) <= reach))
    if not near:
        return ""
    entries = "entry" if near == 1 else "entries"
    return (f"; Z = X·Wᵀ + b has {near} {entries} within a step of {act}'s kink at 0, where the derivative jumps "
            "and finite differences mix the slopes of its two sides: move X, W or b off it")
