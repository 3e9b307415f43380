"""HuggingFace integration and model presets.

Presets are checked against the published vocabularies written here as data;
the tokenizer against transformers' own machinery (save/load, AutoTokenizer,
DataCollatorForLanguageModeling, Trainer) with tiny models built from configs
(nothing is downloaded).
"""

from __future__ import annotations

import contextlib
import itertools
import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepbiop as dbp

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from deepbiop.hf import DeepBioPTokenizer, register_auto_tokenizer  # noqa: E402

# -- published vocabularies, as data -------------------------------------------------
# DNABERT, src/transformers/dnabert-config/bert-config-3/vocab.txt (jerryji1993/DNABERT)
DNABERT_3_VOCAB = """[PAD] [UNK] [CLS] [SEP] [MASK] AAA AAT AAC AAG ATA ATT ATC ATG ACA ACT ACC ACG
AGA AGT AGC AGG TAA TAT TAC TAG TTA TTT TTC TTG TCA TCT TCC TCG TGA TGT TGC TGG CAA CAT
CAC CAG CTA CTT CTC CTG CCA CCT CCC CCG CGA CGT CGC CGG GAA GAT GAC GAG GTA GTT GTC GTG
GCA GCT GCC GCG GGA GGT GGC GGG""".split()
# DNABERT, bert-config-6/vocab.txt: first 21 lines and the last; 4101 lines in all
DNABERT_6_HEAD = """[PAD] [UNK] [CLS] [SEP] [MASK] AAAAAA AAAAAT AAAAAC AAAAAG AAAATA AAAATT
AAAATC AAAATG AAAACA AAAACT AAAACC AAAACG AAAAGA AAAAGT AAAAGC AAAAGG""".split()
DNABERT_6_LAST = (4100, "GGGGGG")
# HyenaDNA (tokenization_hyena.py) and Caduceus (tokenization_caduceus.py)
CHAR_LM_VOCAB = {
    "[CLS]": 0,
    "[SEP]": 1,
    "[BOS]": 2,
    "[MASK]": 3,
    "[PAD]": 4,
    "[RESERVED]": 5,
    "[UNK]": 6,
    "A": 7,
    "C": 8,
    "G": 9,
    "T": 10,
    "N": 11,
}
# Nucleotide Transformer, HF tokenizer of InstaDeepAI/nucleotide-transformer-*:
# specials, the first 6-mer, the single-base fallbacks, the size
NT_SPECIAL = {"<unk>": 0, "<pad>": 1, "<mask>": 2, "<cls>": 3, "<eos>": 4, "<bos>": 5}
NT_FIXED = {"AAAAAA": 6, "A": 4102, "T": 4103, "C": 4104, "G": 4105, "N": 4106}
NT_SIZE = 4107
# published tokenisations (InstaDeep tokenizer walk-through): sequence -> ids
NT_EXAMPLES = {
    "": [3],
    "A": [3, 4102],
    "N": [3, 4106],
    "AAAAAA": [3, 6],
    "AAAAAAT": [3, 6, 4103],
    "TAAAAAA": [3, 6 + 1024, 4102],
}

DNA_WITH_N = st.text(alphabet="ACGTNacgtn", max_size=41)


def test_dnabert_vocabularies_match_published_files():
    assert list(dbp.TransformerEncoder.from_preset("dnabert-3").vocab.tokens) == DNABERT_3_VOCAB
    v6 = dbp.TransformerEncoder.from_preset("dnabert-6").vocab
    assert list(v6.tokens[:21]) == DNABERT_6_HEAD
    assert v6.size == 4101 and v6.tokens[DNABERT_6_LAST[0]] == DNABERT_6_LAST[1]
    for k in (4, 5):
        v = dbp.TransformerEncoder.from_preset(f"dnabert-{k}").vocab
        assert v.size == 5 + 4**k and v.tokens[5] == "A" * k and v.tokens[6] == "A" * (k - 1) + "T"


def _dnabert_reference(seq, k, vocab_list):
    """DNABERT usage: seq2kmer (overlapping k-mers), vocab lookup, [CLS] ... [SEP]."""
    index = {t: i for i, t in enumerate(vocab_list)}
    s = seq.upper()
    kmers = [s[p : p + k] for p in range(len(s) - k + 1)]
    return [index["[CLS]"]] + [index.get(m, index["[UNK]"]) for m in kmers] + [index["[SEP]"]]


