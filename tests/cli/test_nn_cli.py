"""The NN commands as a user types them: results, named results, exit codes, one-line errors, traces."""

import json

import numpy as np
import pytest

from conftest import ENGINES, assert_one_error_line, run_cli, run_process


def floats(text):
    return [float(v) for v in text.split()]


@pytest.mark.parametrize("engine", ENGINES)
def test_softmax_of_1000_1001_1002_is_finite_and_sums_to_1(engine):
    r = run_cli("activate", "1000 1001 1002", "--fn", "softmax", "--engine", engine)
    assert r.code == 0, r.stderr
    s = floats(r.stdout)
    assert all(np.isfinite(s)) and sum(s) == pytest.approx(1.0)
    e = np.exp([-2.0, -1.0, 0.0])  # the seed's values: e^(z − max) / Σ, not just any row summing to 1
    np.testing.assert_allclose(s, e / e.sum(), rtol=1e-15)


def test_unknown_activation_exits_2_listing_the_valid_ones():
    r = run_cli("activate", "1 2", "--fn", "elu")
    assert r.code == 2
    for name in ["relu", "leaky-relu", "sigmoid", "tanh", "softmax", "swish", "gelu"]:
        assert name in r.stderr


def test_softmax_grad_needs_grad_out():
    assert_one_error_line(run_cli("activate", "1 2 3", "--fn", "softmax", "--grad"), "softmax --grad needs --grad-out")


def test_softmax_grad_out_gives_the_vector_jacobian_product():
    r = run_cli("activate", "1 2 3", "--fn", "softmax", "--grad-out", "1 0 0", "-f", "json")
    s = np.exp([1.0, 2, 3]) / np.exp([1.0, 2, 3]).sum()
    np.testing.assert_allclose(json.loads(r.stdout), np.array([1.0, 0, 0]) @ (np.diag(s) - np.outer(s, s)))


def test_leaky_relu_alpha_and_relu_grad():
    assert floats(run_cli("activate", "-2 3", "--fn", "leaky-relu", "--alpha", "0.5").stdout) == [-1, 3]
    assert floats(run_cli("activate", "-2 0 3", "--fn", "relu", "--grad").stdout) == [0, 0, 1]


def test_gelu_exact_and_tanh_approximation_differ_slightly():
    exact = floats(run_cli("activate", "1", "--fn", "gelu").stdout)[0]
    approx = floats(run_cli("activate", "1", "--fn", "gelu", "--approx", "tanh").stdout)[0]
    assert exact == pytest.approx(0.8413447460685429, rel=1e-15)
    assert approx == pytest.approx(0.8411919906082768, rel=1e-15)


def test_activate_trace_shows_formula_and_values():
    r = run_cli("activate", "-1 0 1", "--fn", "sigmoid", "--trace")
    assert "σ(z) = 1 / (1 + e^(−z))" in r.stderr and "0.731059" in r.stderr


def test_forward_seed_layer_vector():
    r = run_cli("forward", "1 2", "--weights", "1 0; 0 1; 1 1", "--bias", "0 0 -4", "--act", "relu")
    assert r.code == 0, r.stderr
    assert floats(r.stdout) == [1, 2, 0]


def test_forward_shape_mismatch_is_one_line_naming_both_shapes():
    r = run_cli("forward", "1 2 3", "--weights", "1 2 3 4; 5 6 7 8")
    assert_one_error_line(r, "forward: X has 3 features but W expects 4", "(3,)", "(2, 4)")


def test_backward_named_results_as_json():
    r = run_cli("backward", "1 2; 3 4", "-W", "1 0; 0 1; 1 1", "-b", "0 0 -4", "--act", "tanh",
                "--grad-out", "1 1 1; 1 0 1", "-f", "json")
    assert r.code == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == ["dW", "db", "dX"]
    assert np.shape(out["dW"]) == (3, 2) and np.shape(out["db"]) == (3,) and np.shape(out["dX"]) == (2, 2)


def test_backward_csv_prints_dW_alone():
    r = run_cli("backward", "1 2", "-W", "1 1", "--grad-out", "3")
    assert r.stdout == "3\n6\n"  # dW in W's shape, 1-D here (as PyTorch's gradient of a parameter): a column


def test_backward_to_npz_holds_every_named_result(tmp_path):
    out = tmp_path / "g.npz"
    r = run_cli("backward", "1 2", "-W", "1 1; 2 2", "--grad-out", "1 1", "-o", str(out))
    assert r.code == 0, r.stderr
    with np.load(out) as z:
        assert sorted(z.files) == ["dW", "dX", "db"]


def test_backward_dA_mismatch_names_both_shapes():
    r = run_cli("backward", "1 2; 3 4", "-W", "1 0; 0 1; 1 1", "--grad-out", "1 1; 1 1")
    assert_one_error_line(r, "dA is (2, 2) but the layer's output is (2, 3)")


