"""A pre-trained model's pooled embeddings as a scikit-learn transformer.

:class:`PretrainedEmbedder` is the glue of linear probing (frozen embeddings
+ a linear model): tokenise, batch, run the model without gradients, pool
over the real tokens, move to numpy, concatenate. This module imports
neither torch nor transformers at import time (``import deepbiop`` exposes
the class); they are imported when a model is first used.
"""

from __future__ import annotations

import copy
import inspect
import os
import sys
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from deepbiop._sequences import as_items, pack_batch
from deepbiop.encoders._base import sequence_input_tags
from deepbiop.encoders.tokens import TransformerEncoder
from deepbiop.hf._checkpoint_files import CheckpointFiles, position_limit
from deepbiop.hf._checkpoint_layout import Layout, differences, same_ids

__all__ = ["PretrainedEmbedder"]

_DTYPES = ("float32", "float16", "bfloat16", "float64")
# with progress=None a bar appears from this many batches on (and only on a terminal)
_AUTO_PROGRESS_BATCHES = 10
# transformers' model_max_length for "no limit" is far above any real limit
_NO_LIMIT = 10**18


def _is_path(model: Any) -> bool:
    return isinstance(model, (str, os.PathLike))


def _encoder_of(tokenizer: Any) -> tuple[TransformerEncoder, int | None]:
    """The encoder doing a tokenizer's work, and its row length limit."""
    if isinstance(tokenizer, TransformerEncoder):
        return tokenizer, tokenizer.max_length
    encoder = getattr(tokenizer, "encoder", None)
    if isinstance(encoder, TransformerEncoder):  # DeepBioPTokenizer
        limit = getattr(tokenizer, "model_max_length", None)
        return encoder, (int(limit) if limit is not None and limit < _NO_LIMIT else None)
    raise TypeError(
        "tokenizer must be a deepbiop.hf.DeepBioPTokenizer or a deepbiop.TransformerEncoder "
        f"(got {type(tokenizer).__name__}); load_pretrained returns the model with its "
        "DeepBioPTokenizer"
    )


def _pool(h: Any, mask: Any, pooling: str) -> Any:
    """(B, L, H) hidden states -> (B, H) over the positions where ``mask``."""
    import torch

    if pooling == "mean":
        m = mask.unsqueeze(-1).to(h.dtype)
        return (h * m).sum(1) / m.sum(1).clamp(min=1)
    if pooling == "max":
        return h.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(1)
    first = mask.to(torch.int8).argmax(1)  # [CLS]: the first real token (after left padding)
    return h[torch.arange(h.shape[0], device=h.device), first]


def _combine(pooled: np.ndarray, weights: np.ndarray, seq: np.ndarray, n: int, pooling: str):
    """Per-window vectors -> per-sequence vectors (see the class Notes)."""
    if pooling == "max":
        out = np.full((n, pooled.shape[1]), -np.inf, dtype=np.float32)
        np.maximum.at(out, seq, pooled)
        return out
    sums = np.zeros((n, pooled.shape[1]), dtype=np.float64)
    np.add.at(sums, seq, pooled * weights[:, None])
    return (sums / np.bincount(seq, weights, minlength=n)[:, None]).astype(np.float32)


def _rebuild_model(cls: type, config: Any, weights: dict, dtype: Any) -> Any:
    model = cls(config)
    model.load_state_dict(weights)
    return model.to(dtype).eval()


class _ModelPickle:
    """Pickles a model object as its class, config and weights (on the CPU).

    transformers models hold hooks that plain pickling cannot serialise;
    unpickling rebuilds the model with ``cls(config)`` + ``load_state_dict``.
    """

    def __init__(self, model: Any) -> None:
        self.model = model

    def __reduce__(self) -> tuple:
        m = self.model
        weights = {key: t.detach().cpu() for key, t in m.state_dict().items()}
        dtype = next(m.parameters()).dtype
        return (_rebuild_model, (type(m), m.config, weights, dtype))


def _hidden_size(model: Any) -> int:
    cfg = model.config
    for name in ("hidden_size", "d_model", "n_embd", "dim"):
        value = getattr(cfg, name, None)
        if isinstance(value, int):
            return value
    return int(model.get_input_embeddings().embedding_dim)


