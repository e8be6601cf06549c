"""gradcheck's error floor, pinned where a mutation audit found it loose."""

import numpy as np
import pytest

from mlcalc.errors import NumericError
from mlcalc.kernels import reference as ref
from mlcalc.ops import nn


def test_gradcheck_floor_is_a_thousandth_of_the_largest_gradient(monkeypatch):
    # dW = (0.22, 0): L does not depend on W[0, 1] (its input is 0), so its finite difference is exactly 0;
    # an analytic 5e-10 there is 2.3e-6 of the floor 1e-3 · 0.22 (the rounding's 1e6·12·eps·L/h is 3e-5):
    # a failure. A floor of 1e-2 · 0.22, of 1e-3 · max(1, 0.22), or of 1e8 · rounding passed it.
    real = ref.dense_backward

    def wrong(*a, **k):
        dW, db, dX = real(*a, **k)
        dW = dW.copy()
        dW[0, 1] += 5e-10
        return dW, db, dX

    args = (np.array([[0.1, 0.0]]), np.array([[1.0, 1.0]]), np.array([0.0]), None, "mse", np.array([[-1.0]]))
    assert max(nn.gradcheck(*args).values()) < 1e-6  # the true gradients pass
    monkeypatch.setattr(ref, "dense_backward", wrong)
    with pytest.raises(NumericError, match="dW differs"):
        nn.gradcheck(*args)