def test_backward_trace_has_the_chain_rule():
    r = run_cli("backward", "1 2", "-W", "1 1; 2 -1", "-b", "0 1", "--act", "sigmoid", "--grad-out", "1 -1", "--trace")
    for part in ["g′(Z)", "δ = dA ⊙ g′(Z)", "dW = δ·xᵀ", "db = δ", "dx = Wᵀ·δ", "finite differences"]:
        assert part in r.stderr, part


def test_mse_loss_and_grad_named():
    r = run_cli("loss", "1 2 3", "1 2 5", "--fn", "mse", "--grad", "-f", "json")
    out = json.loads(r.stdout)
    assert list(out) == ["loss", "grad"] and out["loss"] == pytest.approx(4 / 3)


def test_cross_entropy_with_class_id_column(tmp_path):
    logits = tmp_path / "z.csv"
    logits.write_text("2,1,0.1\n0.5,2.5,0.3\n")
    labels = tmp_path / "y.csv"
    labels.write_text("0\n1\n")
    r = run_cli("loss", str(logits), str(labels), "--fn", "cross-entropy")
    z = np.array([[2, 1, 0.1], [0.5, 2.5, 0.3]])
    lse = np.log(np.exp(z).sum(axis=1))
    assert float(r.stdout) == pytest.approx(-np.mean([z[0, 0] - lse[0], z[1, 1] - lse[1]]))


def test_cross_entropy_from_probs():
    r = run_cli("loss", "0.7 0.2 0.1", "1 0 0", "--fn", "cross-entropy", "--from-probs")
    assert float(r.stdout) == pytest.approx(-np.log(0.7))


def test_attention_causal():
    r = run_cli("attention", "1 1; 1 1; 1 1", "1 1; 1 1; 1 1", "1 2; 3 4; 5 6", "--causal", "-f", "json")
    np.testing.assert_allclose(json.loads(r.stdout), [[1, 2], [2, 3], [3, 4]])


def test_attention_trace_steps():
    r = run_cli("attention", "1 0; 0 1", "1 0; 0 1", "1 2; 3 4", "--trace")
    for part in ["Scores S = Q·Kᵀ", "Scale by 1/√d", "softmax", "Weighted sum"]:
        assert part in r.stderr


def test_conv2d_single_channel_csv():
    r = run_cli("conv2d", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1", "--padding", "0")
    assert r.stdout == "-4,-4\n-4,-4\n"


def test_conv2d_multichannel_npy(tmp_path):
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "k.npy", k)
    out = tmp_path / "y.npy"
    r = run_cli("conv2d", str(tmp_path / "x.npy"), str(tmp_path / "k.npy"), "--stride", "2", "--padding", "1", "-o", str(out))
    assert r.code == 0, r.stderr
    from mlcalc.kernels.reference import conv2d
    np.testing.assert_allclose(np.load(out), conv2d(x, k, 2, 1))


def test_conv2d_trace_shows_im2col():
    r = run_cli("conv2d", "1 2 3; 4 5 6; 7 8 9", "1 1; 1 1", "--trace")
    assert "im2col" in r.stderr and "cols is 4×4" in r.stderr


def test_embed_lookup():
    r = run_cli("embed", "2 0", "0.1 0.2; 0.3 0.4; 0.5 0.6", "-f", "json")
    assert json.loads(r.stdout) == [[0.5, 0.6], [0.1, 0.2]]


def test_embed_out_of_range_names_the_position():
    assert_one_error_line(run_cli("embed", "0 5", "1 2; 3 4"), "IDS position 2: 5 is not an integer id in 0..1")


def test_embed_ids_stay_exact_under_float32(tmp_path):
    # float32 holds integers exactly up to 2**24 only: the ids are read in float64 whatever --dtype says
    rows = 2 ** 24 + 2
    e = np.lib.format.open_memmap(tmp_path / "E.npy", mode="w+", dtype=np.float32, shape=(rows, 1))
    e[rows - 1, 0], e[rows - 2, 0] = 7, 5
    del e
    for dtype in ("float32", "float64"):
        r = run_cli("embed", str(rows - 1), str(tmp_path / "E.npy"), "--dtype", dtype, "-f", "json")
        assert json.loads(r.stdout) == [[7]], (dtype, r.stderr)
    assert_one_error_line(run_cli("embed", str(rows), str(tmp_path / "E.npy"), "--dtype", "float32"),
                          f"{rows} is not an integer id")


def test_gradcheck_tolerance_cannot_be_negative():
    r = run_cli("gradcheck", "1 2", "-W", "1 2", "--target", "1", "--tol", "-1")
    assert r.code == 2 and "--tol" in r.stderr