class PretrainedEmbedder(TransformerMixin, BaseEstimator):
    """Sequences -> a pre-trained model's pooled embeddings, ``(n, hidden)`` float32.

    Parameters
    ----------
    model : str, path or transformers model
        A checkpoint name or directory (loaded on first use with
        :func:`deepbiop.hf.load_pretrained`, which checks that its tokenizer
        files match), or a model object (e.g. from ``load_pretrained``).
    tokenizer : DeepBioPTokenizer, TransformerEncoder or None, default=None
        Required with a model object; with a name, None uses the one
        ``load_pretrained`` returns (a given one must have the same ids).
        Its layout is checked against the model's config (``vocab_size``,
        ``pad_token_id``, ``mask_token_id``).
    pooling : {"mean", "cls", "max"}, default="mean"
        Mean or maximum over a row's tokens, or the [CLS] token's vector.
    layer : int, default=-1
        ``hidden_states[layer]``: 0 is the embedding layer, -1 the model's
        ``last_hidden_state``.
    batch_size : int, default=32
        Sequences (and at most this many windows) per forward pass.
    max_length : int or None, default=None
        Tokens per row, special tokens included; longer sequences are cut
        into windows. None: the tokenizer's ``model_max_length``
        (``max_length`` of a TransformerEncoder) or the model's position
        limit, whichever is smaller; no limit when neither is set.
    device : str, torch.device or None, default=None
        Where the model runs. None: a model object stays where it is; a
        model loaded from a name goes to ``"cuda"`` when available.
    dtype : {"float32", "float16", "bfloat16", "float64"}, torch.dtype or None, \
default="float32"
        The dtype the model runs in (None: as loaded). Pooling is done in
        float32 and the output is float32 whatever this is.
    progress : bool or None, default=None
        A ``tqdm`` bar counting sequences; None shows it from 10 batches on
        when stderr is a terminal.
    load_kwargs : dict or None, default=None
        Passed to ``load_pretrained`` with a name (``preset``,
        ``trust_remote_code``, ``revision``...).

    Notes
    -----
    * **What is pooled.** Every position the attention mask marks (the
      special tokens the layout adds, such as [CLS]/[SEP], included; padding
      excluded), which is ``(h * mask).sum(1) / mask.sum(1)`` for ``"mean"``.
      Models whose forward takes no ``attention_mask`` (HyenaDNA, Caduceus)
      see the padding, so their embeddings depend on the batch; sorting by
      length keeps that padding small.
    * **Order.** Sequences are sorted by length (longest first) to keep
      padding short, and the rows put back in input order: for models that
      honour the attention mask, batch size and input order do not change
      the result (up to float rounding).
    * **Long sequences.** A sequence longer than ``max_length`` tokens is cut
      into consecutive windows (``TransformerEncoder.encode_windows``, no
      overlap), each framed by the layout's special tokens. ``"mean"``:
      window means weighted by their token counts (the mean over every token
      of every window); ``"cls"``: the windows' [CLS] vectors weighted the
      same way; ``"max"``: the maximum over the windows.
    * **The model is not changed** except that a model object is moved to
      ``device`` / converted to ``dtype`` in place when they are set and
      differ (``nn.Module.to``); it runs in eval mode under
      ``torch.inference_mode`` and its training flag is restored afterwards.
    * **clone and pickle.** With a name, only the name is stored: a clone
      shares the loaded model (it is never modified), a pickle holds the name
      and reloads lazily. With a model object, a clone shares the object and
      a pickle holds its class, config and weights (moved to the CPU):
      unpickling rebuilds it with ``cls(config)`` and ``load_state_dict``, so
      the class must be importable there (for remote-code models, pickle an
      embedder built on the saved directory instead).

    Examples
    --------
    A model object with its tokenizer (``load_pretrained`` returns such a
    pair; a checkpoint directory or name works as ``model`` too):

    >>> from transformers import EsmConfig, EsmModel
    >>> from deepbiop.hf import DeepBioPTokenizer, PretrainedEmbedder
    >>> tok = DeepBioPTokenizer(preset="nucleotide-transformer")
    >>> esm = EsmModel(EsmConfig(vocab_size=tok.vocab_size, pad_token_id=1, mask_token_id=2,
    ...                          hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
    ...                          intermediate_size=16, max_position_embeddings=64))
    >>> emb = PretrainedEmbedder(esm, tok, pooling="max")
    >>> emb.fit_transform(["ACGTACGTN", "GATTACA", "T"]).shape
    (3, 8)

    """

    _parameter_constraints: dict = {
        "model": "no_validation",
        "tokenizer": "no_validation",
        "pooling": [StrOptions({"mean", "cls", "max"})],
        "layer": [Integral],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "device": "no_validation",
        "dtype": "no_validation",
        "progress": ["boolean", None],
        "load_kwargs": [dict, None],
    }

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        pooling: str = "mean",
        layer: int = -1,
        batch_size: int = 32,
        max_length: int | None = None,
        device: Any = None,
        dtype: Any = "float32",
        progress: bool | None = None,
        load_kwargs: dict | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.layer = layer
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.dtype = dtype
        self.progress = progress
        self.load_kwargs = load_kwargs

    # -- scikit-learn contract ---------------------------------------------------
    def __sklearn_tags__(self):
        return sequence_input_tags(super().__sklearn_tags__())

    def __sklearn_clone__(self) -> PretrainedEmbedder:
        params = self.get_params(deep=False)
        params["load_kwargs"] = copy.copy(params["load_kwargs"])
        new = type(self)(**params)
        if "_loaded" in self.__dict__:  # the frozen model loaded from a name is shared
            new._loaded = self._loaded
        return new

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_loaded", None)  # a model loaded from a name is loaded again
        if not _is_path(state.get("model")) and hasattr(state.get("model"), "state_dict"):
            state["model"] = _ModelPickle(state["model"])
        return state

    def fit(self, X: Any = None, y: Any = None) -> PretrainedEmbedder:
        """Check the parameters; nothing is learnt (the model stays frozen).

        Parameters
        ----------
        X, y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        return self

    # -- parameters --------------------------------------------------------------
    def _check_params(self) -> None:
        self._validate_params()
        if not _is_path(self.model) and not hasattr(self.model, "config"):
            raise TypeError(
                "model must be a checkpoint name or directory, or a transformers model "
                f"(with a .config); got {type(self.model).__name__}"
            )
        if self.tokenizer is None and not _is_path(self.model):
            raise ValueError(
                "a model object needs tokenizer= (load_pretrained returns both); or pass "
                "the checkpoint's name or directory as model="
            )
        if self.tokenizer is not None:
            _encoder_of(self.tokenizer)
        dtype = self.dtype
        if not (dtype is None or dtype in _DTYPES or type(dtype).__name__ == "dtype"):
            raise ValueError(
                f"dtype must be one of {_DTYPES}, a torch dtype or None; got {dtype!r}"
            )
        device = self.device
        if not (device is None or isinstance(device, str) or type(device).__name__ == "device"):
            raise ValueError(
                f"device must be a str such as 'cpu', a torch.device or None; got {device!r}"
            )

    def _resolve(self) -> tuple[Any, TransformerEncoder, int | None]:
        """The model ready to run, its encoder and the row length limit."""
        import torch

        from deepbiop.hf.pretrained import load_pretrained, torch_dtype

        dtype = torch_dtype(self.dtype)
        if _is_path(self.model):
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            kwargs = dict(self.load_kwargs or {})
            key = (os.fspath(self.model), str(device), str(dtype), repr(sorted(kwargs.items())))
            loaded = self.__dict__.get("_loaded")
            if loaded is None or loaded[0] != key:
                model, tok = load_pretrained(self.model, device=device, dtype=dtype, **kwargs)
                loaded = self._loaded = (key, model, tok)
            model, tokenizer = loaded[1], loaded[2]
            if self.tokenizer is not None:
                given = _encoder_of(self.tokenizer)[0].vocab
                if not same_ids(given, tokenizer.encoder.vocab):
                    raise ValueError(
                        f"tokenizer= has layout {given.name!r} but checkpoint "
                        f"{os.fspath(self.model)!r} needs {tokenizer.encoder.vocab.name!r}"
                    )
                tokenizer = self.tokenizer
        else:
            model, tokenizer = self.model, self.tokenizer
            param = next(model.parameters(), None)
            if (
                self.device is not None
                and param is not None
                and param.device != torch.device(self.device)
            ):
                model.to(self.device)
            if dtype is not None and param is not None and param.dtype != dtype:
                model.to(dtype)
        encoder, limit = _encoder_of(tokenizer)
        config = model.config.to_dict()
        name = getattr(model, "name_or_path", "") or type(model).__name__
        problems = differences(Layout(encoder.vocab, {}), CheckpointFiles(name, config=config))
        if problems:
            raise ValueError(f"the tokenizer does not match model {name!r}: " + "; ".join(problems))
        positions, why = position_limit(config)
        if self.max_length is None:  # the tokenizer's limit, within the model's
            limit = min((n for n in (limit, positions) if n is not None), default=None)
        else:
            limit = int(self.max_length)
            if positions is not None and limit > positions:
                raise ValueError(
                    f"max_length={limit} exceeds what model {name!r} takes ({positions} "
                    f"tokens: config {why}); pass a smaller max_length (longer sequences "
                    "are windowed)"
                )
        vocab = encoder.vocab
        adds_cls = encoder.add_special_tokens and vocab.add_cls and vocab.id_of("cls") is not None
        if self.pooling == "cls" and not adds_cls:
            raise ValueError(
                f"pooling='cls' needs a [CLS] token but layout {encoder.vocab.name!r} adds "
                "none; use pooling='mean' or 'max'"
            )
        return model, encoder, limit

    # -- the work ------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Embed a batch of sequences.

        Parameters
        ----------
        X : list of str/bytes, 1-D array of dtype S/U/object, pandas Series or
            one-column DataFrame

        Returns
        -------
        ndarray of float32, shape (n_sequences, hidden_size)
            Row ``i`` embeds ``X[i]``.

        Raises
        ------
        ValueError
            For invalid parameters, a tokenizer that does not match the model, a
            ``layer`` the model does not have, or a sequence giving no token at
            all (naming it).
        TypeError
            An element that is not a sequence (naming its index).
        """
        import torch

        self._check_params()
        items = as_items(X)
        lens = pack_batch(items).lens  # also checks every element
        model, encoder, limit = self._resolve()
        n, size = len(items), int(self.batch_size)
        out = np.empty((n, _hidden_size(model)), dtype=np.float32)
        net = getattr(model, "base_model", model)  # no head: hidden states only
        takes_mask = "attention_mask" in inspect.signature(net.forward).parameters
        device = next(net.parameters()).device
        order = np.argsort(-lens, kind="stable")
        show = self.progress
        if show is None:
            tty = getattr(sys.stderr, "isatty", None)
            show = -(-n // size) >= _AUTO_PROGRESS_BATCHES and bool(tty and tty())
        bar = _progress_bar(n) if show else None
        was_training = net.training
        net.eval()
        try:
            with torch.inference_mode():
                for start in range(0, n, size):
                    idx = order[start : start + size]
                    rows = self._embed_batch(
                        net, encoder, [items[i] for i in idx], limit, takes_mask, device, idx
                    )
                    out[idx] = rows
                    if bar is not None:
                        bar.update(len(idx))
        finally:
            net.train(was_training)
            if bar is not None:
                bar.close()
        return out

    def _embed_batch(
        self,
        net: Any,
        encoder: TransformerEncoder,
        seqs: list,
        limit: int | None,
        takes_mask: bool,
        device: Any,
        index: np.ndarray,
    ) -> np.ndarray:
        """One batch of sequences -> their (len(seqs), hidden) embeddings."""
        import torch

        if limit is None:
            enc = encoder(seqs, max_length=None, return_tensors=None)
            seq_index = np.arange(len(seqs))
        else:
            enc = encoder.encode_windows(seqs, max_length=limit, return_tensors=None)
            seq_index = enc["sequence_index"]
        ids, mask = enc["input_ids"], enc["attention_mask"]
        counts = mask.sum(1)
        if not counts.all():
            i = int(index[seq_index[int(np.argmin(counts))]])
            raise ValueError(
                f"sequence {i} gives no token at all (it is empty or shorter than k, and "
                f"layout {encoder.vocab.name!r} adds no special token); drop it first"
            )
        left = (encoder.padding_side or encoder.vocab.padding_side) == "left"
        pooled = []
        size = int(self.batch_size)
        for start in range(0, len(ids), size):
            width = int(counts[start : start + size].max())
            cols = slice(ids.shape[1] - width, None) if left else slice(0, width)
            b_ids = torch.from_numpy(ids[start : start + size, cols]).to(device)
            b_mask = torch.from_numpy(mask[start : start + size, cols]).to(device)
            kwargs = {"input_ids": b_ids}
            if takes_mask:
                kwargs["attention_mask"] = b_mask
            h = self._hidden(net, kwargs).float()
            pooled.append(_pool(h, b_mask.bool(), self.pooling).cpu().numpy())
        vectors = np.concatenate(pooled)
        if len(vectors) == len(seqs):  # no sequence was windowed
            return vectors
        return _combine(vectors, counts.astype(np.float64), seq_index, len(seqs), self.pooling)

    def _hidden(self, net: Any, kwargs: dict) -> Any:
        """(B, L, H) hidden states of ``self.layer``."""
        layer = int(self.layer)
        if layer == -1:
            return net(**kwargs)[0]
        states = getattr(net(**kwargs, output_hidden_states=True), "hidden_states", None)
        if states is None:
            raise ValueError(
                f"layer={layer} needs hidden_states, which {type(net).__name__} does not "
                "return; use layer=-1"
            )
        if not -len(states) <= layer < len(states):
            raise ValueError(
                f"layer={layer} but {type(net).__name__} gives {len(states)} hidden states "
                f"(the embeddings and {len(states) - 1} layers): use {-len(states)} .. "
                f"{len(states) - 1}"
            )
        return states[layer]


def _progress_bar(total: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "progress=True needs tqdm; `pip install tqdm` or pass progress=False"
        ) from exc
    return tqdm(total=total, desc="embedding", unit=" seqs", unit_scale=True)
