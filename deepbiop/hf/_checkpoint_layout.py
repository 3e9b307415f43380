"""Which deepbiop layout gives the ids a checkpoint was trained on.

:func:`checkpoint_layout` compares every preset (and deepbiop's own layouts)
with what :func:`deepbiop.hf._checkpoint_files.read_checkpoint` found, and
returns the one layout every file agrees with, or raises a ``ValueError``
naming each disagreement: a wrong tokenizer must never load silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deepbiop.hf._checkpoint_files import (
    CheckpointFiles,
    position_limit,
    saved_max_length,
    special_tokens,
)
from deepbiop.vocabularies import PRESETS, TokenVocabulary, default_vocabulary, preset_vocabulary

__all__ = [
    "Layout",
    "preset_layout",
    "same_ids",
    "differences",
    "length_problems",
    "checkpoint_layout",
]

# model types whose published tokenizer is code (no vocabulary file): the
# model type alone names the layout
_CODE_TOKENIZERS = {"hyenadna": "hyenadna", "caduceus": "caduceus"}
# the presets each known model type is usually trained with (breaks ties
# between layouts giving the same ids; named in messages)
_FAMILIES = {
    "bert": ("dnabert-3", "dnabert-4", "dnabert-5", "dnabert-6"),
    "esm": ("nucleotide-transformer",),
    "hyenadna": ("hyenadna",),
    "caduceus": ("caduceus",),
}


@dataclass(frozen=True)
class Layout:
    """A token layout (``vocab``) and the :class:`DeepBioPTokenizer` arguments
    giving it (``tokenizer_kwargs``: ``{"preset": name}`` for a published
    layout; ``encoding_type``, ``k`` and ``stride`` for one of deepbiop's own)."""

    vocab: TokenVocabulary
    tokenizer_kwargs: Mapping[str, Any]

    @property
    def label(self) -> str:
        """``preset 'dnabert-3'`` or ``layout 'deepbiop-dna'``, for messages."""
        kind = "preset" if self.vocab.name in PRESETS else "layout"
        return f"{kind} {self.vocab.name!r}"


def preset_layout(name: str) -> Layout:
    """The layout of a preset (``ValueError`` listing the presets for an unknown name)."""
    vocab = preset_vocabulary(name)
    return Layout(vocab, {"preset": vocab.name})


def _default_layout(encoding_type: str, k: int, stride: int | None) -> Layout:
    return Layout(
        default_vocabulary(encoding_type, k, stride),
        {"encoding_type": encoding_type, "k": k, "stride": stride},
    )


def same_ids(a: TokenVocabulary, b: TokenVocabulary) -> bool:
    """Whether two layouts tokenise every sequence alike (names aside)."""
    fields = ("tokens", "symbols", "k", "step", "greedy", "add_cls", "add_sep", "padding_side")
    return all(getattr(a, f) == getattr(b, f) for f in fields) and dict(a.special) == dict(
        b.special
    )


def _wrong_ids(layout: Layout, mapping: Mapping) -> list:
    """``(token, id)`` of the listing, in id order, whose id differs in ``layout``."""
    index = layout.vocab.get_vocab()
    return [(t, i) for t, i in sorted(mapping.items(), key=lambda ti: ti[1]) if index.get(t) != i]


def _disagree(where: str, theirs: str, layout: Layout, mine: str) -> str:
    """The sentence naming one difference between a checkpoint file and a layout."""
    return f"the checkpoint's {where} has {theirs}, {layout.label} has {mine}"


def _listing_differences(layout: Layout, where: str, mapping: Mapping, complete: bool) -> list:
    index = layout.vocab.get_vocab()
    wrong = _wrong_ids(layout, mapping)
    out = []
    if wrong:
        tok, i = wrong[0]
        more = f" ({len(wrong) - 1} more tokens differ)" if len(wrong) > 1 else ""
        there = f"but {index[tok]} in" if tok in index else "and is not in"
        out.append(
            f"token {tok!r} has id {i} in the checkpoint's {where} {there} {layout.label}{more}"
        )
    if complete and len(mapping) != layout.vocab.size:
        out.append(_disagree(where, f"{len(mapping)} tokens", layout, str(layout.vocab.size)))
    return out


def _special_differences(layout: Layout, files: CheckpointFiles) -> list:
    out = []
    vocab = layout.vocab
    for where, data in (
        ("tokenizer_config.json", files.tokenizer_config),
        ("special_tokens_map.json", files.special_tokens_map),
    ):
        for role, tok in special_tokens(data).items():
            mine = vocab.special.get(role)
            # a role the layout lacks matters only for a token it does not have
            if tok != mine and (mine or tok not in vocab.get_vocab()):
                out.append(_disagree(where, f"{role}_token {tok!r}", layout, repr(mine)))
    return out


def _config_differences(layout: Layout, files: CheckpointFiles) -> list:
    out = []
    vocab, cfg = layout.vocab, files.config
    size = cfg.get("vocab_size")
    allowed = {vocab.size}
    multiple = cfg.get("pad_vocab_size_multiple")
    if isinstance(multiple, int) and multiple > 1:  # HyenaDNA, Caduceus round up
        allowed.add(-(-vocab.size // multiple) * multiple)
    if isinstance(size, int) and size not in allowed:
        rounded = f" (or {max(allowed)}, rounded up to pad_vocab_size_multiple)"
        mine = f"{vocab.size} tokens" + (rounded if len(allowed) > 1 else "")
        out.append(_disagree("config.json", f"vocab_size {size}", layout, mine))
    for role in ("pad", "mask"):
        tid, mine = cfg.get(f"{role}_token_id"), vocab.id_of(role)
        if isinstance(tid, int) and mine is not None and tid != mine:
            at = f"{vocab.special[role]!r} at id {mine}"
            out.append(_disagree("config.json", f"{role}_token_id {tid}", layout, at))
    return out


def _framing_difference(layout: Layout, files: CheckpointFiles) -> list:
    """The special tokens around a sequence: the checkpoint's tokenizer against the layout."""
    if files.framing is None:
        return []
    before, after, where = files.framing
    vocab = layout.vocab
    mine = (
        (vocab.special["cls"],) if vocab.add_cls and "cls" in vocab.special else (),
        (vocab.special["sep"],) if vocab.add_sep and "sep" in vocab.special else (),
    )
    if (tuple(before), tuple(after)) == mine:
        return []

    def show(frame: tuple) -> str:
        return "'" + " ".join([*frame[0], "<sequence>", *frame[1]]) + "'"

    return [_disagree(where, f"framing {show((before, after))}", layout, show(mine))]


def _tokenizer_config_differences(layout: Layout, files: CheckpointFiles) -> list:
    out = _framing_difference(layout, files)
    tc, vocab = files.tokenizer_config, layout.vocab
    side = tc.get("padding_side")
    if side is not None and side != vocab.padding_side:
        theirs = f"padding_side {side!r}"
        out.append(_disagree("tokenizer_config.json", theirs, layout, repr(vocab.padding_side)))
    chars = tc.get("characters")  # HyenaDNA / Caduceus CharacterTokenizer
    specials = set(vocab.special.values()) | {"[RESERVED]"}
    mine = [t for t in vocab.tokens if t not in specials]
    if isinstance(chars, list) and list(chars) != mine:
        out.append(_disagree("tokenizer_config.json", f"characters {chars}", layout, str(mine)))
    return out


def differences(layout: Layout, files: CheckpointFiles) -> list:
    """Every way the checkpoint's files disagree with ``layout``, as sentences."""
    out = []
    saved = _saved_layout(files)
    if saved is not None and not same_ids(saved.vocab, layout.vocab):
        out.append(
            f"the checkpoint's tokenizer_config.json was written by DeepBioPTokenizer "
            f"for {saved.label} (k={saved.vocab.k}, stride={saved.vocab.stride})"
        )
    for where, mapping, complete in files.listings:
        out += _listing_differences(layout, where, mapping, complete)
    out += _special_differences(layout, files)
    out += _config_differences(layout, files)
    out += _tokenizer_config_differences(layout, files)
    return out


def length_problems(files: CheckpointFiles) -> list:
    """``model_max_length`` beyond what the model takes, as sentences."""
    saved = saved_max_length(files)
    limit, why = position_limit(files.config)
    if saved is not None and limit is not None and saved > limit:
        return [
            f"the checkpoint's tokenizer_config.json has model_max_length {saved} but the "
            f"model takes at most {limit} tokens (config.json {why})"
        ]
    return []


def _saved_layout(files: CheckpointFiles) -> Layout | None:
    """The layout a ``DeepBioPTokenizer.save_pretrained`` directory records."""
    tc = files.tokenizer_config
    if tc.get("tokenizer_class") != "DeepBioPTokenizer":
        return None
    if tc.get("preset"):
        return preset_layout(tc["preset"])
    return _default_layout(tc.get("encoding_type", "dna"), int(tc.get("k", 1)), tc.get("stride"))


def _catalogue() -> str:
    presets = ", ".join(f"{name} ({v.size} tokens)" for name, v in PRESETS.items())
    return (
        f"presets: {presets}; deepbiop's own layouts are recognised in a directory "
        "saved by DeepBioPTokenizer.save_pretrained"
    )


def _refuse(files: CheckpointFiles, layout: Layout, problems: list, hint: str = "") -> ValueError:
    shown = problems[:8]
    if len(problems) > len(shown):
        shown.append(f"... and {len(problems) - len(shown)} more")
    listed = "\n".join(f"  - {p}" for p in shown)
    return ValueError(
        f"checkpoint {files.source!r} does not match {layout.label}:\n{listed}\n"
        "A tokenizer that disagrees with its checkpoint gives wrong embeddings without "
        f"any error, so nothing was loaded.{hint} Pass preset= naming the checkpoint's "
        f"layout ({_catalogue()}) or correct the checkpoint's files."
    )


def checkpoint_layout(files: CheckpointFiles, preset: str | None = None) -> Layout:
    """The deepbiop layout giving a checkpoint's token ids.

    Parameters
    ----------
    files : CheckpointFiles
        From :func:`read_checkpoint`.
    preset : str or None, default=None
        A preset name to check instead of guessing.

    Returns
    -------
    Layout

    Raises
    ------
    ValueError
        When any file disagrees with the layout (each difference named), when
        no layout or several different ones fit (what was found and the
        presets listed), or for an unknown preset name.

    Notes
    -----
    The guess: a directory saved by ``DeepBioPTokenizer`` records its layout
    in ``tokenizer_config.json``. Otherwise every preset and deepbiop's
    one-token-per-base layouts are checked against every file; the one with
    no difference wins (HyenaDNA and Caduceus share ids; ``model_type``
    decides the name). Without a vocabulary file only the model types whose
    tokenizer is code (``hyenadna``, ``caduceus``) name a layout.
    """
    problems = length_problems(files)
    if preset is not None:
        layout = preset_layout(preset)
        found = differences(layout, files) + problems
        if found:
            try:
                guess = checkpoint_layout(files).label
            except ValueError:
                raise _refuse(files, layout, found) from None
            hint = f" The checkpoint's files fit {guess} (preset=None finds it)."
            raise _refuse(files, layout, found, hint)
        return layout
    saved = _saved_layout(files)
    if saved is not None:
        found = differences(saved, files) + problems
        if found:
            raise _refuse(files, saved, found)
        return saved
    if files.bpe:
        raise ValueError(
            f"checkpoint {files.source!r} uses a BPE tokenizer ({files.describe()}); "
            f"deepbiop's layouts are k-mers and characters ({_catalogue()}). Load its own "
            "tokenizer with transformers' AutoTokenizer."
        )
    candidates = [preset_layout(name) for name in PRESETS] + [
        _default_layout(alpha, 1, None) for alpha in ("dna", "rna", "protein")
    ]
    scored = [(differences(c, files), c) for c in candidates]
    # closeness, for the message when nothing fits: tokens with other ids, then differences
    closeness = [
        sum(len(_wrong_ids(c, m)) for _, m, _ in files.listings) + len(d) for d, c in scored
    ]
    fits = [c for diffs, c in scored if not diffs]
    model_type = files.model_type
    if not files.has_vocabulary:
        named = _CODE_TOKENIZERS.get(model_type)
        if named is None:
            raise ValueError(
                f"checkpoint {files.source!r} has no vocabulary file (vocab.txt, "
                f"tokenizer.json, vocab.json) and nothing else names its layout "
                f"({files.describe()}); pass preset= ({_catalogue()})"
            )
        diffs, layout = next((d, c) for d, c in scored if c.vocab.name == named)
        if diffs:
            raise _refuse(files, layout, diffs + problems)
        fits = [layout]
    if len(fits) > 1:
        family = [c for c in fits if c.vocab.name in _FAMILIES.get(model_type, ())]
        if len(family) == 1:
            fits = family
        elif all(same_ids(c.vocab, fits[0].vocab) for c in fits):
            fits = fits[:1]
        else:
            names = [c.vocab.name for c in fits]
            raise ValueError(
                f"checkpoint {files.source!r} fits several layouts {names} "
                f"({files.describe()}); pass preset= to choose"
            )
    if not fits:
        diffs, nearest = scored[closeness.index(min(closeness))]
        listed = "; ".join(diffs[:3])
        raise ValueError(
            f"no deepbiop layout fits checkpoint {files.source!r}: found "
            f"{files.describe()}. Nearest, {nearest.label}: {listed}. Known {_catalogue()}."
        )
    if problems:
        raise _refuse(files, fits[0], problems)
    return fits[0]