def test_gradcheck_prints_errors_per_parameter():
    r = run_cli("gradcheck", "1 2; 3 -1", "-W", "0.5 -0.2; 0.1 0.3", "-b", "0.1 0", "--act", "tanh",
                "--target", "1 0; 0 1", "-f", "json")
    assert r.code == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == ["dW", "db", "dX"] and max(out.values()) < 1e-6


def test_gradcheck_failure_is_exit_1_with_one_line():
    r = run_cli("gradcheck", "1 -1", "-W", "1 1", "--act", "relu", "--target", "1", "--tol", "1e-6")
    assert_one_error_line(r, "gradcheck:", "> --tol 1e-06")


def test_nn_commands_in_a_subprocess_keep_stdout_clean():
    r = run_process("forward", "1 2", "-W", "1 1", "--act", "sigmoid", "--trace")
    assert r.code == 0 and float(r.stdout) == pytest.approx(1 / (1 + np.exp(-3.0)), rel=1e-15) and "Step 1" in r.stderr


def test_mse_takes_a_vector_for_a_row_or_column_but_not_a_row_for_a_column():
    assert float(run_cli("loss", "1; 2; 3", "[1,2,4]", "--fn", "mse").stdout) == pytest.approx(1 / 3)
    # NumPy would broadcast (3, 1) against (1, 3) to a 3×3 matrix: a likely transposition slip, refused
    assert_one_error_line(run_cli("loss", "1; 2; 3", "[[1,2,4]]", "--fn", "mse"), "(1, 3)", "(3, 1)")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_zero_cross_entropy_is_zero_not_minus_zero(engine):
    for args in (("0 1", "0 1", "--from-probs"), ("[[5]]", "0")):
        assert run_cli("loss", *args, "--fn", "cross-entropy", "--engine", engine, "-f", "csv").stdout == "0\n"


def test_error_texts_name_what_was_given():
    assert_one_error_line(run_cli("embed", "1.0000000000000002", "1 2; 3 4"), "1.0000000000000002 is not an integer id")
    assert_one_error_line(run_cli("gradcheck", "1 2", "-W", "1 0; 0 1", "--target", "nan 1"), "--target")


def test_conv2d_padding_too_large_to_hold_and_a_negative_seed_are_clear_errors():
    for padding in ("100000", "99999999999999999999"):
        assert_one_error_line(run_cli("conv2d", "1 2 3; 4 5 6", "1 0; 0 1", "--padding", padding), "too large to compute")
    r = run_cli("gen", "random", "2", "--seed", "-1")
    assert r.code == 2 and "--seed" in r.stderr


def test_conv2d_takes_a_batch_npy_and_writes_n_o_h_w(tmp_path):
    rng = np.random.default_rng(2)
    x, k = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "k.npy", k)
    r = run_cli("conv2d", str(tmp_path / "x.npy"), str(tmp_path / "k.npy"), "--padding", "1", "-o", str(tmp_path / "y.npy"))
    assert r.code == 0, r.stderr
    y = np.load(tmp_path / "y.npy")
    assert y.shape == (2, 4, 5, 5)
    for b in range(2):
        np.save(tmp_path / "one.npy", x[b])
        one = run_cli("conv2d", str(tmp_path / "one.npy"), str(tmp_path / "k.npy"), "--padding", "1", "-f", "json")
        np.testing.assert_array_equal(np.array(json.loads(one.stdout)), y[b])
    r = run_cli("conv2d", str(tmp_path / "x.npy"), str(tmp_path / "k.npy"), "-f", "json")
    assert np.array(json.loads(r.stdout)).shape == (2, 4, 3, 3)
    assert_one_error_line(run_cli("conv2d", str(tmp_path / "x.npy"), str(tmp_path / "k.npy")),
                          "cannot print a 4-D result as text: write it with -o FILE.npy (mlcalc reads 4-D data "
                          "from NPY), or see it with -f json")


def test_attention_takes_batched_npy_operands(tmp_path):
    rng = np.random.default_rng(3)
    for name, shape in (("q", (2, 3, 4, 5)), ("k", (2, 3, 6, 5)), ("v", (2, 3, 6, 3))):
        np.save(tmp_path / f"{name}.npy", rng.standard_normal(shape))
    r = run_cli("attention", *(str(tmp_path / f"{n}.npy") for n in "qkv"), "--causal", "-o", str(tmp_path / "o.npy"))
    assert r.code == 0, r.stderr
    out = np.load(tmp_path / "o.npy")
    assert out.shape == (2, 3, 4, 3)
    q, k, v = (np.load(tmp_path / f"{n}.npy") for n in "qkv")
    for b in np.ndindex(2, 3):  # each slice as its own 2-D command
        paths = []
        for n, a in zip("qkv", (q, k, v)):
            np.save(tmp_path / f"{n}1.npy", a[b])
            paths.append(str(tmp_path / f"{n}1.npy"))
        one = run_cli("attention", *paths, "--causal", "-f", "json")
        np.testing.assert_array_equal(np.array(json.loads(one.stdout)), out[b])


