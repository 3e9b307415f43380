"""TransformerEncoder facade and the transformer helpers: exact ids, the spec's
"Recommended Enhancement" API as written, errors by message, scikit-learn
contract, windows, decoding."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import deepbiop as dbp
from _strategies import batches
from deepbiop.transformer_utils import (
    add_special_tokens,
    create_attention_mask,
    integer_codes_to_token_ids,
    sinusoidal_positional_encoding,
)


# -- the spec ----------------------------------------------------------------------------
def test_recommended_enhancement_as_written():
    sequences = [b"ACGTACGT", b"ACGT"]
    # Future API
    encoder = dbp.TransformerEncoder("dna", add_special_tokens=True)
    batch, attention_mask = encoder.encode_batch(
        sequences, add_cls=True, add_sep=True, max_length=512
    )
    # Output: input_ids ready for transformers (no remapping needed)
    assert batch.dtype == np.int64 and attention_mask.dtype == np.int64
    assert batch.tolist() == [[1, 5, 6, 7, 8, 5, 6, 7, 8, 2], [1, 5, 6, 7, 8, 2, 0, 0, 0, 0]]
    assert attention_mask.tolist() == [[1] * 10, [1] * 6 + [0] * 4]


def test_special_token_plan_of_the_spec():
    enc = dbp.TransformerEncoder()
    vocab = enc.get_vocab()
    assert [vocab[t] for t in ("[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]")] == [0, 1, 2, 3, 4]
    assert [vocab[b] for b in "ACGT"] == [5, 6, 7, 8]
    assert enc.vocab_size == 9
    assert dbp.TransformerEncoder("rna").get_vocab()["U"] == 8
    assert dbp.TransformerEncoder("protein").vocab_size == 25
    assert dbp.TransformerEncoder(k=3).vocab_size == 5 + 64


def test_use_case_3_without_remapping_feeds_bert():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    sequences = [b"ACGTACGT", b"ACGT"]
    encoder = dbp.TransformerEncoder("dna", add_special_tokens=True)
    out = encoder(sequences, return_tensors="pt")
    config = transformers.BertConfig(
        vocab_size=encoder.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=2,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    logits = model(input_ids=out["input_ids"], attention_mask=out["attention_mask"]).logits
    assert logits.shape == (2, 2)
    # padding really is ignored: the short sequence alone gives the same logits
    model.eval()
    with torch.no_grad():
        both = model(**encoder(sequences, return_tensors="pt")).logits
        alone = model(**encoder([b"ACGT"], return_tensors="pt")).logits
    torch.testing.assert_close(both[1], alone[0], rtol=1e-4, atol=1e-5)


def test_integer_codes_remap_matches_spec_manual_remap():
    torch = pytest.importorskip("torch")
    encoder = dbp.IntegerEncoder("dna")
    batch = encoder.encode_batch([b"ACGTACGT", b"ACGT"])
    # the spec's Use Case 3 remapping, by hand
    input_ids = torch.from_numpy(batch).long()
    input_ids = input_ids + 5
    input_ids[input_ids == 4] = 0
    np.testing.assert_array_equal(integer_codes_to_token_ids(batch), input_ids.numpy())
    # ... and it equals TransformerEncoder without special tokens
    ids, _ = dbp.TransformerEncoder().encode_batch(
        [b"ACGTACGT", b"ACGT"], add_cls=False, add_sep=False
    )
    np.testing.assert_array_equal(integer_codes_to_token_ids(batch), ids)


# -- helpers -------------------------------------------------------------------------------
def test_create_attention_mask_spec_helper():
    batch = dbp.IntegerEncoder("dna").encode_batch([b"ACGT", b"AC"])
    mask = create_attention_mask(batch)
    assert mask.dtype == np.int64 and mask.tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]
    assert create_attention_mask([[5, 0]], pad_value=0).tolist() == [[1, 0]]
    with pytest.raises(ValueError, match=r"2-D \(batch, length\) array, got shape \(3,\)"):
        create_attention_mask([1, 2, 3])


@settings(max_examples=30)
@given(seqs=batches("dna", max_len=20, max_batch=6))
def test_add_special_tokens_equals_encoder(seqs):
    enc = dbp.TransformerEncoder(max_length=None)
    plain, _ = enc.encode_batch(seqs, add_cls=False, add_sep=False)
    wrapped, mask = enc.encode_batch(seqs)
    if len(seqs):
        np.testing.assert_array_equal(add_special_tokens(plain), wrapped)
        np.testing.assert_array_equal(create_attention_mask(wrapped, pad_value=0), mask)


def test_add_special_tokens_rejects_inner_padding():
    with pytest.raises(ValueError, match=r"row 1: a value follows padding at position 2"):
        add_special_tokens([[5, 6, 7], [5, 0, 6]])
    assert add_special_tokens([[5, 6]], cls_id=None).tolist() == [[5, 6, 2]]


def test_integer_codes_unknown_and_errors():
    codes = dbp.IntegerEncoder("dna", "unknown").encode_batch(["ACNT", "G"])
    assert integer_codes_to_token_ids(codes).tolist() == [[5, 6, 4, 8], [7, 0, 0, 0]]
    prot = dbp.IntegerEncoder("protein", dtype="int64").encode("ACY")
    assert integer_codes_to_token_ids(prot, "protein").tolist() == [5, 6, 5 + 19]
    with pytest.raises(
        ValueError,
        match=r"value 7.0 at position \(0, 1\) is neither an "
        r"alphabet code 0..4 nor pad_value=-1",
    ):
        integer_codes_to_token_ids(np.array([[0, 7]], dtype=np.float32))


def test_sinusoidal_positional_encoding_values():
    pe = sinusoidal_positional_encoding(50, 6)
    assert pe.dtype == np.float32 and pe.shape == (50, 6) and pe.flags.c_contiguous
    for p in (0, 1, 7, 49):
        for i in range(3):
            angle = p / 10000 ** (2 * i / 6)
            assert pe[p, 2 * i] == pytest.approx(np.sin(angle), abs=1e-6)
            assert pe[p, 2 * i + 1] == pytest.approx(np.cos(angle), abs=1e-6)
    odd = sinusoidal_positional_encoding(4, 5)
    assert odd.shape == (4, 5)
    assert odd[3, 4] == pytest.approx(np.sin(3 / 10000 ** (4 / 5)), abs=1e-6)
    assert sinusoidal_positional_encoding(0, 4).shape == (0, 4)
    with pytest.raises(ValueError, match="dim must be a positive int, got 0"):
        sinusoidal_positional_encoding(3, 0)


# -- padding, truncation, errors -------------------------------------------------------------
def test_sep_follows_last_token_and_left_padding():
    ids, mask = dbp.TransformerEncoder(padding_side="left").encode_batch(["ACG", "A"])
    assert ids.tolist() == [[1, 5, 6, 7, 2], [0, 0, 1, 5, 2]]
    assert mask.tolist() == [[1] * 5, [0, 0, 1, 1, 1]]


def test_truncation_keeps_room_for_special_tokens():
    enc = dbp.TransformerEncoder(max_length=4)
    ids, mask = enc.encode_batch(["ACGTACGT", "A"])
    assert ids.tolist() == [[1, 5, 6, 2], [1, 5, 2, 0]]
    ids, _ = dbp.TransformerEncoder(max_length=6, padding="max_length").encode_batch(["A"])
    assert ids.tolist() == [[1, 5, 2, 0, 0, 0]]
    # the per-call max_length wins
    ids, _ = enc.encode_batch(["ACGTACGT"], max_length=None)
    assert ids.shape == (1, 10)


def test_over_long_sequence_without_truncation_is_named():
    enc = dbp.TransformerEncoder(max_length=5, truncation=False)
    with pytest.raises(
        ValueError,
        match=r"sequence 1 \(of 2\) gives 4 tokens \+ 2 special, "
        r"more than max_length=5",
    ):
        enc.encode_batch(["ACG", "ACGT"])


def test_bad_input_errors_name_the_element():
    enc = dbp.TransformerEncoder()
    with pytest.raises(TypeError, match=r"sequence 1: expected bytes, str.*got NoneType"):
        enc.encode_batch(["ACGT", None])
    with pytest.raises(ValueError, match=r"sequence 0: non-ASCII character 'é'"):
        enc.encode_batch(["ACéT"])
    with pytest.raises(ValueError, match=r"max_length=1 leaves no room for the 2 special"):
        dbp.TransformerEncoder(max_length=1).encode_batch(["A"])
    with pytest.raises(ValueError, match=r"stride=3 > k=2 would skip bases"):
        dbp.TransformerEncoder(k=2, stride=3).encode("ACGT")
    with pytest.raises(ValueError, match=r"unknown preset 'dnabert-9'"):
        dbp.TransformerEncoder.from_preset("dnabert-9")
    with pytest.raises(ValueError, match=r"The 'padding' parameter of TransformerEncoder"):
        dbp.TransformerEncoder(padding="sideways").encode("A")
    with pytest.raises(ValueError, match=r"k=3, stride=1 disagree with vocabulary 'dnabert-6'"):
        dbp.TransformerEncoder.from_preset("dnabert-6", k=3).encode("ACGTACGT")


def test_unknown_characters_become_unk():
    enc = dbp.TransformerEncoder()
    assert enc.encode("aCnX-", add_cls=False, add_sep=False).tolist() == [5, 6, 4, 4, 4]


# -- k-mers, windows, decoding ---------------------------------------------------------------
def test_kmer_tokens_overlapping_and_non_overlapping():
    over = dbp.TransformerEncoder(k=3)
    assert over.encode("ACGTA", add_cls=False, add_sep=False).tolist() == [
        5 + 0 * 16 + 1 * 4 + 2,
        5 + 1 * 16 + 2 * 4 + 3,
        5 + 2 * 16 + 3 * 4 + 0,
    ]
    non = dbp.TransformerEncoder(k=3, stride=3)
    assert non.convert_ids_to_tokens(non.encode("ACGTACGT")) == ["[CLS]", "ACG", "TAC", "[SEP]"]


@settings(max_examples=40)
@given(
    seq=st.text(alphabet="ACGTacgt", max_size=40),
    scheme=st.sampled_from(
        [
            dict(),
            dict(k=3),
            dict(k=2, stride=2),
            dict(preset="hyenadna"),
            dict(preset="nucleotide-transformer"),
            dict(preset="dnabert-4"),
        ]
    ),
)
def test_decode_round_trip(seq, scheme):
    preset = scheme.pop("preset", None)
    enc = (
        dbp.TransformerEncoder.from_preset(preset, max_length=None)
        if preset
        else dbp.TransformerEncoder(max_length=None, **scheme)
    )
    v = enc.vocab
    text = enc.decode(enc.encode(seq))
    if v.k > 1 and not v.greedy:
        n = 0 if len(seq) < v.k else ((len(seq) - v.k) // v.step) * v.step + v.k
        assert text == seq.upper()[:n]
    else:
        assert text == seq.upper()


def test_decode_unknown_as_n_and_token_lookups():
    enc = dbp.TransformerEncoder()
    assert enc.decode(enc.encode("ACXT")) == "ACNT"
    assert enc.decode([1, 5, 2, 0], skip_special_tokens=False) == "[CLS]A[SEP][PAD]"
    assert enc.convert_tokens_to_ids(["[MASK]", "T"]) == [3, 8]
    assert enc.convert_ids_to_tokens(7) == "G"
    with pytest.raises(ValueError, match=r"id 9 at position 1 is outside the vocabulary \(0..8\)"):
        enc.convert_ids_to_tokens([5, 9])
    with pytest.raises(KeyError, match="token 'Z' is not in vocabulary 'deepbiop-dna'"):
        enc.convert_tokens_to_ids("Z")


def test_windows_aggregate_back_to_sequences():
    enc = dbp.TransformerEncoder(max_length=12)
    seqs = ["ACGT" * 10, "GG", "T" * 25]
    w = enc.encode_windows(seqs, overlap=2)
    assert w["input_ids"].shape[1] == 12
    n = np.bincount(w["sequence_index"], minlength=3)
    assert n.tolist() == [5, 1, 3]
    starts, ends = w["base_offsets"].T
    for i, s in enumerate(seqs):
        rows = w["sequence_index"] == i
        assert starts[rows][0] == 0 and ends[rows][-1] == len(s)
        for r in np.flatnonzero(rows):
            ids = w["input_ids"][r][w["attention_mask"][r] == 1]
            assert enc.decode(ids) == s[starts[r] : ends[r]]
    # per-window scores averaged per sequence
    score = np.arange(len(w["sequence_index"]), dtype=float)
    mean = np.bincount(w["sequence_index"], weights=score) / n
    assert mean.tolist() == [2.0, 5.0, 7.0]
    with pytest.raises(ValueError, match=r"overlap must be an int with 0 <= overlap < 10"):
        enc.encode_windows(seqs, overlap=10)


def test_call_returns_tensors_sharing_memory():
    torch = pytest.importorskip("torch")
    out = dbp.TransformerEncoder()(
        ["ACGT", "A"], return_tensors="pt", return_special_tokens_mask=True
    )
    assert set(out) == {"input_ids", "attention_mask", "special_tokens_mask"}
    assert all(t.dtype == torch.int64 for t in out.values())
    assert out["special_tokens_mask"].tolist() == [[1, 0, 0, 0, 0, 1], [1, 0, 1, 1, 1, 1]]
    single = dbp.TransformerEncoder().tokenize("AC")
    assert single["input_ids"].tolist() == [[1, 5, 6, 2]]
    with pytest.raises(ValueError, match="return_tensors must be 'np', 'pt' or None"):
        dbp.TransformerEncoder()(["A"], return_tensors="tf")


# -- scikit-learn contract ------------------------------------------------------------------
def test_sklearn_contract():
    enc = dbp.TransformerEncoder.from_preset("dnabert-5", max_length=16)
    assert enc.fit() is enc
    seqs = ["ACGTACGTAC", "ACG"]
    np.testing.assert_array_equal(enc.transform(seqs), enc.encode_batch(seqs)[0])
    np.testing.assert_array_equal(clone(enc).transform(seqs), enc.transform(seqs))
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(enc)).transform(seqs), enc.transform(seqs)
    )
    assert enc.get_params()["vocabulary"].name == "dnabert-5"
    fixed = dbp.TransformerEncoder(max_length=8, padding="max_length")
    pipe = make_pipeline(fixed, FunctionTransformer(lambda x: (x > 4).sum(axis=1, keepdims=True)))
    assert pipe.fit_transform(seqs).ravel().tolist() == [6, 3]
    assert fixed.get_feature_names_out()[:2].tolist() == ["tok0", "tok1"]
    assert fixed.set_output(transform="pandas").transform(seqs).shape == (2, 8)
