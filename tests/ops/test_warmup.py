"""`mlcalc warmup` visits every numba kernel module (each compiles itself in its own warmup())."""

from __future__ import annotations

import importlib

from mlcalc import engine
from mlcalc.ops import warm


def test_warmup_calls_every_kernel_modules_warmup(monkeypatch):
    called = []
    modules = sorted({path.partition(":")[0] for _, path in engine.all_numba_kernels()})
    assert "mlcalc.kernels.cpu.gemm" in modules and "mlcalc.kernels.cpu.linreg" in modules
    for name in modules:
        module = importlib.import_module(name)
        assert hasattr(module, "warmup"), name
        monkeypatch.setattr(module, "warmup", lambda name=name: called.append(name))
    monkeypatch.setattr(warm, "_warm_csv_reader", lambda: called.append("csv"))
    done = warm.warmup(progress=False)
    assert called == modules + ["csv"]
    assert done[-1] == "mlcalc.io._csvkernels"
