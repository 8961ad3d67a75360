"""Wilder's smoothing step, shared by RMA, ATR, NATR and Keltner's ATR bands.

The smoothing is ``v[t] = v[t-1] * beta + a[t]`` with ``a[t] = x[t] * alpha``,
``beta = (period - 1) / period`` rounded once, ``beta2 = beta * beta`` rounded
once and ``alpha = (1 - beta2) / (1 + beta)`` rounded once from the exact
quotient (``1 - beta`` but for roundings, see below). Each value is computed
from the value two bars back::

    v[t] = fma(v[t-2], beta2, fma(a[t-1], beta, a[t]))

(the same smoothing, expanded once), except the first value after the seed,
which has no value two bars back and takes one step,
``v[t] = fma(v[t-1], beta, a[t])``.

Why: the recursion is what limits a batch run over one series. TA-Lib's
``(prev * (period - 1) + x) / period`` puts a division on it; one fused
multiply-add per bar costs about 4 cycles here; with values taken two bars
back the even and the odd bars form two independent chains of one fused
multiply-add each, 2 cycles per bar, while the inner ``fma`` depends on the
inputs only. Streaming computes every value with the same operations, so
batch and streaming agree bit for bit.

Accuracy: with this ``alpha`` a constant input is a fixed point of the
two-bars-back step up to one rounding, so there is no level bias; the
rounding of ``beta2`` changes the speed of the smoothing by a relative
``period * 5.6e-17`` at most, which moves the values by that fraction of
their recent deviation from the average. Every kernel that smooths
Wilder's way uses these steps, so ``rma(trange[1:])`` stays equal to
``atr`` bit for bit.

Batch drivers check inputs once per chunk: a non-finite term makes every
later value of its chain non-finite (``fma`` of NaN or infinity by
``beta2 >= 0`` stays NaN or infinite), so when a chunk's last two values
are finite so were its terms (a chunk that ends non-finite is rescanned).
"""

from __future__ import annotations

from fractions import Fraction

from ._fma import fma
from ._jit import f8, jit


@jit(f8(f8, f8, f8))
def wilder_one(beta, prev, a):
    """The first step after the seed: ``fma(prev, beta, a)``."""
    return fma(prev, beta, a)


@jit(f8(f8, f8, f8, f8, f8))
def wilder_two(beta, beta2, prev2, a_prev, a):
    """Every later step, from the value two bars back: ``fma(prev2, beta2, fma(a_prev, beta, a))``."""
    return fma(prev2, beta2, fma(a_prev, beta, a))


def wilder_coefficients(period: int) -> tuple[float, float, float]:
    """``(alpha, beta, beta2)`` of the steps; see the module docstring."""
    beta = (period - 1.0) / period
    beta2 = beta * beta
    # (1 - beta2) / (1 + beta), which is 1 - beta in exact arithmetic, here
    # rounded once from the rounded beta2: a constant input is then a fixed
    # point of the two-bars-back step up to that one rounding, where
    # alpha = 1 - beta would leave beta2's rounding, up to period * 5.6e-17
    # relative, as a bias of the level.
    alpha = two_step_alpha(beta, beta2)
    return alpha, beta, beta2


def two_step_alpha(beta: float, beta2: float) -> float:
    """``(1 - beta2) / (1 + beta)`` computed exactly, rounded once."""
    return float((1 - Fraction(beta2)) / (1 + Fraction(beta)))
