"""Start-up: ``import ringta`` plus the first update of every indicator, in a fresh interpreter.

ringta compiles each function for its explicit signature on first use and
caches the machine code on disk (``cache=True``); importing it loads none. *Warm*: the on-disk
cache was filled by an earlier run. *Cold*: an empty ``NUMBA_CACHE_DIR``, so
everything is compiled (tens of seconds on a small machine; only run with
benchmarks enabled). Each row is the wall time of one subprocess, start-up of
the interpreter included; the first rows give that start-up and the import of
numpy and numba on their own, for scale.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .cases import PEERS
from .settings import COLD_COMPILE_ROUNDS, WARM_IMPORT_ROUNDS, benchmarks_enabled, record

RINGTA_FIRST_UPDATE = """
import ringta
from ringta.kernels import REGISTRY
for spec in REGISTRY.values():
    spec.stream().update(*[1.0] * len(spec.inputs))
"""

BASELINES = {  # label -> (code, peer it needs)
    "Python start-up": ("pass", None),
    "import numpy, numba": ("import numpy, numba", None),
    "import talib": ("import numpy, talib", "talib"),
}
ABOUT_WARM = "every kernel loaded from the on-disk cache filled by an earlier run"
ABOUT_COLD = "empty NUMBA_CACHE_DIR: every kernel compiled"


def _run(code: str, cache_dir: str | None) -> None:
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory, request) -> str | None:
    """A numba cache directory filled by one cold run; in a plain run, the session's own cache."""
    if not benchmarks_enabled(request.config):
        return None
    path = str(tmp_path_factory.mktemp("numba-warm"))
    _run(RINGTA_FIRST_UPDATE, path)
    return path


@pytest.mark.parametrize("label", list(BASELINES))
def test_baseline(benchmark, enabled, label):
    code, peer = BASELINES[label]
    reason = PEERS[peer].unavailable() if peer else None
    if reason:
        pytest.skip(reason)
    record(benchmark, group="compile", table="compile", impl=label, unit="run", per=1)
    benchmark.pedantic(_run, args=(code, None), rounds=WARM_IMPORT_ROUNDS if enabled else 1, iterations=1)


def test_ringta_warm(benchmark, enabled, warm_cache):
    record(benchmark, group="compile", table="compile", impl="import ringta + first updates, warm cache",
           unit="run", per=1, reference=True, about=ABOUT_WARM)
    benchmark.pedantic(_run, args=(RINGTA_FIRST_UPDATE, warm_cache),
                       rounds=WARM_IMPORT_ROUNDS if enabled else 1, iterations=1)


def test_ringta_cold(benchmark, enabled, tmp_path_factory):
    if not enabled:
        pytest.skip("plain run: a cold compile takes tens of seconds; run with --benchmark-enable")

    def fresh_cache():
        return (RINGTA_FIRST_UPDATE, str(tmp_path_factory.mktemp("numba-cold"))), {}

    record(benchmark, group="compile", table="compile", impl="import ringta + first updates, cold cache",
           unit="run", per=1, about=ABOUT_COLD)
    benchmark.pedantic(_run, setup=fresh_cache, rounds=COLD_COMPILE_ROUNDS, iterations=1)
