"""Warnings for training data whose coefficients are not unique (linearly dependent or constant features)
and for a pandas row index read as a feature: the fit still runs and prints, as scikit-learn's does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_cli
from mlcalc.train import linreg


def warnings(r) -> list[str]:
    assert r.code == 0, r.stderr
    return [line for line in r.stderr.splitlines() if line.startswith("mlcalc: warning:")]


def table(tmp_path, header: str, rows) -> str:
    path = tmp_path / "d.csv"
    path.write_text(header + "\n" + "\n".join(",".join(f"{v:g}" for v in row) for row in rows) + "\n")
    return str(path)


X = np.arange(1.0, 9.0)
Y = 2 * X + np.array([0.1, -0.1, 0.2, 0, -0.2, 0.1, 0, -0.1])


@pytest.mark.parametrize("method", [["--method", "normal"], ["--method", "gd", "--standardize"],
                                    ["--method", "sgd", "--standardize", "--seed", "1"]])
@pytest.mark.parametrize("blocks", [False, True])
def test_a_feature_that_is_a_combination_of_others_is_named(tmp_path, method, blocks):
    # b = 3·a − 1: the normal equation's XᵀX is singular and it silently gave the minimum-norm one of many fits
    path = table(tmp_path, "a,b,c,y", np.column_stack([X, 3 * X - 1, np.sin(X), Y]))
    if blocks:
        if method[1] == "sgd":
            pytest.skip("blocks train gd and normal")
        np.save(tmp_path / "d.npy", np.loadtxt(path, delimiter=",", skiprows=1))
        path = str(tmp_path / "d.npy")
        method = [*method, "--memory-limit", "200B"]
    r = run_cli("train-linreg", path, *method, "--epochs", "3000", "-f", "json")
    names = "'x1', 'x2'" if blocks else "'a', 'b'"
    assert warnings(r)[0] == (f"mlcalc: warning: train-linreg: features {names} are linearly dependent (one is a "
                              "combination of the others): many coefficients fit with the same loss, and these are "
                              "one of them: drop a column, or add --l2")
    fit = json.loads(r.stdout)
    assert fit["r2"] > 0.99  # still a fit with the least loss


def test_a_constant_feature_beside_the_intercept_is_named(tmp_path):
    path = table(tmp_path, "a,c,y", np.column_stack([X, np.full(8, 0.7), Y]))
    r = run_cli("train-linreg", path, "--method", "normal", "-f", "json")
    assert warnings(r) == ["mlcalc: warning: train-linreg: feature 'c' is constant: beside the intercept its "
                           "coefficient could be anything (one of many fits with the same loss is shown): drop the "
                           "column, or add --l2"]
    # without an intercept a constant column is the intercept: nothing to say
    assert warnings(run_cli("train-linreg", path, "--method", "normal", "--no-intercept", "-f", "json")) == []


@pytest.mark.parametrize("extra", [[], ["--l2", "0.1"], ["--l1", "0.01"]])
def test_independent_or_penalised_features_say_nothing(tmp_path, extra):
    independent = table(tmp_path, "a,c,y", np.column_stack([X, np.sin(X), Y]))
    assert warnings(run_cli("train-linreg", independent, "--method", "normal", *extra, "-f", "json")) == []
    dependent = table(tmp_path, "a,b,y", np.column_stack([X, 2 * X, Y]))
    if extra:  # a penalty makes the fit unique
        assert warnings(run_cli("train-linreg", dependent, "--method", "normal", *extra, "-f", "json")) == []


def test_nearly_but_not_exactly_dependent_features_say_nothing():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 3))
    x[:, 2] = x[:, 0] + x[:, 1] + 1e-4 * rng.standard_normal(200)  # collinear, yet one fit is best
    cfg = linreg.Config("normal", "sgd", None, 1, 32, 0.0, 0.0, False, 0.0, None, 100, None, None)
    xm, gram = linreg.centred_moments(x, rows=64)
    assert np.allclose(gram, np.cov(x.T, bias=True)) and np.allclose(xm, x.mean(axis=0))
    assert linreg.dependence_note(gram, xm, 200, ["a", "b", "c"], cfg) is None
    x[:, 2] = x[:, 0] + x[:, 1]
    assert "'a', 'b', 'c' are linearly dependent" in linreg.dependence_note(*reversed(linreg.centred_moments(x)), 200,
                                                                           ["a", "b", "c"], cfg)


def test_a_pandas_index_column_is_named(tmp_path):
    # df.to_csv("d.csv") writes the row index as an unnamed first column: it was trained on silently
    rows = np.column_stack([np.arange(8.0), np.sin(X), Y])
    path = table(tmp_path, ",x,y", rows)
    r = run_cli("train-linreg", path, "--method", "normal", "-f", "json")
    assert warnings(r) == ["mlcalc: warning: train-linreg: column 1 has no name and holds 0, 1, 2, …: a row "
                           "index (pandas' to_csv without index=False)? It is trained on as a feature"]
    assert json.loads(r.stdout)["features"] == ["", "x"]
    # R's write.csv: a quoted empty name over quoted row names 1, 2, 3, …
    r_file = tmp_path / "r.csv"
    r_file.write_text('"","x","y"\n' + "".join(f'"{i + 1}",{np.sin(X[i]):g},{Y[i]:g}\n' for i in range(8)))
    assert warnings(run_cli("train-linreg", str(r_file), "--method", "normal", "-f", "json")) == [
        "mlcalc: warning: train-linreg: column 1 has no name and holds 1, 2, 3, …: a row index (R's write.csv or write.table "
        "without row.names=FALSE)? It is trained on as a feature"]
    shifted = table(tmp_path, ",x,y", np.column_stack([np.arange(2.0, 10.0), np.sin(X), Y]))  # not 0, 1, 2, …
    assert warnings(run_cli("train-linreg", shifted, "--method", "normal", "-f", "json")) == []
    named = table(tmp_path, "i,x,y", rows)
    assert warnings(run_cli("train-linreg", named, "--method", "normal", "-f", "json")) == []


def test_fewer_rows_than_unknowns_say_so():
    r = run_cli("train-linreg", "1 2 3; 4 5 7", "--method", "normal", "-f", "json")
    assert warnings(r) == ["mlcalc: warning: train-linreg: 2 rows for 2 features and an intercept: many coefficients "
                           "fit with the same loss, and these are one of them: add rows, or add --l2"]
    assert warnings(run_cli("train-linreg", "1 2 3; 4 5 7", "--method", "normal", "--no-intercept", "-f", "json")) == []


def test_a_first_row_of_column_numbers_is_named(tmp_path):
    # pd.DataFrame(np.c_[X, y]).to_csv("t.csv", index=False) writes the header 0,1,2: read as data (NumPy's rule),
    # it was trained on silently
    rows = np.column_stack([X, np.sin(X), Y])
    path = table(tmp_path, "0,1,2", rows)
    assert warnings(run_cli("train-linreg", path, "--method", "normal", "-f", "json")) == [
        "mlcalc: warning: train-linreg: row 1 is 0, 1, 2, …: the column names pandas writes for a DataFrame made "
        "from an array? A first row of numbers is data, and it is trained on: delete it, or write the file with "
        "header=False"]
    for header in ("1,2,3", "x,y,z"):
        assert warnings(run_cli("train-linreg", table(tmp_path, header, rows), "--method", "normal", "-f", "json")) == []
    # two columns starting at x = 0, y = 1 are as likely data as pandas' names: no warning
    two = table(tmp_path, "0,1", np.column_stack([np.arange(1.0, 9.0), 2 * np.arange(1.0, 9.0) + 1 + np.sin(X)]))
    assert warnings(run_cli("train-linreg", two, "--method", "normal", "-f", "json")) == []


def test_an_unknown_target_in_a_headerless_file_says_why_a_comment_is_no_header(tmp_path):
    # np.savetxt(..., header="rooms,price") writes "# rooms,price": the message listed x1, y and no reason
    path = tmp_path / "h.csv"
    path.write_text("# rooms,price\n3,250\n4,320\n5,410\n")
    from conftest import assert_one_error_line
    assert_one_error_line(run_cli("train-linreg", str(path), "--target", "price"),
                          "no column 'price'; the columns are: x1, y (DATA has no header row: its columns are named "
                          "so, or numbered 1..2; in a text file a '#' line is a comment, np.savetxt's header too "
                          "unless comments='')")


def test_predict_names_an_unnamed_feature_visibly(tmp_path):
    # a model trained on a pandas index listed its features as ", x"
    data = table(tmp_path, ",x,y", np.column_stack([np.arange(8.0), np.sin(X), Y]))
    run_cli("train-linreg", data, "--method", "normal", "--save", str(tmp_path / "m.json"), "-q")
    other = tmp_path / "o.csv"
    other.write_text("x,y\n1,2\n")
    from conftest import assert_one_error_line
    assert_one_error_line(run_cli("predict", str(tmp_path / "m.json"), str(other)),
                          "has no column ''; the model needs '', x (it has x, y)")


def _badly_scaled(n=500, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n) * 1e8
    return np.column_stack([a, b, a + b * 1e-8 + rng.normal(scale=0.1, size=n)])


@pytest.mark.parametrize("blocks", [False, True])
@pytest.mark.parametrize("l2", [0.0, 1e-6])
def test_columns_of_very_different_scales_fit_as_least_squares(tmp_path, blocks, l2):
    # scales 1 and 1e8 made cond(XᵀX) 1e16: the fit went to lstsq on XᵀX, which cut a's coefficient to ~0
    # (R² 0.46 where the least-squares fit has 0.99), silently
    data = _badly_scaled()
    np.save(tmp_path / "d.npy", data)
    args = ["--memory-limit", "200B"] if blocks else []
    r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--method", "normal", "--l2", str(l2), *args, "-f", "json")
    assert warnings(r) == []
    fit = json.loads(r.stdout)
    n = len(data)
    xm = data[:, :2].mean(axis=0)
    a = np.vstack([(data[:, :2] - xm) / np.sqrt(n), np.sqrt(l2) * np.eye(2)])
    w = np.linalg.lstsq(a, np.append((data[:, 2] - data[:, 2].mean()) / np.sqrt(n), [0, 0]), rcond=None)[0]
    np.testing.assert_allclose(fit["coef"], w, rtol=1e-7)
    assert fit["r2"] > 0.99


def test_correlated_features_fit_as_lstsq_without_a_dependence_warning(tmp_path):
    # b = a + 1e-5·noise: one best fit, which the normal equations (cond squared) left right to 5 digits,
    # and which the 1e-10 test called "linearly dependent"
    rng = np.random.default_rng(0)
    a = rng.normal(size=500)
    b = a + 1e-5 * rng.normal(size=500)
    y = a + 2 * b + rng.normal(scale=0.1, size=500)
    np.save(tmp_path / "c.npy", np.column_stack([a, b, y]))
    r = run_cli("train-linreg", str(tmp_path / "c.npy"), "--method", "normal", "-f", "json")
    assert warnings(r) == []
    x1 = np.column_stack([a, b, np.ones(500)])
    want = np.linalg.lstsq(x1, y, rcond=None)[0]
    fit = json.loads(r.stdout)
    np.testing.assert_allclose(fit["coef"], want[:2], rtol=1e-9)
    assert fit["intercept"] == pytest.approx(want[2], rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_sgd_with_a_short_last_batch_reaches_the_least_squares_fit(tmp_path, engine, optimizer):
    # 33 rows in batches of 32, shuffled once: the 33rd row's batch of one, as a mean, weighed 32 times a
    # row every epoch, and sgd settled on coefficients 8 % off whatever the epochs ("raise --epochs")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(33, 3))
    y = x @ np.array([0.5, 70.0, 40.0]) - 2 + rng.normal(scale=20, size=33)
    np.save(tmp_path / "d.npy", np.column_stack([x, y]))
    r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--method", "sgd", "--optimizer", optimizer,
                "--standardize", "--seed", "0", "--epochs", "3000", "--engine", engine, "-f", "json")
    assert r.code == 0, r.stderr
    fit = json.loads(r.stdout)
    best = np.linalg.lstsq(np.column_stack([x, np.ones(33)]), y, rcond=None)[0]
    optimum = float(np.mean((np.column_stack([x, np.ones(33)]) @ best - y) ** 2))
    assert fit["loss"] <= optimum * (1 + 1e-4)
    np.testing.assert_allclose(fit["coef"], best[:3], rtol=2e-3, atol=0.05)


@pytest.mark.parametrize("blocks", [False, True])
def test_a_constant_target_reached_to_rounding_is_no_shortfall(tmp_path, blocks):
    # y = 5 in every row: the optimum and the intercept alone are both 0, and gd's 5e-8 was "did not converge"
    np.save(tmp_path / "c.npy", np.column_stack([np.arange(1.0, 5.0), np.full(4, 5.0)]))
    args = ["--memory-limit", "200B"] if blocks else []
    r = run_cli("train-linreg", str(tmp_path / "c.npy"), *args, "-f", "json")
    assert warnings(r) == []
    assert json.loads(r.stdout)["loss"] < 1e-6


def test_the_constant_target_floor_leaves_targets_far_from_zero_alone():
    # y in kelvin (≈ 293): 1e-8 of its mean square (8.6e-4) hid a loss of 7.5e-4 against 9.6e-5 at the optimum
    assert linreg.unconverged(7.5e-4, 9.6e-5, 0.33, 86000.0) == (7.5e-4, 9.6e-5)
    assert linreg.unconverged(4.9e-8, 0.0, 0.0, 25.0) is None  # y = 5 throughout: reached to rounding
    assert linreg.unconverged(1e-6, 0.0, 0.0, 25.0) == (1e-6, 0.0)


def test_dependent_features_get_the_raw_minimum_norm_fit_on_both_paths(tmp_path):
    # in memory the fallback solved on scaled columns: [2.49, 1.24] where lstsq (and blocks) give [0.996, 1.992]
    a = np.arange(1.0, 9.0)
    d = np.column_stack([a, 2 * a, 5 * a + np.sin(a)])
    np.save(tmp_path / "d.npy", d)
    want = np.linalg.lstsq(np.column_stack([a - a.mean(), 2 * (a - a.mean())]), d[:, 2] - d[:, 2].mean(), rcond=None)[0]
    for args in ([], ["--memory-limit", "200B"]):
        r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--method", "normal", *args, "-f", "json")
        np.testing.assert_allclose(json.loads(r.stdout)["coef"], want, rtol=1e-9)


def test_a_constant_to_rounding_column_gets_no_coefficient_from_noise(tmp_path):
    # 0.001 in every row, centred: ~1e-19 of rounding, scaled up to size 1 and fitted with a coefficient of −2.6e8
    rng = np.random.default_rng(11)
    a = rng.standard_normal(207)
    y = 1e6 * (1 + 0.01 * rng.standard_normal(207)) + 2 * a
    np.save(tmp_path / "c.npy", np.column_stack([a, np.full(207, 0.001), y]))
    fit = json.loads(run_cli("train-linreg", str(tmp_path / "c.npy"), "--method", "normal", "-f", "json", "-q").stdout)
    assert fit["coef"][1] == 0
    want = np.polyfit(a, y, 1)
    assert fit["coef"][0] == pytest.approx(want[0], rel=1e-9) and fit["intercept"] == pytest.approx(want[1], rel=1e-12)


@pytest.mark.parametrize("scale", [1e160, 1e-170])
def test_columns_near_float64s_ends_fit_as_least_squares(tmp_path, scale):
    # XᵀX overflowed (1e160: coefficients 0, R² 0) or underflowed (1e-170: "constant", a false warning)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 2))
    y = x @ [1, 2] + 0.1 * rng.standard_normal(50)
    np.save(tmp_path / "h.npy", np.column_stack([x * scale, y]))
    r = run_cli("train-linreg", str(tmp_path / "h.npy"), "--method", "normal", "-f", "json")
    assert warnings(r) == []
    want = np.linalg.lstsq(np.column_stack([x, np.ones(50)]), y, rcond=None)[0]
    np.testing.assert_allclose(np.array(json.loads(r.stdout)["coef"]) * scale, want[:2], rtol=1e-9)


def test_the_dependence_check_leaves_overflowing_data_to_the_fits_own_error(tmp_path):
    # eigh on NaN moments: "internal error: LinAlgError" where gd said "diverged" and --standardize "too large"
    rng = np.random.default_rng(0)
    np.save(tmp_path / "e.npy", np.column_stack([rng.standard_normal((20, 3)) * 1e200, rng.standard_normal(20)]))
    from conftest import assert_one_error_line
    assert_one_error_line(run_cli("train-linreg", str(tmp_path / "e.npy"), "--method", "gd"), "training diverged")
    assert_one_error_line(run_cli("train-linreg", str(tmp_path / "e.npy"), "--standardize"), "too large to standardize")


def test_a_constant_target_with_standardized_sgd_is_no_shortfall(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "k.npy", np.column_stack([rng.standard_normal((29, 3)), np.full(29, -3.3)]))
    r = run_cli("train-linreg", str(tmp_path / "k.npy"), "--method", "sgd", "--standardize", "--seed", "1",
                "--epochs", "200", "-f", "json")
    assert warnings(r) == []


def test_the_pandas_header_warning_is_for_text_files_only(tmp_path):
    a = np.random.default_rng(0).standard_normal((10, 3))
    a[0] = [0, 1, 2]
    np.save(tmp_path / "n.npy", a)
    assert warnings(run_cli("train-linreg", str(tmp_path / "n.npy"), "--method", "normal", "-f", "json")) == []


def test_checks_that_cost_more_than_the_training_are_skipped(monkeypatch):
    # the dependence note and the optimum gd is measured against cost n·p² + 10·p³ whatever --epochs is:
    # 500×10001 with --epochs 1 spent 297 s and 3.3 GB on them after a training of 10⁷ flops
    assert not linreg.checks_affordable(500, 10001, linreg.Config(method="gd", epochs=1))
    assert linreg.checks_affordable(500, 10001, linreg.Config(method="normal"))
    assert linreg.checks_affordable(100_000, 20, linreg.Config(method="gd", epochs=1))
    assert linreg.checks_affordable(3000, 1500, linreg.Config(method="gd", epochs=1000))
    assert linreg.checks_affordable(1000, 600, linreg.Config(method="gd", epochs=10))  # 0.75 s: kept
    assert not linreg.checks_affordable(3000, 1500, linreg.Config(method="gd", epochs=1000), budget=10**6)
    rng = np.random.default_rng(7)
    values = rng.standard_normal((300, 1201))
    data = linreg.prepare(values, None, None)
    notes = []

    def not_here(*args, **kwargs):
        raise AssertionError("a p×p check ran")
    monkeypatch.setattr(linreg, "centred_moments", not_here)
    monkeypatch.setattr(linreg, "_normal", not_here)
    result = linreg.fit(data, linreg.Config(method="gd", epochs=1), on_note=notes.append, on_short=notes.append)
    assert result["coef"].shape == (1200,)
    # the one note that needs no moments is still given, and the skipped checks are named, not left unsaid
    assert notes == ["train-linreg: 300 rows for 1200 features and an intercept: many coefficients fit with the same "
                     "loss, and these are one of them: add rows, or add --l2",
                     "train-linreg: gd's fit was not compared with the optimum, nor its 1200 features checked for "
                     "dependence (that solves a 1200×1200 system, more work than this training): compare with "
                     "--method normal"]
