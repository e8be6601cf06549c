"""The same commands on a local Dask cluster of two worker processes give the in-memory results."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_process

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask.array")


@pytest.fixture(scope="module")
def cluster():
    c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield c.scheduler_address
    c.close()


def test_matmul_on_a_cluster(cluster, tmp_path):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((700, 500)), rng.standard_normal((500, 600))
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    r = run_process("matmul", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--scheduler", cluster,
                    "--memory-limit", "8MB", "-o", str(tmp_path / "c.npy"))
    assert r.code == 0, r.stderr
    np.testing.assert_allclose(np.load(tmp_path / "c.npy"), a @ b, rtol=1e-10, atol=1e-10)


def test_elementwise_on_a_cluster_via_environment(cluster, tmp_path):
    a = np.random.default_rng(2).standard_normal((300, 200))
    np.save(tmp_path / "a.npy", a)
    r = run_process("sub", str(tmp_path / "a.npy"), str(tmp_path / "a.npy"), "-f", "npy",
                    "-o", str(tmp_path / "z.npy"), env={"MLCALC_SCHEDULER": cluster})
    assert r.code == 0, r.stderr
    assert np.array_equal(np.load(tmp_path / "z.npy"), np.zeros_like(a))


def test_unreachable_scheduler_is_one_error_line(tmp_path):
    np.save(tmp_path / "a.npy", np.eye(3))
    r = run_process("add", str(tmp_path / "a.npy"), str(tmp_path / "a.npy"), "--scheduler", "tcp://127.0.0.1:9")
    assert r.code == 1 and r.stderr.startswith("mlcalc: error: --scheduler")


@pytest.fixture
def not_dask():
    """A TCP service that is not a Dask scheduler: "junk" answers with bytes that are no Dask frame,
    "silent" accepts and never answers. Yields a function from the kind to its address."""
    import socket
    import threading
    servers = []

    def start(kind: str) -> str:
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        servers.append(srv)

        def serve():
            held = []
            while True:
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                held.append(conn)
                if kind == "junk":
                    conn.sendall(b"\xff" * 64 + b"HTTP/1.1 200 OK\r\n\r\nhello")
        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    yield start
    for srv in servers:
        srv.close()


@pytest.mark.parametrize("kind", ["junk", "silent"])
def test_a_service_that_is_not_dask_is_one_error_line_in_time(tmp_path, not_dask, kind):
    # junk: Dask read it as a frame length, asked for exabytes and printed a traceback from its __del__
    # after 20 s; silent: the Client waited for good
    from conftest import assert_one_error_line, run_process
    np.save(tmp_path / "a.npy", np.eye(3))
    # a watchdog for "waited for good" (the connection gives up after cluster.CONNECT_SECONDS): no
    # timing is asserted
    r = run_process("add", str(tmp_path / "a.npy"), str(tmp_path / "a.npy"), "--scheduler", not_dask(kind),
                    timeout=300)
    assert_one_error_line(r, "--scheduler", "cannot connect")


def test_an_address_where_nothing_listens_says_one_thing_on_every_python(tmp_path, monkeypatch):
    # connect's deadline and wait_for's were the same: Python 3.11 said "OSError: Timed out trying to connect
    # …", 3.13 "no answer within 10 s"
    import socket

    from conftest import assert_one_error_line, run_cli

    from mlcalc.blocks import cluster as cluster_module
    monkeypatch.setattr(cluster_module, "CONNECT_SECONDS", 3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once closed: nothing listens there
    np.save(tmp_path / "a.npy", np.eye(3))
    r = run_cli("add", str(tmp_path / "a.npy"), str(tmp_path / "a.npy"), "--scheduler", f"tcp://127.0.0.1:{port}")
    assert_one_error_line(r, f"--scheduler tcp://127.0.0.1:{port}: cannot connect (no answer within 3 s)")


def test_train_linreg_normal_on_a_cluster(cluster, tmp_path):
    import json
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5000, 4)) + 2
    y = x @ np.array([1.0, -2.0, 0.5, 3.0]) + 4 + rng.normal(0, 0.1, 5000)
    np.save(tmp_path / "t.npy", np.column_stack([x, y]))
    mem = json.loads(run_process("train-linreg", str(tmp_path / "t.npy"), "--method", "normal", "-f", "json").stdout)
    r = run_process("train-linreg", str(tmp_path / "t.npy"), "--method", "normal", "-f", "json", "--scheduler", cluster,
                    "--memory-limit", "64KB")
    assert r.code == 0, r.stderr
    dist = json.loads(r.stdout)
    np.testing.assert_allclose(dist["coef"], mem["coef"], rtol=1e-10)
    assert dist["intercept"] == pytest.approx(mem["intercept"], rel=1e-10)


def test_a_small_operand_first_on_a_cluster_keeps_the_large_shape(cluster, tmp_path):
    # map_blocks took the result's chunks from its first operand: "sub 5 m.npy" made a (333, 1) result
    m = np.random.default_rng(5).standard_normal((333, 77))
    np.save(tmp_path / "m.npy", m)
    np.save(tmp_path / "row.npy", np.arange(77.0).reshape(1, 77))
    for first, expected in (("5", 5 - m), (str(tmp_path / "row.npy"), np.arange(77.0) - m)):
        r = run_process("sub", first, str(tmp_path / "m.npy"), "--scheduler", cluster, "-o", str(tmp_path / "r.npy"))
        assert r.code == 0, r.stderr
        np.testing.assert_array_equal(np.load(tmp_path / "r.npy"), expected)


def test_a_column_and_a_row_broadcast_on_a_cluster(cluster, tmp_path):
    # a (m, 1) column against (m, n) is broadcast along the rows, as in memory, whichever side it is on
    m = np.random.default_rng(6).standard_normal((333, 77))
    col, row = np.arange(333.0).reshape(333, 1), np.arange(77.0)
    np.save(tmp_path / "m.npy", m)
    np.save(tmp_path / "col.npy", col)
    np.save(tmp_path / "row.npy", row)
    cases = ((("sub", "col.npy", "m.npy"), col - m), (("add", "m.npy", "col.npy"), m + col),
             (("hadamard", "m.npy", "row.npy"), m * row), (("sub", "row.npy", "m.npy"), row - m))
    for (cmd, x, y), expected in cases:
        r = run_process(cmd, str(tmp_path / x), str(tmp_path / y), "--scheduler", cluster,
                        "-o", str(tmp_path / "r.npy"))
        assert r.code == 0, r.stderr
        np.testing.assert_array_equal(np.load(tmp_path / "r.npy"), expected)


def test_commands_without_a_cluster_path_run_here_when_a_scheduler_is_set(cluster, tmp_path):
    import json
    rng = np.random.default_rng(6)
    np.save(tmp_path / "m.npy", rng.standard_normal((40, 3)))
    np.save(tmp_path / "v.npy", np.arange(3.0))
    env = {"MLCALC_SCHEDULER": cluster}
    for args in (("scale", str(tmp_path / "m.npy"), "--by", "2"), ("transpose", str(tmp_path / "m.npy")),
                 ("dist", str(tmp_path / "m.npy"), str(tmp_path / "m.npy")),
                 ("matmul", str(tmp_path / "m.npy"), str(tmp_path / "v.npy")),
                 ("train-linreg", str(tmp_path / "m.npy"), "--method", "gd"),
                 ("train-linreg", str(tmp_path / "m.npy"), "--method", "normal", "--val-split", "0.2", "--seed", "1")):
        here = run_process(*args, "-f", "json")
        there = run_process(*args, "-f", "json", env=env)
        assert there.code == 0 and json.loads(there.stdout) == json.loads(here.stdout), (args, there.stderr)


def test_non_finite_data_on_a_cluster_names_its_position(cluster, tmp_path):
    t = np.ones((500, 3))
    t[:, 0] = np.arange(500.0)
    t[7, 1] = np.inf
    np.save(tmp_path / "t.npy", t)
    r = run_process("train-linreg", str(tmp_path / "t.npy"), "--method", "normal", "--scheduler", cluster)
    assert r.code == 1 and "non-finite value (inf) at row 8, column 2" in r.stderr
