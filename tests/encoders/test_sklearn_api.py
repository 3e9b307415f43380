"""The scikit-learn contract of OneHotEncoder, IntegerEncoder and KmerEncoder.

``check_estimator`` skips estimators whose tags say they take strings, so the
data-agnostic ``check_*`` functions are called one by one below, and the checks
that need data are rewritten with sequences.
"""

from __future__ import annotations

import pickle
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils import estimator_checks as ec
from sklearn.utils._param_validation import InvalidParameterError

import deepbiop as dbp
from deepbiop.datasets import make_motif_sequences

ESTIMATORS = [
    dbp.OneHotEncoder(),
    dbp.OneHotEncoder("protein", "uniform", dtype=np.float64, flatten=True, max_length=7),
    dbp.IntegerEncoder(),
    dbp.IntegerEncoder("rna", "unknown", dtype=np.int64, max_length=5, pad_value=0),
    dbp.KmerEncoder(),
    dbp.KmerEncoder(k=4, canonical=True, ambiguous_strategy="error"),
]

# Checks that only look at parameters, tags, cloning and repr: they never need
# the estimator to transform numeric data, so they are valid for string input.
DATA_AGNOSTIC_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_mixin_order",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    # These fit on numeric X, but fit is stateless and ignores X, so they test
    # what they mean to: fit neither changes parameters nor adds public state.
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_requires_y_none",
    "check_fit_check_is_fitted",
    "check_estimators_unfitted",
    # Sets each parameter to an invalid value and expects InvalidParameterError
    # from every public method: validation runs before any data is looked at.
    "check_param_validation",
    # no-op for estimators without max_iter, kept so a future one is covered
    "check_transformer_n_iter",
]

# Skipped, and why:
# * check_transformer_general, check_transformers_unfitted_stateless,
#   check_fit_idempotent, check_estimators_pickle, check_dict_unchanged,
#   check_fit_score_takes_y, check_methods_*_invariance, check_pipeline_consistency,
#   check_transformer_data_not_an_array, check_estimators_dtypes,
#   check_readonly_memmap_input, check_f_contiguous_array_estimator,
#   check_set_output_transform*, check_transformer_get_feature_names_out*,
#   check_global_output_transform_pandas: they transform random float matrices,
#   which are not sequences (we raise TypeError); string-data equivalents below.
# * check_n_features_in, check_n_features_in_after_fitting,
#   check_dataframe_column_names_consistency: the input is one column of
#   sequences, not n numeric features; there is no n_features_in_ to keep.
# * check_estimator_sparse_tag, check_estimator_sparse_array/matrix: fit ignores
#   X entirely (stateless), so it does not fail on sparse X as the tag check wants;
#   transform on sparse input is not a sequence container and raises TypeError.
# * check_get_feature_names_out_error: expects NotFittedError before fit, but the
#   encoders declare requires_fit=False and name their columns without fitting.
# * check_estimators_nan_inf, check_estimators_empty_data_messages, check_fit1d,
#   check_fit2d_*, check_complex_data, check_dtype_object: numeric-input
#   validation; the sequence equivalents live in tests/test_sequences.py.
# * classifier/regressor/clusterer/outlier/sample_weight/array-API checks: n/a.


def _name(est):
    return repr(est)


@pytest.mark.parametrize("check", DATA_AGNOSTIC_CHECKS)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_name)
def test_sklearn_data_agnostic_check(estimator, check):
    getattr(ec, check)(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_name)
def test_tags_declare_string_input_and_no_fit(estimator):
    tags = estimator.__sklearn_tags__()
    assert tags.input_tags.string is True
    assert tags.requires_fit is False
    assert tags.estimator_type == "transformer" or tags.transformer_tags is not None


