"""Shared test helpers: run the CLI in-process (fast) or as the installed command (real pipes)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes


def run_cli(*args: str, stdin: bytes | str = b"", env: dict | None = None) -> Run:
    """Call mlcalc's main() in this process with captured stdin/stdout/stderr."""
    from mlcalc.cli.app import main

    if isinstance(stdin, str):
        stdin = stdin.encode()
    out_buf, err_buf = io.BytesIO(), io.BytesIO()
    old = sys.stdin, sys.stdout, sys.stderr
    old_env = {k: os.environ.get(k) for k in (env or {})}
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out_buf, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err_buf, encoding="utf-8", write_through=True)
    os.environ.update(env or {})
    code = 0
    try:
        main(list(args))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        data, err = out_buf.getvalue(), err_buf.getvalue()
        sys.stdin, sys.stdout, sys.stderr = old
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Run(code, data.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace"), data)


def run_process(*args: str, stdin: bytes | str = b"", env: dict | None = None, timeout: float = 120) -> Run:
    """Run `python -m mlcalc` in a subprocess, as a user's shell would."""
    if isinstance(stdin, str):
        stdin = stdin.encode()
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run([sys.executable, "-m", "mlcalc", *args], input=stdin, capture_output=True,
                       env=full_env, timeout=timeout)
    return Run(p.returncode, p.stdout.decode("utf-8", errors="replace"),
               p.stderr.decode("utf-8", errors="replace"), p.stdout)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(params=["csvparse", "parallel"])
def csv_reader(request, monkeypatch):
    """A test run on each CSV reader: csvparse, and the parallel one, made to take small files too."""
    if request.param == "parallel":
        from mlcalc.io import csvfast
        monkeypatch.setattr(csvfast, "THRESHOLD", 0)
        monkeypatch.setattr(csvfast, "WARM_THRESHOLD", 0)
    return request.param


@pytest.fixture
def proc():
    return run_process


def assert_one_error_line(r: Run, *fragments: str) -> None:
    """The error policy: exit 1, nothing on stdout, one `mlcalc: error:` line naming the problem."""
    assert r.code == 1, (r.code, r.stdout, r.stderr)
    assert r.stdout == "", r.stdout
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("mlcalc: error: "), r.stderr
    # a bug's line ("internal error: ShapeError: ...") is exit 1 and one line too, and may hold the fragments:
    # only a test that asks for "internal error" accepts one
    if not any("internal error" in f for f in fragments):
        assert not lines[0].startswith("mlcalc: error: internal error:"), r.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])


ENGINES = ["numpy", "numba"]


def numeric_grad(f, p, h=1e-6):
    """Central finite differences of the scalar f() with respect to every entry of p (changed in place
    and restored): the gradient checks' oracle."""
    import numpy as np
    g = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        old = p[idx]
        p[idx] = old + h
        up = f()
        p[idx] = old - h
        down = f()
        p[idx] = old
        g[idx] = (up - down) / (2 * h)
    return g


def conv_by_loops(x, k, stride, padding):
    """Cross-correlation of X (C, H, W) with K (O, C, kh, kw), cell by cell: the convolutions' oracle."""
    import numpy as np
    c, h, w = x.shape
    o, _, kh, kw = k.shape
    xp = np.zeros((c, h + 2 * padding, w + 2 * padding))
    xp[:, padding:padding + h, padding:padding + w] = x
    ho, wo = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    out = np.zeros((o, ho, wo))
    for oc in range(o):
        for y in range(ho):
            for xx in range(wo):
                s = 0.0
                for ch in range(c):
                    for i in range(kh):
                        for j in range(kw):
                            s += k[oc, ch, i, j] * xp[ch, y * stride + i, xx * stride + j]
                out[oc, y, xx] = s
    return out


def pytest_collection_modifyitems(config, items):
    """A selected test whose function has `start_early` (a callable) gets it called now, before the
    first test runs: the CUDA simulator's subprocess then runs beside the rest of the suite on the
    second core instead of after it (it takes minutes of pure Python)."""
    for item in items:
        start = getattr(getattr(item, "function", None), "start_early", None)
        if start is not None:
            start()
