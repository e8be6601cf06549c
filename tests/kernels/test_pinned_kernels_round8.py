"""Round 8 of mutation testing (stream.py, svd.py): tests that kill mutants the suite let through."""

import numpy as np
import pytest

from mlcalc.kernels.cpu import elementwise as ew
from mlcalc.kernels.cpu import stream
from mlcalc.kernels.cpu import svd as ksvd


@pytest.mark.parametrize("byte_offset", [1, 4])
def test_streamed_results_into_a_misaligned_buffer_are_exact(byte_offset):
    # stream.aligned_span returns (0, 0) when no element of out starts on a 64-byte line (a float64 view
    # 1 or 4 bytes into a buffer): every store is then an ordinary one. Without that check the "aligned"
    # middle got non-temporal stores promised 64-byte alignment at a misaligned address.
    n = stream.STREAM_FROM_BYTES // 8 + 12345
    rng = np.random.default_rng(byte_offset)
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    buf = bytearray(n * 8 + 64)
    out = np.frombuffer(buf, dtype=np.float64, count=n, offset=byte_offset)
    assert not out.flags.aligned
    assert stream.aligned_span.py_func(out) == (0, 0)
    ew._binary_flat(a, b, out, ew._SUB)
    assert np.array_equal(out, a - b)
    ew._binary_scalar(a, 2.5, out, ew._MUL, False)
    assert np.array_equal(out, a * 2.5)


def test_svd_completes_u_for_a_zero_column_to_working_precision():
    # the left singular vector of a zero singular value is completed by Gram–Schmidt against the others,
    # twice (Kahan–Parlett): one pass left it 4e-15 off orthogonal to them, two leave ~6e-17
    A = np.random.default_rng(0).standard_normal((120, 120))
    A[:, -1] = 0.0
    U, s, Vt = ksvd.svd(A)
    assert s[-1] == 0.0
    assert np.abs(U[:, :-1].T @ U[:, -1]).max() < 5e-16
    assert abs(np.linalg.norm(U[:, -1]) - 1.0) < 1e-15
    assert np.allclose((U * s) @ Vt, A, atol=1e-12)


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_aligned_span_is_the_longest_run_of_whole_lines_from_the_first_aligned_element(dt):
    # stream.aligned_span(out) = (s, e): out[s] the first element on a 64-byte line (s counted in elements,
    # not bytes) and out[s:e] whole lines only, ending within the last line of out (not past its end)
    size = np.dtype(dt).itemsize
    per_line = 64 // size
    buf = np.empty(400, dtype=dt)
    first = ((64 - buf.ctypes.data % 64) % 64) // size  # buf[first] starts a line
    for j in range(per_line):
        for n in (3, per_line, 2 * per_line + 5, 3 * per_line + (per_line - j) % per_line):
            out = buf[first + j: first + j + n]
            s, e = stream.aligned_span.py_func(out)
            want_s = (per_line - j) % per_line
            if want_s >= n:
                assert (s, e) == (0, 0), (j, n)
                continue
            assert s == want_s, (j, n)
            assert (out.ctypes.data + s * size) % 64 == 0
            assert (e - s) % per_line == 0 and e <= n < e + per_line, (j, n, s, e)