# ------------------------------------------------------------------- data
SEQS, Y = make_motif_sequences(160, 60, seed=3)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_name)
def test_fit_returns_self_and_transform_equals_encode_batch(estimator):
    est = clone(estimator)
    seqs = [s.upper().replace("N", "A") for s in SEQS[:20]]  # valid for "error" too
    if est.get_params()["encoding_type"] == "rna":
        seqs = [s.replace("T", "U") for s in seqs]
    assert est.fit(seqs) is est
    assert est.fit(seqs, Y[:20]) is est
    np.testing.assert_array_equal(est.transform(seqs), est.encode_batch(seqs))
    np.testing.assert_array_equal(clone(estimator).fit_transform(seqs), est.transform(seqs))
    # stateless: fitting on other data changes nothing
    before = est.transform(seqs)
    est.fit(seqs[5:])
    np.testing.assert_array_equal(est.transform(seqs), before)
    # no fitted attributes are needed: transform works on a fresh estimator
    np.testing.assert_array_equal(clone(estimator).transform(seqs), before)
    # fit adds no public attributes (check_dont_overwrite_parameters, on strings)
    assert {k for k in vars(est) if not k.startswith("_")} == set(est.get_params())


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_name)
def test_clone_and_pickle_round_trip(estimator):
    seqs = [s.upper().replace("N", "C") for s in SEQS[:30]]
    if estimator.get_params()["encoding_type"] == "rna":
        seqs = [s.replace("T", "U") for s in seqs]
    expected = estimator.transform(seqs)
    cloned = clone(estimator)
    assert cloned.get_params() == estimator.get_params()
    np.testing.assert_array_equal(cloned.transform(seqs), expected)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        restored = pickle.loads(pickle.dumps(estimator.fit(seqs), protocol=protocol))
        assert restored.get_params() == estimator.get_params()
        np.testing.assert_array_equal(restored.transform(seqs), expected)


def test_pickle_random_strategy_keeps_seed():
    enc = dbp.OneHotEncoder("dna", "random", seed=42)
    restored = pickle.loads(pickle.dumps(enc))
    np.testing.assert_array_equal(restored.encode("NNNNACGT"), enc.encode("NNNNACGT"))


def test_positional_parameter_order_from_the_spec():
    assert dbp.OneHotEncoder("dna", "skip").get_params()["ambiguous_strategy"] == "skip"
    assert dbp.IntegerEncoder("dna").get_params()["encoding_type"] == "dna"
    enc = dbp.KmerEncoder(5, True, "dna")
    assert (enc.k, enc.canonical, enc.encoding_type) == (5, True, "dna")


def test_set_params_changes_output():
    enc = dbp.KmerEncoder(k=2)
    assert enc.transform(["ACGT"]).shape == (1, 16)
    enc.set_params(k=3)
    assert enc.transform(["ACGT"]).shape == (1, 64)


# ----------------------------------------------------------- pipelines & search
def test_pipeline_gridsearch_over_k():
    pipe = make_pipeline(
        dbp.KmerEncoder(k=2, canonical=True, encoding_type="dna"), LogisticRegression(max_iter=500)
    )
    search = GridSearchCV(pipe, {"kmerencoder__k": [1, 2, 3]}, cv=3)
    search.fit(SEQS, Y)
    assert search.best_params_["kmerencoder__k"] in (1, 2, 3)
    assert set(search.cv_results_["param_kmerencoder__k"]) == {1, 2, 3}
    assert search.predict(SEQS[:5]).shape == (5,)
    # the refit pipeline pickles and predicts identically
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(
        restored.predict_proba(SEQS), search.best_estimator_.predict_proba(SEQS)
    )


def test_pipeline_learns_the_planted_motif():
    seqs, y = make_motif_sequences(400, 80, seed=0)
    pipe = Pipeline(
        [
            ("kmer", dbp.KmerEncoder(k=5, canonical=True)),
            ("clf", LogisticRegression(max_iter=2000, C=0.1)),
        ]
    )
    acc = cross_val_score(pipe, seqs, y, cv=3).mean()
    assert acc > 0.7, acc  # chance is 0.5


