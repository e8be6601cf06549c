"""Neural-network commands: parse, call mlcalc.ops.nn, emit. No mathematics here."""

from enum import Enum
from typing import Optional

import typer

from mlcalc.cli.base import (app, emit, finite, read, read_operand, refuse_npy, require_result_fits, settings, warn,
                             with_names)


class Activation(str, Enum):
    relu = "relu"
    leaky_relu = "leaky-relu"
    sigmoid = "sigmoid"
    tanh = "tanh"
    softmax = "softmax"
    swish = "swish"
    gelu = "gelu"


class Approx(str, Enum):
    none = "none"
    tanh = "tanh"


class LossFn(str, Enum):
    mse = "mse"
    cross_entropy = "cross-entropy"


class Reduction(str, Enum):
    mean = "mean"
    sum = "sum"


OPERAND_HELP = "file (.csv .tsv .txt .json .npy, x.npz:KEY, any path read by content), '-' or a literal like \"1 2; 3 4\""
ALPHA = typer.Option(None, "--alpha", callback=finite, help="Slope of leaky-relu for z < 0 (default 0.01).")
APPROX = typer.Option(Approx.none, "--approx", case_sensitive=False, help="gelu: none (exact erf form) or tanh (the tanh approximation).")
WEIGHTS = typer.Option(..., "--weights", "-W", help=f"W, (out, in): {OPERAND_HELP}.")
BIAS = typer.Option(None, "--bias", "-b", help="b, (out,).")
ACT = typer.Option(None, "--act", case_sensitive=False, help="Activation g (default: none, a = Z).")


def _fn(value):
    return None if value is None else value.value


def _alpha(command: str, fn, alpha):
    """--alpha's value (0.01 when not given); given with another activation it would change nothing, without a
    word (`--fn relu --alpha 0.2` printed ReLU's numbers): an error, as --approx tanh is for all but gelu."""
    if alpha is not None and fn != "leaky-relu":
        from mlcalc.errors import MlcalcError
        option = "--fn" if command == "activate" else "--act"
        given = f"not {fn}" if fn is not None else f"and no {option} was given: add {option} leaky-relu"
        raise MlcalcError(f"{command}: --alpha applies to {option} leaky-relu only, {given}")
    return 0.01 if alpha is None else alpha


@app.command(epilog='Examples: mlcalc activate "-2 -1 0 1 2" --fn relu  ·  mlcalc activate "1000 1001 1002" --fn softmax  ·  '
                    'mlcalc activate "-1 0 1" --fn sigmoid --grad  ·  mlcalc activate "1 2 3" --fn softmax --grad-out "1 0 0"  ·  '
                    'mlcalc activate x.csv --fn gelu --approx tanh')
def activate(x: str = typer.Argument(..., metavar="X", help=f"Values: {OPERAND_HELP}."),
             fn: Activation = typer.Option(..., "--fn", case_sensitive=False, help="The activation (softmax works per row, along the last dimension of an N-D NPY)."),
             grad: bool = typer.Option(False, "--grad", help="The element-wise derivative g′(X) instead of g(X)."),
             alpha: float = ALPHA, approx: Approx = APPROX,
             grad_out: Optional[str] = typer.Option(None, "--grad-out", metavar="dA",
                                                    help="Upstream gradient: gives dA ⊙ g′(X), for softmax the "
                                                         "vector-Jacobian product (required for softmax --grad).")):
    """Apply an activation function element-wise (softmax per row), or its derivative."""
    from mlcalc.ops import nn
    s = settings()
    g = read(grad_out, "dA", max_ndim=4) if grad_out is not None else None
    op = read_operand(x, max_ndim=4)
    values = op.values
    result = nn.activate(values, fn.value, grad=grad, alpha=_alpha("activate", fn.value, alpha), approx=approx.value, grad_out=g,
                         engine=s.engine, tracer=s.tracer)
    if fn.value == "softmax" and g is None and values.shape[-1:] == (1,) and values.size > 1:
        from mlcalc.ops.common import shape_text
        # rows of one class: 1 each, as NumPy and PyTorch give it; most often a vector printed as CSV, which
        # comes back a column (the same numbers piped as NPY stay a vector): say so, change nothing
        warn(f"activate: softmax runs along each row, and X {shape_text(values.shape)} has one value a row: the "
             "softmax of each is 1; for the softmax of a column, pass it as a vector (-f json or -f npy "
             "upstream, or transpose it)")
    emit(with_names(result, op))


@app.command(epilog='Examples: mlcalc forward "1 2" --weights "1 0; 0 1; 1 1" --bias "0 0 -4" --act relu  ·  '
                    'mlcalc forward X.npy -W W.npy -b b.npy --act gelu -o A.npy')