@settings(max_examples=40)
@given(seq=DNA_WITH_N, k=st.sampled_from([3, 4, 5, 6]))
def test_dnabert_ids(seq, k):
    vocab_list = (
        DNABERT_3_VOCAB
        if k == 3
        else DNABERT_6_HEAD[:5] + ["".join(p) for p in itertools.product("ATCG", repeat=k)]
    )
    enc = dbp.TransformerEncoder.from_preset(f"dnabert-{k}", max_length=None)
    assert enc.encode(seq).tolist() == _dnabert_reference(seq, k, vocab_list)


def test_nucleotide_transformer_layout_and_published_examples():
    enc = dbp.TransformerEncoder.from_preset("nucleotide-transformer")
    vocab = enc.get_vocab()
    assert {t: vocab[t] for t in NT_SPECIAL} == NT_SPECIAL
    assert {t: vocab[t] for t in NT_FIXED} == NT_FIXED
    assert enc.vocab_size == NT_SIZE
    for seq, ids in NT_EXAMPLES.items():
        assert enc.encode(seq).tolist() == ids, seq
    # padding with <pad> = 1 on the right
    ids, mask = enc.encode_batch(["A" * 24, "AAAAAA", "A"])
    assert ids.tolist() == [[3, 6, 6, 6, 6], [3, 6, 1, 1, 1], [3, 4102, 1, 1, 1]]


def _nt_reference(seq, k=6):
    """InstaDeep's algorithm: split on N, k-mers from each piece's start, leftover
    bases as single tokens, N between pieces; ids from the published layout."""
    index = dict(NT_SPECIAL)
    index.update({"".join(p): 6 + r for r, p in enumerate(itertools.product("ATCG", repeat=k))})
    index.update({b: NT_FIXED[b] for b in "ATCGN"})
    tokens = []
    pieces = seq.upper().split("N")
    for j, piece in enumerate(pieces):
        full = len(piece) // k * k
        tokens += [piece[p : p + k] for p in range(0, full, k)] + list(piece[full:])
        if j < len(pieces) - 1:
            tokens.append("N")
    return [index["<cls>"]] + [index[t] for t in tokens]


@settings(max_examples=60)
@given(seq=DNA_WITH_N)
def test_nucleotide_transformer_ids(seq):
    enc = dbp.TransformerEncoder.from_preset("nucleotide-transformer", max_length=None)
    assert enc.encode(seq).tolist() == _nt_reference(seq)


@pytest.mark.parametrize("name", ["hyenadna", "caduceus"])
def test_character_models(name):
    enc = dbp.TransformerEncoder.from_preset(name)
    assert enc.get_vocab() == CHAR_LM_VOCAB
    seqs = ["ACGTN", "acg", "ACXGT"]
    ids, mask = enc.encode_batch(seqs)
    ref = []
    for s in seqs:
        row = [CHAR_LM_VOCAB.get(c, 6) for c in s.upper()] + [CHAR_LM_VOCAB["[SEP]"]]
        ref.append([CHAR_LM_VOCAB["[PAD]"]] * (6 - len(row)) + row)  # left padding
    assert ids.tolist() == ref
    assert mask.tolist() == [[1] * 6, [0, 0, 1, 1, 1, 1], [1] * 6]


# -- the HuggingFace tokenizer -----------------------------------------------------------
PRESET_NAMES = [None, "dnabert-3", "nucleotide-transformer", "hyenadna", "caduceus"]


def _slow_ids(tok, seq):
    """transformers' own path: tokenize -> ids -> build_inputs_with_special_tokens."""
    return tok.build_inputs_with_special_tokens(tok.convert_tokens_to_ids(tok.tokenize(seq)))


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_kernel_path_equals_transformers_path(preset):
    tok = DeepBioPTokenizer(preset=preset)
    seqs = ["ACGTACGTNACG", "ac", "", "TTTTTTTTTTTTTTTTTTT"]
    fast = tok(seqs)["input_ids"]
    assert fast == [_slow_ids(tok, s) for s in seqs]
    enc = dbp.TransformerEncoder.from_preset(preset) if preset else dbp.TransformerEncoder()
    # padding/truncation equal transformers' own pad() and the encoder
    padded = tok(seqs, padding="max_length", truncation=True, max_length=8, return_tensors="np")
    ids, mask = enc.encode_batch(seqs, max_length=8)
    ref = tok.pad(
        {"input_ids": [_truncated(tok, s, 8) for s in seqs]},
        padding="max_length",
        max_length=8,
        return_tensors="np",
    )
    np.testing.assert_array_equal(padded["input_ids"], ref["input_ids"])
    np.testing.assert_array_equal(padded["attention_mask"], ref["attention_mask"])
    width = ids.shape[1]  # the encoder pads to the longest row, not to 8
    cut = slice(None, width) if tok.padding_side == "right" else slice(8 - width, None)
    np.testing.assert_array_equal(padded["input_ids"][:, cut], ids)
    np.testing.assert_array_equal(padded["attention_mask"][:, cut], mask)


