"""gradcheck fails, not passes, when its check is NaN (nan > tol is false)."""

from conftest import assert_one_error_line, run_cli


def test_a_nan_check_is_a_failure():
    r = run_cli("gradcheck", "1e200 2; 3 -1", "-W", "0.5 -0.2; 0.1 0.3", "--target", "1 0; 0 1")
    assert_one_error_line(r, "gradcheck: dW cannot be checked", "NaN")
    r = run_cli("gradcheck", "1 2; 3 -1", "-W", "0.5 -0.2; 0.1 0.3", "--target", "1 0; 0 1")
    assert r.code == 0, r.stderr
