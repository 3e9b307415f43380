"""A benchmarked command run as its own child process: wall time and peak RSS.

``ru_maxrss`` keeps the high-water mark of the process image before exec,
which for a child forked from a (large) benchmark process is that process's
size; a small launcher of its own keeps the measure to the command's memory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["run_child"]

# Runs a command; prints wall seconds, exit status and ru_maxrss (KiB on Linux).
_LAUNCHER = (
    "import os, subprocess, sys, time\n"
    "out = open(sys.argv[1], 'wb') if sys.argv[1] else subprocess.DEVNULL\n"
    "t = time.perf_counter()\n"
    "p = subprocess.Popen(sys.argv[2:], stdout=out)\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "print(time.perf_counter() - t, os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


def run_child(args: list[str], env: dict, stdout: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of a command that must succeed; its
    standard output goes to ``stdout`` (a file) or nowhere."""
    out = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(stdout or ""), *args],
        env=env,
        capture_output=True,
        text=True,
    )
    fields = out.stdout.split()
    if out.returncode != 0 or len(fields) != 3 or int(fields[1]) != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {out.stderr[-2000:]}")
    return float(fields[0]), int(fields[2]) * 1024
