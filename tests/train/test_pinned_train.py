"""Training rules a mutation audit found unpinned: R² of a constant target, the size of the
--val-split hold-out (the fraction of the rows, rounded up), and the advice of the
"loss grew" warning."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlcalc.train import linreg
from conftest import run_cli


def test_r2_of_a_constant_target_is_1_when_predicted_exactly_else_0():
    y = np.array([3.0, 3.0, 3.0])
    assert linreg.r2_score(y, y.copy()) == 1.0
    assert linreg.r2_score(y, np.array([2.0, 3.0, 4.0])) == 0.0
    assert math.isnan(linreg.r2_score(np.array([3.0]), np.array([3.0])))  # one row: undefined


@pytest.mark.parametrize("rows, fraction, held_out", [(10, 0.29, 3), (10, 0.21, 3), (7, 0.5, 4), (100, 0.125, 13),
                                                     (5, 0.5, 3), (30, 0.1, 3), (10, 0.3, 3), (1000, 0.2, 200)])
def test_val_split_holds_out_the_fraction_rounded_up_as_scikit_learn_does(rows, fraction, held_out):
    # rounded half to even, 5 rows at 0.5 held out 2 and 7 rows 4; train_test_split's test_size and Keras'
    # validation_split round up (and 0.1 × 30 = 3.0000000000000004 is 3 rows, not 4)
    x = np.arange(2.0 * rows).reshape(rows, 2)
    data = linreg.prepare(np.column_stack([x, x.sum(axis=1)]), None, None)
    x_tr, y_tr, x_va, y_va = linreg._split(data, fraction, 0)
    assert len(y_va) == len(x_va) == held_out and len(y_tr) == rows - held_out
    # every row is in exactly one of the two sets
    assert sorted(np.concatenate([y_tr, y_va]).tolist()) == sorted(data.y.tolist())


@pytest.mark.parametrize("standardize,advice", [(False, "(try a smaller --lr, or --standardize)"),
                                                (True, "(try a smaller --lr)")])
def test_sgd_noise_that_ends_above_the_first_epoch_is_warned_with_the_advice_for_its_scaling(
        tmp_path, standardize, advice):
    # constant-rate sgd close to the optimum from its first epoch: its last loss is above the first
    # (0.9726 → 0.9747) but within the shortfall's tolerance, so only the "grew" warning speaks
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5000, 3))
    y = x @ [1.0, 2.0, 3.0] + 0.5 + rng.normal(size=5000)
    path = tmp_path / "lin.csv"
    np.savetxt(path, np.c_[x, y], delimiter=",", header="a,b,c,y", comments="")
    r = run_cli("train-linreg", str(path), "--method", "sgd", "--schedule", "constant", "--lr", "0.03",
                "--epochs", "20", "--seed", "0", *(["--standardize"] if standardize else []))
    assert r.code == 0
    lines = [line for line in r.stderr.splitlines() if "warning" in line]
    assert len(lines) == 1 and "the loss grew from" in lines[0] and lines[0].endswith(advice), r.stderr
