"""What every command shares: the input/output options, the progress rule and
the error rule.

* Progress: a bar on standard error when it is a terminal, nothing when it is
  not (a pipe, a log file, a workflow manager) or with ``-q``.
* Errors: one line on standard error (``Error: cannot read 'x.fq' at record
  12 (0-based), line 49: ...``), no traceback, exit status 1 (2 for a usage
  error, as click gives it); Ctrl-C exits with 130 and SIGTERM with 143, after
  the outputs' temporary files are removed (the writers do that on any
  exception, and these are exceptions here).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

__all__ = [
    "input_options",
    "output_options",
    "run_options",
    "reported_errors",
    "show_progress",
    "terminate_on_sigterm",
]

#: exit statuses after a signal (128 + its number, as a shell reports it)
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


def _stack(*decorators: Callable) -> Callable:
    def apply(fn: Callable) -> Callable:
        for deco in reversed(decorators):
            fn = deco(fn)
        return fn

    return apply


input_options = _stack(
    click.argument("inputs", nargs=-1, required=True, metavar="INPUT..."),
    click.option(
        "--fileformat",
        type=click.Choice(["fasta", "fastq"]),
        help="Input format, instead of detecting it from the name or the first byte.",
    ),
)

output_options = _stack(
    click.option("--force", is_flag=True, help="Replace existing outputs."),
)

run_options = _stack(
    click.option(
        "-j",
        "--threads",
        type=click.IntRange(min=1),
        help="Threads for encoding or counting (default: all the machine allows).",
    ),
    click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
)


def show_progress(quiet: bool) -> bool:
    """A progress bar only on a terminal, and not with ``--quiet``."""
    return not quiet and sys.stderr.isatty()


def _one_line(exc: BaseException) -> str:
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    text = " ".join(str(text).split())  # one line, whatever the message held
    return text or type(exc).__name__


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn the errors a command can meet into click's one-line ``Error: ...``
    (exit 1), Ctrl-C into exit 130, a closed standard output into exit 141."""
    try:
        yield
    except click.ClickException:
        raise
    except KeyboardInterrupt:
        click.echo("deepbiop: interrupted", err=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, as a tool killed by SIGPIPE would
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(EXIT_BROKEN_PIPE) from None
    except (ValueError, KeyError, TypeError, OSError, ImportError) as exc:
        raise click.ClickException(_one_line(exc)) from None


def _raise_terminated(signum: int, frame: Any) -> None:
    raise SystemExit(EXIT_TERMINATED)


def terminate_on_sigterm() -> None:
    """Make SIGTERM (a workflow manager cancelling a job) an exception, so the
    outputs' temporary files are removed on the way out."""
    signal.signal(signal.SIGTERM, _raise_terminated)
