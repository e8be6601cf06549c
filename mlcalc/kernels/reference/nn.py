"""Reference (NumPy) kernels: neural-network building blocks, as the textbook writes them.

Conventions: W is (out, in), X is (batch, in), b is (out,); a dense layer is a = g(X·Wᵀ + b),
the row-per-sample form of the tutorial's a = g(W·x + b). Softmax runs along the last axis.
These functions assume the shapes were checked (mlcalc.ops.nn does that); they are the
definitions the numba kernels are tested against.
"""

import math

import numpy as np

__all__ = [
    "ACTIVATIONS", "activation", "activation_grad", "activation_vjp", "softmax", "softmax_vjp",
    "dense_forward", "dense_backward", "mse_loss", "cross_entropy_loss", "attention", "im2col",
    "conv2d", "embed",
]

ACTIVATIONS = ("relu", "leaky-relu", "sigmoid", "tanh", "softmax", "swish", "gelu")

# √(2/π) and the cubic coefficient of the tanh form of GELU (Hendrycks & Gimpel)
GELU_TANH_C = math.sqrt(2.0 / math.pi)
GELU_TANH_K = 0.044715
_erfc = np.frompyfunc(math.erfc, 1, 1)  # NumPy has no erf/erfc; the math module's are within an ulp or two


def normal_cdf(x):
    """Φ(x) = ½·erfc(−x/√2), the standard normal CDF. Not ½·(1 + erf(x/√2)): for x ≪ 0 that subtracts
    two numbers near 1 and loses the digits of the small result (gelu(−8) = −5·10⁻¹⁵ came out
    1.8 % off, gelu(−9) as 0)."""
    return (0.5 * _erfc(-x / math.sqrt(2.0))).astype(x.dtype)


def sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ), written with e^(−|x|) so that exp never overflows (finite for ±1000)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    """σ′ = e/(1 + e)² with e = e^(−|x|): symmetric, where σ·(1 − σ) cancels for large x (σ′(40) gave 0).
    At most ¼, its value at 0: for |x| near 1e-9 the formula's roundings gave 0.25000000000000006."""
    e = np.exp(-np.abs(x))
    return np.minimum(e / ((1 + e) * (1 + e)), 0.25)  # NaN stays NaN


def sech2(x):
    """tanh′ = sech² = 4e/(1 + e)² with e = e^(−2|x|): 1 − tanh² loses 5 digits at 7, all by 19.
    At most 1 (tanh′(5e-10) came out 1.0000000000000002)."""
    e = np.exp(-2 * np.abs(x))
    return np.minimum(4 * e / ((1 + e) * (1 + e)), 1)


def one_plus_tanh(x):
    """1 + tanh(x) = 2/(1 + e) for x ≥ 0 and 2e/(1 + e) below, e = e^(−2|x|): no cancelling as tanh → −1."""
    e = np.exp(-2 * np.abs(x))
    return np.where(x >= 0, 2, 2 * e) / (1 + e)


def softmax(x):
    """softmax(x)ᵢ = e^(xᵢ − max x) / Σⱼ e^(xⱼ − max x) along the last axis; subtracting the row max
    keeps exp ≤ 1, so [1000, 1001, 1002] is as finite as [0, 1, 2]."""
    with np.errstate(invalid="ignore"):  # a row of -inf gives NaN, as in NumPy and PyTorch
        z = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


# where float32 operands are worked in float64, rounded once at the end (as the numba kernels do): in
# float32 the roundings of x/√2, x³ and the products cost GELU's tail 144 ulps and swish's 46, σ 3, σ′ 4
# and tanh′ 5 (in float64 these take about 4 times as long, and twice the memory). tanh itself is
# NumPy's float32 tanh, within an ulp.
def _in_float64(*functions):
    """Decorates an element-wise g(x, fn, ...) to work a float32 x in float64 for the fn named."""
    def decorate(element_wise):
        def g(x, fn, *args, **kwargs):
            if fn in functions and x.dtype == np.float32:
                return element_wise(x.astype(np.float64), fn, *args, **kwargs).astype(np.float32)
            return element_wise(x, fn, *args, **kwargs)
        g.__doc__, g.__name__ = element_wise.__doc__, element_wise.__name__
        g.__wrapped__ = element_wise  # as a NumPy user would write it, in the operand's dtype (bench/)
        return g
    return decorate


