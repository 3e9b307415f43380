"""Sequence encoders (scikit-learn transformers backed by Cython kernels)."""

from deepbiop.encoders.integer import IntegerEncoder
from deepbiop.encoders.kmer import KmerEncoder
from deepbiop.encoders.onehot import OneHotEncoder

__all__ = ["OneHotEncoder", "IntegerEncoder", "KmerEncoder"]
