"""deepbiop.dask.kmer_spectrum on a LocalCluster: equal to the one-process
whole-file spectrum (deepbiop.kmer_spectrum_file) whatever the partitioning
and the fan-in of the tree reduction."""

from __future__ import annotations

import dask.bag as db
import numpy as np
import pytest
from _dask_data import good_files, records
from hypothesis import given, settings
from hypothesis import strategies as st

import deepbiop as dbp
from deepbiop.dask import kmer_spectrum, read_fastx
from deepbiop.dask._spectrum import concat_ranges, range_bounds, split_ranges
from deepbiop.io import SequenceFileError


def _equal(got, want):
    assert isinstance(got, dbp.KmerSpectrum)
    assert (got.k, got.alphabet, got.canonical) == (want.k, want.alphabet, want.canonical)
    assert got.codes.dtype == np.uint64 and got.counts.dtype == np.int64
    np.testing.assert_array_equal(got.codes, want.codes)
    np.testing.assert_array_equal(got.counts, want.counts)


@pytest.mark.parametrize(
    ("k", "canonical", "blocksize", "split_every", "ranges"),
    [
        (21, True, None, 8, 4),
        (21, True, 3000, 2, 1),
        (21, False, 20_000, 3, 3),
        (5, True, 1500, 2, 7),
        (31, True, 10_000, 4, 2),
        (1, False, 4000, 8, 16),  # more ranges than codes: empty ranges
    ],
)
def test_files_equal_the_whole_file_spectrum(
    client, datasets, k, canonical, blocksize, split_every, ranges
):
    paths = good_files(datasets)
    want = dbp.kmer_spectrum_file(paths, k=k, canonical=canonical)  # one process
    got = kmer_spectrum(
        paths, k, canonical=canonical, blocksize=blocksize, split_every=split_every, ranges=ranges
    )
    _equal(got, want)
    lazy = kmer_spectrum(
        paths, k, canonical=canonical, split_every=split_every, ranges=ranges, compute=False
    )
    _equal(lazy.compute(), want)


def test_min_count_applies_to_the_total(client, datasets):
    paths = good_files(datasets)
    want = dbp.kmer_spectrum_file(paths, k=6, canonical=True).filter(4)
    _equal(kmer_spectrum(paths, 6, canonical=True, min_count=4, blocksize=2000), want)


def test_frames_bags_and_arrays(client, datasets):
    paths = good_files(datasets)
    seqs = [r.sequence for r in records(paths)]
    want = dbp.kmer_spectrum(seqs, k=11, canonical=True)
    _equal(kmer_spectrum(read_fastx(paths, blocksize=5000), 11, canonical=True), want)
    _equal(kmer_spectrum(db.from_sequence(seqs, npartitions=5), 11, canonical=True), want)


def test_protein(client):
    seqs = ["MKVLAAGIVW", "ACDEFGHIKLMNPQRSTVWY", "XXMKV"] * 7
    want = dbp.kmer_spectrum(seqs, k=3, encoding_type="protein")
    got = kmer_spectrum(
        db.from_sequence(seqs, npartitions=4), 3, encoding_type="protein", split_every=2
    )
    _equal(got, want)


def test_compute_false_gives_a_delayed(client, datasets):
    d = kmer_spectrum(datasets["plain"], 5, compute=False)
    _equal(d.compute(), dbp.kmer_spectrum_file(datasets["plain"], k=5))


def test_bad_parameters(datasets):
    with pytest.raises(ValueError, match="split_every"):
        kmer_spectrum(datasets["plain"], 5, split_every=1)
    for bad in (0, True, 2.0):
        with pytest.raises(ValueError, match="ranges"):
            kmer_spectrum(datasets["plain"], 5, ranges=bad)
    with pytest.raises(ValueError, match="min_count"):
        kmer_spectrum(datasets["plain"], 5, min_count=0)
    with pytest.raises(ValueError):
        kmer_spectrum(datasets["plain"], 32)


def test_malformed_file_fails_naming_file_and_record(client, datasets):
    with pytest.raises(SequenceFileError, match=r"bad\.fq.* at record 57 \(0-based\)"):
        kmer_spectrum([datasets["plain"], datasets["bad"]], 5, blocksize=None)


def test_merge_spectra_is_the_spectrum_of_the_union():
    # reference: the one-process counter on all the sequences at once
    parts = [["ACGTTGCA", "NNACG"], ["GGGTTT"], [], ["acgtacgtac"]]
    specs = [dbp.kmer_spectrum(p, k=3, canonical=True) for p in parts]
    want = dbp.kmer_spectrum([s for p in parts for s in p], k=3, canonical=True)
    _equal(dbp.merge_spectra(specs), want)
    _equal(dbp.merge_spectra(specs[::-1]), want)
    with pytest.raises(ValueError, match="cannot merge"):
        dbp.merge_spectra([specs[0], dbp.kmer_spectrum(["ACGT"], k=2)])
    with pytest.raises(ValueError, match="at least one"):
        dbp.merge_spectra([])


@settings(max_examples=60, deadline=None)
@given(
    seqs=st.lists(st.text(alphabet="ACGTN", max_size=40), max_size=8),
    k=st.integers(1, 6),
    canonical=st.booleans(),
    ranges=st.integers(1, 9),
)
def test_code_ranges_cut_and_join_back(seqs, k, canonical, ranges):
    spec = dbp.kmer_spectrum(seqs, k=k, canonical=canonical)
    bounds = range_bounds(4**k, canonical, ranges)
    assert bounds[0] == 0 and bounds[-1] == 4**k and np.all(np.diff(bounds.astype(np.int64)) >= 0)
    pieces = split_ranges(spec, bounds)
    assert len(pieces) == ranges
    for piece, lo, hi in zip(pieces, bounds[:-1], bounds[1:]):
        assert np.all((piece.codes >= lo) & (piece.codes < hi))  # each code in its own range
    _equal(concat_ranges(list(pieces)), spec)
