"""Block rules a mutation audit found unguarded: a NaN in an early block stays NaN whatever a later
block holds, and the rows per block leave room for every block held at once."""

from __future__ import annotations

import numpy as np
import pytest

from mlcalc.blocks import local
from conftest import run_cli


@pytest.mark.parametrize("ord_", ["fro", "l1", "inf"])
def test_a_nan_before_an_inf_in_a_later_block_is_nan(tmp_path, ord_):
    a = np.ones((1000, 10))
    a[0, 0], a[999, 0] = np.nan, np.inf
    np.save(tmp_path / "a.npy", a)
    r = run_cli("norm", str(tmp_path / "a.npy"), "--ord", ord_, "--memory-limit", "40KB")
    assert r.code == 0 and r.stdout.strip() == "nan", (r.stdout, r.stderr)


@pytest.mark.parametrize("copies", [1, 2, 3])
def test_the_blocks_held_at_once_fit_half_the_budget(copies):
    rows = local.row_block((1000, 10), 8, 40_000, copies)
    assert rows * copies * 10 * 8 <= 40_000 // 2 and (rows + 1) * copies * 10 * 8 > 40_000 // 2


def test_by_blocks_a_result_over_a_quarter_of_the_budget_is_not_printed(tmp_path):
    a = np.ones((20, 10))  # 1.6 KB: two operands over half of 4 KB go by blocks, the result over a quarter
    np.save(tmp_path / "a.npy", a)
    r = run_cli("add", str(tmp_path / "a.npy"), str(tmp_path / "a.npy"), "--memory-limit", "4KB")
    assert r.code == 1 and "over a quarter of the memory budget (4 KB), too large to print" in r.stderr, r.stderr
    r = run_cli("add", str(tmp_path / "a.npy"), str(tmp_path / "a.npy"), "--memory-limit", "4KB",
                "-o", str(tmp_path / "c.npy"))
    assert r.code == 0 and (np.load(tmp_path / "c.npy") == 2).all()
