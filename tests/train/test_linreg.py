"""train-linreg's mathematics: closed forms, every optimizer's convergence, penalties, seeds, engines."""

from __future__ import annotations

import numpy as np
import pytest

from mlcalc.io.read import read_operand
from mlcalc.train import linreg, model
from mlcalc.train.optimizers import NAMES

HOUSING = "samples/housing.csv"


@pytest.fixture(scope="module")
def housing():
    import os
    op = read_operand(os.path.join(os.path.dirname(__file__), "..", "..", HOUSING))
    return linreg.prepare(op.values, op.names, "price")


def _lstsq_mse(data):
    a = np.column_stack([data.x, np.ones(len(data.y))])
    coef = np.linalg.lstsq(a, data.y, rcond=None)[0]
    return coef, float(np.mean((a @ coef - data.y) ** 2))


def test_normal_equation_matches_lstsq(housing):
    r = linreg.fit(housing, linreg.Config(method="normal"))
    coef, mse = _lstsq_mse(housing)
    np.testing.assert_allclose(r["coef"], coef[:-1], rtol=1e-8)
    assert r["intercept"] == pytest.approx(coef[-1], rel=1e-8)
    assert r["loss"] == pytest.approx(mse, rel=1e-10)


def test_normal_equation_with_l2_matches_the_ridge_closed_form(housing):
    l2 = 0.5
    r = linreg.fit(housing, linreg.Config(method="normal", l2=l2))
    x, y = housing.x, housing.y
    xc, yc = x - x.mean(0), y - y.mean()
    n = len(y)
    w = np.linalg.solve(xc.T @ xc / n + l2 * np.eye(x.shape[1]), xc.T @ yc / n)
    np.testing.assert_allclose(r["coef"], w, rtol=1e-8)
    assert r["intercept"] == pytest.approx(y.mean() - x.mean(0) @ w, rel=1e-8)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("method", ["gd", "sgd"])
@pytest.mark.parametrize("optimizer", NAMES)
def test_every_optimizer_reaches_the_least_squares_mse_within_one_percent(housing, optimizer, method, engine):
    r = linreg.fit(housing, linreg.Config(method=method, optimizer=optimizer, standardize=True, seed=1), engine=engine)
    _, best = _lstsq_mse(housing)
    assert best <= r["loss"] <= 1.01 * best


@pytest.mark.parametrize("method", ["normal", "gd"])
def test_l2_shrinks_the_coefficients(housing, method):
    # the penalty acts in the units trained in: with --standardize, on w·σ(x)/σ(y)
    sigma = housing.x.std(0)
    free = linreg.fit(housing, linreg.Config(method=method, standardize=True))
    ridge = linreg.fit(housing, linreg.Config(method=method, standardize=True, l2=0.5))
    assert np.linalg.norm(ridge["coef"] * sigma) < 0.9 * np.linalg.norm(free["coef"] * sigma)
    raw_free = linreg.fit(housing, linreg.Config(method="normal"))
    raw_ridge = linreg.fit(housing, linreg.Config(method="normal", l2=1000.0))
    assert np.linalg.norm(raw_ridge["coef"]) < np.linalg.norm(raw_free["coef"])


@pytest.mark.parametrize("method", ["normal", "gd", "sgd"])
def test_large_l1_sets_some_coefficients_exactly_to_zero(housing, method):
    r = linreg.fit(housing, linreg.Config(method=method, standardize=True, l1=0.3, seed=0, epochs=300))
    assert np.any(r["coef"] == 0.0) and np.any(r["coef"] != 0.0)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_seed_makes_sgd_reproducible_bit_for_bit(housing, engine):
    cfg = linreg.Config(method="sgd", optimizer="adam", standardize=True, seed=42, epochs=20)
    a, b = linreg.fit(housing, cfg, engine=engine), linreg.fit(housing, cfg, engine=engine)
    assert np.array_equal(a["coef"], b["coef"]) and a["intercept"] == b["intercept"]
    c = linreg.fit(housing, linreg.Config(method="sgd", optimizer="adam", standardize=True, seed=43, epochs=20),
                   engine=engine)
    assert not np.array_equal(a["coef"], c["coef"])


@pytest.mark.parametrize("optimizer", NAMES)
def test_numba_and_numpy_engines_agree(housing, optimizer):
    cfg = linreg.Config(method="sgd", optimizer=optimizer, standardize=True, seed=5, epochs=30, l1=0.01, l2=0.01)
    a, b = linreg.fit(housing, cfg, engine="numpy"), linreg.fit(housing, cfg, engine="numba")
    np.testing.assert_allclose(a["coef"], b["coef"], rtol=1e-9)