@_in_float64("sigmoid", "swish", "gelu")
def activation(x, fn, alpha=0.01, approx=None):
    """g(x) element-wise (softmax: per row)."""
    if fn == "relu":
        return np.maximum(x, 0)  # NaN stays NaN
    if fn == "leaky-relu":
        return np.where(x > 0, x, x * x.dtype.type(alpha))
    if fn == "sigmoid":
        return sigmoid(x)
    if fn == "tanh":
        return np.tanh(x)
    if fn == "softmax":
        return softmax(x)
    if fn == "swish":
        return x * sigmoid(x)
    if fn == "gelu":
        if approx == "tanh":
            with np.errstate(over="ignore"):  # x³ may overflow for huge x; tanh(±inf) = ±1 is right
                return 0.5 * x * one_plus_tanh(GELU_TANH_C * (x + GELU_TANH_K * x ** 3))
        return x * normal_cdf(x)
    raise ValueError(f"unknown activation {fn!r}")


@_in_float64("sigmoid", "tanh", "swish", "gelu")
def activation_grad(x, fn, alpha=0.01, approx=None):
    """g′(x) element-wise. Softmax has no element-wise derivative (its Jacobian is a full matrix
    per row): use activation_vjp."""
    if fn == "relu":
        return np.heaviside(x, 0).astype(x.dtype)  # 1 for x > 0, 0 at and below 0 (PyTorch), NaN stays NaN
    if fn == "leaky-relu":
        return (alpha + (1 - alpha) * np.heaviside(x, 0)).astype(x.dtype)
    if fn == "sigmoid":
        return sigmoid_grad(x)
    if fn == "tanh":
        return sech2(x)
    if fn == "swish":
        sp = sigmoid_grad(x)
        with np.errstate(invalid="ignore"):  # d/dx x·σ(x) = σ + x·σ′; at ±inf σ′ = 0: the term is 0, not inf·0
            return sigmoid(x) + np.where(sp == 0, 0, x * sp).astype(x.dtype)
    if fn == "gelu":
        if approx == "tanh":
            with np.errstate(over="ignore", invalid="ignore"):
                u = GELU_TANH_C * (x + GELU_TANH_K * x ** 3)
                s2 = sech2(u)
                inner = GELU_TANH_C * (1 + 3 * GELU_TANH_K * x * x)
                # where tanh saturated, sech² = 0 exactly and the x·inner factor may be inf: the term is 0
                tail = np.where(s2 == 0, 0, 0.5 * x * s2 * inner)
            return (0.5 * one_plus_tanh(u) + tail).astype(x.dtype)
        # d/dx x·Φ(x) = Φ(x) + x·φ(x); where φ underflows to 0 the term is 0 (at ±inf: not inf·0)
        cdf = normal_cdf(x)
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        with np.errstate(invalid="ignore"):
            return (cdf + np.where(pdf == 0, 0, x * pdf)).astype(x.dtype)
    if fn == "softmax":
        raise ValueError("softmax has no element-wise derivative: give the upstream gradient (vector-Jacobian product)")
    raise ValueError(f"unknown activation {fn!r}")


def softmax_vjp(x, grad_out):
    """dL/dx for s = softmax(x) given dL/ds per row: s ⊙ (g − ⟨g, s⟩), i.e. gᵀ·J with J = diag(s) − s·sᵀ."""
    s = softmax(x)
    return s * (grad_out - np.sum(grad_out * s, axis=-1, keepdims=True))


def activation_vjp(x, grad_out, fn, alpha=0.01, approx=None):
    """dL/dx = dL/da ⊙ g′(x) (the chain rule through an element-wise g); softmax through its Jacobian."""
    if fn == "softmax":
        return softmax_vjp(x, grad_out)
    if fn in ("relu", "leaky-relu"):
        # chosen, not multiplied, as PyTorch's threshold_backward: an inf or NaN gradient where x ≤ 0 gives
        # 0 (ReLU) or α·dA, where dA·0 was NaN and spread through dW, db and dX; a NaN x stays NaN
        below = 0 if fn == "relu" else alpha * grad_out
        dtype = np.result_type(x, grad_out, np.float32)  # as grad_out · g′(x) has it
        return np.where(x > 0, grad_out, np.where(np.isnan(x), x, below)).astype(dtype, copy=False)
    return grad_out * activation_grad(x, fn, alpha, approx)


def dense_forward(x, w, b=None, fn=None, alpha=0.01, approx=None):
    """a = g(X·Wᵀ + b) for X (batch, in), W (out, in), b (out,); fn None is the identity."""
    z = x @ w.T
    if b is not None:
        z = z + b
    return z if fn is None else activation(z, fn, alpha, approx)


def dense_backward(x, w, b, grad_out, fn=None, alpha=0.01, approx=None):
    """(dW, db, dX) of a = g(X·Wᵀ + b) given dA = dL/da:
    δ = dA ⊙ g′(Z), dW = δᵀ·X, db = Σ over the batch of δ, dX = δ·W."""
    z = x @ w.T
    if b is not None:
        z = z + b
    delta = grad_out if fn is None else activation_vjp(z, grad_out, fn, alpha, approx)
    return delta.T @ x, delta.sum(axis=0), delta @ w


