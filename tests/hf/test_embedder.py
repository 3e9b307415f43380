"""deepbiop.PretrainedEmbedder: pooled embeddings against hand-written PyTorch
references (the model called directly on the preset encoder's ids), batch
size and order invariance, windows for over-long sequences, clone/pickle, a
Pipeline, and parameter errors. Tiny models from configs (conftest.py)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import deepbiop as dbp
from conftest import MAX_LENGTH
from deepbiop.datasets import make_motif_sequences

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from deepbiop.hf import DeepBioPTokenizer, PretrainedEmbedder, load_pretrained  # noqa: E402

SEQS = ["ACGTACGTTGCA", "acgtn", "GGGGCCCCAAAATTTTACGT", "TTAGGC", "CA", "ACGTTTGACN"]
FAMILIES = [
    ("bert", "dnabert-3"),
    ("esm", "nucleotide-transformer"),
    ("mamba", "caduceus"),  # left padding, no [CLS]; stands in for Caduceus / HyenaDNA
]


def _loaded(checkpoint, family, preset):
    return load_pretrained(checkpoint(family, preset))


def reference(model, preset, seqs, pooling="mean", layer=-1, max_length=None):
    """The hand-written way: the preset's encoder, the model called on the padded
    batch with its attention mask, then pooling over the unmasked positions."""
    enc = dbp.TransformerEncoder.from_preset(preset, max_length=max_length)
    ids, mask = (torch.from_numpy(a) for a in enc.encode_batch(seqs))
    with torch.no_grad():
        out = model.base_model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    h = out.last_hidden_state if layer == -1 else out.hidden_states[layer]
    m = mask.unsqueeze(-1).float()
    if pooling == "mean":
        return ((h * m).sum(1) / m.sum(1)).numpy()
    if pooling == "max":
        return h.masked_fill(m == 0, float("-inf")).amax(1).numpy()
    return h[:, 0].numpy()  # [CLS] (right padding)


@pytest.mark.parametrize("family, preset", FAMILIES)
def test_mean_pooling_equals_the_reference(checkpoint, family, preset):
    model, tok = _loaded(checkpoint, family, preset)
    want = reference(model, preset, SEQS)
    # all in one batch: the same padded rows as the reference (in another order)
    got = PretrainedEmbedder(model, tok, batch_size=len(SEQS)).fit_transform(SEQS)
    assert got.dtype == np.float32 and got.shape == (len(SEQS), 16)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("family, preset", FAMILIES[:2])
@pytest.mark.parametrize("pooling, layer", [("cls", -1), ("max", -1), ("mean", 0), ("mean", 1)])
def test_other_poolings_and_layers_equal_the_reference(checkpoint, family, preset, pooling, layer):
    model, tok = _loaded(checkpoint, family, preset)
    got = PretrainedEmbedder(model, tok, pooling=pooling, layer=layer).transform(SEQS)
    want = reference(model, preset, SEQS, pooling, layer)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_layer_minus_one_is_the_last_hidden_state(checkpoint):
    model, tok = _loaded(checkpoint, "esm", "nucleotide-transformer")
    last = PretrainedEmbedder(model, tok, layer=-1).transform(SEQS)
    top = PretrainedEmbedder(model, tok, layer=2).transform(SEQS)  # embeddings + 2 layers
    np.testing.assert_allclose(last, top, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("family, preset", FAMILIES[:2])
def test_the_model_sees_the_presets_ids(checkpoint, family, preset):
    model, tok = _loaded(checkpoint, family, preset)
    seen = []

    def grab(module, args, kwargs):
        ids, mask = kwargs["input_ids"], kwargs["attention_mask"]
        seen.extend(tuple(row[m.bool()].tolist()) for row, m in zip(ids, mask))

    handle = model.base_model.register_forward_pre_hook(grab, with_kwargs=True)
    try:
        PretrainedEmbedder(model, tok, batch_size=4).transform(SEQS)
    finally:
        handle.remove()
    enc = dbp.TransformerEncoder.from_preset(preset, max_length=None)
    assert sorted(seen) == sorted(tuple(enc.encode(s).tolist()) for s in SEQS)


@pytest.mark.parametrize("family, preset", FAMILIES[:2])
def test_batch_size_and_order_do_not_change_the_output(checkpoint, family, preset):
    model, tok = _loaded(checkpoint, family, preset)
    seqs, _ = make_motif_sequences(23, (10, 28), seed=3)
    base = PretrainedEmbedder(model, tok, batch_size=1).transform(seqs)
    perm = np.random.default_rng(0).permutation(len(seqs))
    for size in (2, 7, 64):
        got = PretrainedEmbedder(model, tok, batch_size=size).transform(
            np.asarray(seqs, dtype=object)[perm]
        )
        np.testing.assert_allclose(got, base[perm], rtol=1e-5, atol=1e-5)


def test_left_padding_of_a_layout_without_cls(checkpoint):
    model, tok = _loaded(checkpoint, "mamba", "caduceus")
    emb = PretrainedEmbedder(model, tok, batch_size=1)  # rows without padding
    one_by_one = np.concatenate([reference(model, "caduceus", [s]) for s in SEQS])
    np.testing.assert_allclose(emb.transform(SEQS), one_by_one, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="pooling='cls' needs a \\[CLS\\] token but layout "):
        emb.set_params(pooling="cls").transform(SEQS)


@pytest.mark.parametrize("pooling", ["mean", "max", "cls"])
def test_long_sequences_are_windowed_and_averaged_by_tokens(checkpoint, pooling):
    model, tok = _loaded(checkpoint, "bert", "dnabert-3")
    long = make_motif_sequences(1, 61, seed=1)[0][0]
    seqs = [long, "ACGTAC"]
    got = PretrainedEmbedder(model, tok, pooling=pooling, max_length=10).transform(seqs)
    # by hand: the windows, each through the model, combined by token count
    enc = dbp.TransformerEncoder.from_preset("dnabert-3")
    win = enc.encode_windows([long], max_length=10)
    assert len(win["sequence_index"]) == 8  # 59 3-mers, 8 per row
    rows = [long[a:b] for a, b in win["base_offsets"]]
    per_window = reference(model, "dnabert-3", rows, pooling)
    tokens = win["attention_mask"].sum(1)
    if pooling == "max":
        want = per_window.max(0)
    else:
        want = (per_window * tokens[:, None]).sum(0) / tokens.sum()
    np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        got[1], reference(model, "dnabert-3", ["ACGTAC"], pooling)[0], rtol=1e-5, atol=1e-5
    )
    # the default limit is the tokenizer's model_max_length: no position overflow
    default = PretrainedEmbedder(model, tok, pooling=pooling).transform([long * 3])
    explicit = PretrainedEmbedder(model, tok, pooling=pooling, max_length=MAX_LENGTH)
    np.testing.assert_allclose(default, explicit.transform([long * 3]), rtol=1e-6)


def test_clone_and_pickle_with_a_path(checkpoint):
    path = checkpoint("bert", "dnabert-3")
    emb = PretrainedEmbedder(str(path), pooling="max", device="cpu")
    want = emb.transform(SEQS)
    twin = clone(emb)
    assert twin.get_params() == emb.get_params() and twin._loaded is emb._loaded
    np.testing.assert_array_equal(twin.transform(SEQS), want)
    blob = pickle.dumps(emb)
    assert len(blob) < 4096  # the name, not the weights
    again = pickle.loads(blob)
    assert "_loaded" not in again.__dict__
    np.testing.assert_allclose(again.transform(SEQS), want, rtol=1e-6)
    # a tokenizer given with a name must have the checkpoint's ids
    wrong = PretrainedEmbedder(str(path), DeepBioPTokenizer(preset="dnabert-4"), device="cpu")
    with pytest.raises(ValueError, match="has layout 'dnabert-4' but checkpoint .* 'dnabert-3'"):
        wrong.transform(SEQS)


def test_clone_and_pickle_with_a_model_object(checkpoint):
    model, tok = _loaded(checkpoint, "esm", "nucleotide-transformer")
    emb = PretrainedEmbedder(model, tok)
    want = emb.transform(SEQS)
    assert clone(emb).model is model  # shared: the embedder never changes it
    again = pickle.loads(pickle.dumps(emb))  # class + config + weights
    assert again.model is not model and not again.model.training
    np.testing.assert_allclose(again.transform(SEQS), want, rtol=1e-6)


def test_pipeline_with_logistic_regression(checkpoint):
    seqs, y = make_motif_sequences(60, 40, seed=2)
    pipe = make_pipeline(
        dbp.PretrainedEmbedder(str(checkpoint("bert", "dnabert-3")), device="cpu"),
        LogisticRegression(max_iter=500),
    )
    pipe.fit(seqs, y)
    assert pipe.predict(seqs).shape == (60,)
    assert 0.0 <= pipe.score(seqs, y) <= 1.0


def test_model_objects_are_moved_and_restored(checkpoint):
    model, tok = _loaded(checkpoint, "bert", "dnabert-3")
    model.train()
    out = PretrainedEmbedder(model, tok, dtype="float64", device="cpu").transform(SEQS)
    assert out.dtype == np.float32
    assert next(model.parameters()).dtype == torch.float64  # converted in place
    assert model.training  # eval only while embedding
    assert PretrainedEmbedder(model, tok).transform([]).shape == (0, 16)


def test_progress_bar(checkpoint, capsys):
    model, tok = _loaded(checkpoint, "bert", "dnabert-3")
    PretrainedEmbedder(model, tok, batch_size=2, progress=True).transform(SEQS)
    assert "embedding" in capsys.readouterr().err
    PretrainedEmbedder(model, tok, batch_size=2).transform(SEQS)  # auto: not a terminal
    assert "embedding" not in capsys.readouterr().err


def test_parameter_errors(checkpoint):
    model, tok = _loaded(checkpoint, "bert", "dnabert-3")
    cases = [
        (dict(pooling="sum"), ValueError, "'pooling' parameter .* must be a str among"),
        (dict(batch_size=0), ValueError, "'batch_size' parameter .* range \\[1, inf\\)"),
        (dict(dtype="int8"), ValueError, "dtype must be one of"),
        (dict(device=3), ValueError, "device must be a str"),
        (dict(layer=3), ValueError, "layer=3 but BertModel gives 3 hidden states"),
        (dict(max_length=64), ValueError, "max_length=64 exceeds what model .* \\(32 tokens"),
        (dict(tokenizer="dnabert-3"), TypeError, "tokenizer must be a deepbiop.hf"),
        (dict(tokenizer=None), ValueError, "a model object needs tokenizer="),
        (
            dict(tokenizer=DeepBioPTokenizer(preset="dnabert-4")),
            ValueError,
            "does not match model .*vocab_size 69, preset 'dnabert-4' has 261 tokens",
        ),
    ]
    for params, error, match in cases:
        emb = PretrainedEmbedder(model, tok).set_params(**params)
        with pytest.raises(error, match=match):
            emb.fit_transform(SEQS)
    with pytest.raises(TypeError, match="model must be a checkpoint name or directory"):
        PretrainedEmbedder(42).fit()
    with pytest.raises(TypeError, match="sequence"):
        PretrainedEmbedder(model, tok).transform(["ACGT", 5])


def test_a_sequence_without_tokens_is_named(checkpoint):
    model, _ = _loaded(checkpoint, "bert", "dnabert-3")
    bare = dbp.TransformerEncoder.from_preset("dnabert-3", add_special_tokens=False)
    with pytest.raises(ValueError, match="sequence 1 gives no token at all"):
        PretrainedEmbedder(model, bare).transform(["ACGTAC", "AC"])


def test_import_deepbiop_stays_free_of_torch_and_transformers():
    code = (
        "import sys, deepbiop\n"
        "assert deepbiop.PretrainedEmbedder('some/model').get_params()['pooling'] == 'mean'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(dbp.__file__).resolve().parents[1]))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"
