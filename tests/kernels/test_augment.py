"""deepbiop.augment against plain-Python references (tests/_reference.py and
this file), with hypothesis properties. The one-hot/integer/k-mer checks run
through the compiled encoder kernels, so this file lives in tests/kernels."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deepbiop as dbp
from _reference import reverse_complement as rc_ref
from _strategies import NOISE, sequences
from deepbiop import augment as aug

IUPAC_TEXT = "ACGTacgtRYSWKMBDHVNrysw kmbdhvn-.X"


# -- reverse complement: text ---------------------------------------------------------
def test_reverse_complement_values():
    assert aug.reverse_complement("AACGTn") == "nACGTT"
    assert aug.reverse_complement("RYKMBVDHSWN") == "NWSDHBVKMRY"
    assert aug.reverse_complement("acgt-X.") == ".X-acgt"
    assert aug.reverse_complement(b"GATTACA") == b"TGTAATC"
    assert aug.reverse_complement(bytearray(b"AC")) == b"GT"
    assert aug.reverse_complement(memoryview(b"AC")) == b"GT"
    arr = np.frombuffer(b"AACG", dtype=np.uint8)
    out = aug.reverse_complement(arr)
    assert out.dtype == np.uint8 and out.tobytes() == b"CGTT" and out.flags.writeable
    assert aug.reverse_complement("") == ""


def test_reverse_complement_rna():
    assert aug.reverse_complement("GAUUACA") == "UGUAAUC"  # auto: U and no T
    assert aug.reverse_complement("gauu", "rna") == "aauc"
    assert aug.reverse_complement("ACGU", "dna") == "UCGT"  # U has no DNA complement
    assert aug.reverse_complement("ACGT", "rna") == "TCGU"
    assert aug.reverse_complement("UT") == "AU"  # mixed: read as DNA


@given(sequences("dna", max_size=60))
def test_rc_dna_matches_reference_and_is_involution(s):
    r = aug.reverse_complement(s, "dna")
    assert r == rc_ref(s, "dna")
    assert aug.reverse_complement(r, "dna") == s
    assert aug.reverse_complement(s.encode(), "dna") == r.encode()


@given(sequences("rna", max_size=60))
def test_rc_rna_matches_reference_and_is_involution(s):
    r = aug.reverse_complement(s, "rna")
    assert r == rc_ref(s, "rna")
    assert aug.reverse_complement(r, "rna") == s


def test_reverse_complement_errors():
    with pytest.raises(ValueError, match="alphabet 'protein' has no complement"):
        aug.reverse_complement("ACD", "protein")
    with pytest.raises(ValueError, match=r"non-ASCII character 'é' at position 2"):
        aug.reverse_complement("ACéT")
    with pytest.raises(TypeError, match="got int"):
        aug.reverse_complement(5)
    with pytest.raises(TypeError, match="reverse_complement_codes"):
        aug.reverse_complement(np.zeros(3, dtype=np.int64))


# -- reverse complement: one-hot and codes -------------------------------------------
STRATEGIES = ["skip", "uniform", "iupac"]


@pytest.mark.parametrize("strategy", STRATEGIES)
@given(s=st.text(alphabet=IUPAC_TEXT, max_size=50))
def test_rc_onehot_equals_onehot_of_rc(strategy, s):
    enc = dbp.OneHotEncoder("dna", strategy)
    got = aug.reverse_complement_onehot(enc.encode(s))
    assert got.flags.c_contiguous and got.dtype == np.float32
    np.testing.assert_array_equal(got, enc.encode(aug.reverse_complement(s, "dna")))


@pytest.mark.parametrize("channels_first", [False, True])
@given(batch=st.lists(st.text(alphabet=IUPAC_TEXT, max_size=30), min_size=1, max_size=6))
def test_rc_onehot_batch_with_lengths(channels_first, batch):
    enc = dbp.OneHotEncoder("dna", "iupac", channels_first=channels_first)
    x = enc.encode_batch(batch)
    lens = [len(s) for s in batch]
    got = aug.reverse_complement_onehot(x, lengths=lens, channels_first=channels_first)
    want = enc.encode_batch([aug.reverse_complement(s, "dna") for s in batch])
    np.testing.assert_array_equal(got, want)


def test_rc_onehot_rna_and_whole_width():
    enc = dbp.OneHotEncoder("rna")
    np.testing.assert_array_equal(
        aug.reverse_complement_onehot(enc.encode("GAUC"), "rna"), enc.encode("GAUC")
    )
    x = dbp.OneHotEncoder().encode_batch(["AC", "A"])
    full = aug.reverse_complement_onehot(x)  # no lengths: padding moves to the front
    np.testing.assert_array_equal(full[1], [[0, 0, 0, 0], [0, 0, 0, 1]])
    with pytest.raises(ValueError, match="has 5 columns on axis 1; alphabet 'dna' has 4"):
        aug.reverse_complement_onehot(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"lengths\[1\] = 9 is outside 0..2"):
        aug.reverse_complement_onehot(x, lengths=[2, 9])
    with pytest.raises(ValueError, match="lengths has 1 entries for a batch of 2"):
        aug.reverse_complement_onehot(x, lengths=[2])


@pytest.mark.parametrize("dtype", ["float32", "int64", "int8"])
@given(batch=st.lists(st.text(alphabet="ACGTacgtN", max_size=30), min_size=1, max_size=6))
def test_rc_codes_equals_codes_of_rc(dtype, batch):
    enc = dbp.IntegerEncoder("dna", "unknown", dtype=dtype)
    got = aug.reverse_complement_codes(enc.encode_batch(batch))
    want = enc.encode_batch([aug.reverse_complement(s, "dna") for s in batch])
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.dtype(dtype)
    lens = [len(s) for s in batch]
    np.testing.assert_array_equal(
        aug.reverse_complement_codes(enc.encode_batch(batch), lengths=lens), want
    )
    for s in batch:
        np.testing.assert_array_equal(
            aug.reverse_complement_codes(enc.encode(s)),
            enc.encode(aug.reverse_complement(s, "dna")),
        )


@given(sequences("dna", noise=True, max_size=80), st.integers(1, 5))
def test_canonical_kmer_counts_invariant_under_rc(s, k):
    enc = dbp.KmerEncoder(k=k, canonical=True)
    np.testing.assert_array_equal(enc.encode(s), enc.encode(aug.reverse_complement(s, "dna")))


# -- mutations --------------------------------------------------------------------------
def _ref_mutated_positions(s: str, rate: float, seed: int) -> list[int]:
    """Independent restatement of the draw order: uniform per position, keep < rate."""
    rng = np.random.default_rng(seed)
    u = rng.random(len(s))
    return [p for p in range(len(s)) if u[p] < rate and s[p].upper() in "ACGT"]


@given(sequences("dna", max_size=80), st.floats(0, 1), st.integers(0, 2**32))
def test_mutate_properties(s, rate, seed):
    out = aug.mutate(s, rate, random_state=seed)
    assert isinstance(out, str) and len(out) == len(s)
    assert out == aug.mutate(s, rate, random_state=seed)  # reproducible
    changed = [p for p in range(len(s)) if out[p] != s[p]]
    assert changed == _ref_mutated_positions(s, rate, seed)  # every drawn base changes
    for p in changed:
        assert out[p].upper() in "ACGT" and out[p].upper() != s[p].upper()
        assert out[p].islower() == s[p].islower()
    assert aug.mutate(s.encode(), rate, random_state=seed) == out.encode()


def test_mutate_rate_and_uniform_substitutions():
    s = "A" * 20000
    out = aug.mutate(s, 0.1, random_state=0)
    n = sum(c != "A" for c in out)
    assert 1700 < n < 2300  # Binomial(20000, 0.1): mean 2000, sd 42
    for c in "CGT":  # the three other bases equally likely
        assert 500 < out.count(c) < 850
    assert aug.mutate(s, 0.0) is not None and aug.mutate(s, 0.0) == s
    prot = aug.mutate("ACDEFGHIKLMNPQRSTVWY" * 10, 1.0, alphabet="protein", random_state=1)
    assert all(a != b for a, b in zip(prot, "ACDEFGHIKLMNPQRSTVWY" * 10))
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\], got 1.5"):
        aug.mutate("ACGT", 1.5)


@given(st.text(alphabet="ACGTN", max_size=60), st.floats(0, 1), st.integers(0, 2**32))
def test_mutate_codes_matches_text(s, rate, seed):
    enc = dbp.IntegerEncoder("dna", "unknown", dtype="int64")
    got = aug.mutate_codes(enc.encode(s), rate, random_state=seed)
    np.testing.assert_array_equal(got, enc.encode(aug.mutate(s, rate, random_state=seed)))
    f = aug.mutate_codes(enc.encode(s).astype(np.float32), rate, random_state=seed)
    np.testing.assert_array_equal(f, got.astype(np.float32))


# -- crops ---------------------------------------------------------------------------------
def test_crop_modes():
    s = "0123456789"
    assert aug.crop(s, 4, "start") == "0123"
    assert aug.crop(s, 4, "center") == "3456"
    assert aug.crop(s, 3, "center") == "345"
    assert aug.crop(s, 4, "end") == "6789"
    assert aug.crop(s, 20) == s and aug.crop(s, 10, "end") == s
    starts = {aug.crop(s, 4, random_state=seed)[0] for seed in range(200)}
    assert starts == set("0123456")  # every start 0..6 reachable, none beyond
    assert aug.crop(s, 4, random_state=5) == aug.crop(s, 4, random_state=5)
    x = dbp.OneHotEncoder().encode("AACCGGTT")
    np.testing.assert_array_equal(aug.crop(x, 2, "end"), dbp.OneHotEncoder().encode("TT"))
    xt = np.ascontiguousarray(x.T)
    np.testing.assert_array_equal(aug.crop(xt, 2, "start", axis=1), xt[:, :2])
    with pytest.raises(ValueError, match="mode must be one of 'random', 'start', 'center', 'end'"):
        aug.crop(s, 2, "middle")
    with pytest.raises(ValueError, match="length must be a non-negative integer, got -1"):
        aug.crop(s, -1)


def test_random_reverse_complement_probability():
    draws = [aug.random_reverse_complement("AAC", 0.3, random_state=i) for i in range(2000)]
    assert set(draws) == {"AAC", "GTT"}
    assert 0.25 < draws.count("GTT") / 2000 < 0.35
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\]"):
        aug.random_reverse_complement("A", p=2)


# -- transform objects and seeding ---------------------------------------------------------
def test_transform_objects_pickle_and_compose():
    t = aug.Compose(
        [aug.Crop(6, "start"), aug.RandomMutation(0.5), aug.RandomReverseComplement(1.0)]
    )
    t2 = pickle.loads(pickle.dumps(t))
    s = "ACGTACGTAC"
    assert t(s, random_state=3) == t2(s, random_state=3)
    rng = np.random.default_rng(3)
    want = aug.reverse_complement(aug.mutate(s[:6], 0.5, random_state=rng))
    assert t(s, random_state=3) == want
    assert aug.ReverseComplement(kind="codes")(np.array([0, 1])).tolist() == [2, 3]
    x = dbp.OneHotEncoder().encode("AAG")
    np.testing.assert_array_equal(
        aug.ReverseComplement(kind="onehot")(x), dbp.OneHotEncoder().encode("CTT")
    )
    assert "RandomMutation(rate=0.5" in repr(t)
    with pytest.raises(ValueError, match="kind must be one of"):
        aug.ReverseComplement(kind="x")("A")
    with pytest.raises(ValueError, match="mutate before one-hot encoding"):
        aug.RandomMutation(0.1, kind="onehot")(x)
    with pytest.raises(TypeError, match="random_state must be None, an int"):
        aug.mutate("ACGT", 0.5, random_state="x")


def test_worker_seed_sequence_outside_workers():
    assert aug.worker_info() == (0, 1, 0, 1)
    assert aug.worker_seed_sequence(5, epoch=3).entropy == [5, 3, 0, 0]
    a = aug.worker_rng(5).integers(0, 2**32, 4)
    assert (a == aug.worker_rng(5).integers(0, 2**32, 4)).all()
    assert not (a == aug.worker_rng(6).integers(0, 2**32, 4)).all()
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None"):
        aug.worker_seed_sequence(-1)
    with pytest.raises(ValueError, match="epoch must be a non-negative integer"):
        aug.worker_seed_sequence(1, epoch=-2)


def test_noise_characters_untouched_by_rc():
    kept = "".join(c for c in NOISE if c.upper() not in "RYKMBDHVSWN")
    assert aug.reverse_complement(kept, "dna") == kept[::-1]


# -- batch kernels (deepbiop/_kernels/_augment.pyx) ------------------------------------------
M64 = 2**64 - 1


def _mix64(z: int) -> int:
    """splitmix64 finaliser, restated in plain Python."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def _mutate_batch_ref(seqs, rate, seed, symbols="ACGT"):
    """The documented draw: h = mix64(seed ^ mix64(i * golden + p)); mutate when its
    low 32 bits are below round(rate * 2**32); the high 32 bits pick one of the
    A - 1 other symbols (offset 1 + k from the old code), in the old case."""
    seed = int(np.random.default_rng(seed).integers(0, 2**64, dtype=np.uint64))
    thr = round(rate * 2**32)
    A = len(symbols)
    out = []
    for i, s in enumerate(seqs):
        chars = []
        for p, ch in enumerate(s):
            c = symbols.find(ch.upper())
            if c >= 0:
                h = _mix64(seed ^ _mix64((i * 0x9E3779B97F4A7C15 + p) & M64))
                if (h & 0xFFFFFFFF) < thr:
                    new = symbols[(c + 1 + (((h >> 32) * (A - 1)) >> 32)) % A]
                    ch = new.lower() if ch.islower() else new
            chars.append(ch)
        out.append("".join(chars))
    return out


