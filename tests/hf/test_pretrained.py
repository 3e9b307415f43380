"""deepbiop.hf.load_pretrained: the layout is found from a checkpoint's files,
the tokenizer's ids are the preset's, and every disagreement is refused with
the difference named (tiny models from configs, see conftest.py).

HyenaDNA and Caduceus are remote-code models (no class in transformers), so
their layouts are checked on directories holding the config and tokenizer
files their hub checkpoints have, without a model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepbiop as dbp
from conftest import MAX_LENGTH

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from deepbiop.hf import DeepBioPTokenizer, load_pretrained  # noqa: E402
from deepbiop.hf._checkpoint_files import read_checkpoint  # noqa: E402
from deepbiop.hf._checkpoint_layout import checkpoint_layout  # noqa: E402

SEQS = ["ACGTACGTTGCA", "acgtn", "", "GGGGCCCCAAAATTTTACGT", "TTAGGC"]


def _edit_json(path, **changes):
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "family, preset, tokenizer",
    [
        ("bert", "dnabert-3", "deepbiop"),
        ("bert", "dnabert-6", "deepbiop"),
        ("bert", "dnabert-4", "hf"),  # BertTokenizer's tokenizer.json
        ("esm", "nucleotide-transformer", "deepbiop"),
        ("esm", "nucleotide-transformer", "hf"),  # EsmTokenizer's vocab.txt
        ("mamba", "caduceus", "deepbiop"),
    ],
)
def test_preset_is_found_and_ids_are_the_presets(checkpoint, family, preset, tokenizer):
    path = checkpoint(family, preset, tokenizer)
    model, tok = load_pretrained(path)
    assert tok.encoder.vocab.name == preset
    assert not model.training
    # the ids the model is given are those of the preset's encoder
    want = dbp.TransformerEncoder.from_preset(preset, max_length=None)(SEQS)
    got = tok(SEQS, padding=True, return_tensors="np")
    np.testing.assert_array_equal(got["input_ids"], want["input_ids"])
    np.testing.assert_array_equal(got["attention_mask"], want["attention_mask"])
    assert tok.padding_side == PRESET_SIDE.get(preset, "right")
    assert tok.model_max_length == MAX_LENGTH
    # an explicit, correct preset goes through the same checks
    assert load_pretrained(path, preset=preset)[1].encoder.vocab.name == preset


PRESET_SIDE = {"hyenadna": "left", "caduceus": "left"}


@pytest.mark.parametrize("kwargs", [{}, {"k": 3, "stride": 3}, {"encoding_type": "rna"}])
def test_round_trip_of_deepbiops_own_layouts(checkpoint, kwargs):
    """model.save_pretrained(d); tokenizer.save_pretrained(d) loads back with the
    same layout (the MLM example's checkpoint is such a directory)."""
    saved = DeepBioPTokenizer(**kwargs)
    config = {"vocab_size": saved.vocab_size}
    path = checkpoint("bert", None, tokenizer="deepbiop", config=config, **kwargs)
    model, tok = load_pretrained(path, task="mlm")
    assert isinstance(model, transformers.BertForMaskedLM)
    assert tok.encoder.vocab == saved.encoder.vocab
    seqs = ["ACGUACGU", "acg"] if kwargs.get("encoding_type") == "rna" else SEQS
    assert tok(seqs)["input_ids"] == saved(seqs)["input_ids"]
    # and saved again from what was loaded, the same once more
    tok.save_pretrained(path)
    assert load_pretrained(path)[1].encoder.vocab == saved.encoder.vocab


def test_tasks_dtype_and_device(checkpoint):
    path = checkpoint("bert", "dnabert-3")
    assert isinstance(load_pretrained(path)[0], transformers.BertModel)
    clf, _ = load_pretrained(path, task="classification", num_labels=3)
    assert isinstance(clf, transformers.BertForSequenceClassification)
    assert clf.config.num_labels == 3
    half, _ = load_pretrained(path, dtype="float16", device="cpu")
    assert next(half.parameters()).dtype == torch.float16
    with pytest.raises(ValueError, match="task must be one of .*'embedding'.*got 'fill'"):
        load_pretrained(path, task="fill")
    with pytest.raises(ValueError, match="dtype must be a floating torch dtype.*'int8'"):
        load_pretrained(path, dtype="int8")
    with pytest.raises(ValueError, match="unknown preset 'dnabert-9'"):
        load_pretrained(path, preset="dnabert-9")
    with pytest.raises(OSError, match="is not a directory"):
        load_pretrained(str(path / "missing"))


# -- refusals: each names the difference, and nothing is loaded ----------------------
def _refused(path, match, **kwargs):
    (path / "model.safetensors").unlink(missing_ok=True)  # refused before weights are read
    with pytest.raises(ValueError, match=match) as info:
        load_pretrained(path, **kwargs)
    return str(info.value)


def test_a_token_with_another_id_is_refused(checkpoint):
    path = checkpoint("bert", "dnabert-3", tokenizer=None)
    tokens = list(dbp.TransformerEncoder.from_preset("dnabert-3").vocab.tokens)
    i, j = tokens.index("ACG"), tokens.index("ACT")  # ACT=14, ACG=16
    tokens[i], tokens[j] = tokens[j], tokens[i]
    (path / "vocab.txt").write_text("\n".join(tokens))
    want = f"token 'ACG' has id {j} in the checkpoint's vocab.txt but {i} in preset 'dnabert-3'"
    msg = _refused(path, "no deepbiop layout fits")
    assert f"Nearest, preset 'dnabert-3': {want} (1 more tokens differ)" in msg
    msg = _refused(path, "does not match preset 'dnabert-3'", preset="dnabert-3")
    assert want in msg and "nothing was loaded" in msg
    # the same directory saved by DeepBioPTokenizer: its vocab.txt is checked too
    path = checkpoint("bert", "dnabert-3", name="own")
    (path / "vocab.txt").write_text("\n".join(tokens))
    assert want in _refused(path, "does not match preset 'dnabert-3'")


def test_an_explicit_wrong_preset_is_refused_with_the_right_one_named(checkpoint):
    path = checkpoint("bert", "dnabert-3", tokenizer="hf")
    msg = _refused(path, "does not match preset 'dnabert-4'", preset="dnabert-4")
    assert "the checkpoint's tokenizer.json has 69 tokens, preset 'dnabert-4' has 261" in msg
    assert "config.json has vocab_size 69, preset 'dnabert-4' has 261 tokens" in msg
    assert "fit preset 'dnabert-3' (preset=None finds it)" in msg
    # a DeepBioPTokenizer directory names its own layout
    path = checkpoint("bert", "dnabert-3", name="own")
    msg = _refused(
        path, "does not match preset 'nucleotide-transformer'", preset="nucleotide-transformer"
    )
    assert "written by DeepBioPTokenizer for preset 'dnabert-3'" in msg
    assert "has pad_token '[PAD]', preset 'nucleotide-transformer' has '<pad>'" in msg


def test_vocab_size_of_the_config_is_checked(checkpoint):
    path = checkpoint("bert", "dnabert-3", config={"vocab_size": 72})
    msg = _refused(path, "does not match preset 'dnabert-3'")
    assert "config.json has vocab_size 72, preset 'dnabert-3' has 69 tokens" in msg


def test_special_token_ids_of_the_config_are_checked(checkpoint):
    path = checkpoint("esm", "nucleotide-transformer", tokenizer="hf", config={"mask_token_id": 4})
    want = "config.json has mask_token_id 4, preset 'nucleotide-transformer' has '<mask>' at id 2"
    assert f"Nearest, preset 'nucleotide-transformer': the checkpoint's {want}" in _refused(
        path, "no deepbiop layout fits"
    )
    assert want in _refused(path, "does not match", preset="nucleotide-transformer")


def test_the_special_tokens_around_a_sequence_are_checked(checkpoint):
    # an EsmTokenizer with an eos_token appends <eos>; the Nucleotide Transformer's does not
    path = checkpoint("esm", "nucleotide-transformer", tokenizer="hf", eos_token="<eos>")
    msg = _refused(path, "no deepbiop layout fits")
    want = (
        "the checkpoint's tokenizer_config.json (EsmTokenizer) has framing '<cls> <sequence> "
        "<eos>', preset 'nucleotide-transformer' has '<cls> <sequence>'"
    )
    assert want in msg
    # tokenizer.json's post-processor: BertTokenizer's template without [SEP]
    path = checkpoint("bert", "dnabert-3", tokenizer="hf", name="bert")
    data = json.loads((path / "tokenizer.json").read_text())
    data["post_processor"]["single"] = data["post_processor"]["single"][:2]
    (path / "tokenizer.json").write_text(json.dumps(data))
    msg = _refused(path, "does not match preset 'dnabert-3'", preset="dnabert-3")
    assert "tokenizer.json has framing '[CLS] <sequence>', preset 'dnabert-3' has " in msg


def test_padding_side_is_checked(checkpoint):
    path = checkpoint("bert", "dnabert-3", padding_side="left")
    msg = _refused(path, "does not match preset 'dnabert-3'")
    assert "tokenizer_config.json has padding_side 'left', preset 'dnabert-3' has 'right'" in msg


def test_model_max_length_beyond_the_positions_is_refused(checkpoint):
    path = checkpoint("bert", "dnabert-3", model_max_length=512)
    msg = _refused(path, "does not match preset 'dnabert-3'")
    assert (
        f"model_max_length 512 but the model takes at most {MAX_LENGTH} tokens "
        f"(config.json max_position_embeddings {MAX_LENGTH})" in msg
    )
    # ESM numbers positions from pad_token_id + 1
    path = checkpoint("esm", "nucleotide-transformer", name="esm", model_max_length=MAX_LENGTH + 1)
    msg = _refused(path, "does not match")
    assert "less pad_token_id 1 + 1" in msg


def test_a_special_token_of_another_name_is_refused(checkpoint):
    path = checkpoint("bert", "dnabert-3", tokenizer="hf")
    _edit_json(path / "tokenizer_config.json", sep_token="[EOS]")
    msg = _refused(path, "no deepbiop layout fits")
    assert "tokenizer_config.json has sep_token '[EOS]', preset 'dnabert-3' has '[SEP]'" in msg


def test_no_layout_fits_lists_the_presets_and_what_was_found(checkpoint):
    path = checkpoint("bert", "dnabert-3", tokenizer=None, config={"vocab_size": 10})
    (path / "vocab.txt").write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("ACGTN"))
    )
    msg = _refused(path, "no deepbiop layout fits")
    assert "model_type 'bert', vocab_size 10, vocab.txt with 10 tokens" in msg
    assert "dnabert-3 (69 tokens)" in msg and "caduceus (12 tokens)" in msg
    assert "Nearest, " in msg