def test_r2_is_one_minus_ss_res_over_ss_tot(housing):
    r = linreg.fit(housing, linreg.Config(method="normal"))
    pred = housing.x @ r["coef"] + r["intercept"]
    y = housing.y
    assert r["r2"] == pytest.approx(1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2), rel=1e-12)


def test_standardized_model_is_in_original_units(housing):
    plain = linreg.fit(housing, linreg.Config(method="normal"))
    std = linreg.fit(housing, linreg.Config(method="normal", standardize=True))
    np.testing.assert_allclose(std["coef"], plain["coef"], rtol=1e-8)
    assert std["intercept"] == pytest.approx(plain["intercept"], rel=1e-8)


def test_saved_model_predicts_what_the_fit_reported(housing, tmp_path):
    r = linreg.fit(housing, linreg.Config(method="gd", optimizer="adam", standardize=True, epochs=200))
    model.save(str(tmp_path / "m.json"), r, {}, 6)
    m = model.load(str(tmp_path / "m.json"))
    np.testing.assert_allclose(model.predict(m, housing.x), housing.x @ r["coef"] + r["intercept"], rtol=1e-12)


def test_tutorial_fit_gives_w_2_b_0():
    data = linreg.Data(np.arange(1.0, 6).reshape(-1, 1), 2 * np.arange(1.0, 6), ["x"], "y", 2)
    r = linreg.fit(data, linreg.Config(method="gd", lr=0.01, epochs=1000))
    assert r["coef"][0] == pytest.approx(2, abs=0.05) and r["intercept"] == pytest.approx(0, abs=0.05)
    assert all(b < a for a, b in zip(r["history"], r["history"][1:]))  # the loss falls


def test_callback_receives_every_epoch():
    data = linreg.Data(np.arange(1.0, 6).reshape(-1, 1), 2 * np.arange(1.0, 6), ["x"], "y", 2)
    events = []
    linreg.fit(data, linreg.Config(epochs=5, tol=0), callback=events.append)
    assert [e.kind for e in events] == ["start"] + ["epoch"] * 5 + ["end"]
    assert [e.epoch for e in events if e.kind == "epoch"] == [1, 2, 3, 4, 5]


def test_validation_split_reports_validation_loss(housing):
    r = linreg.fit(housing, linreg.Config(method="normal", val_split=0.2, seed=0))
    assert list(r)[:8] == ["coef", "intercept", "features", "target", "loss", "r2", "val_loss", "val_r2"]
    assert 0.9 < r["val_r2"] <= 1


@pytest.fixture
def housing_npy(tmp_path):
    np.save(tmp_path / "h.npy", read_operand("samples/housing.csv").values)  # mlcalc's reader: no pandas in tests
    return tmp_path / "h.npy"


def _fit(*args):
    import json

    from conftest import run_cli
    r = run_cli("train-linreg", *map(str, args), "-f", "json")
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("extra", [["--tol", "1e-4"], ["--epochs", "250"], ["--optimizer", "adam", "--epochs", "150"]])
def test_gd_by_blocks_follows_the_in_memory_rules(housing_npy, extra):
    # stopping (--tol and gd's default), the history's points (after epoch 1, every 100, the last) and
    # the model agree with the in-memory fit
    mem = _fit(housing_npy, "--method", "gd", "--standardize", *extra)
    blk = _fit(housing_npy, "--method", "gd", "--standardize", *extra, "--memory-limit", "8KB")
    assert blk["epochs"] == mem["epochs"]
    np.testing.assert_allclose(blk["history"], mem["history"], rtol=1e-6)  # sums in another order
    np.testing.assert_allclose(blk["coef"], mem["coef"], rtol=1e-6)


def test_blocked_tables_are_checked_as_in_memory(tmp_path, housing_npy):
    from conftest import assert_one_error_line, run_cli
    np.save(tmp_path / "col.npy", np.arange(3000.0))  # 24 KB: over the budget, so read by blocks
    np.save(tmp_path / "row.npy", np.arange(600.0).reshape(1, 600))
    for spec, fragment in ((tmp_path / "col.npy", "at least two columns"), (tmp_path / "row.npy", "DATA has 1 row")):
        assert_one_error_line(run_cli("train-linreg", str(spec), "--method", "normal", "--memory-limit", "2KB"), fragment)
    # the names a headerless table gets (x1, x2, …, y) select the target by blocks too
    assert _fit(housing_npy, "--method", "normal", "--target", "x2", "--memory-limit", "8KB")["target"] == "x2"
    assert _fit(housing_npy, "--method", "normal", "--target", "y", "--memory-limit", "8KB")["target"] == "y"


