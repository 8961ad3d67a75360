"""Wilder's directional movement: the state and step shared by ADX, PLUS_DI and MINUS_DI.

Definition
    For each bar after the first, with ``up = high - prev_high`` and
    ``down = prev_low - low``:

    * ``-DM1 = down`` when ``down > 0`` and ``up < down``;
    * ``+DM1 = up`` when ``up > 0`` and ``up > down``;
    * both 0 otherwise (an inside bar, or equal moves);
    * ``TR1`` the true range (:mod:`ringta.kernels.trange`).

    ``+DM``, ``-DM`` and ``TR`` are Wilder *sums*: the plain sums of the
    one-bar values of bars ``1 .. period - 1``, then
    ``s = s - s / period + x`` per bar, in TA-Lib's order of operations
    (so the smoothed values equal TA-Lib's bit for bit).
    ``+DI = 100 * (+DM / TR)`` and ``-DI = 100 * (-DM / TR)``, 0 when
    ``TR`` is 0; ``DX = 100 * (|-DI - +DI| / (-DI + +DI))``, undefined when
    ``TR`` is 0 or ``-DI + +DI`` is within 1e-14 of 0 (TA-Lib's rules; the
    DIs are dimensionless, so that band does not depend on the price scale).

Every kernel of the family keeps the fields below right after the block
header, in the same places, and advances them with :func:`dmi_advance`
(row updates) or :func:`dmi_step` (batch steady state): the same
floating-point operations either way.
"""

from __future__ import annotations

import numba as nb

from ._jit import F1, T3, b1, f8, jit
from ._ring import H_COUNT, H_SIZE
from .trange import _trange_step

T2 = nb.types.UniTuple(nb.float64, 2)

DMI_PERIOD = H_SIZE  # period, as a float
DMI_HIGH = H_SIZE + 1  # previous bar's high
DMI_LOW = H_SIZE + 2  # previous bar's low
DMI_CLOSE = H_SIZE + 3  # previous bar's close
DMI_PDM = H_SIZE + 4  # +DM: sum during warm-up, then Wilder's smoothed sum
DMI_MDM = H_SIZE + 5  # -DM
DMI_TR = H_SIZE + 6  # TR
DMI_END = H_SIZE + 7  # first field after the shared part

DX_UNDEFINED = -1.0  # returned by _dx when DX is undefined (a DX is never negative)
DI_SUM_EPS = 1e-14  # TA-Lib's band on -DI + +DI (TA_EPSILON)


@jit(T2(f8, f8, f8, f8))
def _dm1(prev_high, prev_low, high, low):
    """``(+DM1, -DM1)`` of one bar, TA-Lib's tests in TA-Lib's order."""
    diff_p = high - prev_high
    diff_m = prev_low - low
    # The two tests exclude each other; selects rather than branches (a move's direction is a coin flip).
    plus = diff_p if (diff_p > 0.0) & (diff_p > diff_m) else 0.0
    minus = diff_m if (diff_m > 0.0) & (diff_p < diff_m) else 0.0
    return plus, minus


@jit(f8(f8, f8, f8))
def _wilder_sum(period, prev, x):
    """Wilder's smoothed sum as TA-Lib writes it: ``prev - prev / period + x``.

    TA-Lib adds ``x`` only when it is non-zero; adding 0.0 to the
    non-negative ``prev - prev / period`` is exact, so this is the same value.
    """
    return prev - prev / period + x


@jit(T3(f8, f8, f8, f8, f8, f8, f8, f8, f8))
def dmi_step(period, prev_high, prev_low, prev_close, pdm, mdm, tr, high, low):
    """One steady-state bar: the new ``(+DM, -DM, TR)`` smoothed sums."""
    p1, m1 = _dm1(prev_high, prev_low, high, low)
    tr1 = _trange_step(high, low, prev_close)
    return _wilder_sum(period, pdm, p1), _wilder_sum(period, mdm, m1), _wilder_sum(period, tr, tr1)


@jit(f8(f8, f8))
def _di(dm, tr):
    """``100 * (dm / tr)``, 0 when the true-range sum is 0 (TA-Lib's test is exact)."""
    if tr > 0.0:
        return 100.0 * (dm / tr)
    return 0.0


@jit(f8(f8, f8, f8))
def _dx(pdm, mdm, tr):
    """``DX`` from the smoothed sums, or :data:`DX_UNDEFINED` where TA-Lib skips it."""
    if not tr > 0.0:
        return DX_UNDEFINED
    minus_di = 100.0 * (mdm / tr)
    plus_di = 100.0 * (pdm / tr)
    total = minus_di + plus_di
    if -DI_SUM_EPS < total < DI_SUM_EPS:
        return DX_UNDEFINED
    return 100.0 * (abs(minus_di - plus_di) / total)


@jit(b1(F1, f8, f8, f8))
def dmi_advance(blk, high, low, close):
    """Advance the shared fields by one bar; True once ``+DM``/``-DM``/``TR`` are smoothed.

    Reads the count from the header but does not increment it (the calling
    kernel does, after its own fields). Bar 0 only stores its prices; bars
    ``1 .. period - 1`` add to the seed sums; from bar ``period`` on each bar
    takes one Wilder step and the function returns True.
    """
    n = blk[H_COUNT]
    p = blk[DMI_PERIOD]
    ready = False
    if n >= p:
        pdm, mdm, tr = dmi_step(p, blk[DMI_HIGH], blk[DMI_LOW], blk[DMI_CLOSE],
                                blk[DMI_PDM], blk[DMI_MDM], blk[DMI_TR], high, low)
        blk[DMI_PDM] = pdm
        blk[DMI_MDM] = mdm
        blk[DMI_TR] = tr
        ready = True
    elif n > 0.0:
        p1, m1 = _dm1(blk[DMI_HIGH], blk[DMI_LOW], high, low)
        blk[DMI_PDM] += p1
        blk[DMI_MDM] += m1
        blk[DMI_TR] += _trange_step(high, low, blk[DMI_CLOSE])
    blk[DMI_HIGH] = high
    blk[DMI_LOW] = low
    blk[DMI_CLOSE] = close
    return ready


def init_dmi(blk, period: int) -> None:
    """Set the shared fields of a fresh block (sums 0, no previous bar)."""
    blk[DMI_PERIOD] = period