def _truncated(tok, seq, max_length):
    content = tok.convert_tokens_to_ids(tok.tokenize(seq))
    n_special = tok.num_special_tokens_to_add()
    return tok.build_inputs_with_special_tokens(content[: max_length - n_special])


def test_tokenizer_call_forms():
    tok = DeepBioPTokenizer()
    assert tok("ACGT")["input_ids"] == [1, 5, 6, 7, 8, 2]
    out = tok(["ACGT", "AC"], padding=True, return_tensors="pt", return_special_tokens_mask=True)
    assert out["input_ids"].dtype == torch.int64
    assert out["special_tokens_mask"].tolist() == [[1, 0, 0, 0, 0, 1], [1, 0, 0, 1, 1, 1]]
    # special-token text goes through transformers' splitter and keeps [MASK]
    assert tok("AC[MASK]T")["input_ids"] == [1, 5, 6, 3, 8, 2]
    assert tok(["ACGT"], add_special_tokens=False)["input_ids"] == [[5, 6, 7, 8]]
    assert tok.decode(tok("ACGNT")["input_ids"], skip_special_tokens=True) == "ACGNT"
    offs = tok(["ACG"], return_offsets_mapping=True)["offset_mapping"]
    assert offs == [[(0, 0), (0, 1), (1, 2), (2, 3), (0, 0)]] or offs == [
        [[0, 0], [0, 1], [1, 2], [2, 3], [0, 0]]
    ]


# -- the kernel path against transformers' own path -------------------------------------
class _TransformersPath(DeepBioPTokenizer):
    """The same tokenizer with the kernel path switched off: every call goes through
    transformers' tokenize -> convert_tokens_to_ids -> prepare_for_model -> pad."""

    def _fast_path_ok(self, *args, **kwargs):
        return False


_BASE_LOGGER = "transformers.tokenization_utils_base"
_TOO_LONG = "Token indices sequence length is longer than the specified maximum sequence length"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _transformers_log():
    """Records of transformers' tokenizer logger (it does not propagate to the root
    logger, so pytest's caplog does not see them)."""
    logger = logging.getLogger(_BASE_LOGGER)
    handler = _Records()
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_warning()
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        transformers.logging.set_verbosity(verbosity)


def _plain(value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _outcomes(tok, calls):
    """What each call returns (keys, container types, dtypes, values) or raises, and
    what transformers' logger said meanwhile."""
    results = []
    with _transformers_log() as records:
        for method, text, kwargs in calls:
            try:
                if method == "encode":
                    results.append(_plain(tok.encode(text, **kwargs)))
                else:
                    out = tok(text, **kwargs)
                    results.append(
                        {
                            key: (type(val).__name__, str(getattr(val, "dtype", "")), _plain(val))
                            for key, val in out.items()
                        }
                    )
            except Exception as exc:  # noqa: BLE001 - the same error on both paths counts as equal
                results.append((type(exc).__name__, str(exc)))
    return results, [(r.name, r.levelno, r.getMessage()) for r in records]


def _both_paths(
    preset=None, model_max_length=512, added=(), special=(), cls_token=None, truncation_side="right"
):
    made = []
    for cls in (DeepBioPTokenizer, _TransformersPath):
        tok = cls(preset=preset, model_max_length=model_max_length)
        if added:
            tok.add_tokens(list(added))
        if special:
            tok.add_special_tokens({"additional_special_tokens": list(special)})
        if cls_token is not None:
            tok.add_special_tokens({"cls_token": cls_token})
        tok.truncation_side = truncation_side
        made.append(tok)
    return made


# non-ASCII characters: 'ı' and 'ſ' upper-case to the ASCII 'I' and 'S'
_NON_ASCII = "é中ıſÿ\U0001f600"
_TEXT_CHARS = "ACGTNacgtn" + _NON_ASCII + "[]<>MASKx "
_NEW_TOKENS = st.one_of(
    st.text(alphabet="ACGTNacgtn", min_size=1, max_size=4),
    st.sampled_from(["<x>", "[MASK]A", "é", "Cé", "[NEW]"]),
)
_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "padding": st.sampled_from([True, False, "longest", "max_length", "do_not_pad"]),
        "truncation": st.sampled_from(
            [True, False, "longest_first", "only_first", "only_second", "do_not_truncate"]
        ),
        "max_length": st.integers(0, 16),
        "add_special_tokens": st.booleans(),
        "padding_side": st.sampled_from(["left", "right"]),
        "return_length": st.booleans(),
        "return_special_tokens_mask": st.booleans(),
        "return_token_type_ids": st.booleans(),
        "return_attention_mask": st.booleans(),
        "split_special_tokens": st.booleans(),
        "verbose": st.booleans(),
        "return_tensors": st.sampled_from(["np", "pt"]),
    },
)
_ENCODE_OPTIONS = (
    "padding",
    "truncation",
    "max_length",
    "add_special_tokens",
    "padding_side",
    "split_special_tokens",
    "verbose",
    "return_tensors",
)