def test_nn_commands_take_pytorch_layouts_as_npy(tmp_path):
    # (B, T, C) arrays, (*, in) inputs and (B, T) ids were "3-D array, this command takes at most 2-D"
    rng = np.random.default_rng(4)
    arrays = {"x": rng.standard_normal((2, 3, 5)), "W": rng.standard_normal((4, 5)), "dA": rng.standard_normal((2, 3, 4)),
              "t": rng.standard_normal((2, 3, 5)), "ids": np.array([[1, 2], [0, 1]]), "E": rng.standard_normal((3, 2))}
    for name, a in arrays.items():
        np.save(tmp_path / f"{name}.npy", a)
    p = {name: str(tmp_path / f"{name}.npy") for name in arrays}
    x, w = arrays["x"], arrays["W"]
    for args, shape in ((("activate", p["x"], "--fn", "softmax"), (2, 3, 5)), (("forward", p["x"], "-W", p["W"]), (2, 3, 4)),
                        (("embed", p["ids"], p["E"]), (2, 2, 2))):
        r = run_cli(*args, "-o", str(tmp_path / "o.npy"))
        assert r.code == 0, r.stderr
        assert np.load(tmp_path / "o.npy").shape == shape
    np.testing.assert_allclose(np.load(tmp_path / "o.npy"), arrays["E"][arrays["ids"]])
    r = run_cli("backward", p["x"], "-W", p["W"], "--grad-out", p["dA"], "-o", str(tmp_path / "g.npz"))
    assert r.code == 0, r.stderr
    np.testing.assert_allclose(np.load(tmp_path / "g.npz")["dX"], arrays["dA"] @ w, rtol=1e-12)
    r = run_cli("loss", p["x"], p["t"], "--fn", "mse", "-f", "json")
    assert float(r.stdout) == pytest.approx(np.mean((x - arrays["t"]) ** 2), rel=1e-13)
    m4 = tmp_path / "m4.npy"
    np.save(m4, np.ones((1, 1, 3, 3)))
    assert_one_error_line(run_cli("attention", "1 0; 0 1; 1 1", "1 0; 0 1; 1 1", "1 2; 3 4; 5 6", "--mask", str(m4)),
                          "m4.npy: 4-D array, this operand takes at most 2-D")


def test_traces_of_nd_operands_show_rows(tmp_path):
    # --trace loss of (2, 3, 4) arrays was "internal error: too many values to unpack" (a 3-D step value)
    rng = np.random.default_rng(5)
    np.save(tmp_path / "p.npy", rng.standard_normal((2, 3, 4)))
    np.save(tmp_path / "t.npy", rng.standard_normal((2, 3, 4)))
    for extra in ([], ["--reduction", "sum"]):
        r = run_cli("--trace", "loss", str(tmp_path / "p.npy"), str(tmp_path / "t.npy"), "--fn", "mse", "--grad",
                    *extra, "-o", str(tmp_path / "l.npz"))
        assert r.code == 0, r.stderr
        assert "(PRED is (2, 3, 4), shown as rows)" in r.stderr
    for args in (("activate", str(tmp_path / "p.npy"), "--fn", "softmax"),
                 ("forward", str(tmp_path / "p.npy"), "-W", "1 0 0 0; 0 1 0 0")):
        r = run_cli("--trace", *args, "-o", str(tmp_path / "o.npy"))
        assert r.code == 0, r.stderr


def test_softmax_over_rows_of_one_class_is_1_as_numpy_says_with_a_warning():
    # a vector printed as CSV reads back as a column, whose rows of one class all give 1: say why
    for x, stdin in (("-", "1\n2\n3\n"), ("1; 2; 3", "")):
        r = run_cli("activate", x, "--fn", "softmax", "-f", "json", stdin=stdin)
        assert json.loads(r.stdout) == [[1], [1], [1]]
        assert "X (3, 1) has one value a row" in r.stderr and "-f json" in r.stderr
    # not of a gradient (0 each), and not before an error
    assert run_cli("activate", "1; 2; 3", "--fn", "softmax", "--grad-out", "1; 0; 0").stderr == ""
    assert_one_error_line(run_cli("activate", "1; 2; 3", "--fn", "softmax", "--grad"), "needs --grad-out")
    quiet = run_cli("activate", "-", "--fn", "softmax", "-q", stdin="1\n2\n3\n")
    assert quiet.stderr == ""
    for x in ("1 2 3", "1 2; 3 4", "5"):  # a vector, rows of several classes, a single value: nothing to say
        assert run_cli("activate", x, "--fn", "softmax").stderr == "", x
