"""Which way the rate should go when gradient descent ends short of the optimum: a full-batch run whose loss
rose and fell in its last epochs bounced (a smaller --lr), one whose loss only fell crept (a larger one).
The advice said 'lower --tol, or change --lr', and 'raise --epochs or --lr' to a run that bounced."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ENGINES, run_cli

from mlcalc.train import linreg


@pytest.fixture
def line(tmp_path):
    """x = 1..5, y = 2x (the seed articles' fit)."""
    path = tmp_path / "line.csv"
    path.write_text("x,y\n1,2\n2,4\n3,6\n4,8\n5,10\n")
    return str(path)


def test_the_watch_keeps_the_last_epochs_and_passes_every_event_on():
    seen = []
    watch = linreg.LossWatch(seen.append)
    for loss in [5.0, 1.0] + [0.5 - 0.01 * k for k in range(linreg.SWING_EPOCHS - 1)]:
        watch(linreg.Event("epoch", 0, loss))
    watch(linreg.Event("end", 0, 0.1))
    assert len(seen) == linreg.SWING_EPOCHS + 2 and not watch.bounced()  # the rise from 1.0 to 0.5 is not kept
    watch(linreg.Event("epoch", 0, 0.6))
    assert watch.bounced()
    assert not linreg.LossWatch(seen.append).bounced()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("stop, ends", [(("--tol", "1e-2"), "lower --tol"), (("--epochs", "20"), "raise --epochs")])
def test_a_run_that_bounced_is_told_a_smaller_rate(line, engine, stop, ends):
    # Adam at --lr 3 bounces around w = 2 and stops at a loss of 1.64 (20 epochs either way)
    r = run_cli("train-linreg", line, "--optimizer", "adam", "--lr", "3", *stop, "--engine", engine, "-f", "json")
    assert r.code == 0, r.stderr
    assert f"at the optimum (--method normal); try a smaller --lr, or {ends}, or use --standardize" in r.stderr


def test_a_run_by_blocks_that_bounced_is_told_a_smaller_rate(tmp_path):
    x = np.tile(np.arange(1.0, 6.0), 400)
    data = tmp_path / "line.npy"
    np.save(data, np.column_stack([x, 2 * x]))  # 32 KB: by blocks under an 8 KB budget
    r = run_cli("train-linreg", str(data), "--optimizer", "adam", "--lr", "3", "--epochs", "20",
                "--memory-limit", "8KB", "-f", "json")
    assert r.code == 0 and "try a smaller --lr, or raise --epochs" in r.stderr, r.stderr


@pytest.mark.parametrize("blocks", [(), ("--memory-limit", "8KB")])
def test_a_run_that_crept_is_told_a_larger_rate(line, tmp_path, blocks):
    x = np.arange(1.0, 2001.0) / 400  # 32 KB: by blocks under an 8 KB budget
    data = tmp_path / "line.npy"
    np.save(data, np.column_stack([x, 2 * x]))
    r = run_cli("train-linreg", str(data), "--lr", "0.001", "--tol", "1e-2", "-f", "json", *blocks)
    assert r.code == 0, r.stderr
    assert "settled after" in r.stderr and "lower --tol, or raise --lr, or use --standardize" in r.stderr, r.stderr
    r = run_cli("train-linreg", str(data), "--lr", "0.001", "--epochs", "20", "-f", "json", *blocks)
    assert "did not converge in 20 epochs" in r.stderr and "raise --epochs or --lr, or use" in r.stderr, r.stderr


def test_mini_batches_leave_the_direction_open(line):
    # a mini-batch epoch's loss rises and falls with its batches whatever the rate
    r = run_cli("train-linreg", line, "--method", "sgd", "--batch-size", "2", "--lr", "0.001", "--tol", "1e-2",
                "--seed", "1", "-f", "json")
    assert r.code == 0 and "lower --tol, or change --lr" in r.stderr, r.stderr


def test_a_loss_that_grew_leads_with_standardize_where_the_scales_differ():
    # the CLI worded this warning itself, always "try a smaller --lr, or --standardize"; it now comes from both
    # fits with the scales their other advice names
    cfg = linreg.Config("sgd")
    scales = "root mean square from 1 (the intercept's ones) to 127 ('area_m2')"
    assert linreg.grew_message([1.0, 2.0], cfg, scales).endswith(
        f"probably too large; use --standardize (the columns' scales differ: {scales}), or try a smaller --lr")
    assert linreg.grew_message([1.0, 2.0], cfg).endswith("(try a smaller --lr, or --standardize)")
    assert linreg.grew_message([1.0, 2.0], linreg.Config("sgd", standardize=True), scales).endswith(
        "(try a smaller --lr)")


@pytest.mark.parametrize("shortfall, history, says", [((2.0, 1.0), [1.0, 3.0], "short"), (None, [1.0, 3.0], "note"),
                                                      (None, [3.0, 1.0], None), ((2.0, 1.0), [3.0, 1.0], "short")])
def test_the_ending_is_reported_once(shortfall, history, says):
    said = []
    linreg.report_ending(linreg.Config("gd"), 5, shortfall, 1.0, history, None, None,
                         lambda m: said.append(("short", m)), lambda m: said.append(("note", m)))
    assert [kind for kind, _ in said] == ([says] if says else [])
    if says == "note":
        assert "the loss grew from 1 to 3" in said[0][1]


@pytest.mark.parametrize("lr", ["0.005", "0.0025", "0.00125"])
def test_momentum_and_penalties_leave_the_direction_open(tmp_path, lr):
    # momentum's loss rises and falls at any rate: "try a smaller --lr" made each of these fits worse
    path = tmp_path / "line1.csv"
    path.write_text("x,y\n" + "".join(f"{x},{2 * x + 1}\n" for x in range(1, 6)))
    r = run_cli("train-linreg", str(path), "--optimizer", "momentum", "--lr", lr, "--epochs", "40", "-f", "json")
    assert r.code == 0 and "did not converge in 40 epochs" in r.stderr and "raise --epochs or --lr" in r.stderr, r.stderr
    assert not linreg.rate_judged(linreg.Config("gd", "adam", l2=0.1), True)
    assert linreg.rate_judged(linreg.Config("gd", "adam"), True) and not linreg.rate_judged(linreg.Config(), False)