@given(st.lists(sequences("dna", max_size=40), max_size=6), st.floats(0, 1), st.integers(0, 2**32))
def test_mutate_batch_equals_plain_python_draws(seqs, rate, seed):
    got = aug.mutate_batch(seqs, rate, random_state=seed)
    assert got == _mutate_batch_ref(seqs, rate, seed)
    assert got == aug.mutate_batch(seqs, rate, random_state=seed)  # reproducible
    as_bytes = aug.mutate_batch([s.encode() for s in seqs], rate, random_state=seed)
    assert as_bytes == [s.encode() for s in got]


@given(st.lists(sequences("dna", max_size=40), max_size=6), st.floats(0, 1), st.integers(0, 2**32))
def test_mutate_batch_properties(seqs, rate, seed):
    out = aug.mutate_batch(seqs, rate, random_state=seed)
    assert [len(s) for s in out] == [len(s) for s in seqs]
    for s, o in zip(seqs, out):
        for a, b in zip(s, o):
            if a == b:
                continue
            assert a.upper() in "ACGT", (s, o)  # N and noise never change
            assert b.upper() in "ACGT" and b.upper() != a.upper()
            assert b.islower() == a.islower()  # case kept


def test_mutate_batch_rate_uniformity_and_protein():
    seqs = ["A" * 200] * 100  # 20,000 positions
    out = aug.mutate_batch(seqs, 0.1, random_state=0)
    text = "".join(out)
    n = sum(c != "A" for c in text)
    assert 1700 < n < 2300  # Binomial(20000, 0.1): mean 2000, sd 42
    for c in "CGT":
        assert 500 < text.count(c) < 850
    assert aug.mutate_batch(seqs, 0.0, random_state=0) == seqs
    assert all(c != "A" for c in "".join(aug.mutate_batch(seqs[:3], 1.0, random_state=1)))
    prot = "ACDEFGHIKLMNPQRSTVWY" * 10
    got = aug.mutate_batch([prot, prot.lower()], 1.0, alphabet="protein", random_state=1)
    assert all(a != b for a, b in zip(got[0], prot)) and got[1].islower()
    assert all(a.upper() != b.upper() for a, b in zip(got[1], prot))
    assert aug.mutate_batch(["GAUUACA"], 1.0, alphabet="rna", random_state=2)[0].count("T") == 0


