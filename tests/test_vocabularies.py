"""deepbiop.vocabularies: deepbiop's own special-token layout (one definition
read by TransformerEncoder, bpe and transformer_utils), default vocabularies
and the published presets, checked against layouts written out by hand."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest

import deepbiop as dbp
import deepbiop.encoders.tokens as tokens_mod
import deepbiop.transformer_utils as tu
from deepbiop.vocabularies import (
    DEFAULT_SPECIAL_IDS,
    DEFAULT_SPECIAL_TOKENS,
    DEFAULT_SPECIALS,
    PRESETS,
    TokenVocabulary,
    default_vocabulary,
    preset_vocabulary,
)

# the layout as TransformerEncoder's documentation states it
SPEC_LAYOUT = ["[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]"]


def test_one_special_layout_read_by_every_module():
    assert list(DEFAULT_SPECIAL_TOKENS) == SPEC_LAYOUT
    assert dict(DEFAULT_SPECIAL_IDS) == {"pad": 0, "cls": 1, "sep": 2, "mask": 3, "unk": 4}
    assert [DEFAULT_SPECIALS[r] for r in ("pad", "cls", "sep", "mask", "unk")] == SPEC_LAYOUT
    assert (tu.PAD_ID, tu.CLS_ID, tu.SEP_ID, tu.MASK_ID, tu.UNK_ID, tu.N_SPECIAL) == (
        0,
        1,
        2,
        3,
        4,
        5,
    )
    v = dbp.TransformerEncoder().vocab
    assert [v.id_of(r) for r in ("pad", "cls", "sep", "mask", "unk")] == [0, 1, 2, 3, 4]
    # the helper path and the encoder agree on ids through the shared layout
    codes = dbp.IntegerEncoder("dna", ambiguous_strategy="unknown").encode_batch(["ACGN"])
    np.testing.assert_array_equal(
        tu.integer_codes_to_token_ids(codes),
        dbp.TransformerEncoder(add_special_tokens=False).encode_batch(["ACGN"])[0],
    )


def test_bpe_reads_the_same_layout():
    pytest.importorskip("tokenizers")
    from deepbiop import bpe

    assert bpe.SPECIAL_TOKENS == DEFAULT_SPECIAL_TOKENS
    tok = bpe.train_bpe(["ACGTACGT", "ACGTTT"] * 10, vocab_size=12)
    assert [tok.get_vocab()[t] for t in SPEC_LAYOUT] == [0, 1, 2, 3, 4]
    assert tok.decode(tok.encode_batch(["ACNT"])[0][0]) == "ACNT"


@pytest.mark.parametrize(
    "alpha,symbols", [("dna", "ACGT"), ("rna", "ACGU"), ("protein", "ACDEFGHIKLMNPQRSTVWY")]
)
@pytest.mark.parametrize("k", [1, 2])
def test_default_vocabulary_layout(alpha, symbols, k):
    v = default_vocabulary(alpha, k)
    kmers = ["".join(p) for p in itertools.product(symbols, repeat=k)]
    assert list(v.tokens) == SPEC_LAYOUT + kmers
    assert default_vocabulary(alpha.upper(), k) is v  # built once
    assert pickle.loads(pickle.dumps(v)) == v


def test_presets_by_name_and_reexports():
    assert preset_vocabulary("DNABERT") is PRESETS["dnabert-6"]
    assert preset_vocabulary("nucleotide_transformer") is PRESETS["nucleotide-transformer"]
    with pytest.raises(ValueError, match="unknown preset 'bert'; expected one of"):
        preset_vocabulary("bert")
    with pytest.raises(ValueError, match="unknown preset 'bert'"):
        dbp.TransformerEncoder.from_preset("bert")
    for name in ("TokenVocabulary", "PRESETS", "default_vocabulary"):
        assert getattr(tokens_mod, name) is getattr(dbp.vocabularies, name)
        assert name in tokens_mod.__all__
    assert dbp.TokenVocabulary is TokenVocabulary
    # DNABERT-3: [PAD] [UNK] [CLS] [SEP] [MASK], then 3-mers over A T C G
    v = PRESETS["dnabert-3"]
    assert v.tokens[:6] == ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "AAA")
    assert v.token_to_id("ACG") == 5 + (0 * 16 + 2 * 4 + 3)


@pytest.mark.parametrize(
    "name,seq",
    [
        ("dnabert-3", "ACGTTAC"),
        ("dnabert-6", "ACGTACGTAC"),
        ("dnabert-3", "ACGTN"),
        ("nucleotide-transformer", "ACGTACGTNA"),
        ("hyenadna", "ACGTN"),
        ("caduceus", "acgt"),
    ],
)
def test_vocabulary_decode_inverts_the_encoder(name, seq):
    enc = dbp.TransformerEncoder.from_preset(name)
    ids = enc.encode(seq)
    v = PRESETS[name]
    assert v.decode(ids) == enc.decode(ids) == seq.upper()
    assert v.ids_to_tokens(ids) == enc.convert_ids_to_tokens(ids)
    with pytest.raises(ValueError, match=f"id {v.size} at position 1 is outside"):
        v.ids_to_tokens([0, v.size])


def test_tokenize_packed_is_the_documented_entry_point():
    from deepbiop._sequences import pack_batch

    enc = dbp.TransformerEncoder(max_length=8)
    out = enc.tokenize_packed(
        pack_batch(["ACGT", "A"]), special=True, offsets=True, padding_side="left"
    )
    ids, mask = enc.encode_batch(["ACGT", "A"])
    assert out["input_ids"][0].tolist() == ids[0].tolist()
    assert out["input_ids"][1].tolist() == [0, 0, 0, 1, 5, 2]
    assert out["special_tokens_mask"][1].tolist() == [1, 1, 1, 1, 0, 1]
    assert out["offset_mapping"].shape == (2, 6, 2)
    assert tokens_mod.TransformerEncoder.tokenize_packed.__doc__