def _loss_in_float64(loss):
    """Works a loss of float32 operands in float64 and rounds the value and the gradient once, as the
    numba kernels do: in float32 the mse of [1.9e19, 0] against 0 was inf (the square overflowed where the
    mean fits), and cross-entropy's gradient p − 1 of a confident class (p = 1 − 5e-8) was 0."""
    def worked(pred, target, *args, **kwargs):
        dtype = np.result_type(pred.dtype, target.dtype, np.float32)
        pred, target = pred.astype(np.float64, copy=False), target.astype(np.float64, copy=False)
        value, grad = loss(pred, target, *args, **kwargs)
        with np.errstate(over="ignore"):
            return dtype.type(value), grad.astype(dtype, copy=False)
    worked.__doc__, worked.__name__ = loss.__doc__, loss.__name__
    return worked


@_loss_in_float64
def mse_loss(pred, target):
    """(L, dL/dpred) for L = mean((pred − target)²) over all elements (PyTorch's mse_loss)."""
    diff = pred - target
    return np.mean(diff * diff), (2 / diff.size) * diff


@_loss_in_float64
def cross_entropy_loss(pred, target, from_probs=False):
    """(L, dL/dpred) for pred (n, C) logits (or probabilities with from_probs) and target (n, C)
    one-hot rows or class probabilities: L = −(1/n)·Σᵢ Σⱼ tᵢⱼ·log pᵢⱼ (PyTorch's cross_entropy)."""
    n = pred.shape[0]
    if from_probs:
        with np.errstate(divide="ignore", invalid="ignore"):
            # 0·log 0 = 0: classes the target does not name contribute nothing
            terms = np.where(target != 0, target * np.log(pred), 0)
            grad = np.where(target != 0, -target / pred, 0) / n
        return -np.sum(terms) / n, grad.astype(pred.dtype)
    # log-softmax by log-sum-exp: log pᵢⱼ = zᵢⱼ − m − log Σₖ e^(zᵢₖ − m), m the row max
    m = np.max(pred, axis=1, keepdims=True)
    log_p = pred - m - np.log(np.sum(np.exp(pred - m), axis=1, keepdims=True))
    with np.errstate(invalid="ignore"):
        terms = np.where(target != 0, target * log_p, 0)
    grad = (np.exp(log_p) * np.sum(target, axis=1, keepdims=True) - target) / n
    return -np.sum(terms) / n, grad.astype(pred.dtype)


def attention(q, k, v, causal=False, mask=None):
    """softmax(Q·Kᵀ/√d)·V for Q (Lq, d), K (Lk, d), V (Lk, dv). `causal` hides key j from query i when
    j > i (PyTorch's is_causal); `mask` (Lq, Lk) keeps the pairs where it is non-zero."""
    d = q.shape[-1]
    scores = (q @ k.T) / np.sqrt(q.dtype.type(d))
    keep = np.ones(scores.shape, dtype=bool)
    if causal:
        keep &= np.tril(keep)
    if mask is not None:
        keep &= mask != 0
    scores = np.where(keep, scores, -np.inf)
    return softmax(scores) @ v


def im2col(x, kh, kw, stride=1, padding=0):
    """X (C, H, W) → the (C·kh·kw, H′·W′) matrix whose column p is the receptive field of output p,
    so that a convolution is one matrix product K_flat · cols."""
    c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (w + 2 * padding - kw) // stride + 1
    cols = np.empty((c, kh, kw, ho, wo), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = xp[:, i:i + stride * ho:stride, j:j + stride * wo:stride]
    return cols.reshape(c * kh * kw, ho * wo)


def conv2d(x, k, stride=1, padding=0):
    """Cross-correlation (what deep-learning libraries call convolution) of X (C, H, W) with K (O, C, kh, kw):
    out[o, y, x] = Σ_c,i,j K[o, c, i, j]·X[c, y·s + i, x·s + j] → (O, H′, W′), via im2col."""
    o, c, kh, kw = k.shape
    cols = im2col(x, kh, kw, stride, padding)
    ho = (x.shape[1] + 2 * padding - kh) // stride + 1
    wo = (x.shape[2] + 2 * padding - kw) // stride + 1
    return (k.reshape(o, c * kh * kw) @ cols).reshape(o, ho, wo)


def embed(ids, e):
    """Rows of the embedding matrix E for integer ids: the same as one-hot(ids)·E, without the zeros."""
    return e[ids.astype(np.intp)]
