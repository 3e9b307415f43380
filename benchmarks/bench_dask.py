"""deepbiop on dask: one process against a LocalCluster of 1 and 2 workers.

Writes 8 seeded FASTQ.gz files (reads of 100 bp sampled from a random genome
with 0.2% substitutions and a few N; 2,000,000 reads in all, 80,000 with
``--quick``) and times, on the same files and machine:

* one-hot to zarr: ``deepbiop.encode_file(files, OneHotEncoder(max_length=100,
  dtype=uint8), "x.zarr")`` in this process, against
  ``deepbiop.dask.to_zarr(read_fastx(files), ...)`` on the cluster;
* the canonical 21-mer spectrum: ``kmer_spectrum_file(files, k=21,
  canonical=True)`` against ``deepbiop.dask.kmer_spectrum(files, 21, ...)``.

Before timing, the cluster's zarr arrays and spectrum are checked equal to the
one-process ones. Each cluster runs with ``threads_per_worker=1`` (the
kernels then use one thread per worker); the one process uses every thread.
Printed: wall times side by side, the scaling ratio (1 worker / 2 workers;
target >= 1.6 on 2 cores), the overhead of one task (empty tasks through the
scheduler), the scaling of pure CPU tasks (the ceiling a loaded machine
leaves), the throughput of one partition, each worker's peak RSS while the
spectrum is counted and merged (sampled by distributed's monitor), and a
projection to a 100-node cluster and 10 TB of reads from those measurements.
Timings are a shared machine's:
expect swings run to run.
``python benchmarks/bench_dask.py [--quick] [--reads N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_FILES = 8
LENGTH = 100
K = 21
# the projection's cluster: nodes x worker processes per node (one per core)
NODES, WORKERS_PER_NODE = 100, 32
PROJECTED_BYTES = 10e12  # 10 TB of FASTQ.gz
RANGES, SPLIT_EVERY = 4, 4  # deepbiop.dask.kmer_spectrum's defaults


def write_files(folder: Path, n_reads: int, seed: int = 0) -> list[str]:
    """``N_FILES`` FASTQ.gz files of ``n_reads`` reads in all (gzip level 1)."""
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    genome = rng.integers(0, 4, size=max(n_reads * LENGTH // 40, 10 * LENGTH), dtype=np.uint8)
    lut = np.frombuffer(b"ACGT", dtype=np.uint8)
    per_file = -(-n_reads // N_FILES)
    paths = []
    for f in range(N_FILES):
        n = min(per_file, n_reads - f * per_file)
        starts = rng.integers(0, genome.size - LENGTH, size=n)
        codes = genome[starts[:, None] + np.arange(LENGTH)]
        errors = rng.random(codes.shape) < 0.002
        codes[errors] = rng.integers(0, 4, size=int(errors.sum()), dtype=np.uint8)
        seqs = lut[codes]
        seqs[rng.random(seqs.shape) < 0.0005] = ord("N")
        quals = (rng.integers(20, 41, size=seqs.shape) + 33).astype(np.uint8)
        body = b"".join(
            b"@f%dr%d\n%s\n+\n%s\n" % (f, i, s.tobytes(), q.tobytes())
            for i, (s, q) in enumerate(zip(seqs, quals))
        )
        path = folder / f"reads{f}.fastq.gz"
        path.write_bytes(gzip.compress(body, compresslevel=1))
        paths.append(str(path))
    return paths


def _zarr_equal(a: str, b: str) -> bool:
    import zarr

    ga, gb = zarr.open_group(a, mode="r"), zarr.open_group(b, mode="r")
    if sorted(ga.keys()) != sorted(gb.keys()):
        return False
    for key in ga.keys():
        x, y = ga[key], gb[key]
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        step = 200_000
        for lo in range(0, x.shape[0], step):
            if not np.array_equal(x[lo : lo + step], y[lo : lo + step]):
                return False
    return True


def _rss_now_mb(dask_worker=None) -> float:
    """This worker's RSS now, in MB."""
    return dask_worker.monitor.get_process_memory() / 1e6


