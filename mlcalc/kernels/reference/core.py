"""Reference (NumPy) kernels: products and element-wise operations."""

import numpy as np

__all__ = ["matmul", "add", "sub", "hadamard", "scale", "transpose", "dot", "outer", "cross"]


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """C = A·B, with NumPy's rules for 1-D operands (a vector acts as a row on the left, a column on the right)."""
    return np.matmul(a, b)


def add(a, b):
    return np.add(a, b)


def sub(a, b):
    return np.subtract(a, b)


def hadamard(a, b):
    """Element-wise product A ⊙ B."""
    return np.multiply(a, b)


def scale(a, k: float):
    return a * a.dtype.type(k)


def transpose(a):
    return np.ascontiguousarray(a.T)


def dot(u, v):
    """u·v = Σ uᵢvᵢ for two vectors of equal length."""
    return np.dot(u, v)


def outer(u, v):
    return np.outer(u, v)


def cross(u, v):
    """u × v of 3-vectors, row by row for (n, 3) matrices (one vector against every row of the other)."""
    return np.cross(u, v)
