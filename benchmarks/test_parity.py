"""Every implementation in the registry computes what ringta computes.

A benchmark only means something if the implementations agree: each one is
compared with ringta's batch output on the same bars, after the seeding
difference recorded in its :class:`~benchmarks.cases.Parity` (a tail after
convergence, or an emulated convention). ringta's own streaming paths must
match its batch output bit for bit. Absent peers are skipped.
"""

from __future__ import annotations

import numpy as np
import pytest

from .cases import CASES, feed, bars
from .settings import HISTORY_BARS

PARITY_BARS = 3_000

PAIRS = [(c, impl) for c in CASES.values() for impl in c.impls if not (impl.is_ringta and impl.api == "batch")]


def _observed(impl, case, b):
    """The implementation's outputs over ``b``, NaN where it was not asked (stream history)."""
    p, spec = case.full_params, case.spec
    if impl.api == "batch":
        return impl.make(b, p, spec)(), 0
    handle = impl.make(b[:HISTORY_BARS], p, spec)
    rows = feed(handle, b[HISTORY_BARS:])
    head = np.full(HISTORY_BARS, np.nan)
    return tuple(np.concatenate([head, np.array(col)]) for col in zip(*rows)), HISTORY_BARS


@pytest.mark.parametrize("case,impl", PAIRS, ids=[f"{c.name}-{i.api}-{i.label}" for c, i in PAIRS])
def test_agrees_with_ringta(case, impl):
    reason = impl.unavailable()
    if reason:
        pytest.skip(reason)
    b = bars(PARITY_BARS)
    spec, par = case.spec, impl.parity
    ref = spec.batch(*(b.column(n) for n in spec.inputs), **case.full_params)
    ref = tuple(ref) if isinstance(ref, tuple) else (ref,)
    picked = par.outputs if par.outputs is not None else range(len(ref))
    want = tuple(ref[i] for i in picked)

    got, first = _observed(impl, case, b)
    if par.adjust is not None:
        got = par.adjust(got, b)
    assert len(got) == len(want), f"{impl.label} gives {len(got)} outputs, expected {len(want)}"

    start = max(first, par.start)
    atol = par.atol(b)
    for i, g, w in zip(picked, got, want):
        g, w = np.asarray(g, dtype=np.float64)[start:], w[start:]
        name = spec.outputs[i]
        if par.rtol == 0.0 and atol == 0.0:
            assert np.array_equal(g, w, equal_nan=True), f"{name}: not bit-for-bit equal ({impl.note})"
            continue
        assert np.array_equal(np.isnan(g), np.isnan(w)), f"{name}: NaN pattern differs from index {start}"
        ok = ~np.isnan(w)
        err = np.abs(g[ok] - w[ok])
        limit = par.rtol * np.abs(w[ok]) + atol
        worst = int(np.argmax(err - limit)) if err.size else 0
        assert np.all(err <= limit), (
            f"{name}: |diff| {err[worst]:.3g} > {limit[worst]:.3g} at index {start + worst} ({impl.note})"
        )
