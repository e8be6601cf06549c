"""Training rules a mutation audit found unpinned: R² of a constant target, and the size of the
--val-split hold-out (the fraction of the rows, rounded to the nearest row)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlcalc.train import linreg


def test_r2_of_a_constant_target_is_1_when_predicted_exactly_else_0():
    y = np.array([3.0, 3.0, 3.0])
    assert linreg.r2_score(y, y.copy()) == 1.0
    assert linreg.r2_score(y, np.array([2.0, 3.0, 4.0])) == 0.0
    assert math.isnan(linreg.r2_score(np.array([3.0]), np.array([3.0])))  # one row: undefined


@pytest.mark.parametrize("rows, fraction, held_out", [(10, 0.29, 3), (10, 0.21, 2), (7, 0.5, 4), (100, 0.125, 12)])
def test_val_split_holds_out_the_fraction_rounded_to_the_nearest_row(rows, fraction, held_out):
    x = np.arange(2.0 * rows).reshape(rows, 2)
    data = linreg.prepare(np.column_stack([x, x.sum(axis=1)]), None, None)
    x_tr, y_tr, x_va, y_va = linreg._split(data, fraction, 0)
    assert len(y_va) == len(x_va) == held_out and len(y_tr) == rows - held_out
    # every row is in exactly one of the two sets
    assert sorted(np.concatenate([y_tr, y_va]).tolist()) == sorted(data.y.tolist())