@st.composite
def _setups(draw):
    added = draw(
        st.lists(
            _NEW_TOKENS
            | st.builds(
                transformers.AddedToken,
                _NEW_TOKENS,
                single_word=st.booleans(),
                lstrip=st.booleans(),
                rstrip=st.booleans(),
            ),
            max_size=3,
        )
    )
    return dict(
        preset=draw(st.sampled_from(PRESET_NAMES + ["dnabert-4"])),
        model_max_length=draw(st.sampled_from([0, 4, 9, 512])),
        added=added,
        special=draw(st.lists(_NEW_TOKENS, max_size=2)),
        cls_token=draw(st.none() | st.just("<c>")),
        truncation_side=draw(st.sampled_from(["right", "right", "left"])),
    )


@st.composite
def _texts(draw, tokens):
    """DNA in both cases with N, non-ASCII and bracket characters, with added and
    special token strings inserted; sometimes as UTF-8 bytes."""
    plain = st.text(alphabet=_TEXT_CHARS, max_size=8)
    pieces = draw(
        st.lists(st.one_of(plain, plain, plain, st.sampled_from(sorted(tokens))), max_size=4)
    )
    text = "".join(pieces)
    return text.encode("utf-8") if draw(st.integers(0, 6)) == 0 else text


@st.composite
def _calls(draw, tokens):
    calls = []
    for _ in range(draw(st.integers(1, 3))):
        batched = draw(st.booleans())
        text = (
            draw(st.lists(_texts(tokens), min_size=1, max_size=4))
            if batched
            else draw(_texts(tokens))
        )
        options = draw(_OPTIONS)
        if not batched and draw(st.integers(0, 4)) == 0:
            options = {k: v for k, v in options.items() if k in _ENCODE_OPTIONS}
            calls.append(("encode", text, options))
        else:
            calls.append(("call", text, options))
    return calls


@pytest.mark.filterwarnings("ignore:`max_length` is ignored when `padding`=`True`")
@settings(max_examples=200)
@given(setup=_setups(), data=st.data())
def test_kernel_path_gives_what_transformers_path_gives(setup, data):
    """Over added tokens (lower case, special, AddedToken options), non-ASCII text,
    bytes, padding/truncation/max_length/return_length and the other options: the
    same outputs, errors and logged warnings (repeated calls: warned once)."""
    fast, slow = _both_paths(**setup)
    tokens = set(slow.get_added_vocab()) | set(slow.all_special_tokens) | {"A"}
    calls = data.draw(_calls(tokens))
    assert _outcomes(fast, calls) == _outcomes(slow, calls)