def _rss_peak_mb(t0: float, t1: float, dask_worker=None) -> float:
    """The largest RSS distributed's system monitor sampled (every 0.5 s) on
    this worker between the wall-clock times ``t0`` and ``t1``, in MB."""
    q = dask_worker.monitor.quantities
    inside = [m for t, m in zip(q["time"], q["memory"]) if t0 <= t <= t1]
    return max(inside, default=0) / 1e6


def _burn(seconds: float) -> float:
    """Spin for ``seconds`` of CPU time (a task with no data and no kernel)."""
    t0 = time.process_time()
    x = 0.0
    while time.process_time() - t0 < seconds:
        x += 1.0
    return x


def _cpu_s() -> float:
    """CPU seconds this process (all its threads) has used."""
    import resource

    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


@contextlib.contextmanager
def _environ_kept():
    """Undo what the cluster's Nannies set in this process's environment
    (``distributed.nanny.pre-spawn-environ``: OMP_NUM_THREADS=1, ...), which
    would slow every benchmark that runs after this one."""
    import dask

    names = list(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    before = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _noop(x: int) -> int:
    return x


def _task_overhead(client, n: int) -> float:
    """Seconds per empty task, run through the scheduler in one graph."""
    import dask

    tasks = [dask.delayed(_noop)(i, dask_key_name=f"noop-{n}-{i}") for i in range(n)]
    t0 = time.perf_counter()
    dask.compute(*tasks, scheduler=client)
    return (time.perf_counter() - t0) / n


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _best(fn, repeat: int):
    """The fastest of ``repeat`` runs, and the last run's result."""
    runs = [_timed(fn) for _ in range(repeat)]
    return min(t for t, _ in runs), runs[-1][1]


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="80,000 reads instead of 2,000,000")
    p.add_argument("--reads", type=int, default=None, help="reads in all (8 files)")
    p.add_argument("--json", default=None, help="write the results here")
    args = p.parse_args(argv)
    try:
        import dask
        import dask.dataframe
        from distributed import Client, LocalCluster
    except ImportError as exc:  # run.py reports this as a skipped suite
        raise ImportError(
            f"bench_dask needs the dask extra: pip install -e '.[dask]' ({exc})"
        ) from exc
    import deepbiop as dbp
    from deepbiop.dask import kmer_spectrum, read_fastx, to_zarr

    n = args.reads or (80_000 if args.quick else 2_000_000)
    repeat = 2 if args.quick else 1
    enc = dbp.OneHotEncoder(max_length=LENGTH, dtype="uint8")
    result: dict = {"reads": n, "files": N_FILES, "length": LENGTH, "k": K}
    result["load_average"] = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="deepbiop-bench-dask-") as tmp:
        d = Path(tmp)
        t, files = _timed(lambda: write_files(d, n))
        size = sum(os.path.getsize(f) for f in files)
        result["input_mb"] = size / 1e6
        print(
            f"{n:,} reads x {LENGTH} bp in {N_FILES} FASTQ.gz files ({size / 1e6:.0f} MB) "
            f"written in {t:.1f} s"
        )

        def one_zarr() -> str:
            shutil.rmtree(d / "one.zarr", ignore_errors=True)
            return dbp.encode_file(files, enc, str(d / "one.zarr")).paths[0]

        warm = write_files(d / "warm", 8 * 500, seed=1)
        t_one_zarr, one = _best(one_zarr, repeat)
        t_one_spec, want = _best(lambda: dbp.kmer_spectrum_file(files, k=K, canonical=True), repeat)
        result["one_process"] = {"zarr_s": t_one_zarr, "spectrum_s": t_one_spec}
        result["distinct_kmers"] = len(want)

        for workers in (1, 2):
            with (
                _environ_kept(),
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: no clash with a running cluster
                    silence_logs=logging.ERROR,
                ) as cluster,
                Client(cluster) as client,
            ):
                # untimed: the workers import deepbiop, dask, zarr and dnaio on
                # their first tasks (a second or more), which a long job pays once
                to_zarr(read_fastx(warm), enc, str(d / f"warm{workers}.zarr"))
                kmer_spectrum(warm, K, canonical=True)
                frame = read_fastx(files)

                def dask_zarr(frame=frame) -> str:
                    shutil.rmtree(d / "dask.zarr", ignore_errors=True)
                    return to_zarr(frame, enc, str(d / "dask.zarr"))

                cpu0 = sum(client.run(_cpu_s).values())
                t_zarr, out = _best(dask_zarr, repeat)
                cpu_zarr = (sum(client.run(_cpu_s).values()) - cpu0) / repeat
                if not _zarr_equal(one, out):
                    raise AssertionError("the cluster's zarr differs from encode_file's")
                before = client.run(_rss_now_mb)
                cpu0 = sum(client.run(_cpu_s).values())
                wall0 = time.time()
                t_spec, got = _best(lambda: kmer_spectrum(files, K, canonical=True), repeat)
                cpu_spec = (sum(client.run(_cpu_s).values()) - cpu0) / repeat
                time.sleep(1.0)  # one more monitor sample after the end
                peaks = client.run(_rss_peak_mb, wall0, time.time())
                if not (
                    np.array_equal(got.codes, want.codes)
                    and np.array_equal(got.counts, want.counts)
                ):
                    raise AssertionError("the cluster's spectrum differs from kmer_spectrum_file")
                overhead = _task_overhead(client, 200 if args.quick else 1000)
                # the ceiling on this machine now: 8 tasks of pure CPU work
                burn = [dask.delayed(_burn)(0.25, dask_key_name=f"burn-{i}") for i in range(8)]
                t_burn, _ = _timed(lambda burn=burn: dask.compute(*burn, scheduler=client))
                result[f"workers_{workers}"] = {
                    "zarr_s": t_zarr,
                    "spectrum_s": t_spec,
                    "cpu_tasks_s": t_burn,
                    "zarr_worker_cpu_s": cpu_zarr,
                    "spectrum_worker_cpu_s": cpu_spec,
                    "partitions": frame.npartitions,
                    "task_overhead_ms": overhead * 1e3,
                    "worker_idle_rss_mb": list(before.values()),
                    "worker_peak_rss_mb": list(peaks.values()),
                }

    one, w1, w2 = result["one_process"], result["workers_1"], result["workers_2"]
    result["scaling_zarr"] = w1["zarr_s"] / w2["zarr_s"]
    result["scaling_spectrum"] = w1["spectrum_s"] / w2["spectrum_s"]
    print(f"\n{'':<30}{'one process':>13}{'1 worker':>10}{'2 workers':>11}{'1w/2w':>7}")
    for task, key, ratio in (
        ("one-hot -> zarr (s)", "zarr_s", result["scaling_zarr"]),
        (f"canonical {K}-mer spectrum (s)", "spectrum_s", result["scaling_spectrum"]),
    ):
        print(f"{task:<30}{one[key]:>13.2f}{w1[key]:>10.2f}{w2[key]:>11.2f}{ratio:>7.2f}")
    print(
        f"{'reads/s, 2 workers (zarr)':<30}{n / one['zarr_s']:>13,.0f}"
        f"{n / w1['zarr_s']:>10,.0f}{n / w2['zarr_s']:>11,.0f}"
    )
    for name in ("zarr", "spectrum"):
        r = result[f"scaling_{name}"]
        print(
            f"scaling {name}: 2 workers are {r:.2f}x one worker (target >= 1.6: "
            f"{'met' if r >= 1.6 else 'not met'})"
        )
    result["scaling_cpu_tasks"] = w1["cpu_tasks_s"] / w2["cpu_tasks_s"]
    print(
        f"ceiling: 8 tasks of 0.25 CPU-s each scale {result['scaling_cpu_tasks']:.2f}x from 1 to "
        "2 workers on this machine now (2.0 on two free cores)"
    )
    print(
        "cores the workers kept busy (worker CPU s / wall s): zarr "
        f"{w1['zarr_worker_cpu_s'] / w1['zarr_s']:.2f} (1 worker), "
        f"{w2['zarr_worker_cpu_s'] / w2['zarr_s']:.2f} (2 workers); spectrum "
        f"{w1['spectrum_worker_cpu_s'] / w1['spectrum_s']:.2f}, "
        f"{w2['spectrum_worker_cpu_s'] / w2['spectrum_s']:.2f}; load average at the start "
        f"{result['load_average']:.1f} on {os.cpu_count()} cores (other jobs take the rest)"
    )
    overhead = min(w1["task_overhead_ms"], w2["task_overhead_ms"])
    print(f"overhead per task (empty tasks through the scheduler): {overhead:.2f} ms")
    print(
        "spectrum: worker peak RSS (MB, sampled every 0.5 s) "
        + ", ".join(
            f"{pk:.0f} (before {b:.0f})"
            for pk, b in zip(w2["worker_peak_rss_mb"], w2["worker_idle_rss_mb"])
        )
        + f" with 2 workers; the spectrum itself holds {len(want):,} distinct 21-mers "
        f"({len(want) * 16 / 1e6:.0f} MB)"
    )

    # projection: per-partition throughput (compressed bytes per worker-second)
    part_bytes = size / N_FILES
    part_s = w1["spectrum_s"] / N_FILES  # one worker runs the partitions one after another
    rate = part_bytes / part_s
    workers = NODES * WORKERS_PER_NODE
    part_size = 1e9  # 1 GB FASTQ.gz per file (one partition each)
    tasks = PROJECTED_BYTES / part_size
    compute_h = PROJECTED_BYTES / (workers * rate) / 3600
    # per partition: its count, one getitem per code range, and its share of
    # the merges (fan-in 4, in each of the 4 ranges): about 1 + 4 + 4/3 tasks
    per_part = 1 + RANGES + RANGES / (SPLIT_EVERY - 1)
    sched_h = tasks * per_part * overhead / 1e3 / 3600  # serial at the scheduler
    result["projection"] = {
        "partition_mb_per_s": rate / 1e6,
        "nodes": NODES,
        "workers": workers,
        "tasks": tasks,
        "compute_hours": compute_h,
        "scheduler_hours": sched_h,
    }
    print(
        f"\nprojection, {PROJECTED_BYTES / 1e12:.0f} TB of FASTQ.gz, canonical {K}-mers, "
        f"{NODES} nodes x {WORKERS_PER_NODE} workers: one partition counted "
        f"{rate / 1e6:.1f} MB/s of gzip input per worker here, so about "
        f"{compute_h * 60:.0f} min of counting on {workers:,} workers; {tasks:,.0f} files of "
        f"1 GB are {tasks * per_part:,.0f} tasks (a count, {RANGES} code-range pieces and "
        f"the merges, per file), about {sched_h * 60:.1f} min of scheduler time at "
        f"{overhead:.2f} ms a task if the scheduler handled them one at a time (fewer, "
        f"larger partitions shrink it). The last merges hold 1/{RANGES} of the spectrum "
        "each (ranges=); the client receives all of it, 16 bytes per distinct k-mer (a "
        "human genome's 21-mers plus sequencing errors: tens of GB; filter with "
        "min_count, or raise ranges and keep the pieces apart with compute=False). Gzip "
        "is decompressed by one thread per file; BGZF files are split into 64 MiB "
        "ranges, more partitions than files."
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
