"""How much the stress suite tries, from the environment (see conftest.py)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {raw!r}")
    return value


FUZZ_EXAMPLES = _env_int("DEEPBIOP_FUZZ_EXAMPLES", 25)
STRESS_ROUNDS = _env_int("DEEPBIOP_STRESS_ROUNDS", 2)
#: reads per list in the list-mutation races (the long run: 200,000)
STRESS_READS = _env_int("DEEPBIOP_STRESS_READS", 50_000)

# the fuzz tests use this profile explicitly (@settings(parent=FUZZ)), so the
# HYPOTHESIS_PROFILE of the rest of the suite does not change their count
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)