def test_bpe_and_missing_vocabularies_are_explained(checkpoint, tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    path = checkpoint("bert", "dnabert-3", tokenizer=None)
    bpe = tokenizers.Tokenizer(tokenizers.models.BPE({"A": 0, "C": 1, "AC": 2}, [("A", "C")]))
    bpe.save(str(path / "tokenizer.json"))
    _refused(path, "uses a BPE tokenizer .*Load its own tokenizer with transformers")
    path = checkpoint("bert", "dnabert-3", tokenizer=None, name="bare")
    msg = _refused(path, "has no vocabulary file")
    assert "pass preset=" in msg
    # ... which an explicit preset answers
    path = checkpoint("bert", "dnabert-3", tokenizer=None, name="bare2")
    assert load_pretrained(path, preset="dnabert-3")[1].encoder.vocab.name == "dnabert-3"


# -- remote-code families: the layout from their hub files, no model -----------------
def _hub_like(tmp_path, model_type, vocab_size, side="left", **config):
    """The config and tokenizer files of a HyenaDNA / Caduceus hub checkpoint
    (their CharacterTokenizer is code: no vocabulary file)."""
    tmp_path.joinpath("config.json").write_text(
        json.dumps({"model_type": model_type, "vocab_size": vocab_size, **config})
    )
    tmp_path.joinpath("tokenizer_config.json").write_text(
        json.dumps(
            {
                "characters": ["A", "C", "G", "T", "N"],
                "model_max_length": 1024,
                "padding_side": side,
                "tokenizer_class": "CharacterTokenizer",
            }
        )
    )
    return read_checkpoint(tmp_path)


def test_hyenadna_and_caduceus_are_found_from_their_files(tmp_path):
    (tmp_path / "h").mkdir()
    files = _hub_like(tmp_path / "h", "hyenadna", 12, pad_vocab_size_multiple=8, max_seq_len=1026)
    assert checkpoint_layout(files).vocab.name == "hyenadna"
    (tmp_path / "c").mkdir()
    files = _hub_like(tmp_path / "c", "caduceus", 16, pad_vocab_size_multiple=8)
    assert checkpoint_layout(files).vocab.name == "caduceus"  # 12 tokens rounded up to 16
    (tmp_path / "r").mkdir()
    files = _hub_like(tmp_path / "r", "caduceus", 16, side="right", pad_vocab_size_multiple=8)
    with pytest.raises(ValueError, match="does not match preset 'caduceus'"):
        checkpoint_layout(files)
    with pytest.raises(ValueError, match="has padding_side 'right', preset 'caduceus' has 'left'"):
        checkpoint_layout(files, preset="caduceus")
    (tmp_path / "l").mkdir()
    files = _hub_like(tmp_path / "l", "hyenadna", 12, max_seq_len=512)
    with pytest.raises(ValueError, match="model_max_length 1024 but the model takes at most 512"):
        checkpoint_layout(files)