@pytest.mark.parametrize("preset", [None, "nucleotide-transformer"])
def test_truncation_transformers_does_not_carry_out(preset):
    """transformers leaves a single sequence uncut with "only_second" and at
    max_length=0 (also model_max_length=0 with truncation=True), and keeps the
    special tokens of a row cut to nothing even beyond max_length; the kernel
    path cut or raised there."""
    fast, slow = _both_paths(preset=preset, model_max_length=0)
    calls = [
        (
            "call",
            ["ACGTACGT", "A"],
            {"truncation": "only_second", "max_length": 4, "padding": True},
        ),
        ("call", "ACGTACGT", {"truncation": "only_second", "max_length": 4}),
        ("call", ["ACGTACGT", "A"], {"truncation": True, "max_length": 0}),
        ("call", ["ACGT"], {"truncation": True, "max_length": 0, "add_special_tokens": False}),
        ("encode", "ACGT", {"truncation": True}),
        ("call", ["ACGTACGT", "A"], {"truncation": True, "max_length": 1, "return_length": True}),
    ]
    got = _outcomes(fast, calls)
    assert got == _outcomes(slow, calls)
    assert got[0][0]["input_ids"][2][0] == _slow_ids(fast, "ACGTACGT")  # uncut


def test_added_tokens_are_used_by_call_and_encode():
    # defect 10: tokenize() honoured the added token, __call__/encode did not
    tok = DeepBioPTokenizer()
    tok.add_tokens(["TATA"])
    tata = tok.convert_tokens_to_ids("TATA")
    assert tata == 9 and tok.tokenize("ACTATAG") == ["A", "C", "TATA", "G"]
    assert tok("ACTATAG")["input_ids"] == [1, 5, 6, tata, 7, 2]
    assert tok.encode("ACTATAG") == [1, 5, 6, tata, 7, 2]
    assert tok(["ACTATAG", "GG"], padding=True)["input_ids"] == [
        [1, 5, 6, tata, 7, 2],
        [1, 7, 7, 2, 0, 0],
    ]
    assert tok([b"TATA"])["input_ids"] == [[1, tata, 2]]
    # lower case added token, case-sensitive as in transformers
    tok.add_tokens(["gg"])
    gg = tok.convert_tokens_to_ids("gg")
    assert tok(["ACggT", "ACGGT"])["input_ids"] == [[1, 5, 6, gg, 8, 2], [1, 5, 6, 7, 7, 8, 2]]
    # added special tokens
    tok.add_special_tokens({"additional_special_tokens": ["CCC"]})
    ccc = tok.convert_tokens_to_ids("CCC")
    assert tok("ACCCT", return_special_tokens_mask=True)["input_ids"] == [1, 5, ccc, 8, 2]
    fast, slow = _both_paths(preset="dnabert-3", added=["TATA"], special=["GGG"])
    calls = [
        (
            "call",
            ["ACGTATAGGGC", "ACGT"],
            {"padding": "max_length", "truncation": True, "max_length": 6, "return_length": True},
        )
    ]
    assert _outcomes(fast, calls) == _outcomes(slow, calls)


def test_kernel_path_is_kept_when_no_added_token_occurs(monkeypatch):
    tok = DeepBioPTokenizer()
    tok.add_tokens(["TATA", "<x>"])
    expected = tok(["ACGT", "GATTACA"], padding=True, return_tensors="np")["input_ids"]

    def transformers_path(*args, **kwargs):
        raise AssertionError("took transformers' path")

    monkeypatch.setattr(transformers.PreTrainedTokenizer, "_encode_plus", transformers_path)
    out = tok(["ACGT", "GATTACA"], padding=True, return_tensors="np")["input_ids"]
    np.testing.assert_array_equal(out, expected)
    assert tok.encode("ACTAT") == [1, 5, 6, 8, 5, 8, 2]
    assert tok(["ACéT"])["input_ids"] == [[1, 5, 6, 4, 8, 2]]
    with pytest.raises(AssertionError, match="took transformers' path"):
        tok("ACTATA")


def _warnings_of(tok, calls):
    return [
        msg
        for name, level, msg in _outcomes(tok, calls)[1]
        if name == _BASE_LOGGER and level == logging.WARNING
    ]