def test_batch_kernels_thread_count_independent(force_parallel):
    rng = np.random.default_rng(4)
    seqs = ["".join(rng.choice(list("ACGTNacgu"), size=int(n))) for n in rng.integers(0, 900, 300)]
    one = aug.mutate_batch(seqs, 0.2, random_state=9, n_jobs=1)
    assert one == aug.mutate_batch(seqs, 0.2, random_state=9, n_jobs=2)
    assert aug.reverse_complement_batch(seqs, n_jobs=2) == aug.reverse_complement_batch(
        seqs, n_jobs=1
    )


@given(st.lists(st.text(alphabet=IUPAC_TEXT + "Uu", max_size=40), max_size=6))
def test_reverse_complement_batch_equals_per_sequence(seqs):
    for alphabet in ("auto", "dna", "rna"):
        want = [aug.reverse_complement(s, alphabet) for s in seqs]
        assert aug.reverse_complement_batch(seqs, alphabet) == want
        assert aug.reverse_complement_batch([s.encode() for s in seqs], alphabet) == [
            w.encode() for w in want
        ]


def test_random_reverse_complement_batch_draws():
    seqs = [f"AAC{'G' * i}" for i in range(200)]
    got = aug.random_reverse_complement_batch(seqs, 0.3, random_state=5)
    flips = np.random.default_rng(5).random(200) < 0.3
    assert got == [aug.reverse_complement(s) if f else s for s, f in zip(seqs, flips)]
    mixed = aug.random_reverse_complement_batch(
        ["AC", b"AC", bytearray(b"AC"), np.frombuffer(b"AC", np.uint8)], 1.0
    )
    assert mixed == ["GT", b"GT", b"GT", b"GT"]
    assert aug.random_reverse_complement_batch([], 0.5) == []
    assert aug.reverse_complement_batch(["", "A"]) == ["", "T"]