def forward(x: str = typer.Argument(..., metavar="X", help=f"Inputs (batch, in), (*, in) as NPY, or one vector (in,): {OPERAND_HELP}."),
            weights: str = WEIGHTS, bias: Optional[str] = BIAS, act: Optional[Activation] = ACT,
            alpha: float = ALPHA, approx: Approx = APPROX):
    """A dense layer's forward pass a = g(X·Wᵀ + b) (for one vector x: a = g(W·x + b))."""
    from mlcalc.ops import nn
    s = settings()
    b = read(bias, "b") if bias is not None else None
    emit(nn.forward(read(x, max_ndim=4), read(weights, "W"), b, _fn(act), alpha=_alpha("forward", _fn(act), alpha),
                    approx=approx.value, engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc backward "1 2" -W "1 0; 0 1; 1 1" -b "0 0 -4" --act relu --grad-out "1 1 1" -f json  ·  '
                    'mlcalc backward X.npy -W W.npy --act tanh --grad-out dA.npy -o grads.npz')
def backward(x: str = typer.Argument(..., metavar="X", help=f"Inputs (batch, in), (*, in) as NPY, or one vector (in,): {OPERAND_HELP}."),
             weights: str = WEIGHTS, bias: Optional[str] = BIAS, act: Optional[Activation] = ACT,
             grad_out: str = typer.Option(..., "--grad-out", metavar="dA", help="∂L/∂a, the shape of the layer's output."),
             alpha: float = ALPHA, approx: Approx = APPROX):
    """Gradients dW, db, dX of a dense layer a = g(X·Wᵀ + b): δ = dA ⊙ g′(Z), dW = δᵀX, db = Σδ, dX = δW."""
    from mlcalc.ops import nn
    s = settings()
    b = read(bias, "b") if bias is not None else None
    refuse_npy()
    emit(nn.backward(read(x, max_ndim=4), read(weights, "W"), b, read(grad_out, "dA", max_ndim=4), _fn(act),
                     alpha=_alpha("backward", _fn(act), alpha),
                     approx=approx.value, engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc loss "1 2 3" "1 2 5" --fn mse  ·  mlcalc loss "2 1 0.1" "1 0 0" --fn cross-entropy --grad -f json  ·  '
                    'mlcalc loss logits.csv labels.csv --fn cross-entropy  (labels: one column of class ids 0..C−1)')
def loss(pred: str = typer.Argument(..., metavar="PRED", help="Predictions (cross-entropy: logits, one row per sample)."),
         target: str = typer.Argument(..., metavar="TARGET", help="Targets: same shape, or one column of class ids."),
         fn: LossFn = typer.Option(..., "--fn", case_sensitive=False, help="mse (mean over all elements) or cross-entropy (PyTorch's)."),
         grad: bool = typer.Option(False, "--grad", help="Also the gradient ∂L/∂PRED (named results loss, grad)."),
         from_probs: bool = typer.Option(False, "--from-probs", help="cross-entropy: PRED holds probabilities, not logits."),
         reduction: Reduction = typer.Option(Reduction.mean, "--reduction", case_sensitive=False, help="mean (over the elements for mse, the rows for cross-entropy) or sum, as PyTorch's.")):
    """Loss value (and gradient with --grad)."""
    from mlcalc.ops import nn
    s = settings()
    if grad:
        refuse_npy()
    emit(nn.loss(read(pred, "PRED", max_ndim=4), read(target, "TARGET", max_ndim=4), fn.value, grad=grad, from_probs=from_probs,
                 engine=s.engine, tracer=s.tracer, reduction=reduction.value))


@app.command(epilog='Examples: mlcalc attention "1 0; 0 1" "1 0; 0 1" "1 2; 3 4"  ·  mlcalc attention Q.npy K.npy V.npy --causal -o out.npy  (a batch (B, L, d) gives (B, L, dv): -o FILE.npy or -f json)')
def attention(q: str = typer.Argument(..., metavar="Q", help="Queries (Lq, d), or a batch (..., Lq, d) as NPY."),
              k: str = typer.Argument(..., metavar="K", help="Keys (Lk, d), or (..., Lk, d)."),
              v: str = typer.Argument(..., metavar="V", help="Values (Lk, dv), or (..., Lk, dv)."),
              causal: bool = typer.Option(False, "--causal", help="Query i sees keys j ≤ i only (PyTorch's is_causal)."),
              mask: Optional[str] = typer.Option(None, "--mask", metavar="M",
                                                 help="(Lq, Lk): 1 lets query i see key j, 0 hides it.")):
    """Scaled dot-product attention softmax(Q·Kᵀ/√d)·V; batched NPY operands (B, L, d) or (B, H, L, d), as
    PyTorch's scaled_dot_product_attention takes them, attend each slice."""
    from mlcalc.ops import nn
    s = settings()
    m = read(mask, "M") if mask is not None else None
    qs, ks, vs = read(q, "Q", max_ndim=4), read(k, "K", max_ndim=4), read(v, "V", max_ndim=4)
    if min(qs.ndim, ks.ndim, vs.ndim) >= 2 and qs.shape[-1] == ks.shape[-1] and ks.shape[-2] == vs.shape[-2]:
        # one slice's scores Q·Kᵀ at a time (a batch is attended slice by slice), with their exponentials and
        # weights: about 4 copies; shapes that do not fit together are left to attention's own message
        require_result_fits("attention", (qs.shape[-2], ks.shape[-2]), copies=4, what="the scores Q·Kᵀ")
    emit(nn.attention(qs, ks, vs, causal=causal, mask=m, engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc conv2d image.csv "1 0 -1; 1 0 -1; 1 0 -1"  ·  mlcalc conv2d x.npy k.npy --stride 2 --padding 1 -o y.npy  '
                    '(x.npy (C, H, W), k.npy (O, C, kh, kw))')
def conv2d(x: str = typer.Argument(..., metavar="X", help="Image (H, W) as CSV, or (C, H, W) or a batch (N, C, H, W) as NPY."),
           k: str = typer.Argument(..., metavar="K", help="Kernel (kh, kw), or (C, kh, kw) / (O, C, kh, kw) as NPY."),
           stride: int = typer.Option(1, "--stride", min=1, help="Step between kernel positions."),
           padding: int = typer.Option(0, "--padding", min=0, help="Zeros added on every side."),
           bias: Optional[str] = typer.Option(None, "--bias", "-b", help="b, (O,): one value added to each output channel (nn.Conv2d's bias).")):
    """2-D convolution (cross-correlation, as in deep learning) through im2col and one matrix product.
    One output channel prints as a matrix; several give (O, H′, W′), and a batch (N, O, H′, W′), written with
    -o FILE.npy (or JSON)."""
    from mlcalc.ops import nn
    s = settings()
    b = read(bias, "b") if bias is not None else None
    emit(nn.conv2d(read(x, "X", max_ndim=4), read(k, "K", max_ndim=4), stride=stride, padding=padding, bias=b,
                   engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc embed "2 0 2" "0.1 0.2; 0.3 0.4; 0.5 0.6"  ·  mlcalc embed ids.csv E.npy -o vectors.npy')
def embed(ids: str = typer.Argument(..., metavar="IDS", help="Integer ids 0..V−1: a vector, or (B, T) as NPY (gives (B, T, dim))."),
          e: str = typer.Argument(..., metavar="E", help="Embedding matrix (V, dim): row i is the vector of id i.")):
    """Embedding lookup: the rows of E for the ids (= one-hot(IDS)·E)."""
    from mlcalc.ops import nn
    s = settings()
    # ids in float64 whatever --dtype says: float32 holds integers exactly only up to 2²⁴, and a
    # larger id would silently pick its neighbour's row
    i, table = read(ids, "IDS", dtype="float64"), read(e, "E")
    if table.ndim == 2:
        require_result_fits("embed", i.shape + table.shape[1:])
    emit(nn.embed(i, table, engine=s.engine, tracer=s.tracer))


@app.command(epilog='Examples: mlcalc gradcheck "1 2; 3 -1" -W "0.5 -0.2; 0.1 0.3" -b "0.1 0" --act tanh --target "1 0; 0 1"  ·  '
                    'mlcalc gradcheck X.csv -W W.csv --act sigmoid --loss cross-entropy --target labels.csv --tol 1e-5')
def gradcheck(x: str = typer.Argument(..., metavar="X", help="Inputs (batch, in), or one vector."),
              weights: str = WEIGHTS, bias: Optional[str] = BIAS, act: Optional[Activation] = ACT,
              loss_fn: LossFn = typer.Option(LossFn.mse, "--loss", case_sensitive=False, help="The loss on the layer's output."),
              target: str = typer.Option(..., "--target", metavar="T", help="What the loss compares the output with."),
              tol: float = typer.Option(1e-6, "--tol", callback=finite, min=0.0, help="Largest relative error accepted."),
              alpha: float = ALPHA, approx: Approx = APPROX):
    """Check the analytic dW, db, dX of a dense layer against central finite differences of the loss.
    Prints the largest relative error per parameter (results dW, db, dX; dW alone in CSV, as the first
    named result); exits 1 when one is above --tol."""
    from mlcalc.ops import nn
    s = settings()
    b = read(bias, "b") if bias is not None else None
    refuse_npy()
    emit(nn.gradcheck(read(x), read(weights, "W"), b, _fn(act), loss_fn.value, read(target, "T"), tol=tol,
                      alpha=_alpha("gradcheck", _fn(act), alpha), approx=approx.value, tracer=s.tracer))
