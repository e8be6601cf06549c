"""--exact: fractions in, fractions out, exact singularity, and the limits of exact arithmetic."""

from fractions import Fraction as F

import pytest

from mlcalc.errors import InputError, NumericError, ShapeError
from mlcalc.ops import exact, rowops


def fr(rows):
    return exact.fractions(rows, "test")


def hilbert(n):
    return [[F(1, i + j + 1) for j in range(n)] for i in range(n)]


def test_inverse_of_worked_example():
    assert exact.inv(fr([[2, 1], [1, 1]])) == [[1, -1], [-1, 2]]


def test_inverse_of_fraction_matrix():
    assert exact.inv(fr([[F(1, 3), 1], [0, 2]])) == [[3, F(-3, 2)], [0, F(1, 2)]]


def test_inverse_of_hilbert_matrix_is_integral_and_exact():
    h_inv = exact.inv(hilbert(5))
    assert all(x.denominator == 1 for row in h_inv for x in row)
    assert h_inv[0][0] == 25 and h_inv[4][4] == 44100
    assert rowops.matmul(hilbert(5), h_inv) == rowops.identity(5, True)


def test_inverse_needs_a_row_swap_when_first_pivot_is_zero():
    assert exact.inv(fr([[0, 1], [1, 0]])) == [[0, 1], [1, 0]]


def test_inverse_of_singular_matrix_is_an_error_naming_the_column():
    with pytest.raises(NumericError, match=r"inv: A is singular \(pivot 0 in column 3\)"):
        exact.inv(fr([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))


def test_determinants():
    assert exact.det(fr([[1, 2], [3, 4]])) == -2
    assert exact.det(hilbert(4)) == F(1, 6048000)
    assert exact.det(fr([[1, 2, 3], [4, 5, 6], [7, 8, 9]])) == 0
    a = [[0, 2, 1, 3], [1, 1, 1, 1], [2, 0, 1, 5], [3, 1, 0, 2]]
    assert exact.det(fr(a)) == -24  # by elimination with two swaps
    assert exact.det(fr([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])) == -1


def test_solve_vector_and_several_right_hand_sides():
    a = fr([[2, 1], [1, 3]])
    assert exact.solve(a, fr([[3], [5]]), vector=True) == [F(4, 5), F(7, 5)]
    assert exact.solve(a, fr([[3, 1], [5, 0]]), vector=False) == [[F(4, 5), F(3, 5)], [F(7, 5), F(-1, 5)]]


def test_solve_errors():
    with pytest.raises(NumericError, match="solve: A is singular"):
        exact.solve(fr([[1, 2], [2, 4]]), fr([[1], [2]]), vector=True)
    with pytest.raises(ShapeError, match=r"shapes \(2, 2\) and \(3,\) do not fit"):
        exact.solve(fr([[1, 0], [0, 1]]), fr([[1], [2], [3]]), vector=True)


def test_rank_and_rref():
    a = fr([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert exact.rank(a) == 2
    r, pivots = exact.rref(a)
    assert r == [[1, 0, -1], [0, 1, 2], [0, 0, 0]] and pivots == [0, 1]
    r, pivots = exact.rref(fr([[0, 0, 2, 4], [0, 1, 1, 1]]))
    assert r == [[0, 1, 0, -1], [0, 0, 1, 2]] and pivots == [1, 2]


def test_decimals_are_read_as_typed():
    assert fr([[0.1]]) == [[F(1, 10)]]
    assert exact.inv(fr([[0.5]])) == [[2]]


def test_non_square_is_an_error():
    with pytest.raises(ShapeError, match=r"det: A must be a square matrix, got shape \(2, 3\)"):
        exact.det(fr([[1, 2, 3], [4, 5, 6]]))


def test_non_finite_value_is_an_error():
    with pytest.raises(InputError, match="row 1, column 2"):
        fr([[1, float("nan")]])


def test_operand_over_size_limit_is_an_error():
    with pytest.raises(ShapeError, match="limited to 50×50"):
        fr([[1] * 51])


def test_numbers_growing_past_the_digit_cap_is_an_error(monkeypatch):
    monkeypatch.setattr(rowops, "_MAX_BITS", 20)
    with pytest.raises(NumericError, match="grew past"):
        exact.inv(hilbert(6))


def test_output_is_integers_and_fraction_text():
    assert exact.output([[F(3), F(-3, 2)], [F(0), F(1, 2)]]) == [[3, "-3/2"], [0, "1/2"]]
    assert exact.output(F(1, 60)) == "1/60"


def _nearest_float32(x):
    """The float32 nearest to x by brute force over the candidates beside float32(float(x)), ties to even."""
    import numpy as np
    f = np.float32(float(x))
    cands = [c for c in (f, np.nextafter(f, np.float32(np.inf)), np.nextafter(f, np.float32(-np.inf)))
             if np.isfinite(c)]
    return min(cands, key=lambda c: (abs(F(float(c)) - x), int(c.view(np.int32)) & 1))


def test_rounded_to_float32_rounds_once():
    import random

    import numpy as np
    # float64 rounds 1 + 2⁻²⁴ + 2⁻⁶⁰ to 1 + 2⁻²⁴, halfway between two float32s; ties-to-even then gives 1
    x = 1 + F(1, 2 ** 24) + F(1, 2 ** 60)
    assert np.float32(float(x)) == 1 and exact.rounded(x, np.float32) == np.nextafter(np.float32(1), np.float32(2))
    assert exact.rounded(-x, np.float32) == -exact.rounded(x, np.float32)
    rng = random.Random(1)
    for _ in range(3000):  # near-halfway values across the normal and subnormal range, and plain fractions
        e = rng.randint(-150, 126)
        half = F(2 * rng.randint(1, 2 ** 24) + 1, 2) * F(2) ** (e - 23)
        x = rng.choice([half + rng.choice([1, -1]) * F(1, 2 ** rng.randint(40, 90)) * F(2) ** e, half,
                        F(rng.randint(1, 10 ** 12), rng.randint(1, 10 ** 12)) * F(2) ** e])
        if abs(x) < F(float(np.finfo(np.float32).max)):
            assert exact.rounded(x, np.float32) == _nearest_float32(x), x


def test_rounded_at_the_ends_of_the_range():
    import numpy as np
    assert exact.rounded(F(10 ** 39), np.float32) == np.inf and exact.rounded(F(-10 ** 400), np.float32) == -np.inf
    assert exact.rounded(F(1, 10 ** 50), np.float32) == 0 and exact.rounded(F(3, 2 ** 150), np.float32) == 2.0 ** -148
    assert exact.rounded(F(1, 3), np.float64) == 1 / 3 and exact.rounded(F(10 ** 400), np.float64) == np.inf
    assert exact.rounded(F(0), np.float32) == 0
    top = F(float(np.finfo(np.float32).max))  # (2²⁴ − 1)·2¹⁰⁴: the tie above it rounds to even, 2¹²⁸ = inf
    assert exact.rounded(top + F(2) ** 103, np.float32) == np.inf
    assert exact.rounded(top + F(2) ** 103 - F(1, 2 ** 40), np.float32) == np.finfo(np.float32).max