def test_batch_kernel_errors():
    with pytest.raises(TypeError, match="got a single str; wrap it in a list"):
        aug.mutate_batch("ACGT", 0.1)
    with pytest.raises(
        ValueError, match=r"sequence 1: non-ASCII character 'é' \(U\+00E9\) at position 2"
    ):
        aug.mutate_batch(["AC", "ACéT"], 0.1)
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\], got 1.5"):
        aug.mutate_batch(["AC"], 1.5)
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\]"):
        aug.random_reverse_complement_batch(["AC"], 2)
    with pytest.raises(ValueError, match="alphabet 'protein' has no complement"):
        aug.reverse_complement_batch(["AC"], "protein")
    with pytest.raises(TypeError, match="sequence 0: expected bytes, str"):
        aug.mutate_batch([3], 0.1)


def test_transform_batch_methods():
    seqs = ["ACGTACGTAC", "acgtnnACGT", "GAUUACA"]
    t = aug.Compose(
        [aug.Crop(8, "start"), aug.RandomMutation(0.3), aug.RandomReverseComplement(0.5)]
    )
    rng = np.random.default_rng(3)
    cropped = [s[:8] for s in seqs]
    mutated = aug.mutate_batch(cropped, 0.3, random_state=rng)
    want = aug.random_reverse_complement_batch(mutated, 0.5, random_state=rng)
    assert t.batch(seqs, random_state=3) == want
    assert aug.ReverseComplement().batch(seqs) == [aug.reverse_complement(s) for s in seqs]
    codes = [np.array([0, 1, 4]), np.array([2, -1])]
    rc = aug.ReverseComplement(kind="codes").batch(codes)
    assert [r.tolist() for r in rc] == [[4, 2, 3], [-1, 1]]
    got = aug.RandomMutation(1.0, kind="codes").batch(codes, random_state=0)
    assert (got[0][:2] != [0, 1]).all() and got[0][2] == 4 and got[1][1] == -1
    assert aug.Crop(2, "end").batch(["ACGT", "A"]) == ["GT", "A"]
    assert aug.Compose([str.lower]).batch(["AC"]) == ["ac"]
