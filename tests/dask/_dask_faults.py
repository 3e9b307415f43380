"""Partition functions that fail on purpose, for the fault tests. They live in
a module (not a test file) so the worker processes import them by name."""

from __future__ import annotations

import os
import signal


def logged_partitions(part, log: str, fail: str, partition_info=None):
    """Log the partition's number to ``log``; raise when ``fail`` exists and
    holds that number."""
    number = partition_info["number"]
    with open(log, "a") as fh:
        fh.write(f"{number}\n")
    if os.path.exists(fail) and open(fail).read().strip() == str(number):
        raise RuntimeError(f"partition {number} fails on purpose")
    return part


def die_once(part, marker: str, victim: int, partition_info=None):
    """Kill this worker process (SIGKILL, as the OOM killer or a lost node
    would) the first time partition ``victim`` runs: the marker file records
    that it happened. Every later run passes the partition through."""
    if partition_info["number"] == victim and not os.path.exists(marker):
        with open(marker, "w") as fh:
            fh.write(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return part
