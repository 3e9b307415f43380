"""The _tokens kernel (through TransformerEncoder) against a plain-Python
tokenizer that looks tokens up by their strings in the vocabulary."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from _strategies import batches
from deepbiop.encoders.tokens import PRESETS, TransformerEncoder, default_vocabulary


# -- the reference -------------------------------------------------------------------
def ref_content(seq, vocab):
    """(token ids, base offsets) of one sequence, by string lookup."""
    s = (seq.decode("ascii") if isinstance(seq, bytes) else seq).upper()
    index = {t: i for i, t in enumerate(vocab.tokens)}
    specials = set(vocab.special.values())
    unk = index[vocab.special["unk"]]

    def char_id(ch):
        return index[ch] if ch in index and ch not in specials else unk

    def is_kmer(piece):
        return len(piece) == vocab.k and all(c in vocab.symbols for c in piece)

    ids, offs = [], []
    k = vocab.k
    if k == 1:
        for p, ch in enumerate(s):
            ids.append(char_id(ch))
            offs.append((p, p + 1))
    elif not vocab.greedy:
        step = vocab.stride or 1
        for p in range(0, len(s) - k + 1, step):
            piece = s[p : p + k]
            ids.append(index[piece] if is_kmer(piece) else unk)
            offs.append((p, p + k))
    else:
        p = 0
        while p < len(s):
            piece = s[p : p + k]
            if is_kmer(piece):
                ids.append(index[piece])
                offs.append((p, p + k))
                p += k
            else:
                ids.append(char_id(s[p]))
                offs.append((p, p + 1))
                p += 1
    return ids, offs


def ref_batch(seqs, vocab, *, cls, sep, max_length, padding, side):
    pad = vocab.token_to_id(vocab.special["pad"])
    n_spec = (cls is not None) + (sep is not None)
    rows = []
    for seq in seqs:
        ids, offs = ref_content(seq, vocab)
        if max_length is not None:
            ids, offs = ids[: max_length - n_spec], offs[: max_length - n_spec]
        r_ids = ([cls] if cls is not None else []) + ids + ([sep] if sep is not None else [])
        r_spec = (
            ([1] if cls is not None else []) + [0] * len(ids) + ([1] if sep is not None else [])
        )
        r_offs = (
            ([(0, 0)] if cls is not None else []) + offs + ([(0, 0)] if sep is not None else [])
        )
        rows.append((r_ids, r_spec, r_offs))
    if padding == "max_length" and max_length is not None:
        L = max_length
    else:
        L = max((len(r[0]) for r in rows), default=0)
    out_ids, out_mask, out_spec, out_offs = [], [], [], []
    for r_ids, r_spec, r_offs in rows:
        n_pad = L - len(r_ids)
        padded = [
            (([pad] * n_pad + r_ids) if side == "left" else (r_ids + [pad] * n_pad)),
            (
                ([0] * n_pad + [1] * len(r_ids))
                if side == "left"
                else ([1] * len(r_ids) + [0] * n_pad)
            ),
            (([1] * n_pad + r_spec) if side == "left" else (r_spec + [1] * n_pad)),
            (([(0, 0)] * n_pad + r_offs) if side == "left" else (r_offs + [(0, 0)] * n_pad)),
        ]
        for dst, val in zip((out_ids, out_mask, out_spec, out_offs), padded):
            dst.append(val)
    B = len(seqs)
    return (
        np.array(out_ids, dtype=np.int64).reshape(B, L),
        np.array(out_mask, dtype=np.int64).reshape(B, L),
        np.array(out_spec, dtype=np.int64).reshape(B, L),
        np.array(out_offs, dtype=np.int64).reshape(B, L, 2),
    )


# -- encoders under test -------------------------------------------------------------
SCHEMES = {
    "dna-k1": dict(encoding_type="dna"),
    "rna-k1": dict(encoding_type="rna"),
    "protein-k1": dict(encoding_type="protein"),
    "dna-k3-overlap": dict(encoding_type="dna", k=3),
    "dna-k3-stride2": dict(encoding_type="dna", k=3, stride=2),
    "dna-k4-nonoverlap": dict(encoding_type="dna", k=4, stride=4),
    **{name: dict(preset=name) for name in PRESETS},
}


def make(scheme, **params):
    spec = dict(SCHEMES[scheme])
    preset = spec.pop("preset", None)
    if preset is not None:
        return TransformerEncoder.from_preset(preset, **params)
    return TransformerEncoder(**spec, **params)


def check_against_reference(enc, seqs, *, add_cls, add_sep, max_length, padding, side):
    v = enc.vocab
    out = enc(
        seqs,
        add_cls=add_cls,
        add_sep=add_sep,
        max_length=max_length,
        padding=padding,
        return_special_tokens_mask=True,
        return_offsets_mapping=True,
    )
    cls = v.id_of("cls") if add_cls else None
    sep = v.id_of("sep") if add_sep else None
    ids, mask, spec, offs = ref_batch(
        seqs, v, cls=cls, sep=sep, max_length=max_length, padding=padding, side=side
    )
    np.testing.assert_array_equal(out["input_ids"], ids)
    np.testing.assert_array_equal(out["attention_mask"], mask)
    np.testing.assert_array_equal(out["special_tokens_mask"], spec)
    np.testing.assert_array_equal(out["offset_mapping"], offs)
    for arr in out.values():
        assert arr.dtype == np.int64 and arr.flags.c_contiguous and arr.flags.writeable


@settings(max_examples=40)
@given(
    scheme=st.sampled_from(sorted(SCHEMES)),
    seqs=batches("dna", max_len=30, max_batch=6),
    add_cls=st.booleans(),
    add_sep=st.booleans(),
    max_length=st.one_of(st.none(), st.integers(2, 20)),
    padding=st.sampled_from(["longest", "max_length"]),
    side=st.sampled_from(["left", "right"]),
)
def test_kernel_matches_reference(scheme, seqs, add_cls, add_sep, max_length, padding, side):
    enc = make(scheme, padding_side=side)
    check_against_reference(
        enc,
        seqs,
        add_cls=add_cls,
        add_sep=add_sep,
        max_length=max_length,
        padding=padding,
        side=side,
    )


@settings(max_examples=15)
@given(seqs=batches("protein", max_len=30, max_batch=6), max_length=st.integers(2, 12))
def test_protein_matches_reference(seqs, max_length):
    enc = make("protein-k1")
    check_against_reference(
        enc,
        seqs,
        add_cls=True,
        add_sep=True,
        max_length=max_length,
        padding="longest",
        side="right",
    )


@settings(max_examples=20)
@given(scheme=st.sampled_from(sorted(SCHEMES)), seqs=batches("dna", max_len=60, max_batch=12))
def test_one_and_two_threads_identical(force_parallel, scheme, seqs):
    enc1 = make(scheme, n_jobs=1, max_length=None)
    enc2 = make(scheme, n_jobs=2, max_length=None)
    a = enc1(seqs, return_special_tokens_mask=True, return_offsets_mapping=True)
    with threadpool_limits(2):
        b = enc2(seqs, return_special_tokens_mask=True, return_offsets_mapping=True)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


@settings(max_examples=25)
@given(
    scheme=st.sampled_from(sorted(SCHEMES)),
    seqs=batches("dna", max_len=40, max_batch=5),
    max_length=st.integers(4, 12),
    overlap=st.integers(0, 1),
)
def test_windows_cover_every_token(scheme, seqs, max_length, overlap):
    """Each window equals the reference tokens of its base span, and the
    windows of a sequence together hold all of its tokens in order."""
    enc = make(scheme, max_length=max_length)
    v = enc.vocab
    w = enc.encode_windows(seqs, overlap=overlap)
    n_spec = enc._n_special(None, None)
    cap = max_length - n_spec
    for i, seq in enumerate(seqs):
        rows = np.flatnonzero(w["sequence_index"] == i)
        assert rows.size >= 1
        full, _ = ref_content(seq, v)
        got = []
        for j, r in enumerate(rows):
            start, end = w["base_offsets"][r]
            window_ids, _ = ref_content(seq[start:end], v)
            assert len(window_ids) <= cap
            real = w["input_ids"][r][w["attention_mask"][r] == 1]
            content = real[int(v.add_cls) : len(real) - int(v.add_sep)]
            assert content.tolist() == window_ids
            got.extend(window_ids if j == 0 else window_ids[overlap:])
        assert got == full


def test_empty_batch_and_empty_sequences():
    enc = TransformerEncoder()
    ids, mask = enc.encode_batch([])
    assert ids.shape == (0, 0) and mask.shape == (0, 0)
    ids, mask = enc.encode_batch(["", ""])
    np.testing.assert_array_equal(ids, [[1, 2], [1, 2]])
    ids, mask = enc.encode_batch(["", ""], add_cls=False, add_sep=False)
    assert ids.shape == (2, 0)


def test_kmer_vocabulary_layout_is_lexicographic():
    v = default_vocabulary("dna", k=2)
    assert v.tokens[5:9] == ("AA", "AC", "AG", "AT") and v.size == 5 + 16
    enc = TransformerEncoder(k=2)
    assert enc.encode("AAT", add_cls=False, add_sep=False).tolist() == [5, 5 + 3]
    # a k-mer holding N is [UNK]; the sequence shorter than k gives no token
    assert enc.encode("ANT", add_cls=False, add_sep=False).tolist() == [4, 4]
    assert enc.encode("A").tolist() == [1, 2]


def test_unknown_character_error_names_position():
    enc = TransformerEncoder(ambiguous_strategy="error")
    with pytest.raises(
        ValueError,
        match=r"sequence 1 \(of 2\): character 'N' at position 2 "
        r"has no token in vocabulary 'deepbiop-dna'",
    ):
        enc.encode_batch(["ACGT", "ACNT"])
    # N has a token of its own in the Nucleotide Transformer vocabulary
    nt = TransformerEncoder.from_preset("nucleotide-transformer", ambiguous_strategy="error")
    assert nt.encode("ACN").tolist() == [3, 4102, 4104, 4106]
    with pytest.raises(ValueError, match=r"character 'R' at position 1"):
        nt.encode("ARN")
