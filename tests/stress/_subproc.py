"""Run a piece of Python in a child process, so that a crash or a hang fails
one test (with the signal named) instead of ending the whole run.

The child imports the same deepbiop as the test process and finds the test
helpers (``_reference``, ``_fastref``) on its path. Its code reports results
with ``report(obj)`` (one JSON line each); ``ChildResult.reports`` reads them
back. ``faulthandler`` is on, so a segfault leaves the Python stack of every
thread on stderr, which the failure message shows.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import deepbiop

HERE = Path(__file__).resolve().parent
REPO = Path(deepbiop.__file__).resolve().parent.parent
_MARK = "@@REPORT "

_PREAMBLE = f"""
import faulthandler, json, os, sys
faulthandler.enable(all_threads=True)
sys.path[:0] = [{str(REPO)!r}, {str(HERE.parent)!r}, {str(HERE)!r}]
def report(obj):
    sys.stdout.write({_MARK!r} + json.dumps(obj) + "\\n")
    sys.stdout.flush()
def _limit_memory(gib):
    import resource
    from deepbiop._kernels import _config
    if _config.sanitizer_enabled():
        return  # ASan reserves terabytes of shadow address space
    lim = int(gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
"""


@dataclass
class ChildResult:
    code: str
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    elapsed: float
    reports: list = field(default_factory=list)

    @property
    def signal_name(self) -> str | None:
        if self.returncode is not None and self.returncode < 0:
            try:
                return signal.Signals(-self.returncode).name
            except ValueError:
                return f"signal {-self.returncode}"
        return None

    def describe(self) -> str:
        if self.timed_out:
            what = f"child process hung: killed after {self.elapsed:.0f} s without exiting"
        elif self.signal_name:
            what = (
                f"child process killed by {self.signal_name} "
                f"(signal {-self.returncode}) after {self.elapsed:.1f} s"
            )
        else:
            what = f"child process exited with status {self.returncode}"
        tail = "\n".join(self.stderr.strip().splitlines()[-40:])
        out = "\n".join(
            line for line in self.stdout.strip().splitlines()[-20:] if not line.startswith(_MARK)
        )
        return f"{what}\n--- stderr (tail) ---\n{tail}\n--- stdout (tail) ---\n{out}"

    def check(self) -> ChildResult:
        """Fail the calling test unless the child exited with status 0."""
        if self.timed_out or self.returncode != 0:
            raise AssertionError(self.describe())
        return self


def run_child(
    code: str, *, timeout: float = 180, mem_gib: float | None = 16, env: dict | None = None
) -> ChildResult:
    """Run ``code`` (dedented) in a fresh interpreter.

    ``mem_gib`` caps the child's address space (RLIMIT_AS) so that a runaway
    allocation fails inside the child instead of waking the OOM killer on a
    shared machine; ``None`` for no cap. On ``timeout`` the child's whole
    process group (fork-pool workers included) is killed.
    """
    body = textwrap.dedent(code)
    full = _PREAMBLE + (f"_limit_memory({mem_gib})\n" if mem_gib else "") + body
    child_env = dict(os.environ)
    child_env.pop("PYTHONPATH", None)
    child_env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE.parent), str(HERE)])
    child_env["PYTHONFAULTHANDLER"] = "1"
    if env:
        child_env.update(env)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", full],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env,
        start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        stdout, stderr = proc.communicate()
    elapsed = time.monotonic() - t0
    reports = [
        json.loads(line[len(_MARK) :]) for line in stdout.splitlines() if line.startswith(_MARK)
    ]
    return ChildResult(
        body, None if timed_out else proc.returncode, stdout, stderr, timed_out, elapsed, reports
    )
