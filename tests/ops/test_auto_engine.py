"""`auto`: numba from an op's threshold once numba is loaded, and from a far larger one before it is
(importing it and starting its threads cost a one-shot command about half a second)."""

import numpy as np
import pytest

from mlcalc import engine
from mlcalc.ops import nn as nn_ops


@pytest.fixture(params=[True, False], ids=["numba loaded", "cold start"])
def loaded(request, monkeypatch):
    monkeypatch.setattr(engine, "numba_loaded", lambda: request.param)
    return request.param


def test_one_table_holds_both_thresholds_of_every_op_and_the_cold_one_is_never_lower():
    engine._register_all()
    assert set(engine.AUTO_NUMBA_FROM) == set(engine.REGISTRY)  # no op without its entry, no stale entry
    for op, (warm, cold) in engine.AUTO_NUMBA_FROM.items():
        if cold is not None:
            assert warm is not None and cold >= warm, op
        if warm is not None:
            assert "numba" in engine.REGISTRY[op], op  # a threshold for a kernel that exists


def test_add_of_millions_takes_numba_only_once_it_is_loaded(loaded):
    assert engine.uses_numba("add", "auto", 5_000_000) is loaded
    assert engine.uses_numba("add", "auto", 1000) is False
    assert engine.uses_numba("add", "numba", 10) is True  # an explicit engine is obeyed either way
    assert engine.uses_numba("add", "numpy", 10**9) is False


def test_activations_weigh_their_work_by_numpys_cost(loaded, monkeypatch):
    # 5·10⁶ elements: gelu (NumPy ~130 ns an element) repays a cold start of numba, relu (~3 ns) does not
    picked = []

    def spy(op, eng="auto", work=0, device="cpu"):
        picked.append(engine.uses_numba(op, eng, work))
        return lambda *a: np.zeros(1)

    monkeypatch.setattr(nn_ops.engines, "kernel", spy)
    x = np.zeros((5000, 1000))
    for fn in ("gelu", "relu"):
        nn_ops.activate(x, fn)
    assert picked == [True, loaded]


def test_full_batch_descent_weighs_a_hundredth_of_minibatch_work(loaded):
    # NumPy's full-batch epoch is two BLAS products; its mini-batches loop in Python, batch by batch
    from mlcalc.train.linreg import Config, _auto_work
    gd, sgd = Config(method="gd", epochs=1000), Config(method="sgd", epochs=1000, batch_size=32)
    assert _auto_work(100_000, 20, gd) * 100 == _auto_work(100_000, 20, sgd)
    assert _auto_work(100_000, 20, Config(method="sgd", batch_size=10**6)) == _auto_work(100_000, 20, Config())
    assert not engine.uses_numba("linreg_epochs", "auto", _auto_work(100_000, 20, gd))
    assert engine.uses_numba("linreg_epochs", "auto", _auto_work(100_000, 20, sgd))