def test_flattened_onehot_feeds_a_classifier():
    pipe = make_pipeline(
        dbp.OneHotEncoder(flatten=True, max_length=60), LogisticRegression(max_iter=300)
    )
    pipe.fit(SEQS, Y)
    assert pipe.predict(SEQS).shape == (len(SEQS),)


def test_column_transformer_on_dataframe_column():
    df = pd.DataFrame({"seq": SEQS[:40], "gc": np.arange(40.0), "label": Y[:40]})
    ct = ColumnTransformer(
        [
            ("kmer", dbp.KmerEncoder(k=2), ["seq"]),  # a one-column DataFrame
            ("ids", dbp.IntegerEncoder("dna", "unknown", max_length=10), "seq"),  # a Series
            ("num", "passthrough", ["gc"]),
        ]
    )
    out = ct.fit_transform(df)
    assert out.shape == (40, 16 + 10 + 1)
    np.testing.assert_array_equal(out[:, :16], dbp.KmerEncoder(k=2).encode_batch(SEQS[:40]))
    np.testing.assert_array_equal(
        out[:, 16:26], dbp.IntegerEncoder("dna", "unknown", max_length=10).encode_batch(SEQS[:40])
    )
    np.testing.assert_array_equal(out[:, 26], np.arange(40.0))
    names = ct.get_feature_names_out()
    assert names[0] == "kmer__AA" and names[16] == "ids__pos0" and names[-1] == "num__gc"
    pipe = make_pipeline(
        ColumnTransformer([("kmer", dbp.KmerEncoder(k=3), "seq")]), LogisticRegression(max_iter=300)
    )
    pipe.fit(df, df["label"])
    assert pipe.score(df, df["label"]) > 0.5


# ------------------------------------------------------------------ set_output
def test_set_output_pandas_kmer():
    enc = dbp.KmerEncoder(k=2).set_output(transform="pandas")
    df = enc.fit_transform(pd.Series(["ACGT", "AAAA"], index=[5, 9]))
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(dbp.KmerEncoder(k=2).get_feature_names_out())
    assert df.loc[9, "AA"] == 3 and df.loc[5, "CG"] == 1
    assert list(df.index) == [5, 9]


def test_set_output_pandas_integer_with_max_length():
    enc = dbp.IntegerEncoder("dna", max_length=3).set_output(transform="pandas")
    df = enc.transform(["ACGT", "G"])
    assert list(df.columns) == ["pos0", "pos1", "pos2"]
    np.testing.assert_array_equal(df.to_numpy(), [[0, 1, 2], [2, -1, -1]])


def test_set_output_pandas_flattened_onehot():
    enc = dbp.OneHotEncoder(flatten=True, max_length=2).set_output(transform="pandas")
    df = enc.transform(["AC", "T"])
    assert list(df.columns) == [
        "pos0_A",
        "pos0_C",
        "pos0_G",
        "pos0_T",
        "pos1_A",
        "pos1_C",
        "pos1_G",
        "pos1_T",
    ]
    np.testing.assert_array_equal(
        df.to_numpy(), [[1, 0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0]]
    )


# ------------------------------------------------------------ feature names
def test_get_feature_names_out_values():
    assert list(dbp.KmerEncoder(k=1).get_feature_names_out()) == ["A", "C", "G", "T"]
    names = dbp.KmerEncoder(k=3, encoding_type="rna").get_feature_names_out()
    assert len(names) == 64 and names[0] == "AAA" and names[6] == "ACG" and names[-1] == "UUU"
    assert names.dtype == object
    assert len(dbp.KmerEncoder(k=2, encoding_type="protein").get_feature_names_out()) == 400
    assert list(dbp.IntegerEncoder(max_length=2).get_feature_names_out()) == ["pos0", "pos1"]
    assert list(dbp.OneHotEncoder("rna", flatten=True, max_length=1).get_feature_names_out()) == [
        "pos0_A",
        "pos0_C",
        "pos0_G",
        "pos0_U",
    ]
    cf = dbp.OneHotEncoder(flatten=True, channels_first=True, max_length=2)
    assert list(cf.get_feature_names_out()) == [
        "A_pos0",
        "A_pos1",
        "C_pos0",
        "C_pos1",
        "G_pos0",
        "G_pos1",
        "T_pos0",
        "T_pos1",
    ]
    # the names match the columns they label
    X = cf.transform(["CA"])
    assert X[0, list(cf.get_feature_names_out()).index("C_pos0")] == 1


