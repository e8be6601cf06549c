"""inspect's sparsity is over all m·n entries of a non-square matrix (a mutation audit found it unpinned)."""

from __future__ import annotations

import json

from conftest import run_cli


def test_sparsity_of_a_non_square_matrix_counts_all_entries():
    facts = json.loads(run_cli("inspect", "0 0 0; 1 0 0", "-f", "json").stdout)
    assert facts["sparsity"] == 5 / 6
    facts = json.loads(run_cli("inspect", "0 1; 0 0; 2 0", "-f", "json").stdout)
    assert facts["sparsity"] == 4 / 6
