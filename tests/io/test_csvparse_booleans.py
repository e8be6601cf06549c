"""A first row of booleans: header or data (csvparse), cases a mutation audit found no test for."""

import pytest

from mlcalc.errors import InputError
from mlcalc.io.csvparse import parse_text


def test_a_first_row_of_booleans_is_data_only_over_booleans_in_every_sampled_row():
    # "True" over a number in any row below (not only the next) stays a name
    assert parse_text("True,1\nFalse,2\n3,4\n", "a.csv").names == ["True", "1"]


def test_booleans_beside_a_number_over_booleans_are_data():
    # several booleans are names only where the row is booleans alone (get_dummies' False,True)
    t = parse_text("true,false,1\nfalse,true,2\n", "a.csv")
    assert t.names is None and t.rows == [[1, 0, 1], [0, 1, 2]]


def test_an_empty_cell_beside_booleans_over_booleans_is_named_on_the_first_row():
    with pytest.raises(InputError, match="a.csv line 1, column 2: an empty cell"):
        parse_text("true,\nfalse,\n", "a.csv")


def test_booleans_over_a_longer_row_are_names_over_row_names():
    # one name fewer than the rows have values: R's write.table header over row names
    assert parse_text("true,1\nfalse,2,3\n", "a.csv").names == ["", "true", "1"]
