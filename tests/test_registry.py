"""Every registry entry is exported, has a twin, a TA-Lib check (or a stated reason) and a catalogue row."""

from __future__ import annotations

import re

import numpy as np
import pytest

import ringta
from conftest import REPO_ROOT
from reference import REFERENCES
from ringta.kernels import BY_KIND, REGISTRY, get_spec
from test_talib import NO_TALIB_EQUIVALENT, TALIB_EQUIVALENT

CATALOGUE = REPO_ROOT / "docs" / "indicators.md"
NAMES = [pytest.param(name, id=name) for name in REGISTRY]


@pytest.mark.parametrize("name", NAMES)
def test_batch_function_exported(name):
    spec = REGISTRY[name]
    assert spec.name == name
    assert callable(spec.batch)
    assert getattr(ringta, name) is spec.batch
    assert name in ringta.__all__


@pytest.mark.parametrize("name", NAMES)
def test_streaming_class_exported(name):
    spec = REGISTRY[name]
    cls = spec.stream
    assert isinstance(cls, type)
    assert getattr(ringta, cls.__name__) is cls
    assert cls.__name__ in ringta.__all__
    assert cls.spec is spec
    if spec.result is not None:
        assert getattr(ringta, spec.result.__name__) is spec.result
        assert spec.result._fields == spec.outputs


@pytest.mark.parametrize("name", NAMES)
def test_has_twin(name):
    assert name in REFERENCES, f"add a naive twin of {name!r} to tests/reference.py"


@pytest.mark.parametrize("name", NAMES)
def test_has_talib_comparison_or_reason(name):
    assert (name in TALIB_EQUIVALENT) != (name in NO_TALIB_EQUIVALENT), (
        f"{name!r} must be in exactly one of TALIB_EQUIVALENT and NO_TALIB_EQUIVALENT (test_talib.py)"
    )
    if name in NO_TALIB_EQUIVALENT:
        assert NO_TALIB_EQUIVALENT[name].strip(), f"give a reason why {name!r} has no TA-Lib equivalent"


def test_no_stale_test_tables():
    """The test tables name only registered indicators."""
    assert set(REFERENCES) <= set(REGISTRY)
    assert set(TALIB_EQUIVALENT) <= set(REGISTRY)
    assert set(NO_TALIB_EQUIVALENT) <= set(REGISTRY)


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_consistent(name):
    """Kind ids are unique, outputs and inputs are declared, defaults validate, lookback is an int."""
    spec = REGISTRY[name]
    assert BY_KIND[spec.kind_id] is spec
    assert get_spec(name.upper()) is spec
    assert spec.inputs and spec.outputs
    assert spec.type in {"trend", "momentum", "volatility", "volume"}
    defaults = spec.validate()
    assert defaults == {p.name: p.default for p in spec.params}
    lb = spec.lookback(**defaults)
    assert isinstance(lb, int) and lb >= 0
    assert spec.stream().params == defaults
    # The declared default parameters are the batch function's defaults.
    bars = {f: np.linspace(1.0, 2.0, lb + 5) for f in ("open", "high", "low", "close", "volume", "session")}
    a = spec.batch(*(bars[i] for i in spec.inputs))
    b = spec.batch(*(bars[i] for i in spec.inputs), **defaults)
    for x, y in zip(np.atleast_2d(a), np.atleast_2d(b)):
        np.testing.assert_array_equal(x, y)


def _catalogue_names() -> set[str]:
    if not CATALOGUE.is_file():
        pytest.fail(f"{CATALOGUE.relative_to(REPO_ROOT)} does not exist; every indicator needs a catalogue row")
    rows = set()
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*\|\s*`([^`]+)`\s*\|", line)
        if m:
            rows.add(m.group(1))
    return rows


@pytest.mark.parametrize("name", NAMES)
def test_catalogue_row(name):
    """docs/indicators.md has a table row whose first cell is the name in backticks."""
    assert name in _catalogue_names(), f"docs/indicators.md has no row starting with | `{name}` |"
