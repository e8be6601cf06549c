"""Identities that hold between commands (found by a metamorphic audit): a projection does not change when
the basis is scaled, what inspect calls symmetric eig treats as symmetric, mirrored vector shapes give the
same loss, and a gradient has its parameter's shape."""

import json

import numpy as np
import pytest

from conftest import ENGINES, run_cli


def json_out(*args):
    r = run_cli(*args, "-f", "json")
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("scale", [1.0, 1e-310, 1e300])
def test_projecting_onto_a_scaled_basis_gives_the_same_projection(engine, scale):
    # onto "1e-310 0; 0 1e-310; 0 0" the NumPy engine gave NaN: lstsq's x overflowed, and inf·1e-310 is NaN
    b = np.array([[1, 2], [3, -1], [0.5, 0.7]])
    want = b @ np.linalg.lstsq(b, [3, 4, 5], rcond=None)[0]
    text = "; ".join(" ".join(repr(float(v)) for v in row) for row in b * scale)
    got = json_out("project", "3 4 5", text, "--engine", engine)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_eig_of_a_matrix_symmetric_up_to_rounding_is_real_and_sorted(engine, tmp_path):
    # a float32 Gram matrix UᵀU one ulp from symmetric: inspect called it symmetric and positive definite,
    # eig gave complex values with imaginary parts of 1e-8 (and float32 sort keys split a conjugate pair)
    u = np.linalg.svd(np.random.default_rng(1).standard_normal((34, 21)), full_matrices=False)[0].astype(np.float32)
    g = np.ascontiguousarray(u.T) @ u.copy()  # two buffers: a general product, not BLAS's symmetric one
    assert not np.array_equal(g, g.T)
    np.save(tmp_path / "g.npy", g)
    facts = json_out("inspect", str(tmp_path / "g.npy"), "--dtype", "float32")
    assert facts["symmetric"] and facts["positive_definite"]
    values = json_out("eig", str(tmp_path / "g.npy"), "--dtype", "float32", "--engine", engine)["values"]
    assert all(isinstance(v, (int, float)) for v in values) and values == sorted(values)  # not {"re", "im"}
    np.testing.assert_allclose(values, 1.0, atol=1e-5)


def test_eig_of_a_clearly_unsymmetric_matrix_keeps_the_general_method():
    values = json_out("eig", "0 1; -1 0")["values"]  # a rotation: ±i
    assert values == [{"re": 0, "im": -1}, {"re": 0, "im": 1}]
    # beside an entry of 1e11, inspect's 1e-10·max|a| took the rotation block for rounding: −0.1, −0.1 real
    values = json_out("eig", "-1e11 0 0; 0 -0.1 1; 0 -1 -0.1")["values"]
    assert values == [{"re": -1e11, "im": 0}, {"re": -0.1, "im": -1}, {"re": -0.1, "im": 1}]
    assert json_out("eig", "1 1e-11; 0 1")["values"] == [1, 1]  # defective: exactly 1, 1, not 1 ± 5e-12
    r = np.sqrt(2 * 2.00001)  # 1 ± √(bc)
    assert json_out("eig", "1 2; 2.00001 1")["values"] == pytest.approx([1 - r, 1 + r], rel=1e-14)


def test_the_float32_sort_keys_keep_a_conjugate_pair_together():
    from mlcalc.ops.linalg import _sort_eigen
    w = np.array([0.99999994 + 1e-8j, 1.0, 0.9999999, 0.99999994 - 1e-8j, 0.9999998], dtype=np.complex64)
    sorted_w, _ = _sort_eigen(w, np.eye(5, dtype=np.complex64))
    assert list(sorted_w.real) == sorted(w.real)
    pair = [k for k, x in enumerate(sorted_w) if x.imag != 0]
    assert pair[1] == pair[0] + 1


@pytest.mark.parametrize("engine", ENGINES)
def test_cross_entropy_takes_a_one_row_prediction_with_a_flat_target_as_its_mirror(engine):
    want = json_out("loss", "2 1 0.1", "0 1 0;", "--fn", "cross-entropy", "--engine", engine)
    assert json_out("loss", "2 1 0.1;", "0 1 0", "--fn", "cross-entropy", "--engine", engine) == want
    assert want == pytest.approx(1.4170300162778335, rel=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_gradient_of_a_one_dimensional_w_has_its_shape(engine):
    got = json_out("backward", "1 2; 3 4", "-W", "1 -1", "-b", "0.5", "--grad-out", "1 1", "--engine", engine)
    assert got["dW"] == [4, 6] and got["db"] == [2]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text, values", [
    ("4 -1 6; 2 1 6; 2 -1 8", [2, 2, 9]),   # Lay 5.1 ex. 4: a two-dimensional eigenspace (2 ± 3e-16i before)
    ("2 4 3; -4 -6 -3; 3 3 1", [-2, -2, 1]),  # Lay 5.3 ex. 4: defective (−1.99999999 ± 3.9e-8i)
    ("3 1; -1 1", [2, 2]),                  # 1.99999998 and 2.00000002
    ("7 1; -4 3", [5, 5]),
    ("2 1 0; 0 2 1; 0 0 2", [2, 2, 2]),
])
def test_repeated_eigenvalues_of_small_matrices_are_exact(engine, text, values):
    assert json_out("eig", text, "--engine", engine)["values"] == values


def test_a_defective_matrix_says_so_and_its_eigenvectors_span_the_eigenspace():
    r = run_cli("eig", "1 1; 0 1", "--vectors", "-f", "json")
    assert r.code == 0 and "A is defective: λ = 1 (multiplicity 2) has 1 independent eigenvector" in r.stderr
    assert json.loads(r.stdout) == {"values": [1, 1], "vectors": [[1, 1], [0, 0]]}
    got = json_out("eig", "4 -1 6; 2 1 6; 2 -1 8", "--vectors")  # λ = 2 has two independent vectors
    a, v = np.array([[4, -1, 6], [2, 1, 6], [2, -1, 8]]), np.array(got["vectors"])
    np.testing.assert_allclose(a @ v, v * got["values"], atol=1e-14)
    assert np.linalg.matrix_rank(v) == 3