@pytest.mark.parametrize("blocks", [(), ("--memory-limit", "8KB")])
def test_a_headerless_target_elsewhere_leaves_no_feature_called_y(housing_npy, blocks):
    # with --target 1 the features of a headerless table were x2, …, x5 and y
    got = _fit(housing_npy, "--method", "normal", "--target", "1", *blocks)
    assert got["target"] == "x1" and got["features"] == ["x2", "x3", "x4", "x5", "x6"]
    # and each name it prints selects its column: x6 is the last one, also called y
    assert _fit(housing_npy, "--method", "normal", "--target", "x6", *blocks)["target"] == "y"


def test_blocked_predict_refuses_non_finite_rows(tmp_path, housing_npy):
    from conftest import assert_one_error_line, run_cli
    assert run_cli("train-linreg", str(housing_npy), "--method", "normal", "--save", str(tmp_path / "m.json")).code == 0
    x = np.load(housing_npy)[:, :-1].copy()
    x[10, 2] = np.nan
    np.save(tmp_path / "x.npy", x)
    for limit in ([], ["--memory-limit", "8KB"]):
        assert_one_error_line(run_cli("predict", str(tmp_path / "m.json"), str(tmp_path / "x.npy"), *limit),
                              "non-finite value (nan) at row 11, column 3")
    # past the first block: the rows were counted from the block's start (row 1121 for 15001)
    x[10, 2] = 1.0
    x[480, 1] = np.inf
    np.save(tmp_path / "x.npy", x)
    for limit in ([], ["--memory-limit", "8KB"]):
        assert_one_error_line(run_cli("predict", str(tmp_path / "m.json"), str(tmp_path / "x.npy"), *limit),
                              "non-finite value (inf) at row 481, column 2")


def test_blocked_predict_in_float32_as_in_memory(tmp_path, housing_npy):
    from conftest import run_cli
    assert run_cli("train-linreg", str(housing_npy), "--method", "normal", "--save", str(tmp_path / "m.json")).code == 0
    runs = [run_cli("predict", str(tmp_path / "m.json"), str(housing_npy), "--dtype", "float32", "-f", "csv", *limit)
            for limit in ([], ["--memory-limit", "8KB"])]
    assert runs[0].code == runs[1].code == 0
    mem, blk = (np.array(r.stdout.split(), dtype=np.float64) for r in runs)
    np.testing.assert_allclose(blk, mem, rtol=1e-6)  # float32 sums in other orders
    # float32's shortest digits by blocks too (it printed float64's, 17 digits)
    assert all(len(t.replace("-", "").replace(".", "")) <= 9 for r in runs for t in r.stdout.split())


def test_blocked_predict_takes_a_nan_target_column_as_in_memory(tmp_path, housing_npy):
    from conftest import run_cli
    assert run_cli("train-linreg", str(housing_npy), "--method", "normal", "--save", str(tmp_path / "m.json")).code == 0
    data = np.load(housing_npy)
    data[:, -1] = np.nan  # targets unknown: predict ignores the column
    np.save(tmp_path / "d.npy", data)
    mem = run_cli("predict", str(tmp_path / "m.json"), str(tmp_path / "d.npy"), "-f", "csv")
    blk = run_cli("predict", str(tmp_path / "m.json"), str(tmp_path / "d.npy"), "-f", "csv", "--memory-limit", "8KB")
    assert mem.code == blk.code == 0
    np.testing.assert_allclose(np.loadtxt(blk.stdout.splitlines()), np.loadtxt(mem.stdout.splitlines()), rtol=1e-12)


