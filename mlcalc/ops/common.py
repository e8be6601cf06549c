"""Checks and helpers that every ops module shares."""

from __future__ import annotations

import numpy as np

from mlcalc.errors import ShapeError


def shape_text(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def as_vector(a: np.ndarray, command: str, operand: str) -> np.ndarray:
    """A one-row or one-column operand as a 1-D vector; anything else is an error."""
    if a.ndim == 1:
        return a
    if a.ndim == 2 and (a.shape[0] == 1 or a.shape[1] == 1):
        return a.reshape(-1)
    raise ShapeError(f"{command}: {operand} must be a vector (one row or one column), got shape {shape_text(a.shape)}")


def as_matrix(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, -1) if a.ndim == 1 else a


def require_square(a: np.ndarray, command: str, operand: str = "A") -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ShapeError(f"{command}: {operand} must be a square matrix, got shape {shape_text(a.shape)}")


def broadcast_shape(command: str, a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(f"{command}: shapes {shape_text(a.shape)} and {shape_text(b.shape)} "
                         "cannot be broadcast together") from None
