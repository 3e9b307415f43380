"""deepbiop.torch.collate: EncodeCollate (item forms, options, masks from the
encoder's position_axis, the (input_ids, attention_mask) pair an encoder
declares) and ExpandCodes."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

# importorskip("torch") would pass for this directory (tests/torch/) taken as a
# namespace package when torch is missing: ask for a submodule
pytest.importorskip("torch.utils.data")
import torch

import deepbiop as dbp
from deepbiop.torch import EncodeCollate, ExpandCodes


def test_encode_collate_forms_and_options():
    onehot = EncodeCollate(dbp.OneHotEncoder(), max_length=3)
    out = onehot(["ACGTT", "A"])
    assert out["inputs"].shape == (2, 3, 4) and "labels" not in out
    assert out["lengths"].tolist() == [3, 1]
    assert out["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    kmer = EncodeCollate(dbp.KmerEncoder(k=2), max_length=3)
    out = kmer(
        [
            {"sequence": "AAAAA", "label": 0.5, "id": "a"},
            {"sequence": "CC", "label": 1.5, "id": "b"},
        ]
    )
    assert out["inputs"][0, 0] == 2 and out["labels"].dtype == torch.float32  # cut to AAA
    assert out["ids"] == ["a", "b"] and "attention_mask" not in out
    flat = EncodeCollate(dbp.OneHotEncoder(flatten=True, max_length=4))
    assert "attention_mask" not in flat([b"AC"]) and flat([b"AC"])["inputs"].shape == (1, 16)
    lab = EncodeCollate(dbp.IntegerEncoder(), label_dtype=torch.float64)([("A", 1), ("C", 0)])
    assert lab["labels"].dtype == torch.float64
    empty = EncodeCollate(dbp.IntegerEncoder())([])
    assert empty["inputs"].shape == (0, 0) and empty["lengths"].shape == (0,)
    c2 = pickle.loads(pickle.dumps(onehot))
    assert torch.equal(c2(["AC"])["inputs"], onehot(["AC"])["inputs"])
    with pytest.raises(TypeError, match="item 0 is int"):
        onehot([1, 2])
    with pytest.raises(TypeError, match="encoder must have an encode_batch method"):
        EncodeCollate(object())
    with pytest.raises(ValueError, match="max_length must be a non-negative integer"):
        EncodeCollate(dbp.OneHotEncoder(), max_length=-1)
    with pytest.raises(TypeError, match="labels of dtype <U1 cannot become a tensor"):
        EncodeCollate(dbp.OneHotEncoder())([("A", "x")])
    with pytest.raises(ValueError, match=r"sequence 1 \(of 2\): invalid character 'N'"):
        EncodeCollate(dbp.IntegerEncoder())(["AC", "AN"])


def test_mask_dtype_none_leaves_the_mask_out_and_lengths_rebuild_it():
    seqs = ["ACGT", "GA", ""]
    with_mask = EncodeCollate(
        dbp.IntegerEncoder(dtype=np.uint8, pad_value=255), max_length=5, mask_dtype=torch.bool
    )(seqs)
    without = EncodeCollate(
        dbp.IntegerEncoder(dtype=np.uint8, pad_value=255), max_length=5, mask_dtype=None
    )(seqs)
    assert "attention_mask" not in without
    assert torch.equal(without["inputs"], with_mask["inputs"])
    rebuilt = torch.arange(5) < without["lengths"][:, None]
    assert torch.equal(rebuilt, with_mask["attention_mask"])
    with pytest.raises(ValueError, match="mask_dtype"):
        EncodeCollate(dbp.IntegerEncoder(), mask_dtype=torch.float16)


@pytest.mark.parametrize("channels_first", [False, True])
def test_expand_codes_equals_onehot_skip(channels_first):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGTNacgtnRY"), size=int(n))) for n in rng.integers(0, 40, 64)]
    codes = dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255).encode_batch(seqs)
    want = dbp.OneHotEncoder("dna", "skip", channels_first=channels_first).encode_batch(seqs)
    got = ExpandCodes(4, channels_first=channels_first)(torch.from_numpy(codes))
    assert got.dtype == torch.float32 and got.is_contiguous()
    np.testing.assert_array_equal(got.numpy(), want)  # N, R, Y and padding: zero rows
    # int64 codes with the default pad -1 expand the same way
    signed = dbp.IntegerEncoder("dna", "unknown", dtype="int64").encode_batch(seqs)
    np.testing.assert_array_equal(
        ExpandCodes(4, channels_first=channels_first)(torch.from_numpy(signed)).numpy(), want
    )
    with pytest.raises(TypeError, match="ExpandCodes takes integer codes, got a torch.float32"):
        ExpandCodes()(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="num_classes must be a positive integer, got 0"):
        ExpandCodes(0)


# -- what the encoder declares: position_axis, returns_attention_mask ---------------------------
SEQS = ["ACGTA", "ACGTACGTACG"]  # lengths 5 and 11: no other axis is 11 long
# (name, encoder, padded length L of its batch output for SEQS)
CONFIGS = [
    ("integer", lambda: dbp.IntegerEncoder(), 11),
    ("integer max_length", lambda: dbp.IntegerEncoder(max_length=7), 7),
    ("integer protein", lambda: dbp.IntegerEncoder("protein"), 11),
    ("onehot", lambda: dbp.OneHotEncoder(), 11),
    ("onehot max_length", lambda: dbp.OneHotEncoder(max_length=9), 9),
    ("onehot channels_first", lambda: dbp.OneHotEncoder(channels_first=True), 11),
    (
        "onehot protein channels_first",
        lambda: dbp.OneHotEncoder("protein", channels_first=True),
        11,
    ),
    ("onehot flatten", lambda: dbp.OneHotEncoder(flatten=True, max_length=7), 7),
    (
        "onehot flatten channels_first",
        lambda: dbp.OneHotEncoder(flatten=True, channels_first=True, max_length=7),
        7,
    ),
    ("kmer", lambda: dbp.KmerEncoder(k=2), 11),
    ("kmer sparse", lambda: dbp.KmerEncoder(k=3, sparse=True), 11),
    ("transformer", lambda: dbp.TransformerEncoder(), 13),  # [CLS] ... [SEP]
    ("transformer no specials", lambda: dbp.TransformerEncoder(add_special_tokens=False), 11),
    ("transformer padded", lambda: dbp.TransformerEncoder(max_length=16, padding="max_length"), 16),
    ("transformer 3-mers", lambda: dbp.TransformerEncoder(k=3, stride=3), 5),
]


@pytest.mark.parametrize("make, L", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_position_axis_is_the_axis_of_the_padded_length(make, L):
    enc = make()
    out = enc.encode_batch(SEQS)
    if enc.returns_attention_mask:
        ids, mask = out
        assert ids.shape == mask.shape  # the pair: (B, L) each
        out = ids
    else:
        assert not isinstance(out, (tuple, list))
    axes = [ax for ax, n in enumerate(out.shape) if n == L]
    assert axes == ([] if enc.position_axis is None else [enc.position_axis]), out.shape
    with pytest.raises(AttributeError):
        enc.position_axis = 0  # read-only
    # it follows the parameters, as the output does
    if isinstance(enc, dbp.OneHotEncoder) and not enc.flatten:
        enc.set_params(channels_first=not enc.channels_first)
        out = enc.encode_batch(SEQS)
        assert [ax for ax, n in enumerate(out.shape) if n == L] == [enc.position_axis]


@pytest.mark.parametrize("make, L", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_encode_collate_masks_along_the_declared_axis(make, L):
    enc = make()
    if getattr(enc, "sparse", False):
        with pytest.raises(TypeError, match=r"returned csr_matrix.*pass sparse=False"):
            EncodeCollate(enc)(SEQS)
        return
    out = EncodeCollate(enc)(SEQS)
    assert out["lengths"].tolist() == [5, 11]
    if enc.returns_attention_mask:  # the encoder's own mask, over its tokens
        ids, mask = enc.encode_batch(SEQS)
        assert torch.equal(out["inputs"], torch.from_numpy(ids))
        assert torch.equal(out["attention_mask"], torch.from_numpy(mask))
    elif enc.position_axis is None:
        assert "attention_mask" not in out
    else:
        assert out["inputs"].shape[enc.position_axis] == L
        want = torch.arange(L)[None, :] < torch.tensor([min(5, L), min(11, L)])[:, None]
        assert torch.equal(out["attention_mask"].bool(), want)


class _Pair:
    """A foreign encoder that declares its (ids, mask) output, as a list."""

    returns_attention_mask = True

    def encode_batch(self, seqs):
        L = max(map(len, seqs))
        ids = np.array([[ord(c) for c in s.ljust(L, "\0")] for s in seqs])
        return [ids, (ids != 0).astype(np.int64)]


class _UndeclaredPair(_Pair):
    returns_attention_mask = False


class _Codes:
    """A foreign encoder with a (B, L) output and the attributes it needs."""

    def __init__(self, position_axis=None):
        if position_axis is not None:
            self.position_axis = position_axis

    def encode_batch(self, seqs):
        return dbp.IntegerEncoder(dtype="int64").encode_batch(seqs)


def test_encode_collate_reads_the_declaration_not_the_output_type():
    out = EncodeCollate(_Pair())(["AC", "G"])
    assert out["inputs"].tolist() == [[65, 67], [71, 0]]
    assert out["attention_mask"].tolist() == [[1, 1], [1, 0]]
    # a pair the encoder does not declare is not guessed from its type
    with pytest.raises(TypeError, match=r"_UndeclaredPair.encode_batch returned list"):
        EncodeCollate(_UndeclaredPair())(["AC", "G"])
    # foreign objects: no position_axis, no mask; with one, a mask along it
    assert "attention_mask" not in EncodeCollate(_Codes())(["AC", "G"])
    masked = EncodeCollate(_Codes(position_axis=1), mask_dtype=torch.bool)(["AC", "G"])
    assert masked["attention_mask"].tolist() == [[True, True], [True, False]]


def test_no_encoder_output_is_sniffed_with_isinstance_tuple():
    import ast
    import pathlib

    import deepbiop.torch

    for path in pathlib.Path(deepbiop.torch.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
                kinds = node.args[1]
                assert not (isinstance(kinds, ast.Name) and kinds.id == "tuple"), (
                    f"{path.name}:{node.lineno}: isinstance(..., tuple)"
                )


@pytest.mark.parametrize(
    "encoder",
    [dbp.OneHotEncoder(), dbp.IntegerEncoder(), dbp.TransformerEncoder(max_length=8)],
    ids=["onehot", "integer", "tokens"],
)
def test_collate_columns_equals_collating_the_items(encoder):
    """FastxBatchDataset hands columns to collate_columns; the result is what
    __call__ gives for the same batch as (sequence, label, id) items."""
    collate = EncodeCollate(encoder, max_length=6)
    seqs, labels, ids = ["ACGTACGT", "AC", "G"], [1, 0, 1], ["r0", "r1", "r2"]
    by_items = collate(list(zip(seqs, labels, ids)))
    by_columns = collate.collate_columns(seqs, labels, ids)
    assert by_items.keys() == by_columns.keys()
    for key, value in by_items.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, by_columns[key]), key
        else:
            assert value == by_columns[key], key
    assert set(collate.collate_columns(seqs)) == set(by_items) - {"labels", "ids"}
