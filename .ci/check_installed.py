"""Check an installed deepbiop (a wheel) from outside the source tree.

    python .ci/check_installed.py

The package must come from the installation, not from this checkout; each kernel
family gives a known output (one-hot, integer codes, k-mer counts, hashed sparse
k-mers), two threads give what one gives, and the build is reported. Run by
.ci/run's packaging step and by cibuildwheel's test-command (pyproject.toml).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import deepbiop as dbp

checkout = Path(__file__).resolve().parents[1]
package = Path(dbp.__file__).resolve().parent
if checkout in package.parents:
    sys.exit(f"deepbiop was imported from the checkout ({package}), not from the installation")

onehot = dbp.OneHotEncoder("dna").encode_batch(["ACGT", "AC"])
expected = np.zeros((2, 4, 4), np.float32)
expected[0] = np.eye(4)
expected[1, :2] = np.eye(4)[:2]
np.testing.assert_array_equal(onehot, expected)

codes = dbp.IntegerEncoder("dna", "unknown", dtype="int64").encode_batch(["ACGTN", "AC"])
np.testing.assert_array_equal(codes, [[0, 1, 2, 3, 4], [0, 1, -1, -1, -1]])

counts = dbp.KmerEncoder(k=2).encode_batch(["AAAC", "acgt"])
assert counts.shape == (2, 16) and counts.dtype == np.float32, (counts.shape, counts.dtype)
np.testing.assert_array_equal(counts[0, :2], [2, 1])  # AA twice, AC once
np.testing.assert_array_equal(np.flatnonzero(counts[1]), [1, 6, 11])  # AC, CG, GT

hashed = dbp.KmerEncoder(k=21, n_features=2**10).encode_batch(["ACGT" * 10])
assert hashed.shape == (1, 2**10) and abs(hashed).sum() == 40 - 21 + 1, hashed

rng = np.random.default_rng(0)
reads = ["".join(rng.choice(list("ACGT"), 300)) for _ in range(2000)]
for enc in (dbp.OneHotEncoder("dna"), dbp.KmerEncoder(k=5)):
    np.testing.assert_array_equal(
        enc.set_params(n_jobs=1).encode_batch(reads), enc.set_params(n_jobs=2).encode_batch(reads)
    )

dbp.show_config()
print(f"installed deepbiop {dbp.__version__} works: {package}")
