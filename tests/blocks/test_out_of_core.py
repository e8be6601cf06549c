"""Operands larger than the memory budget are worked through by blocks: same results as in memory,
with the peak resident memory bounded by the budget plus the interpreter's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli
from mlcalc.blocks import local, storage

# VmHWM (peak RSS of this address space) rather than ru_maxrss, which a child forked from a big
# pytest process inherits across exec
RSS_PROBE = """
import sys
from mlcalc.cli.app import main
sys.argv = ["mlcalc", *sys.argv[1:]]
try:
    main()
except SystemExit as e:
    code = e.code
else:
    code = 0
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
sys.stderr.write("PEAK_RSS_KB=%s\\n" % hwm)
sys.exit(code)
"""


def peak_rss_mb(*args: str) -> float:
    p = subprocess.run([sys.executable, "-c", RSS_PROBE, *args], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    line = [l for l in p.stderr.splitlines() if l.startswith("PEAK_RSS_KB=")][-1]
    return int(line.split("=")[1]) / 1024


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2000, 1500)), rng.standard_normal((1500, 1800))
    np.save(d / "a.npy", a)
    np.save(d / "b.npy", b)
    return d, a, b


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_blocked_matmul_equals_in_memory_and_stays_under_the_limit(big):
    d, a, b = big
    baseline = peak_rss_mb("matmul", "1 2; 3 4", "5 6; 7 8", "--engine", "numpy", "-o", str(d / "tiny.npy"))
    in_memory = peak_rss_mb("matmul", str(d / "a.npy"), str(d / "b.npy"), "--engine", "numpy", "-o", str(d / "c_mem.npy"))
    blocked = peak_rss_mb("matmul", str(d / "a.npy"), str(d / "b.npy"), "--engine", "numpy",
                          "--memory-limit", "16MB", "-o", str(d / "c_blk.npy"))
    np.testing.assert_allclose(np.load(d / "c_blk.npy"), a @ b, rtol=1e-10, atol=1e-10)
    overhead_mb = 16  # copies and allocator slack beyond the budget
    assert blocked <= baseline + 16 + overhead_mb, (baseline, blocked)
    assert in_memory > baseline + 16 + overhead_mb  # the test can fail: in memory it would not fit


@pytest.mark.parametrize("op,ref", [("add", np.add), ("sub", np.subtract), ("hadamard", np.multiply)])
def test_blocked_elementwise(big, op, ref):
    d, a, _ = big
    r = run_cli(op, str(d / "a.npy"), str(d / "a.npy"), "--memory-limit", "8MB", "-o", str(d / f"{op}.npy"))
    assert r.code == 0, r.stderr
    np.testing.assert_array_equal(np.load(d / f"{op}.npy"), ref(a, a))


def test_blocked_transpose_and_scale(big):
    d, a, _ = big
    assert run_cli("transpose", str(d / "a.npy"), "--memory-limit", "8MB", "-o", str(d / "t.npy")).code == 0
    np.testing.assert_array_equal(np.load(d / "t.npy"), a.T)
    assert run_cli("scale", str(d / "a.npy"), "--by", "3", "--memory-limit", "8MB", "-o", str(d / "s.npy")).code == 0
    np.testing.assert_array_equal(np.load(d / "s.npy"), a * 3)


def test_result_too_large_for_stdout_asks_for_an_npy_file(big):
    d, _, _ = big
    r = run_cli("matmul", str(d / "a.npy"), str(d / "b.npy"), "--memory-limit", "8MB")
    assert_one_error_line(r, "too large", "-o FILE.npy")


def test_small_result_of_large_inputs_prints(big):
    d, a, _ = big
    r = run_cli("matmul", str(d / "a.npy"), "[1,2,3]" if False else str(d / "a.npy"), "--memory-limit", "8MB")
    assert r.code == 1  # (2000,1500)·(2000,1500) do not align
    np.save(d / "v.npy", np.ones((1500, 1)))
    r = run_cli("matmul", str(d / "a.npy"), str(d / "v.npy"), "--memory-limit", "16MB", "-f", "json")
    assert r.code == 0, r.stderr
    np.testing.assert_allclose(np.array(json.loads(r.stdout)), a @ np.ones((1500, 1)), rtol=1e-12)


@pytest.mark.parametrize("ord_", ["fro", "l1", "inf"])
def test_blocked_norms(big, ord_):
    _, a, _ = big
    blocks = storage.NpyBlocks(storage.inspect_npy(str(big[0] / "a.npy"), "a.npy"))
    want = np.linalg.norm(a, {"fro": "fro", "l1": 1, "inf": np.inf}[ord_])
    assert local.norm(blocks, ord_, budget=1 << 20) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("ord_", ["fro", "l1", "inf"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_blocked_norms_carry_nan_and_inf(tmp_path, ord_, bad):
    # a block holding a NaN was skipped (its max is NaN, and NaN > 0 is false): 20 rows went missing
    a = np.ones((100, 100))
    a[57, 3] = bad
    np.save(tmp_path / "a.npy", a)
    blocks = storage.NpyBlocks(storage.inspect_npy(str(tmp_path / "a.npy"), "a.npy"))
    got = local.norm(blocks, ord_, budget=64 << 10)
    want = np.linalg.norm(a, {"fro": "fro", "l1": 1, "inf": np.inf}[ord_])
    assert (np.isnan(got) and np.isnan(want)) or got == want


def test_tiles_fit_the_budget():
    for m, k, n in [(12000, 12000, 12000), (10, 100000, 10), (100000, 64, 64), (3, 3, 3)]:
        bm, bk, bn = local.matmul_tiles(m, k, n, 8, 512 * 2**20)
        assert 8 * (bm * bk + bk * bn + 2 * bm * bn) <= 256 * 2**20


@pytest.mark.parametrize("text,expected", [
    ("512MB", 512_000_000), ("2GiB", 2 * 2**30), ("1000", 1000), ("3MiB", 3 * 2**20), ("64KiB", 65536),
    ("1.5 GB", 1_500_000_000), ("1TiB", 2**40), ("2kb", 2000)])
def test_memory_limit_sizes(text, expected):
    assert storage.parse_size(text) == expected


def test_bad_memory_limit_is_a_usage_error():
    r = run_cli("matmul", "1 2", "3 4", "--memory-limit", "lots")
    assert r.code == 2 and "--memory-limit" in r.stderr and "'lots' is not a size" in r.stderr


def test_failed_blocked_write_leaves_no_file(big, monkeypatch, tmp_path):
    d, _, _ = big
    out = tmp_path / "c.npy"

    def boom(*a, **k):
        raise MemoryError

    monkeypatch.setattr(local, "matmul", boom)
    r = run_cli("matmul", str(d / "a.npy"), str(d / "b.npy"), "--memory-limit", "8MB", "-o", str(out))
    assert r.code == 1 and not out.exists() and list(tmp_path.iterdir()) == []


def test_blocked_norm_from_the_cli(big):
    d, a, _ = big
    for ord_, want in (("fro", np.linalg.norm(a)), ("l1", np.linalg.norm(a, 1)), ("inf", np.linalg.norm(a, np.inf))):
        r = run_cli("norm", str(d / "a.npy"), "--ord", ord_, "--memory-limit", "8MB", "-f", "json")
        assert r.code == 0, r.stderr
        assert float(r.stdout) == pytest.approx(want, rel=1e-12)


def test_blocked_pairwise_distance(big):
    d, a, b = big
    small = a[:300, :40]
    np.save(d / "p.npy", small)
    r = run_cli("dist", str(d / "p.npy"), str(d / "p.npy"), "--memory-limit", "64KB", "-o", str(d / "dd.npy"))
    assert r.code == 0, r.stderr
    want = np.sqrt(((small[:, None, :] - small[None, :, :]) ** 2).sum(-1))
    np.testing.assert_allclose(np.load(d / "dd.npy"), want, rtol=1e-10, atol=1e-10)


def test_commands_that_need_the_whole_matrix_refuse_a_file_over_the_budget(big):
    d, _, _ = big
    r = run_cli("eig", str(d / "a.npy"), "--memory-limit", "8MB")
    assert_one_error_line(r, "eig:", "larger than the memory budget")


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    d = tmp_path_factory.mktemp("table")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((300_000, 10)) * rng.uniform(0.5, 4, 10) + rng.uniform(-3, 3, 10)
    y = x @ rng.standard_normal(10) + 1.5 + rng.normal(0, 0.3, len(x))
    np.save(d / "t.npy", np.column_stack([x, y]))  # 26 MB
    return d


@pytest.mark.parametrize("method", ["normal", "gd"])
def test_blocked_train_linreg_equals_in_memory(table, method):
    args = ("train-linreg", str(table / "t.npy"), "--method", method, "--standardize", "--epochs", "30", "-f", "json")
    mem = json.loads(run_cli(*args).stdout)
    r = run_cli(*args, "--memory-limit", "4MB")
    assert r.code == 0, r.stderr
    blk = json.loads(r.stdout)
    np.testing.assert_allclose(blk["coef"], mem["coef"], rtol=1e-10)
    assert blk["intercept"] == pytest.approx(mem["intercept"], rel=1e-10)
    assert blk["loss"] == pytest.approx(mem["loss"], rel=1e-10)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_blocked_training_stays_under_the_limit(table):
    baseline = peak_rss_mb("train-linreg", "1 2; 2 4; 3 7", "--method", "normal", "-f", "json")
    blocked = peak_rss_mb("train-linreg", str(table / "t.npy"), "--method", "normal", "--memory-limit", "8MB", "-f", "json")
    in_memory = peak_rss_mb("train-linreg", str(table / "t.npy"), "--method", "normal", "-f", "json")
    assert blocked <= baseline + 8 + 16, (baseline, blocked)
    assert in_memory > baseline + 8 + 16


def test_blocked_predict_equals_in_memory(table, tmp_path):
    m = tmp_path / "m.json"
    assert run_cli("train-linreg", str(table / "t.npy"), "--method", "normal", "--save", str(m)).code == 0
    mem = run_cli("predict", str(m), str(table / "t.npy"), "-o", str(tmp_path / "p1.npy"))
    blk = run_cli("predict", str(m), str(table / "t.npy"), "--memory-limit", "4MB", "-o", str(tmp_path / "p2.npy"))
    assert mem.code == blk.code == 0, blk.stderr
    np.testing.assert_allclose(np.load(tmp_path / "p2.npy"), np.load(tmp_path / "p1.npy"), rtol=1e-12)


def test_blocked_commands_take_vectors_and_rows_as_in_memory(tmp_path):
    # 1-D operands crashed the block code (it unpacked two dimensions), a (1, n) row file was refused
    # as "not a row", and a wrong-length literal row reached NumPy's broadcasting error
    rng = np.random.default_rng(3)
    a, v, d, row = rng.standard_normal((40, 30)), rng.standard_normal(30), rng.standard_normal((25, 30)), rng.standard_normal((1, 30))
    u = rng.standard_normal(40)
    # files over the 2 KB that a 4 KB limit works in memory: a vector, a one-row file, a 0-d number
    big, big2, long_row = rng.standard_normal(3000), rng.standard_normal(3000), rng.standard_normal((1, 3000))
    tall = rng.standard_normal((3000, 4))
    col = rng.standard_normal((3000, 1))  # a column beside a matrix of as many rows: it was refused
    for name, x in (("a", a), ("v", v), ("d", d), ("row", row), ("u", u), ("big", big), ("big2", big2),
                    ("long_row", long_row), ("tall", tall), ("two", np.float64(2.0)), ("col", col)):
        np.save(tmp_path / f"{name}.npy", x)
    f = lambda n: str(tmp_path / f"{n}.npy")  # noqa: E731
    lim = ("--memory-limit", "4KB")
    cases = [(("matmul", f("a"), f("v")), a @ v), (("matmul", f("u"), f("a")), u @ a), (("matmul", f("u"), f("u")), u @ u),
             (("add", f("a"), f("row")), a + row), (("sub", f("a"), "5"), a - 5),
             (("dist", f("v"), f("d")), np.sqrt(((v - d) ** 2).sum(1))[None, :]),
             (("add", f("big"), f("big2")), big + big2), (("add", f("row"), f("a")), row + a),
             (("sub", "5", f("a")), 5 - a), (("sub", f("tall"), f("two")), tall - 2),
             (("dist", f("big"), f("big2")), np.float64(np.linalg.norm(big - big2))),
             (("dist", f("long_row"), f("big")), np.float64(np.linalg.norm(long_row[0] - big))),
             (("sub", f("tall"), f("col")), tall - col), (("sub", f("col"), f("tall")), col - tall),
             (("hadamard", f("col"), f("tall")), col * tall)]
    for args, want in cases:
        out = tmp_path / "out.npy"
        r = run_cli(*args, *lim, "-o", str(out))
        assert r.code == 0, (args, r.stderr)
        got = np.load(out)
        assert got.shape == np.shape(want), args
        np.testing.assert_allclose(got, want, rtol=1e-12)
    r = run_cli("sub", f("a"), "1 2 3", *lim, "-o", str(tmp_path / "bad.npy"))
    assert r.code == 1 and "(40, 30) and (3,)" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("ord_", ["l1", "l2", "inf", "spectral", "nuc"])
def test_blocked_norms_of_a_one_dimensional_file(tmp_path, ord_):
    v = np.random.default_rng(5).standard_normal(3000)
    np.save(tmp_path / "v.npy", v)
    r = run_cli("norm", str(tmp_path / "v.npy"), "--ord", ord_, "--memory-limit", "4KB", "-f", "json")
    assert r.code == 0, r.stderr
    assert float(r.stdout) == pytest.approx(np.linalg.norm(v, {"l1": 1, "inf": np.inf}.get(ord_, 2)), rel=1e-12)


@pytest.mark.parametrize("address", ["foo", "http://127.0.0.1:1", "tcp://host"])
def test_a_malformed_scheduler_address_is_one_line_at_once(tmp_path, address):
    # checked before dask is imported: it raised a ValueError after a 20 s wait, then a traceback at exit
    np.save(tmp_path / "a.npy", np.ones((4, 4)))
    r = run_cli("--scheduler", address, "add", str(tmp_path / "a.npy"), str(tmp_path / "a.npy"))
    assert r.code == 1 and r.stderr.strip() == f"mlcalc: error: --scheduler {address!r}: not an address like tcp://HOST:PORT"


def test_a_zero_dimensional_file_in_blocked_dist_and_matmul_is_a_clear_error(tmp_path):
    np.save(tmp_path / "a.npy", np.ones((3000, 4)))
    np.save(tmp_path / "two.npy", np.float64(2))
    for cmd in ("dist", "matmul"):
        r = run_cli(cmd, str(tmp_path / "a.npy"), str(tmp_path / "two.npy"), "--memory-limit", "4KB",
                    "-o", str(tmp_path / "o.npy"))
        assert r.code == 1 and "internal" not in r.stderr and r.stderr.startswith("mlcalc: error:"), r.stderr


def test_blocked_dist_decides_as_the_other_commands_and_reads_stdin_once(tmp_path):
    # dist judged by one file's size on disk: stdin was read for shapes, then again in memory, and
    # two files together over the budget were worked in memory; --scheduler was ignored
    np.save(tmp_path / "a200.npy", np.ones((200, 2)))
    r = run_cli("--dtype", "float32", "dist", str(tmp_path / "a200.npy"), "-", "--memory-limit", "4KB",
                "-o", str(tmp_path / "o.npy"), stdin="1 2\n3 4\n")
    assert r.code == 0, r.stderr
    np.save(tmp_path / "b100.npy", np.ones((100, 2)))
    r = run_cli("dist", str(tmp_path / "b100.npy"), str(tmp_path / "b100.npy"), "--memory-limit", "4KB", "-f", "csv")
    assert r.code == 1 and "write it with -o FILE.npy" in r.stderr


def test_the_progress_bar_stays_off_stdout(tmp_path):
    # stderr a terminal (a pty), stdout a pipe: the bar is drawn, and the data must start at once
    import os
    import pty
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    np.save(tmp_path / "a.npy", rng.standard_normal((3000, 400)))
    np.save(tmp_path / "b.npy", rng.standard_normal((400, 3)))
    leader, follower = pty.openpty()
    try:
        p = subprocess.run([sys.executable, "-m", "mlcalc", "matmul", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"),
                            "--memory-limit", "400KB", "-f", "csv"], stdout=subprocess.PIPE, stderr=follower,
                           timeout=300)
    finally:
        os.close(follower)
        os.close(leader)
    assert p.returncode == 0
    got = np.loadtxt(p.stdout.decode().splitlines(), delimiter=",")
    assert p.stdout[:1] not in (b"\n", b"\r", b"\x1b") and got.shape == (3000, 3)


def test_every_progress_bar_draws_on_stderr():
    from mlcalc.progress import stderr_bar
    assert stderr_bar().console.stderr


@pytest.mark.parametrize("blocked", [True, False])
def test_a_file_size_limit_is_one_error_line_and_leaves_no_temp_file(tmp_path, blocked):
    import resource
    import subprocess
    import sys

    np.save(tmp_path / "m.npy", np.ones((333, 77)))
    (tmp_path / "out").mkdir()
    limit = ["--memory-limit", "8KB"] if blocked else []
    p = subprocess.run([sys.executable, "-m", "mlcalc", "add", str(tmp_path / "m.npy"), str(tmp_path / "m.npy"), *limit,
                        "-o", str(tmp_path / "out" / "o.npy")], capture_output=True, text=True, timeout=300,
                       preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000)))
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.strip().splitlines() == [f"mlcalc: error: cannot write {tmp_path / 'out' / 'o.npy'}: File too large"]
    assert os.listdir(tmp_path / "out") == []


@pytest.mark.parametrize("args", [("add", "v.npy", "one.npy"), ("sub", "one.npy", "v.npy"), ("scale", "v.npy", "--by", "2"),
                                  ("transpose", "v.npy"), ("dist", "c.npy", "p.npy"), ("dist", "p.npy", "c.npy")])
def test_vectors_by_blocks_give_the_in_memory_result(tmp_path, args):
    # 1-D files and one-column vectors crashed or were refused by blocks
    rng = np.random.default_rng(0)
    np.save(tmp_path / "v.npy", np.arange(2000.0))
    np.save(tmp_path / "one.npy", np.array([[5.0]]))
    np.save(tmp_path / "c.npy", rng.standard_normal((7, 1)))
    np.save(tmp_path / "p.npy", rng.standard_normal((300, 7)))
    args = [str(tmp_path / a) if a.endswith(".npy") else a for a in args]
    assert run_cli(*args, "-o", str(tmp_path / "mem.npy")).code == 0
    r = run_cli(*args, "--memory-limit", "8KB", "-o", str(tmp_path / "blk.npy"))
    assert r.code == 0, r.stderr
    mem, blk = np.load(tmp_path / "mem.npy"), np.load(tmp_path / "blk.npy")
    assert mem.shape == blk.shape
    np.testing.assert_allclose(blk, mem, rtol=1e-14)


def test_cosine_by_blocks_refuses_a_zero_row_as_in_memory(tmp_path):
    z = np.random.default_rng(0).standard_normal((40, 7))
    z[3] = 0
    np.save(tmp_path / "z.npy", z)
    for a, b, name in ((str(tmp_path / "z.npy"), "1 2 3 4 5 6 7", "A"), ("1 2 3 4 5 6 7", str(tmp_path / "z.npy"), "B")):
        for limit in ([], ["--memory-limit", "4KB"]):
            assert_one_error_line(run_cli("dist", a, b, "--metric", "cosine", *limit), f"zero vector (row 4 of {name})")


def test_a_format_given_with_an_npy_name_is_written_as_asked(tmp_path):
    np.save(tmp_path / "a.npy", np.ones((7, 1001)))
    np.save(tmp_path / "b.npy", np.ones((1001, 5)))
    r = run_cli("matmul", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--memory-limit", "8KB",
                "-o", str(tmp_path / "r.npy"), "-f", "csv")
    assert r.code == 0 and (tmp_path / "r.npy").read_text().splitlines()[0] == "1001,1001,1001,1001,1001"


def test_the_budget_refusals_agree_with_the_blocked_paths_and_read_well(tmp_path):
    # 50×10 float64 in a 4128-byte file is 2000 bytes as float32: in memory for scale, so not refused
    np.save(tmp_path / "w.npy", np.ones((50, 10)))
    r = run_cli("--dtype", "float32", "scale", str(tmp_path / "w.npy"), "--by", "2", "--memory-limit", "4064",
                "-o", str(tmp_path / "s.npy"))
    assert r.code == 0, r.stderr
    assert_one_error_line(run_cli("inv", str(tmp_path / "w.npy"), "--memory-limit", "2KB"),
                          "(4 KB as float64) is larger than the memory budget (2 KB)")
    # a chain is multiplied in memory: the advice is to multiply two at a time, not "use matmul"
    np.save(tmp_path / "a.npy", np.ones((7, 1001)))
    np.save(tmp_path / "b.npy", np.ones((1001, 5)))
    assert_one_error_line(run_cli("matmul", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), str(tmp_path / "a.npy"),
                                  "--memory-limit", "8KB"), "multiply two at a time")


def test_trace_by_blocks_says_it_is_not_available(tmp_path):
    np.save(tmp_path / "big.npy", np.ones((100, 100)))
    for args in (("matmul", "big.npy", "big.npy", "-o", "mm.npy"), ("norm", "big.npy"), ("add", "big.npy", "big.npy",
                                                                                            "-o", "s.npy")):
        args = [str(tmp_path / a) if a.endswith(".npy") else a for a in args]
        r = run_cli(*args, "--memory-limit", "10KB", "--trace")
        assert r.code == 0 and "--trace is not available when the operands are worked through by blocks" in r.stderr


def test_a_0d_npy_is_never_worked_by_blocks(tmp_path):
    # its "rows" were read as shape[0] of (): an internal IndexError under a budget below 16 bytes
    np.save(tmp_path / "z.npy", np.array(2.5))
    r = run_cli("norm", str(tmp_path / "z.npy"), "--memory-limit", "8")
    assert r.code == 0 and r.stdout.strip() == "2.5"


def test_predict_by_blocks_says_that_trace_is_skipped(tmp_path):
    # every other command by blocks warns; predict printed nothing at all on stderr
    rng = np.random.default_rng(0)
    data = rng.standard_normal((3000, 3))
    np.save(tmp_path / "d.npy", data)
    model = str(tmp_path / "m.json")
    assert run_cli("train-linreg", str(tmp_path / "d.npy"), "--method", "normal", "--save", model).code == 0
    r = run_cli("predict", str(tmp_path / "m.json"), str(tmp_path / "d.npy"), "--memory-limit", "16KB", "--trace",
                "-f", "csv")
    assert r.code == 0 and "--trace is not available" in r.stderr and len(r.stdout.split()) == 3000


def test_the_default_budget_follows_the_cgroup_memory_limit(tmp_path, monkeypatch):
    # half the host's RAM planned 32 GB inside a container given 2 GB: the kernel's OOM killer ends it
    v2 = tmp_path / "v2"
    (v2 / "a" / "b").mkdir(parents=True)
    (v2 / "a" / "memory.max").write_text("3000000\n")
    (v2 / "a" / "b" / "memory.max").write_text("max\n")
    (tmp_path / "own2").write_text("0::/a/b\n")
    assert storage.cgroup_memory_limit(str(v2), str(tmp_path / "own2")) == 3000000
    v1 = tmp_path / "v1"
    (v1 / "memory" / "c").mkdir(parents=True)
    (v1 / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    (v1 / "memory" / "c" / "memory.limit_in_bytes").write_text("2000000\n")
    (tmp_path / "own1").write_text("5:cpu:/\n4:memory:/c\n0::/\n")
    assert storage.cgroup_memory_limit(str(v1), str(tmp_path / "own1")) == 2000000
    assert storage.cgroup_memory_limit(str(v1), str(tmp_path / "absent")) is None
    (tmp_path / "own3").write_text("0::/\n")
    assert storage.cgroup_memory_limit(str(tmp_path / "empty"), str(tmp_path / "own3")) is None

    monkeypatch.setattr(storage, "cgroup_memory_limit", lambda: 2000000)
    assert storage.default_budget() == 1000000
    monkeypatch.setattr(storage, "cgroup_memory_limit", lambda: None)
    assert storage.default_budget() > 1000000


def test_results_far_larger_than_their_operands_are_weighed_against_the_budget(tmp_path):
    # only operands were weighed: 120 KB vectors made a 1.8 GB outer product (3.6 GB of memory under
    # --memory-limit 1GB), and larger ones ran the machine out of memory. Here 2 KB operands, 2 MB results
    n = 500
    col, row, vec, q = (str(tmp_path / f) for f in ("c.npy", "r.npy", "v.npy", "q.npy"))
    np.save(col, np.ones((n, 1)))
    np.save(row, np.ones((1, n)))
    np.save(vec, np.arange(n, dtype=float))
    np.save(q, np.ones((n, 2)))
    out = str(tmp_path / "out.npy")
    cases = [(["outer", vec, vec], "outer: the result (500 × 500, 2 MB) would need about 4 MB"),
             (["matmul", col, row], "matmul: the result (500 × 500, 2 MB)"),
             (["matmul", col, row, col], "matmul: the result (500 × 500, 2 MB)"),  # a product inside the chain
             (["dist", q, q], "dist: the result (500 × 500, 2 MB)"),
             (["attention", q, q, q], "attention: the scores Q·Kᵀ (500 × 500, 2 MB) would need about 8 MB"),
             (["embed", vec, "1 2; 3 4; 5 6; 7 8"], "embed: IDS position 5"),  # its own message first
             (["embed", "0 1 2 3", "1 2 3; 4 5 6; 7 8 9; 1 2 3"], None),
             (["gen", "randn", "500x500"], "gen: the result (500 × 500, 2 MB) would need about 4 MB of memory, more "
                                           "than the memory budget (1 MB): raise --memory-limit, or ask for a smaller shape")]
    for args, message in cases:
        r = run_cli("--memory-limit", "1MB", *args, "-o", out)
        if message is None:
            assert r.code == 0, r.stderr
            os.remove(out)
            continue
        assert_one_error_line(r, message)
        assert not os.path.exists(out)
    # within the budget they run as before, and a product whose shapes do not align keeps its message
    r = run_cli("--memory-limit", "8MB", "outer", vec, vec, "-o", out)
    assert r.code == 0, r.stderr
    np.testing.assert_array_equal(np.load(out), np.outer(np.arange(n), np.arange(n)))
    assert_one_error_line(run_cli("--memory-limit", "1MB", "matmul", col, "1 2"), "do not align")
    # two columns are two vectors: one distance, not 500 × 500
    r = run_cli("--memory-limit", "1MB", "dist", col, col)
    assert r.code == 0 and float(r.stdout) == 0.0, r.stderr
    # a batch is attended a slice at a time: 8 slices of 100 × 100 scores fit where all of them at once would not
    qb, wide = str(tmp_path / "qb.npy"), str(tmp_path / "wide.npy")
    np.save(qb, np.ones((8, 100, 2)))
    np.save(wide, np.ones((n, 3)))
    r = run_cli("--memory-limit", "1MB", "attention", qb, qb, qb, "-o", out)
    assert r.code == 0, r.stderr
    np.testing.assert_allclose(np.load(out), np.ones((8, 100, 2)))
    assert_one_error_line(run_cli("--memory-limit", "1MB", "attention", q, wide, wide), "the same width d")