@pytest.mark.parametrize("optimizer", NAMES)
@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_every_optimizer_with_l1_reaches_the_lasso(housing, optimizer, engine):
    # the proximal step scaled by each optimizer's own step: momentum/RMSprop/Adam settled at a biased
    # point (a coefficient of 1509.9 where the lasso's, from coordinate descent, is exactly 0)
    lasso = linreg.fit(housing, linreg.Config(method="normal", standardize=True, l1=0.1))
    assert (lasso["coef"] == 0).any()
    cfg = linreg.Config(method="gd", optimizer=optimizer, standardize=True, l1=0.1, epochs=1000)
    got = linreg.fit(housing, cfg, engine=engine)
    np.testing.assert_array_equal(got["coef"] == 0, lasso["coef"] == 0)  # the same exact zeros


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("method", ["gd", "normal"])
def test_coefficients_zeroed_by_l1_are_plus_zero(housing, method, engine):
    # sign(w)·0 is −0 for a negative w: the NumPy engine printed "-0" where numba printed 0
    got = linreg.fit(housing, linreg.Config(method=method, standardize=True, l1=10.0, epochs=5), engine=engine)
    assert (got["coef"] == 0).all() and not np.signbit(got["coef"]).any()


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_momentum_with_l1_starts_from_its_first_step(housing, engine):
    # the proximal threshold of momentum's settled step, lr/(1 − β), applied from the first step reset every
    # coefficient whose gradient was under 10·l1 to 0; the loss then did not move and --tol ended the run
    # after 2 epochs with r² = 0.02. Scaled by the velocity's gain so far, it reaches the lasso
    lasso = linreg.fit(housing, linreg.Config(method="normal", standardize=True, l1=0.2))
    got = linreg.fit(housing, linreg.Config(method="gd", optimizer="momentum", standardize=True, l1=0.2),
                     engine=engine)
    assert got["epochs"] > 100
    np.testing.assert_array_equal(got["coef"] == 0, lasso["coef"] == 0)
    np.testing.assert_allclose(got["coef"], lasso["coef"], rtol=1e-3)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("optimizer", NAMES)
def test_first_steps_follow_each_optimizers_formula(optimizer, engine):
    # three full-batch steps from θ = 0 written out from docs/train.md's table, with this test's own
    # arithmetic: both engines must take exactly these steps (converging within 1 % would not notice a
    # momentum averaged as (1 − β)·g, or Adam without its bias correction)
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0], [2.0, 2.0]])
    y = np.array([1.0, 2.0, 3.0, -1.0])
    lr = 0.05
    theta, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
    for t in range(1, 4):
        r = x @ theta[:2] + theta[2] - y
        g = np.append(2 / 4 * x.T @ r, 2 / 4 * r.sum())
        if optimizer == "sgd":
            theta = theta - lr * g
        elif optimizer == "momentum":
            m = 0.9 * m + g
            theta = theta - lr * m
        elif optimizer == "rmsprop":
            v = 0.9 * v + 0.1 * g * g
            theta = theta - lr * g / (np.sqrt(v) + 1e-8)
        else:
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            theta = theta - lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    data = linreg.prepare(np.column_stack([x, y]), ["a", "b", "y"], "y")
    out = linreg.fit(data, linreg.Config(method="gd", optimizer=optimizer, lr=lr, epochs=3), engine=engine)
    np.testing.assert_allclose(out["coef"], theta[:2], rtol=1e-12)
    assert out["intercept"] == pytest.approx(theta[2], rel=1e-12)


def test_the_l1_convergence_check_has_a_budget():
    # coordinate descent's Python loop is the check's optimum with --l1: beyond 100 features, or where it
    # needs more than L1_CHECK_SWEEPS sweeps, there is no check (with 10,000 sweeps a correlated case
    # spent 2.6 s giving up), while the normal equations' optimum is checked whatever the size
    cfg = linreg.Config(method="gd", l1=0.01)
    calls = []

    def closed_form(sweeps):
        calls.append(sweeps)
        return np.zeros(3)
    assert linreg.optimum(closed_form, 101, cfg) is None and calls == []
    assert linreg.optimum(closed_form, 100, cfg) is not None and calls == [linreg.L1_CHECK_SWEEPS]
    assert linreg.optimum(closed_form, 500, linreg.Config(method="gd")) is not None

    def gives_up(sweeps):
        raise linreg.NumericError("coordinate descent did not converge")
    assert linreg.optimum(gives_up, 5, cfg) is None
    rng = np.random.default_rng(0)  # strongly correlated columns: no convergence in the check's budget
    x = rng.standard_normal((200, 1)) + 1e-3 * rng.standard_normal((200, 60))
    with pytest.raises(linreg.NumericError):
        linreg.normal_from_moments(np.cov(x.T, bias=True), np.ones(60), x.mean(0), 0.0, linreg.Config(l1=1e-4),
                                   linreg.L1_CHECK_SWEEPS)