def test_get_feature_names_out_needs_fixed_width():
    with pytest.raises(
        ValueError, match="IntegerEncoder has named columns only with max_length set"
    ):
        dbp.IntegerEncoder().get_feature_names_out()
    with pytest.raises(
        ValueError,
        match="OneHotEncoder has named 2-D columns only with flatten=True and max_length set",
    ):
        dbp.OneHotEncoder(max_length=3).get_feature_names_out()


# --------------------------------------------------------- parameter validation
@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: dbp.KmerEncoder(k=0),
            "The 'k' parameter of KmerEncoder must be an int in the range [1, inf). Got 0 instead.",
        ),
        (lambda: dbp.KmerEncoder(k=2.5), "The 'k' parameter of KmerEncoder must be an int"),
        (
            lambda: dbp.KmerEncoder(k=13),
            "k=13 gives 4**13 = 67,108,864 columns per row, too many for a dense array; "
            "use k <= 12 for alphabet 'dna'",
        ),
        (
            lambda: dbp.KmerEncoder(k=7, encoding_type="protein"),
            "use k <= 5 for alphabet 'protein'",
        ),
        (
            lambda: dbp.KmerEncoder(canonical=True, encoding_type="protein"),
            "canonical=True needs a 4-letter nucleotide alphabet (dna or rna); 'protein' has no "
            "reverse complement",
        ),
        (lambda: dbp.KmerEncoder(canonical="yes"), "The 'canonical' parameter of KmerEncoder"),
        (
            lambda: dbp.OneHotEncoder("dna", "bogus"),
            "The 'ambiguous_strategy' parameter of OneHotEncoder must be a str among",
        ),
        (
            lambda: dbp.IntegerEncoder("dna", "skip"),
            "The 'ambiguous_strategy' parameter of IntegerEncoder must be a str among",
        ),
        (
            lambda: dbp.OneHotEncoder("xna"),
            "unknown encoding_type 'xna'; expected one of 'dna', 'rna', 'protein' "
            "(case-insensitive) or an Alphabet",
        ),
        (
            lambda: dbp.OneHotEncoder(max_length=-1),
            "The 'max_length' parameter of OneHotEncoder must be an int in the range [0, inf)",
        ),
        (
            lambda: dbp.OneHotEncoder(n_jobs=0),
            "n_jobs == 0 has no meaning; use None, -1 or a positive int",
        ),
        (lambda: dbp.IntegerEncoder(dtype="complex64"), "IntegerEncoder dtype must be one of"),
        (
            lambda: dbp.KmerEncoder(dtype=np.uint8),
            "KmerEncoder dtype must be one of float32, float64, int32, int64; got",
        ),
    ],
)
def test_parameter_validation_messages(make, message):
    est = make()  # __init__ never validates
    with pytest.raises(ValueError, match=re.escape(message)):
        est.fit(["ACGT"])
    with pytest.raises(ValueError, match=re.escape(message)):
        est.transform(["ACGT"])


def test_invalid_parameter_error_is_a_value_error_subclass():
    with pytest.raises(InvalidParameterError):
        dbp.KmerEncoder(k=0).fit()


def test_n_jobs_variants_give_same_output():
    seqs = SEQS[:50]
    ref = dbp.KmerEncoder(k=3).transform(seqs)
    for n_jobs in (None, 1, 2, -1, -2, 8):
        np.testing.assert_array_equal(dbp.KmerEncoder(k=3, n_jobs=n_jobs).transform(seqs), ref)
