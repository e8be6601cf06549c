"""What training reports as it goes: the events' losses in y's units (the progress bar showed the
standardized loss under --standardize), and the loss curve drawn from every epoch's loss, thinned to a
bounded number of evenly spaced points (it was drawn from the history's few reported steps)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ENGINES, run_cli

from mlcalc.io.read import read_operand
from mlcalc.train import linreg
from mlcalc.train.curve import EpochLosses

HOUSING = "samples/housing.csv"


@pytest.mark.parametrize("epochs", [1, 2, 5, 120, 121, 122, 1000, 4097])
def test_epoch_losses_keep_evenly_spaced_epochs_from_the_first_and_the_last(epochs):
    record = EpochLosses(keep=60)
    for e in range(epochs):
        record.add(float(e))
    kept = record.losses()
    assert record.epochs == epochs and kept[0] == 0.0 and kept[-1] == epochs - 1
    assert len(kept) <= 2 * 60 + 1
    every = list(range(0, epochs, record.stride))
    assert kept == [float(e) for e in every + ([epochs - 1] if every[-1] != epochs - 1 else [])]
    if epochs > 2 * 60:
        assert len(kept) > 60  # enough points for every column of a 60-column curve


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("method", ["gd", "sgd"])
def test_training_events_report_the_loss_in_the_targets_units_under_standardize(engine, method):
    op = read_operand(HOUSING)
    data = linreg.prepare(op.values, op.names, "price")
    events = []
    cfg = linreg.Config(method=method, optimizer="adam", lr=0.1, epochs=50, standardize=True, tol=0, seed=3,
                        batch_size=64)
    result = linreg.fit(data, cfg, engine=engine, callback=events.append)
    start, first, end = events[0], events[1], events[-1]
    # θ = 0 predicts the mean: the loss is y's variance (price², about 1.5e10), not 1
    assert start.kind == "start" and start.loss == pytest.approx(np.var(data.y), rel=1e-9)
    if method == "gd":  # gd's epoch loss is the loss before its update
        assert first.kind == "epoch" and first.loss == pytest.approx(np.var(data.y), rel=1e-9)
    assert end.kind == "end" and end.loss == pytest.approx(result["history"][-1], rel=1e-9)
    assert end.loss == pytest.approx(result["loss"], rel=1e-6)


@pytest.fixture
def housing_npy(tmp_path):
    np.save(tmp_path / "h.npy", read_operand(HOUSING).values)
    return str(tmp_path / "h.npy")


@pytest.mark.parametrize("blocks", [(), ("--memory-limit", "8KB")])
def test_the_loss_curve_draws_every_epoch_in_the_targets_units(housing_npy, blocks):
    r = run_cli("train-linreg", housing_npy, "--standardize", "--epochs", "300", "--tol", "0", "-f", "json", *blocks)
    assert r.code == 0, r.stderr
    assert len(json.loads(r.stdout)["history"]) == 4  # epoch 1, 100, 200, 300
    assert "loss (log scale) over 300 epochs" in r.stderr
    rows = [line for line in r.stderr.splitlines() if "|" in line]
    assert len(rows) == 10 and sum(line.split("|", 1)[1].count("*") for line in rows) == 60  # a column each
    # the top label is the first epoch's loss, y's variance in price² (the standardized loss was 1)
    y = np.load(housing_npy)[:, -1]
    assert rows[0].split("|")[0].strip() == f"{np.var(y):.3g}"


# ---------------------------------------------------------------- advice that leads with --standardize


def test_scales_note_names_the_smallest_and_largest_scale_from_a_factor_of_ten():
    assert linreg.scales_note(np.array([3.0, 127.0]), ["rooms", "area"], True) == (
        "root mean square from 1 (the intercept's ones) to 127 ('area')")
    assert linreg.scales_note(np.array([3.0, 29.0]), ["rooms", "area"], False) is None  # 9.7: close enough
    assert linreg.scales_note(np.array([3.0, 30.0]), ["rooms", "area"], False) == (
        "root mean square from 3 ('rooms') to 30 ('area')")
    assert linreg.scales_note(np.array([0.0, 5.0]), ["zeros", "x"], True) is None  # a zero column has no scale
    assert linreg.scales_note(np.array([9.0]), ["x"], False) is None


@pytest.mark.parametrize("blocks", [(), ("--memory-limit", "8KB")])
def test_gd_on_features_of_unequal_scales_is_told_to_standardize_first(housing_npy, blocks):
    # housing: area in m² (rms 127) beside the intercept's ones. "try a smaller --lr" sent a learner from
    # divergence (0.003, 0.0003) to a shortfall (3e-5: "raise --epochs or --lr") and back (1e-4 diverges)
    r = run_cli("train-linreg", housing_npy, "--engine", "numpy", *blocks)
    assert r.code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert ("training diverged at epoch 2" in r.stderr and "; use --standardize (the columns' scales differ: root "
            "mean square from 1 (the intercept's ones) to 127 ('x1')), or a smaller --lr than 0.03" in r.stderr)
    r = run_cli("train-linreg", housing_npy, "--lr", "0.00003", "-f", "json", *blocks)
    assert r.code == 0 and "did not converge in 1000 epochs" in r.stderr
    assert "; use --standardize (the columns' scales differ: " in r.stderr and ", or raise --epochs or --lr" in r.stderr
    # and it works: 300 epochs of standardized gd reach the optimum without a warning
    r = run_cli("train-linreg", housing_npy, "--standardize", "--epochs", "300", "-f", "json", *blocks)
    assert r.code == 0 and "warning" not in r.stderr, r.stderr


def test_gd_on_features_of_like_scales_keeps_the_rate_first():
    r = run_cli("train-linreg", "samples/linreg_tutorial.csv", "--lr", "5")
    assert r.code == 1 and "try a smaller --lr than 5, or --standardize" in r.stderr, r.stderr
    r = run_cli("train-linreg", "samples/linreg_tutorial.csv", "--epochs", "3", "-f", "json")
    assert r.code == 0 and "raise --epochs or --lr, or use --standardize" in r.stderr, r.stderr


def test_checks_skipped_for_the_memory_budget_say_so(tmp_path):
    # under --memory-limit 64KB the 51×51 checks do not fit: the note blamed their work, which is small here
    x = np.random.default_rng(0).standard_normal((200, 51))
    np.savetxt(tmp_path / "w.csv", x, delimiter=",")
    r = run_cli("--memory-limit", "64KB", "train-linreg", str(tmp_path / "w.csv"), "--epochs", "50", "-f", "json")
    assert r.code == 0 and ("nor its 50 features checked for dependence (its 50×50 matrices would not fit the memory "
                            "budget): compare with --method normal") in r.stderr, r.stderr
    assert run_cli("--memory-limit", "64KB", "train-linreg", str(tmp_path / "w.csv"), "--method", "normal",
                   "-f", "json").code == 0


@pytest.mark.parametrize("epochs", [300, 1000, 5000])
def test_the_curves_columns_are_evenly_spaced_in_epochs(epochs):
    # 61-121 thinned points picked by their index gave columns 4 and 8 epochs apart (300 epochs)
    from mlcalc.train.curve import loss_curve
    record = EpochLosses()
    for e in range(epochs):
        record.add(10.0 ** (-e / epochs * 59))  # one decade a column: each column on its own row band
    curve = loss_curve(record.losses(), record.epochs, width=60, height=60, unicode=False,
                       positions=record.positions())
    rows = [line.split("|", 1)[1] for line in curve.splitlines() if "|" in line]
    cols = [next(r for r, row in enumerate(rows) if row[c] == "*") for c in range(60)]
    assert {b - a for a, b in zip(cols, cols[1:])} == {1}, cols  # one row (a 59th of the epochs) a column
