"""train-linreg and predict from the command line: outputs, the tutorial example, bad input."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
TUTORIAL = os.path.join(ROOT, "samples", "linreg_tutorial.csv")
HOUSING = os.path.join(ROOT, "samples", "housing.csv")


@pytest.mark.parametrize("engine", ["auto", "numpy", "numba"])  # auto picks NumPy at 5 rows: name numba too
def test_tutorial_example_gives_w_2_and_b_0(engine):
    r = run_cli("train-linreg", TUTORIAL, "--method", "gd", "--lr", "0.01", "--epochs", "1000", "-f", "json",
                "--engine", engine)
    out = json.loads(r.stdout)
    assert out["coef"][0] == pytest.approx(2, abs=0.05) and out["intercept"] == pytest.approx(0, abs=0.05)
    assert out["features"] == ["x"] and out["target"] == "y" and out["epochs"] == 1000
    for method in ("sgd", "normal"):
        fit = json.loads(run_cli("train-linreg", TUTORIAL, "--method", method, "-f", "json", "-q",
                                 "--engine", engine).stdout)
        assert fit["coef"][0] == pytest.approx(2, abs=0.05), (method, fit)


def test_tutorial_trace_prints_the_loss_every_100_iterations_falling():
    r = run_cli("train-linreg", TUTORIAL, "--method", "gd", "--lr", "0.01", "--epochs", "1000", "--trace",
                "-f", "csv", env={"NO_COLOR": "1"})
    import re
    epoch_line = r"Epoch (\d+) done\n  loss at the new w, b = .* = (\S+)"
    losses = {int(m.group(1)): float(m.group(2)) for m in re.finditer(epoch_line, r.stderr)}
    assert sorted(losses) == [1] + list(range(100, 1001, 100))
    seq = [losses[k] for k in sorted(losses)]
    assert all(b < a for a, b in zip(seq, seq[1:]))
    assert "∂L/∂w = (2/n)·Xᵀ·r" in r.stderr and "θ ← θ − η·g" in r.stderr


def test_named_results_in_json_and_coef_alone_in_csv():
    r = run_cli("train-linreg", HOUSING, "--target", "price", "--method", "normal", "-f", "json")
    out = json.loads(r.stdout)
    assert list(out) == ["coef", "intercept", "features", "target", "loss", "r2", "epochs", "history"]
    csv = run_cli("train-linreg", HOUSING, "--method", "normal", "-f", "csv")
    assert len(csv.stdout.split()) == 5


def test_normal_equation_as_a_table_and_coef_as_a_csv_row_under_its_header():
    # the normal equation has no loss history: the table shows it empty instead of failing
    r = run_cli("train-linreg", TUTORIAL, "--method", "normal", "-f", "table")
    assert r.code == 0 and "history" in r.stdout and "(none)" in r.stdout and "\x1b[" not in r.stdout
    # --header: the names over one row of values (a column under a row of names is no CSV table)
    lines = run_cli("train-linreg", HOUSING, "--method", "normal", "-f", "csv", "--header").stdout.splitlines()
    assert len(lines) == 2 and len(lines[0].split(",")) == len(lines[1].split(",")) == 5


@pytest.mark.parametrize("names", [("2019", "2020"), ("nan", "inf"), ("true", "x")])
def test_a_header_of_names_that_read_as_values_reads_back_as_a_header(tmp_path, names):
    # unquoted, `2019,2020` over the coefficients read back as a first row of data
    data = tmp_path / "d.csv"
    data.write_text(",".join(f'"{n}"' for n in names) + ",y\n1,2,5\n2,1,4\n3,5,13\n4,4,12\n")
    out = run_cli("train-linreg", str(data), "--method", "normal", "-q", "--header").stdout
    assert out.splitlines()[0].split(",")[:2] == [f'"{n}"' for n in names if n != "x"] + ['x'] * (names[1] == "x")
    back = json.loads(run_cli("scale", "-", "--by", "1", "-f", "json", stdin=out).stdout)
    np.testing.assert_allclose(back, [[1.0, 2.0]])


def test_target_by_column_number():
    a = json.loads(run_cli("train-linreg", HOUSING, "--target", "6", "--method", "normal", "-f", "json").stdout)
    b = json.loads(run_cli("train-linreg", HOUSING, "--method", "normal", "-f", "json").stdout)
    assert a == b


def test_save_then_predict_equals_the_fit(tmp_path):
    m = tmp_path / "m.json"
    r = run_cli("train-linreg", HOUSING, "--standardize", "--optimizer", "adam", "--epochs", "300",
                "--save", str(m), "-f", "json", "-q")
    assert r.code == 0, r.stderr
    fit = json.loads(r.stdout)
    saved = json.loads(m.read_text())
    assert saved["format"] == "mlcalc.linreg/1" and saved["features"] == fit["features"]
    pred = run_cli("predict", str(m), HOUSING, "-f", "json")
    data = np.loadtxt(HOUSING, delimiter=",", skiprows=2)
    np.testing.assert_allclose(json.loads(pred.stdout), data[:, :5] @ fit["coef"] + fit["intercept"], rtol=1e-12)


def test_predict_reads_the_model_from_standard_input(tmp_path):
    m = tmp_path / "m.json"
    run_cli("train-linreg", HOUSING, "--method", "normal", "--save", str(m), "-q")
    want = run_cli("predict", str(m), HOUSING).stdout
    assert run_cli("predict", "-", HOUSING, stdin=m.read_text()).stdout == want != ""  # "-: no such file"
    assert_one_error_line(run_cli("predict", "-", "-", stdin=m.read_text()), "the model or the data, not both")
    assert_one_error_line(run_cli("predict", "-", HOUSING, stdin="{"), "standard input: not a model")
    # the operands' reader: NPY bytes named, a budget for endless input
    npy = run_cli("gen", "eye", "2", "-f", "npy").stdout_bytes
    assert_one_error_line(run_cli("predict", "-", HOUSING, stdin=npy), "standard input: NPY bytes, not a model")
    assert_one_error_line(run_cli("predict", "-", HOUSING, "--memory-limit", "1MB", stdin=b"y\n" * 300_000),
                          "more than the memory budget")


def test_predict_by_position_without_header(tmp_path):
    m = tmp_path / "m.json"
    run_cli("train-linreg", TUTORIAL, "--method", "normal", "--save", str(m))
    assert json.loads(run_cli("predict", str(m), "[[10],[20]]", "-f", "json").stdout) == pytest.approx([20, 40])
    # a column more than the features: the target column (last) is ignored
    assert json.loads(run_cli("predict", str(m), "10 1; 20 2", "-f", "json").stdout) == pytest.approx([20, 40])


def test_predict_names_a_nan_by_its_column_in_data(tmp_path):
    # the check ran on the model's columns after they were put in the model's order, so a NaN in DATA's
    # second column (floor, with the columns reversed) was reported in column 5
    m = tmp_path / "m.json"
    assert run_cli("train-linreg", HOUSING, "--target", "price", "--method", "normal", "--save", str(m)).code == 0
    lines = [line.split(",") for line in open(HOUSING).read().splitlines() if not line.startswith("#")][:4]
    lines[2][lines[0].index("floor")] = "nan"
    (tmp_path / "r.csv").write_text("\n".join(",".join(reversed(row)) for row in lines) + "\n")
    assert_one_error_line(run_cli("predict", str(m), str(tmp_path / "r.csv")), "nan", "row 2, column 2")
    # a NaN target is no feature: ignored
    lines[1][lines[0].index("price")] = "nan"
    lines[2][lines[0].index("floor")] = "3"
    (tmp_path / "t.csv").write_text("\n".join(",".join(row) for row in lines) + "\n")
    assert run_cli("predict", str(m), str(tmp_path / "t.csv")).code == 0


def test_predict_in_float32_prints_float32(tmp_path):
    # the float32 features were multiplied by float64 coefficients: 0.7599999897181988 for 2·0.38
    m = tmp_path / "m.json"
    assert run_cli("train-linreg", "1 2; 2 4; 3 6", "--method", "normal", "--save", str(m)).code == 0
    r = run_cli("predict", str(m), "[[0.38]]", "--dtype", "float32", "-f", "csv")
    assert r.code == 0 and r.stdout.strip() == "0.76"


def test_unknown_target_lists_the_columns():
    assert_one_error_line(run_cli("train-linreg", HOUSING, "--target", "cost"), "no column 'cost'", "area_m2, rooms")


def test_single_row_is_an_error():
    assert_one_error_line(run_cli("train-linreg", "[[1, 2]]"), "1 row", "at least 2")


def test_constant_feature_with_standardize_is_an_error(tmp_path):
    r = run_cli("train-linreg", "1 5 2; 2 5 4; 3 5 6", "--standardize")
    assert_one_error_line(r, "x2", "constant")


@pytest.mark.parametrize("args", [("--method", "normal", "--engine", "numpy"), ("--method", "sgd", "--engine", "numpy"),
                                  ("--method", "sgd", "--engine", "numba"), ("--method", "gd", "--memory-limit", "2KB")])
def test_a_constant_whose_mean_rounds_is_still_constant(tmp_path, args):
    # 0.1 in every row: the column's mean is a rounding away from 0.1, so the centred column held 1e-17
    # in each row, σ was not 0, and sgd scaled the column by 10¹⁷ (coefficients of 1e13, exit 0)
    i = np.arange(1.0, 201.0)
    data = np.column_stack([i % 17, np.full(200, 0.1), 2 * (i % 17) + 1 + np.sin(i)])
    np.save(tmp_path / "d.npy", data)
    r = run_cli("train-linreg", str(tmp_path / "d.npy"), "--standardize", "--seed", "1", *args)
    assert_one_error_line(r, "x2", "constant")


@pytest.mark.parametrize("args", [("--engine", "numpy"), ("--engine", "numba"), ("--no-intercept",)])
def test_a_column_whose_variance_overflows_is_refused(args):
    # its σ was inf: the column was scaled to 0 and fitted as 0 (then inf ≤ n·eps·inf called it constant)
    r = run_cli("train-linreg", "1e160 1 2; 2e160 2 3; 3e160 1 5; 4e160 3 4", "--standardize", "--method", "normal",
                *args)
    assert_one_error_line(r, "x1", "too large to standardize")


def test_nan_in_data_names_its_position():
    assert_one_error_line(run_cli("train-linreg", "1 2; 2 nan; 3 6"), "row 2, column 2")


def test_predict_refuses_a_json_that_is_not_a_model(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"coef": [1]}')
    assert_one_error_line(run_cli("predict", str(p), "1 2"), "not a model")
    p.write_text("[[1, 2]]")
    assert_one_error_line(run_cli("predict", str(p), "1 2"), "not a model")


@pytest.mark.parametrize("change,fragment", [
    ({"intercept": float("nan")}, "NaN where a model holds finite numbers"),
    ({"intercept": 10 ** 400}, "finite numbers"), ({"coef": [True]}, "finite numbers"),
    ({"coef": [1.0, 2.0]}, "2 coefficients for 1 feature"), ({"features": [3]}, "distinct names"),
    ({"target_column": -7}, "target_column"), ({"target_column": "abc"}, "target_column"),
    ({"target_column": True}, "target_column"), ({"kind": "logistic"}, "kind 'logistic'")])
def test_predict_refuses_a_corrupted_model_with_what_is_wrong(tmp_path, change, fragment):
    # these were accepted (NaN intercept: every prediction nan; target_column -7 dropped the wrong
    # column) or internal errors (10**400, a string target_column)
    good = tmp_path / "m.json"
    assert run_cli("train-linreg", TUTORIAL, "--method", "normal", "--save", str(good), "-q", "-f", "json").code == 0
    model = json.loads(good.read_text())
    model.update(change)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(model))
    assert_one_error_line(run_cli("predict", str(bad), "1 2"), fragment)


def test_predict_refuses_deeply_nested_json(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 100000 + "]" * 100000)
    assert_one_error_line(run_cli("predict", str(p), "1 2"), "not a model", "nested too deeply")


def test_predict_says_why_a_file_is_not_a_model_in_words(tmp_path):
    # the reason was an exception's class name ("(JSONDecodeError)", "(IsADirectoryError)"); data given
    # first is the likely mistake, so the message shows the order
    data = tmp_path / "data.csv"
    data.write_text("x,y\n1,2\n")
    assert_one_error_line(run_cli("predict", str(data), "1"), "not JSON: expecting value at line 1, column 1",
                          "mlcalc predict MODEL DATA")
    binary = tmp_path / "m.json"
    binary.write_bytes(b"\xff\xfe{")
    assert_one_error_line(run_cli("predict", str(binary), "1"), "not UTF-8 text")
    assert_one_error_line(run_cli("predict", str(tmp_path), "1"), "is a directory, not a file")


def test_predict_with_mismatched_columns(tmp_path):
    m = tmp_path / "m.json"
    run_cli("train-linreg", HOUSING, "--method", "normal", "--save", str(m))
    assert_one_error_line(run_cli("predict", str(m), "1 2; 3 4"), "2 columns", "5 features")
    other = tmp_path / "o.csv"
    other.write_text("a,b,c,d,e\n1,2,3,4,5\n")
    assert_one_error_line(run_cli("predict", str(m), str(other)), "no column 'area_m2'")


def test_diverging_training_stops_with_advice_and_writes_no_model(tmp_path):
    m = tmp_path / "m.json"
    r = run_cli("train-linreg", HOUSING, "--lr", "10", "--save", str(m))
    assert_one_error_line(r, "diverged", "smaller --lr")
    assert not m.exists()


def test_failed_training_leaves_an_existing_model_untouched(tmp_path):
    m = tmp_path / "m.json"
    m.write_text("keep")
    run_cli("train-linreg", HOUSING, "--target", "nope", "--save", str(m))
    assert m.read_text() == "keep"


def test_loss_curve_on_stderr_and_quiet_silences_it():
    r = run_cli("train-linreg", TUTORIAL, "--epochs", "500", "-f", "csv", env={"NO_COLOR": "1"})
    assert "loss (log scale)" in r.stderr
    assert run_cli("train-linreg", TUTORIAL, "--epochs", "500", "-f", "csv", "-q").stderr == ""


@pytest.mark.parametrize("args", [("train-linreg", TUTORIAL, "--method", "normal", "--l2", "inf"),
                                  ("train-linreg", TUTORIAL, "--l1", "nan"), ("train-linreg", TUTORIAL, "--lr", "nan"),
                                  ("train-linreg", TUTORIAL, "--tol", "nan"),
                                  ("gradcheck", "1 -1", "-W", "1 1", "--act", "relu", "--target", "1", "--tol", "nan"),
                                  ("pinv", "1 2; 3 4", "--rcond", "nan")], ids=lambda a: " ".join(a[-2:]))
def test_nan_and_inf_option_values_are_usage_errors(args):
    # NaN passes min=0 (every comparison with it is false): --l2 inf reached LAPACK, which printed on
    # stdout; gradcheck --tol nan could never fail
    r = run_cli(*args)
    assert r.code == 2 and r.stdout == "" and "must be a finite number" in r.stderr


def test_a_column_name_twice_is_refused_not_resolved_to_the_first(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("a,a,y\n1,5,3\n2,1,4\n3,4,9\n4,2,9\n")
    assert_one_error_line(run_cli("train-linreg", str(dup), "--method", "normal"), "'a' twice (columns 1 and 2)")
    model = tmp_path / "m.json"
    assert run_cli("train-linreg", TUTORIAL, "--method", "normal", "--save", str(model)).code == 0
    (tmp_path / "p.csv").write_text("x,x,note,note\n1,2,0,0\n")
    assert_one_error_line(run_cli("predict", str(model), str(tmp_path / "p.csv")), "'x' twice")
    (tmp_path / "q.csv").write_text("x,note,note\n1,0,0\n")  # repeated names the model does not use are fine
    assert float(run_cli("predict", str(model), str(tmp_path / "q.csv"), "-f", "csv").stdout) == pytest.approx(2)


def test_target_number_error_quotes_what_was_typed():
    assert_one_error_line(run_cli("train-linreg", TUTORIAL, "--target", "-1"), "no column '-1'")


def test_history_is_in_the_units_of_loss_with_standardize():
    out = json.loads(run_cli("train-linreg", HOUSING, "--standardize", "--epochs", "300", "--log-every", "300",
                             "--quiet", "-f", "json").stdout)
    # the last entry is the final epoch's MSE, as `loss` is (in the data's units, not standardized ones)
    assert out["history"][-1] == pytest.approx(out["loss"], rel=1e-9)


def test_a_growing_loss_warns_and_a_diverging_trace_is_kept(tmp_path):
    data = tmp_path / "lin.csv"
    data.write_text("x,y\n" + "".join(f"{x},{2 * x}\n" for x in range(1, 6)))
    r = run_cli("train-linreg", str(data), "--lr", "0.095", "--epochs", "20", "-f", "json")
    # one warning, whose advice is a smaller rate (not the shortfall's "raise --epochs or --lr" beside it)
    warnings = [line for line in r.stderr.splitlines() if "warning:" in line]
    assert r.code == 0 and len(warnings) == 1 and "the loss grew from" in warnings[0], r.stderr
    assert "try a smaller --lr" in warnings[0] and "raise" not in warnings[0]
    r = run_cli("train-linreg", str(data), "--lr", "0.5", "--trace", "-f", "json")
    assert r.code == 1 and "Epoch 1" in r.stderr and r.stderr.rstrip().splitlines()[-1].startswith("mlcalc: error:")


def test_trace_changes_nothing_in_the_result_and_a_penalised_fit_does_not_warn():
    args = ("train-linreg", HOUSING, "--method", "sgd", "--batch-size", "8", "--optimizer", "adam", "--standardize",
            "--epochs", "20", "--seed", "1", "--engine", "numba", "-f", "json")
    assert run_cli(*args).stdout == run_cli(*args, "--trace").stdout
    r = run_cli("train-linreg", TUTORIAL, "--l2", "5", "-f", "json")  # MSE rises while MSE + penalty falls
    assert r.code == 0 and "warning" not in r.stderr


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
@pytest.mark.parametrize("method", ["gd", "sgd"])
def test_every_default_rate_fits_the_tutorial_with_standardize(optimizer, method):
    # the seed article's x = 1..5, y = 2x: rmsprop's old default (0.001) stopped at w = 1.01 with sgd
    r = run_cli("train-linreg", "samples/linreg_tutorial.csv", "--optimizer", optimizer, "--method", method,
                "--standardize", "--seed", "1", "-f", "json")
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)["coef"][0] == pytest.approx(2, abs=0.01)


def test_training_that_stops_short_of_the_optimum_says_so(tmp_path):
    # adam's default rate on unstandardized data: far from the optimum after 1000 epochs. The result is
    # what gradient descent reached, with a warning naming both losses (in memory and by blocks)
    r = run_cli("train-linreg", "samples/linreg_tutorial.csv", "--optimizer", "adam", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout)["epochs"] == 1000
    assert "warning: train-linreg: gd did not converge in 1000 epochs" in r.stderr and "at the optimum" in r.stderr
    np.save(tmp_path / "t.npy", np.column_stack([np.arange(1.0, 401), 2000 * np.arange(1.0, 401)]))  # w = 2000
    r = run_cli("train-linreg", str(tmp_path / "t.npy"), "--optimizer", "adam", "--memory-limit", "2KB")
    assert r.code == 0 and "did not converge in 1000 epochs" in r.stderr
    # a converged fit says nothing, with --l1 (a proximal step) too
    for args in (("--standardize",), ("--standardize", "--l1", "0.1", "--optimizer", "momentum")):
        r = run_cli("train-linreg", "samples/housing.csv", *args, "-f", "json")
        assert r.code == 0 and "converge" not in r.stderr, (args, r.stderr)


@pytest.mark.parametrize("blocks", [(), ("--memory-limit", "2KB")])
def test_training_with_l1_is_checked_against_coordinate_descent(blocks):
    # --l1's optimum is coordinate descent's (--method normal --l1): adam unstandardized stops far from it
    args = ("train-linreg", "samples/housing.csv", "--l1", "0.1", *blocks)
    r = run_cli(*args, "--optimizer", "adam", "-f", "json")
    assert r.code == 0 and "did not converge in 1000 epochs: loss with its penalty" in r.stderr, r.stderr
    for method in ("gd", "sgd"):
        r = run_cli(*args, "--method", method, "--standardize", "--seed", "1", "-f", "json")
        assert r.code == 0 and "converge" not in r.stderr, r.stderr


def test_float32_results_are_all_float32():
    # trained in float64, printed as float32: coef and history printed float64 digits beside a float32
    # intercept and loss
    out = json.loads(run_cli("train-linreg", "samples/housing.csv", "--standardize", "--dtype", "float32",
                             "--epochs", "50", "-q", "-f", "json").stdout)
    numbers = [*out["coef"], out["intercept"], out["loss"], out["r2"], *out["history"]]
    # float32's shortest digits, or a whole number a float32 holds exactly (printed without a point)
    assert all(float(str(np.float32(v))) == v or float(np.float32(v)) == v for v in numbers), numbers


def test_learning_rate_spelled_out_is_lr():
    # scikit-learn's and PyTorch's users type learning_rate: "No such option" with no suggestion
    a = run_cli("train-linreg", TUTORIAL, "--method", "gd", "--learning-rate", "0.01", "--epochs", "50", "-f", "json", "-q")
    b = run_cli("train-linreg", TUTORIAL, "--method", "gd", "--lr", "0.01", "--epochs", "50", "-f", "json", "-q")
    assert a.code == 0 and a.stdout == b.stdout


def test_an_unseeded_shuffle_records_the_seed_it_drew_so_the_run_can_be_repeated(tmp_path):
    # --save wrote "seed": null for sgd without --seed: that model could not be trained again
    model = tmp_path / "m.json"
    first = run_cli("train-linreg", TUTORIAL, "--method", "sgd", "--epochs", "20", "--save", str(model), "-f", "json")
    seed = json.loads(model.read_text())["settings"]["seed"]
    assert first.code == 0 and isinstance(seed, int) and seed >= 0
    again = run_cli("train-linreg", TUTORIAL, "--method", "sgd", "--epochs", "20", "--seed", str(seed), "-f", "json")
    assert again.stdout == first.stdout
    run_cli("train-linreg", TUTORIAL, "--method", "gd", "--epochs", "20", "--save", str(model), "-f", "json")
    assert json.loads(model.read_text())["settings"]["seed"] is None  # nothing shuffled, nothing drawn


@pytest.mark.parametrize("width", [13, 20, 24, 30, 40, 45, 55, 70, 120])
def test_the_training_bar_never_cuts_its_counts(width):
    # at 30 columns Rich had cut the epoch count to "3…" and the time left to "0:0…"
    import io

    from rich.console import Console
    from rich.progress import BarColumn, Progress

    from mlcalc.cli.train import epoch_columns
    console = Console(file=io.StringIO(), width=width, force_terminal=False)
    bar = Progress(*epoch_columns(width, 300000), console=console)
    bar.add_task("train", total=300000, completed=3000, loss=-1.234e10)
    console.print(bar.make_tasks_table(bar.tasks))
    shown = console.file.getvalue()
    assert "3000/300000" in shown and "…" not in shown
    assert ("-1.234e+10" in shown) == (width >= 24)  # (13 for the counts, 10 for the loss)
    assert any(isinstance(c, BarColumn) for c in epoch_columns(width, 300000)) == (width >= 54)
