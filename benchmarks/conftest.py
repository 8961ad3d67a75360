"""Benchmark-suite hooks: quick-mode limits and the run's metadata in the JSON.

``report.py`` reads only the JSON, so everything its header shows (versions,
CPU, the command) is recorded here, when the numbers are taken.
"""

from __future__ import annotations

import os
import platform
import shlex
from importlib.metadata import PackageNotFoundError, version

import pytest

from .cases import CASES, peer_versions
from .settings import ENV_COMMAND, QUICK, QUICK_MARKER, benchmarks_enabled, portable_arg


_LOAD_AT_START: list[float] = []


def pytest_sessionstart(session):
    # Other work on the machine inflates every figure: the report shows the load.
    _LOAD_AT_START[:] = os.getloadavg()


@pytest.fixture
def enabled(request) -> bool:
    """False in a plain ``pytest`` run, where each benchmark body runs once as a smoke test."""
    return benchmarks_enabled(request.config)


def pytest_collection_modifyitems(config, items):
    if not QUICK:
        return
    for item in items:
        if "benchmark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.benchmark(**QUICK_MARKER))


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _command(config) -> str:
    recorded = os.environ.get(ENV_COMMAND)
    if recorded:
        return recorded
    args = " ".join(shlex.quote(portable_arg(a)) for a in config.invocation_params.args)
    prefix = "RINGTA_BENCH_QUICK=1 " if QUICK else ""
    return f"{prefix}pytest {args}".strip()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _untimed() -> list[dict]:
    """Implementations the registry checks for parity but does not time (or not at every size)."""
    rows = []
    for c in CASES.values():
        for i in c.impls:
            table = "batch" if i.api == "batch" else "single"
            if i.untimed:
                rows.append({"table": table, "case": c.name, "impl": i.label, "reason": i.untimed})
            elif i.max_bars is not None:
                rows.append({"table": table, "case": c.name, "impl": i.label,
                             "reason": f"not timed above {i.max_bars:,} bars (seconds per call)"})
    return rows


def pytest_benchmark_update_json(config, benchmarks, output_json):
    output_json["ringta_bench"] = {
        "command": _command(config),
        "mode": "quick" if QUICK else "full",
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "versions": {d: _version(d) for d in ("ringta", "numba", "numpy", "pytest-benchmark")},
        "peers": peer_versions(),
        "enabled": benchmarks_enabled(config),
        "platform": f"{platform.system()} {platform.machine()}",
        "untimed": _untimed(),
        "load_average": {"start": [round(x, 2) for x in _LOAD_AT_START],
                         "end": [round(x, 2) for x in os.getloadavg()]},
    }
