"""load_csv refuses what it cannot read faithfully, naming the column."""

import numpy as np
import pytest

from deepgrad.data import load_csv, standardize


def csv(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text,target,message", [
    ("a,b,a,label\n1,2,3,0\n4,5,6,1\n", "label", r"duplicate column name\(s\) 'a'"),
    ("a,c,label\n1,3e38,0\n2,3e38,1\n3,3e38,0\n4,-3e38,1\n", "label",
     r"column 'c' holds values .* float32 standardisation \(x - mean\) / std overflows"),
    ("a,c,label\n1,1e39,0\n2,1,1\n", "label", "column 'c' holds values .* overflows"),
    ("a,b,label\n1,nan,0\n2,3,1\n", "label", r"column 'b' holds NaN or inf \(data row 1\)"),
    ("a,b,label\n1,2,0\n2,inf,1\n", None, r"column 'b' holds NaN or inf \(data row 2\)"),
    ("a,label\n1,1e19\n2,2e19\n", "label",
     "target column 'label' holds whole numbers beyond the int64 range"),
    ("label\n1\n2\n", "label", "the only column is the target 'label'"),
])
def test_bad_columns_are_refused_by_name(tmp_path, text, target, message):
    with pytest.raises(ValueError, match=message):
        load_csv(csv(tmp_path, text), target=target)


def test_large_but_representable_columns_standardise_exactly(tmp_path):
    """Values near 1e30 used to become 0: their float32 squares overflowed the std."""
    X, y, _ = load_csv(csv(tmp_path, "a,label\n1e30,0\n2e30,1\n3e30,0\n"), target="label")
    Z, _, _ = standardize(X)
    column = np.array([1e30, 2e30, 3e30])
    np.testing.assert_allclose(Z[:, 0], (column - column.mean()) / column.std(), rtol=1e-6,
                               atol=1e-6)
    assert y.dtype == np.int64
