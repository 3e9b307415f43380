"""deepbiop: fast DNA, RNA and protein sequence encoders for machine learning.

Encoders are scikit-learn transformers backed by multi-threaded Cython
kernels; their outputs are C-contiguous arrays that ``torch.from_numpy`` wraps
without a copy. Optional integrations (``deepbiop.torch``, ``deepbiop.hf``)
import PyTorch / transformers lazily (``PretrainedEmbedder`` too: on first use).
"""

from deepbiop._version import __version__

try:
    from deepbiop._kernels import _config as _kernels_probe  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the build
    raise ImportError(
        "deepbiop's compiled kernels are not built. Install from the checkout with "
        "`pip install -e .` (or `python setup.py build_ext --inplace`); "
        f"original error: {exc}"
    ) from exc

from deepbiop import augment, io  # dbp.io, dbp.augment; deepbiop.torch stays opt-in
from deepbiop._config import effective_n_threads, openmp_enabled, show_config, threads_enabled
from deepbiop.alphabets import DNA, PROTEIN, RNA, Alphabet, get_alphabet
from deepbiop.encoders import IntegerEncoder, KmerEncoder, OneHotEncoder
from deepbiop.encoders.tokens import TransformerEncoder
from deepbiop.file_encoding import encode_file
from deepbiop.hf.embedder import PretrainedEmbedder  # torch/transformers load on first use
from deepbiop.kmers import kmer_names
from deepbiop.spectrum import KmerSpectrum, kmer_spectrum, kmer_spectrum_file, merge_spectra
from deepbiop.spectrum_disk import SpectrumBlocks, iter_kmer_spectrum_file
from deepbiop.transformer_utils import (
    add_special_tokens,
    create_attention_mask,
    integer_codes_to_token_ids,
    sinusoidal_positional_encoding,
)
from deepbiop.vocabularies import TokenVocabulary

__all__ = [
    "__version__",
    "Alphabet",
    "DNA",
    "RNA",
    "PROTEIN",
    "get_alphabet",
    "OneHotEncoder",
    "IntegerEncoder",
    "KmerEncoder",
    "kmer_names",
    "KmerSpectrum",
    "kmer_spectrum",
    "kmer_spectrum_file",
    "iter_kmer_spectrum_file",
    "SpectrumBlocks",
    "merge_spectra",
    "encode_file",
    "TransformerEncoder",
    "TokenVocabulary",
    "PretrainedEmbedder",
    "create_attention_mask",
    "add_special_tokens",
    "integer_codes_to_token_ids",
    "sinusoidal_positional_encoding",
    "show_config",
    "openmp_enabled",
    "threads_enabled",
    "effective_n_threads",
    "io",
    "augment",
]
