"""train_bpe: DNABERT-2-style BPE with the tokenizers library, deepbiop's id plan,
tokenizer.json round trip and base offsets."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("tokenizers")
from deepbiop.bpe import BPETokenizer, train_bpe

SEQS = ["ACGTACGTACGTGGCC", "ACGTTTACGTAAGGCC", "acgtacgtnnACGT", "TTTTACGTACGT"] * 25


@pytest.fixture(scope="module")
def tok():
    return train_bpe(SEQS, vocab_size=20)


def test_id_plan_and_learned_merges(tok):
    vocab = tok.get_vocab()
    assert [vocab[t] for t in ("[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]")] == [0, 1, 2, 3, 4]
    assert [vocab[b] for b in "ACGT"] == [5, 6, 7, 8]  # as TransformerEncoder
    assert tok.vocab_size == 20
    assert any(len(t) >= 4 for t in vocab)  # merges grew multi-base tokens
    assert "ACGT" in vocab


def test_tokens_concatenate_to_the_sequence_and_offsets_map_back(tok):
    for seq in ["ACGTACGTGGCCTTTT", "acgtnACG", "G", ""]:
        ids = tok.encode(seq, add_cls=False, add_sep=False)
        toks = tok.convert_ids_to_tokens(ids)
        offs = tok.token_offsets(seq)
        assert len(offs) == len(toks)
        text = seq.upper()
        for t, (a, b) in zip(toks, offs):
            assert text[a:b] == (t if t != "[UNK]" else text[a:b]) and b > a
        assert tok.decode(ids) == text.replace("X", "N")
        if len(offs):
            assert offs[0, 0] == 0 and offs[-1, 1] == len(seq)
            assert (offs[1:, 0] == offs[:-1, 1]).all()


def test_batch_api_like_transformer_encoder(tok):
    ids, mask = tok.encode_batch(["ACGTACGT", "A"], add_cls=True, add_sep=True, max_length=512)
    assert ids.dtype == np.int64 and mask.dtype == np.int64
    assert ids[0, 0] == 1 and ids[1].tolist()[:3] == [1, 5, 2]
    assert mask.sum(axis=1).tolist() == [int((ids[0] != 0).sum()), 3]
    out = tok(["ACGTACGTACGT"], max_length=3, padding="max_length", return_offsets_mapping=True)
    assert out["input_ids"].shape == (1, 3) and out["input_ids"][0, -1] == 2
    # torch.utils.data, not torch: without torch, `import torch` finds tests/torch
    # (tests/ is on sys.path) as a namespace package
    pytest.importorskip("torch.utils.data")
    import torch

    assert tok(["ACGT"], return_tensors="pt")["input_ids"].dtype == torch.int64


def test_tokenizer_json_round_trip(tok, tmp_path):
    path = tok.save(tmp_path)
    assert path.endswith("tokenizer.json")
    assert json.load(open(path))["model"]["type"] == "BPE"
    again = BPETokenizer.load(tmp_path)
    np.testing.assert_array_equal(again.encode_batch(SEQS[:4])[0], tok.encode_batch(SEQS[:4])[0])
    hf = tok.to_hf()
    assert hf("ACGTACGT")["input_ids"] == hf.convert_tokens_to_ids(
        hf.convert_ids_to_tokens(hf("ACGTACGT")["input_ids"])
    )
    assert hf.mask_token_id == 3 and hf.pad_token_id == 0


def test_errors():
    with pytest.raises(
        ValueError,
        match=r"vocab_size=6 is smaller than the 5 special tokens "
        r"plus the 4 dna symbols \(9\)",
    ):
        train_bpe(SEQS, vocab_size=6)
    with pytest.raises(TypeError, match=r"sequence 1: expected bytes, str"):
        train_bpe(["ACGT", 3], vocab_size=10)