def test_too_long_warning_on_the_kernel_path():
    # defect 14a: transformers' own path warns once per tokenizer; the kernel path did not
    fast, slow = _both_paths(model_max_length=10)
    calls = [
        ("call", ["ACGT", "ACGTACGTAC", "ACGTACGTACGTAC"], {"padding": True}),
        ("call", "ACGTACGTACGTACGTACGT", {}),
        ("encode", "ACGTACGTACGTACGTACGT", {}),
    ]
    message = (
        f"{_TOO_LONG} for this model (12 > 10). Running this sequence through the "
        "model will result in indexing errors"
    )
    assert _warnings_of(fast, calls) == _warnings_of(slow, calls) == [message]
    assert fast.deprecation_warnings == slow.deprecation_warnings
    # a fresh tokenizer warns again, from encode() too
    fast, slow = _both_paths(model_max_length=10)
    assert _warnings_of(fast, calls[2:]) == _warnings_of(slow, calls[2:])
    assert len(_warnings_of(_both_paths(model_max_length=10)[0], calls[2:])) == 1
    # no warning with a max_length, with truncation, with verbose=False or short rows
    for kwargs in (
        {"max_length": 12, "truncation": False},
        {"truncation": True},
        {"verbose": False},
        {"padding": "max_length", "truncation": True},
    ):
        fast, slow = _both_paths(model_max_length=10)
        quiet = [("call", ["A" * 30], kwargs)]
        assert _warnings_of(fast, quiet) == _warnings_of(slow, quiet) == []
    assert _warnings_of(_both_paths(model_max_length=10)[0], [("call", "A" * 8, {})]) == []


def _unknown_reference(tok, text):
    """One token per character (k=1 layouts): its id, upper-cased if ASCII, or the
    unknown token; [CLS]/[SEP] as the layout adds them."""
    vocab = tok.get_vocab()
    ids = [
        vocab.get(c.upper(), tok.unk_token_id) if c.isascii() else tok.unk_token_id for c in text
    ]
    return tok.build_inputs_with_special_tokens(ids)


@settings(max_examples=60)
@given(
    text=st.text(alphabet="ACGTNacgtnX-" + _NON_ASCII, max_size=30),
    preset=st.sampled_from([None, "hyenadna"]),
)
def test_non_ascii_characters_become_the_unknown_token(text, preset):
    # defect 14b: a non-ASCII character raised where other unknown characters became [UNK]
    fast, slow = _both_paths(preset=preset)
    expected = _unknown_reference(fast, text)
    assert fast(text)["input_ids"] == expected
    assert fast([text, "AC"])["input_ids"][0] == expected
    assert slow(text)["input_ids"] == expected
    assert _slow_ids(fast, text) == expected


def test_non_ascii_on_both_paths_and_every_layout():
    tok = DeepBioPTokenizer()
    assert tok.tokenize("ACéT") == ["A", "C", "[UNK]", "T"]
    assert tok("ACé中T")["input_ids"] == [1, 5, 6, 4, 4, 8, 2]
    assert tok("ıſ")["input_ids"] == [1, 4, 4, 2]  # not read as 'I', 'S'
    assert tok("AC[MASK]é")["input_ids"] == [1, 5, 6, 3, 4, 2]  # transformers' path
    offsets = tok(["Aé中C"], return_offsets_mapping=True)["offset_mapping"]
    assert _plain(offsets) == [[[0, 0], [0, 1], [1, 2], [2, 3], [3, 4], [0, 0]]]
    # the unknown token where the same layout puts it for 'X' (k-mers, greedy 6-mers)
    for preset in PRESET_NAMES:
        tok = DeepBioPTokenizer(preset=preset)
        seqs = ["ACGTACéGTACGTAC", "é", "GATTACAGATTACA中"]
        assert (
            tok(seqs)["input_ids"]
            == tok([s.replace("é", "X").replace("中", "X") for s in seqs])["input_ids"]
        )
        assert tok(seqs)["input_ids"] == [_slow_ids(tok, s) for s in seqs]


