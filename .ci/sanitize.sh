#!/usr/bin/env bash
# Run deepbiop's kernel tests under AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   bash .ci/sanitize.sh [--build] [pytest arguments ...]
#
# The kernels must be a DEEPBIOP_SANITIZE=1 build (see setup.py); --build
# makes one in place first (`python setup.py build_ext --inplace --force`,
# which needs Cython in the environment; CI builds through pip instead).
# Without pytest arguments the tests run are `-m "not slow"` over whichever of
# tests/kernels, tests/stress and tests/test_config.py exist.
# Afterwards rebuild without DEEPBIOP_SANITIZE: a sanitizer build does not
# import into a plain interpreter.
# Environment: HYPOTHESIS_PROFILE (default "ci"), DEEPBIOP_SANITIZE_TIMEOUT
# (seconds pytest may take, default 1200).
#
# Exit status: pytest's, or 1 when any sanitizer report was written, even by a
# test that passed (UBSan may continue after a report, and a report from a
# subprocess a test starts would otherwise stay in that test's captured
# stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
# the active environment's interpreter (CI's venv); not $PYTHON, which .ci/run
# reads as the interpreter to create its venv with
PY=python

if [[ "${1:-}" == "--build" ]]; then
  shift
  DEEPBIOP_SANITIZE=1 "$PY" setup.py build_ext --inplace --force
fi

# The runtime to preload is the one the kernels were linked against (gcc links
# libasan as a shared library): ask the loader, rather than guess a compiler.
# The kernel looked at is the one `import deepbiop` will load (found without
# importing it: a sanitizer build cannot be imported before the preload).
kernel=$("$PY" - <<'PY'
import glob, importlib.util, os
spec = importlib.util.find_spec("deepbiop")
pkg = os.path.dirname(spec.origin) if spec and spec.origin else ""
print((sorted(glob.glob(os.path.join(pkg, "_kernels", "_config*.so"))) or [""])[0])
PY
)
[[ -n "$kernel" ]] || { echo "sanitize.sh: no built deepbiop kernels found" >&2; exit 1; }
libasan=$(ldd "$kernel" | awk '$1 ~ /^libasan\.so/ {print $3}')
if [[ -z "$libasan" || ! -e "$libasan" ]]; then
  echo "sanitize.sh: $kernel is not linked against libasan: build with DEEPBIOP_SANITIZE=1" \
       "(or pass --build)" >&2
  exit 1
fi

REPORTS=$(mktemp -d /tmp/deepbiop-sanitize.XXXXXX)
trap 'rm -rf "$REPORTS"' EXIT

# LD_PRELOAD: the interpreter is not instrumented, and ASan has to be the first
# library loaded so that it owns malloc/free from the start. libubsan needs no
# preloading: it is an ordinary dependency of every kernel.
export LD_PRELOAD="$libasan"
# detect_leaks=0: CPython does not free everything at exit by design, so
# LeakSanitizer would report thousands of interpreter allocations.
# allocator_may_return_null=1: an impossible allocation returns NULL (numpy then
# raises MemoryError) as with the C library, instead of being an ASan error.
# log_path: ASan reports of every process go to files that are printed and
# checked below, including those of the subprocesses tests start (whose
# stderr the test captures).
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:allocator_may_return_null=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1:log_path=$REPORTS/asan"
# halt_on_error=1: the first undefined behaviour ends the process (exit status 1).
# No log_path here: gcc's UBSan runtime ignores it when it is linked together
# with ASan (checked with gcc 12), so its reports go to the stderr of the
# process that hit them; pytest runs with --capture=sys below so that they
# reach this script's output instead of a capture file that dies with pytest.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1"
# Python objects (the bytes / str whose buffers the kernels read in place) are
# then allocated by malloc, i.e. by ASan with redzones around each, instead of
# inside pymalloc's arenas where an over-read stays invisible.
export PYTHONMALLOC=malloc
# Everything runs 2-5x slower under ASan: hypothesis tests take the "ci"
# profile of tests/conftest.py (25 examples instead of 60) unless told
# otherwise; the other CI steps run the same tests with the full profile.
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}

"$PY" - <<'PY'
from deepbiop._kernels import _config as c
assert c.sanitizer_enabled(), "the kernels are not a DEEPBIOP_SANITIZE=1 build"
assert c.boundscheck_enabled(), "a sanitizer build has the Cython bounds checks on"
print(f"sanitizer build: ASan + UBSan, Cython bounds checks on, openmp={c.openmp_enabled()}")
PY

if (($# == 0)); then
  set -- -q -m "not slow"
  for p in tests/kernels tests/stress tests/test_config.py; do
    if [[ -e "$p" ]]; then set -- "$@" "$p"; fi
  done
fi

status=0
# --capture=sys: capture print() but leave the file descriptors alone, so that a
# sanitizer report written to fd 2 just before the process exits is not lost.
# timeout: a child forked while another thread held ASan's allocator lock can
# hang for good (seen with torch DataLoader fork workers, not in these tests);
# fail after DEEPBIOP_SANITIZE_TIMEOUT seconds instead of using up CI's time.
limit=${DEEPBIOP_SANITIZE_TIMEOUT:-1200}
# (with pipefail the status is pytest's, or timeout's: tee itself does not fail)
timeout --kill-after=30 "$limit" \
  "$PY" -m pytest -p no:cacheprovider --capture=sys "$@" 2>&1 | tee "$REPORTS/pytest.out" \
  || status=$?
if ((status == 124 || status == 137)); then
  echo "sanitize.sh: pytest did not finish within $limit s (DEEPBIOP_SANITIZE_TIMEOUT)" >&2
fi

shopt -s nullglob
# A file that holds only a WARNING is not a report: with
# allocator_may_return_null=1 ASan still logs "WARNING: AddressSanitizer failed
# to allocate N bytes" for a request it refuses (a test asking for more memory
# than exists, which must raise MemoryError). Everything else it writes
# (ERROR: AddressSanitizer ..., ERROR: Failed to mmap, ...) is one.
n_reports=0
for r in "$REPORTS"/asan.*; do
  if grep -q "ERROR" "$r"; then
    n_reports=$((n_reports + 1))
    printf '\n==== sanitizer report %s ====\n' "$(basename "$r")"
  else
    printf '\n==== sanitizer warning %s (not an error) ====\n' "$(basename "$r")"
  fi
  cat "$r"
done
if ((n_reports > 0)) \
   || grep -qE "ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|Sanitizer:DEADLYSIGNAL|runtime error:" "$REPORTS/pytest.out"; then
  echo
  echo "SANITIZER FAILURE: see the report(s) above: ASan report files: $n_reports;" \
       "pytest exit status $status" >&2
  exit 1
fi
if ((status != 0)); then
  echo "sanitize.sh: pytest failed with status $status" >&2
  exit "$status"
fi
echo "sanitize.sh: no sanitizer reports"