def test_return_length_of_one_padded_input():
    # defect 14c: one padded input gave its unpadded length (6), transformers gives 8
    tok = DeepBioPTokenizer()
    out = tok("ACGT", padding="max_length", truncation=True, max_length=8, return_length=True)
    assert out["input_ids"] == [1, 5, 6, 7, 8, 2, 0, 0] and out["length"] == 8
    pt = tok(
        "ACGT",
        padding="max_length",
        truncation=True,
        max_length=8,
        return_length=True,
        return_tensors="pt",
    )
    assert pt["length"].tolist() == [8]
    # each input of a batch is counted before padding, as transformers does
    batch = tok(
        ["ACGT", "A"], padding="max_length", truncation=True, max_length=8, return_length=True
    )
    assert batch["length"] == [6, 3]
    for text in ("ACGT", ["ACGT"], ["ACGT", "ACGTACGTACGT"], ""):
        for kwargs in (
            {"padding": "max_length", "truncation": True, "max_length": 9},
            {"padding": True},
            {"padding": "longest", "return_tensors": "np"},
            {
                "padding": "max_length",
                "truncation": True,
                "max_length": 9,
                "add_special_tokens": False,
            },
        ):
            fast, slow = _both_paths()
            calls = [("call", text, dict(kwargs, return_length=True))]
            assert _outcomes(fast, calls) == _outcomes(slow, calls), (text, kwargs)


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_save_pretrained_round_trip(tmp_path, preset):
    tok = DeepBioPTokenizer(preset=preset, model_max_length=64)
    tok.save_pretrained(tmp_path)
    again = DeepBioPTokenizer.from_pretrained(tmp_path)
    seqs = ["ACGTNACGTAGGCTA", "acgt", "GATTACA" * 3]
    a = tok(seqs, padding=True, truncation=True, return_tensors="np")
    b = again(seqs, padding=True, truncation=True, return_tensors="np")
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert again.model_max_length == 64 and again.padding_side == tok.padding_side
    register_auto_tokenizer()
    auto = transformers.AutoTokenizer.from_pretrained(tmp_path)
    assert isinstance(auto, DeepBioPTokenizer)
    np.testing.assert_array_equal(
        auto(seqs, padding=True, return_tensors="np")["input_ids"],
        tok(seqs, padding=True, return_tensors="np")["input_ids"],
    )


def test_mlm_collator_never_masks_special_tokens():
    tok = DeepBioPTokenizer()
    seqs = ["ACGTACGTACGTAC", "ACG", "TTGACA", "A"] * 4
    features = [{"input_ids": ids} for ids in tok(seqs)["input_ids"]]
    collator = transformers.DataCollatorForLanguageModeling(tok, mlm_probability=0.5)
    torch.manual_seed(0)
    n_masked = 0
    for _ in range(10):
        batch = collator(features)
        original = tok(seqs, padding=True, return_tensors="pt")["input_ids"]
        labels, inputs = batch["labels"], batch["input_ids"]
        special = torch.isin(original, torch.tensor(tok.all_special_ids))
        assert (labels[special] == -100).all()
        assert (inputs[special] == original[special]).all()
        chosen = labels != -100
        assert (labels[chosen] == original[chosen]).all()  # labels only where masked
        assert (inputs[~chosen] == original[~chosen]).all()
        n_masked += int(chosen.sum())
    assert n_masked > 0


def _motif_data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for i in range(n):
        s = "".join(rng.choice(list("ACGT"), size=30))
        if i % 2:
            p = int(rng.integers(0, 24))
            s = s[:p] + "GGGGGG" + s[p + 6 :]
        else:
            s = s.replace("GGG", "GAG")
        seqs.append(s)
        labels.append(i % 2)
    return seqs, labels


def _tiny_bert(cls, vocab_size, **kw):
    config = transformers.BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        **kw,
    )
    torch.manual_seed(0)
    return cls(config)


def test_bert_classification_trains_on_our_ids():
    seqs, labels = _motif_data()
    enc = dbp.TransformerEncoder("dna", add_special_tokens=True, max_length=64)
    batch = enc(seqs, return_tensors="pt")
    y = torch.tensor(labels)
    model = _tiny_bert(transformers.BertForSequenceClassification, enc.vocab_size, num_labels=2)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for step in range(12):
        out = model(**batch, labels=y)
        opt.zero_grad()
        out.loss.backward()
        if step == 0:
            grad = model.bert.embeddings.word_embeddings.weight.grad
            assert grad is not None and grad[5:9].abs().sum() > 0  # A, C, G, T rows
        opt.step()
        losses.append(out.loss.item())
    assert losses[-1] < losses[0]


def test_trainer_runs_mlm_with_our_tokenizer(tmp_path):
    tok = DeepBioPTokenizer(model_max_length=64)
    seqs, _ = _motif_data(16)
    encoded = tok(seqs, truncation=True)
    dataset = [{"input_ids": ids} for ids in encoded["input_ids"]]
    model = _tiny_bert(transformers.BertForMaskedLM, tok.vocab_size)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path),
        max_steps=6,
        per_device_train_batch_size=8,
        learning_rate=5e-3,
        logging_steps=1,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
    )
    trainer = transformers.Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=transformers.DataCollatorForLanguageModeling(tok, mlm_probability=0.3),
    )
    result = trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 6 and np.isfinite(result.training_loss)
    assert np.mean(losses[-2:]) < np.mean(losses[:2])
