"""MACD: moving average convergence/divergence.

Definition
    ``macd = ema_fast - ema_slow``; ``signal = ema(macd, signal_period)``;
    ``hist = macd - signal``. Every EMA uses ``alpha = 2 / (period + 1)``.
Seed and warm-up
    ``seed="sma"`` (default, TA-Lib): the slow EMA is seeded with the mean of
    the first ``slow_period`` inputs, and the fast EMA with the mean of the
    ``fast_period`` inputs ending at that same bar, so both start together at
    index ``slow_period - 1`` (TA-Lib's alignment; seeding each EMA on its own
    gives different early values). The signal EMA is seeded with the mean of
    the first ``signal_period`` MACD values. All three outputs start at index
    ``slow_period + signal_period - 2``.
    ``seed="first"``: every EMA starts from its first input; outputs are
    reported from the same index.
Inputs
    one series (close by default).
Outputs
    ``macd``, ``signal``, ``hist``, in price units.
Reference
    TA-Lib ``MACD``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._jit import F1, F2, I1, T3, b1, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, ring_sum_chrono, put_columns3
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .ema import SEEDS, _ema_step

MACD_FAST = H_SIZE
MACD_SLOW = H_SIZE + 1
MACD_SIGNAL = H_SIZE + 2
MACD_KF = H_SIZE + 3  # alpha and 1 - alpha of the fast, slow and signal EMAs
MACD_BF = H_SIZE + 4
MACD_KS = H_SIZE + 5
MACD_BS = H_SIZE + 6
MACD_KG = H_SIZE + 7
MACD_BG = H_SIZE + 8
MACD_SEED_FIRST = H_SIZE + 9
MACD_EF = H_SIZE + 10
MACD_ES = H_SIZE + 11
MACD_EG = H_SIZE + 12
MACD_SUM_SLOW = H_SIZE + 13
MACD_SUM_SIGNAL = H_SIZE + 14
MACD_POS = H_SIZE + 15
MACD_OUT = H_SIZE + 16  # macd, signal, hist
MACD_RING = H_SIZE + 19  # the last fast_period inputs, used only to seed the fast EMA

PARAMS = (
    Param("fast_period", int, 12, 1, MAX_PERIOD, doc="fast EMA period"),
    Param("slow_period", int, 26, 2, MAX_PERIOD, doc="slow EMA period, > fast_period"),
    Param("signal_period", int, 9, 1, MAX_PERIOD, doc="signal EMA period"),
    Param("seed", str, "sma", choices=SEEDS, doc="'sma' (TA-Lib) or 'first' (TradingView)"),
)


class MacdResult(NamedTuple):
    """MACD line, signal line and histogram (floats, or arrays from :func:`macd`).

    Examples
    --------
    >>> MacdResult(0.5, 0.25, 0.25).hist
    0.25
    """

    macd: float
    signal: float
    hist: float


def _check(p: dict, owner: str) -> None:
    if p["fast_period"] >= p["slow_period"]:
        raise ValueError(
            f"{owner}: fast_period must be smaller than slow_period, "
            f"got fast_period={p['fast_period']}, slow_period={p['slow_period']}"
        )


@jit(f8(F1, f8))
def _macd_advance_full(blk, x):
    """The whole update, warm-up and seeding included; return 1.0 once a MACD value exists."""
    n = blk[H_COUNT]
    slow = blk[MACD_SLOW]
    sig = blk[MACD_SIGNAL]
    if blk[MACD_SEED_FIRST] != 0.0:
        if n == 0.0:
            ef = x
            es = x
        else:
            ef = _ema_step(blk[MACD_KF], blk[MACD_BF], blk[MACD_EF], x)
            es = _ema_step(blk[MACD_KS], blk[MACD_BS], blk[MACD_ES], x)
        m = ef - es
        eg = m if n == 0.0 else _ema_step(blk[MACD_KG], blk[MACD_BG], blk[MACD_EG], m)
    else:
        if n < slow:
            fast = int(blk[MACD_FAST])
            pos = int(blk[MACD_POS])
            blk[MACD_RING + pos] = x
            pos += 1
            if pos == fast:
                pos = 0
            blk[MACD_POS] = pos
            s = blk[MACD_SUM_SLOW] + x
            blk[MACD_SUM_SLOW] = s
            if n < slow - 1.0:
                blk[H_COUNT] = n + 1.0
                return 0.0
            es = s / slow
            ef = ring_sum_chrono(blk, MACD_RING, fast, pos) / blk[MACD_FAST]
        else:
            ef = _ema_step(blk[MACD_KF], blk[MACD_BF], blk[MACD_EF], x)
            es = _ema_step(blk[MACD_KS], blk[MACD_BS], blk[MACD_ES], x)
        m = ef - es
        j = n - (slow - 1.0)
        eg = blk[MACD_EG]
        if j < sig:
            g = blk[MACD_SUM_SIGNAL] + m
            blk[MACD_SUM_SIGNAL] = g
            if j == sig - 1.0:
                eg = g / sig
        else:
            eg = _ema_step(blk[MACD_KG], blk[MACD_BG], eg, m)
    blk[MACD_EF] = ef
    blk[MACD_ES] = es
    blk[MACD_EG] = eg
    n += 1.0
    blk[H_COUNT] = n
    if n > blk[H_LOOKBACK]:
        blk[MACD_OUT] = m
        blk[MACD_OUT + 1] = eg
        blk[MACD_OUT + 2] = m - eg
    return 1.0


@jit(f8(F1, f8))
def _macd_steady(blk, x):
    """The update once every output exists: straight-line code with no loop, call or branch.

    Kept apart because the CPU runs a leaf function like this several times
    faster than the same arithmetic inside the warm-up logic.
    """
    ef = _ema_step(blk[MACD_KF], blk[MACD_BF], blk[MACD_EF], x)
    es = _ema_step(blk[MACD_KS], blk[MACD_BS], blk[MACD_ES], x)
    m = ef - es
    eg = _ema_step(blk[MACD_KG], blk[MACD_BG], blk[MACD_EG], m)
    blk[MACD_EF] = ef
    blk[MACD_ES] = es
    blk[MACD_EG] = eg
    blk[H_COUNT] = blk[H_COUNT] + 1.0
    blk[MACD_OUT] = m
    blk[MACD_OUT + 1] = eg
    blk[MACD_OUT + 2] = m - eg
    return 1.0


@jit(f8(F1, f8), inline=True)
def _macd_advance(blk, x):
    """Advance the state by one input; return 1.0 once a MACD value exists, else 0.0."""
    if blk[H_COUNT] > blk[H_LOOKBACK]:
        return _macd_steady(blk, x)
    return _macd_advance_full(blk, x)


@jit(T3(F1, f8))
def macd_update(blk, x):
    """Advance one MACD block by one input; return ``(macd, signal, hist)`` (NaN while warming up)."""
    _macd_advance(blk, x)
    return blk[MACD_OUT], blk[MACD_OUT + 1], blk[MACD_OUT + 2]


@jit(T3(F1, f8))
def macd_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return macd_update(blk, x)


_macd_update_fast = entry(macd_update_checked)


@jit(T3(F1, f8), nrt=True)
def macd_peek(blk, x):
    return macd_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def macd_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]``; write macd, signal, hist to ``out[i, 0:3]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        blk = state[rows[i]]
        if blk[H_COUNT] > blk[H_LOOKBACK]:
            _macd_steady(blk, x[i])
        else:
            _macd_advance_full(blk, x[i])
        out[i, 0] = blk[MACD_OUT]
        out[i, 1] = blk[MACD_OUT + 1]
        out[i, 2] = blk[MACD_OUT + 2]


@jit(b1(F2, i8, i8, F1, i8))
def macd_columns_ready(st, a, b, x, i0):
    """Whether columns ``a .. b-1`` of a column table all have every output already."""
    n = st[H_COUNT, a:b]
    lb = st[H_LOOKBACK, a:b]
    ok = True
    for k in range(b - a):
        ok &= n[k] > lb[k]
    return ok


@jit(void(F2, i8, i8, F1, F1, i8, F2))
def macd_columns_step(st, a, b, x, v, i0, out):
    """:func:`_macd_steady` for columns ``a .. b-1`` fed ``x[i0:]``: one loop across columns."""
    n = st[H_COUNT, a:b]
    kf = st[MACD_KF, a:b]
    bf = st[MACD_BF, a:b]
    ks = st[MACD_KS, a:b]
    bs = st[MACD_BS, a:b]
    kg = st[MACD_KG, a:b]
    bg = st[MACD_BG, a:b]
    ef = st[MACD_EF, a:b]
    es = st[MACD_ES, a:b]
    eg = st[MACD_EG, a:b]
    rm = st[MACD_OUT, a:b]
    rs = st[MACD_OUT + 1, a:b]
    rh = st[MACD_OUT + 2, a:b]
    xs = x[i0 : i0 + b - a]
    # Two loops of a few fields each: see bbands_columns_step.
    for k in range(b - a):
        f = _ema_step(kf[k], bf[k], ef[k], xs[k])
        s = _ema_step(ks[k], bs[k], es[k], xs[k])
        ef[k] = f
        es[k] = s
        rm[k] = f - s
    for k in range(b - a):
        g = _ema_step(kg[k], bg[k], eg[k], rm[k])
        eg[k] = g
        rs[k] = g
        rh[k] = rm[k] - g
        n[k] = n[k] + 1.0
    put_columns3(out, i0, rm, rs, rh)


@jit(i8(F1, F1, F1, F1, F1))
def macd_batch(blk, x, out_macd, out_signal, out_hist):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`_macd_advance` itself; the steady state runs
    the same EMA steps on locals.
    """
    m_len = x.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m_len and blk[H_COUNT] <= lb:
        xi = x[i]
        if not math.isfinite(xi):
            return i
        _macd_advance(blk, xi)
        out_macd[i] = blk[MACD_OUT]
        out_signal[i] = blk[MACD_OUT + 1]
        out_hist[i] = blk[MACD_OUT + 2]
        i += 1
    if i == m_len:
        return -1
    kf = blk[MACD_KF]
    ks = blk[MACD_KS]
    kg = blk[MACD_KG]
    bf = blk[MACD_BF]
    bs = blk[MACD_BS]
    bg = blk[MACD_BG]
    ef = blk[MACD_EF]
    es = blk[MACD_ES]
    eg = blk[MACD_EG]
    n = blk[H_COUNT]
    m = blk[MACD_OUT]
    bad = -1
    start = i
    for i in range(start, m_len):
        xi = x[i]
        if not math.isfinite(xi):
            bad = i
            break
        ef = _ema_step(kf, bf, ef, xi)
        es = _ema_step(ks, bs, es, xi)
        m = ef - es
        eg = _ema_step(kg, bg, eg, m)
        out_macd[i] = m
        out_signal[i] = eg
        out_hist[i] = m - eg
        n += 1.0
    blk[MACD_EF] = ef
    blk[MACD_ES] = es
    blk[MACD_EG] = eg
    blk[H_COUNT] = n
    blk[MACD_OUT] = m
    blk[MACD_OUT + 1] = eg
    blk[MACD_OUT + 2] = m - eg
    return bad


def macd_lookback(fast_period: int = 12, slow_period: int = 26, signal_period: int = 9, seed: str = "sma") -> int:
    return slow_period + signal_period - 2


def make_block(fast_period: int = 12, slow_period: int = 26, signal_period: int = 9, seed: str = "sma") -> np.ndarray:
    blk = np.zeros(MACD_RING + fast_period)
    blk[H_LOOKBACK] = macd_lookback(fast_period, slow_period, signal_period)
    blk[MACD_FAST] = fast_period
    blk[MACD_SLOW] = slow_period
    blk[MACD_SIGNAL] = signal_period
    blk[MACD_KF] = 2.0 / (fast_period + 1.0)
    blk[MACD_KS] = 2.0 / (slow_period + 1.0)
    blk[MACD_KG] = 2.0 / (signal_period + 1.0)
    blk[MACD_BF] = 1.0 - blk[MACD_KF]
    blk[MACD_BS] = 1.0 - blk[MACD_KS]
    blk[MACD_BG] = 1.0 - blk[MACD_KG]
    blk[MACD_SEED_FIRST] = 1.0 if seed == "first" else 0.0
    blk[MACD_OUT : MACD_OUT + 3] = np.nan
    return blk


def macd(close, fast_period: int = 12, slow_period: int = 26, signal_period: int = 9, seed: str = "sma") -> MacdResult:
    """MACD line, signal line and histogram of ``close``.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    fast_period : int, default 12
        Fast EMA period in [1, 100000], smaller than ``slow_period``.
    slow_period : int, default 26
        Slow EMA period in [2, 100000].
    signal_period : int, default 9
        Signal EMA period in [1, 100000].
    seed : {"sma", "first"}, default "sma"
        EMA seeding, as in :func:`ringta.ema`.

    Returns
    -------
    MacdResult
        Named tuple ``(macd, signal, hist)`` of arrays as long as ``close``;
        NaN before index ``slow_period + signal_period - 2``.

    Examples
    --------
    >>> import numpy as np, ringta
    >>> res = ringta.macd(np.arange(1.0, 41.0))
    >>> int(np.isnan(res.macd).sum()), round(float(res.macd[-1]), 6)
    (33, 7.0)
    """
    prm = {"fast_period": fast_period, "slow_period": slow_period, "signal_period": signal_period, "seed": seed}
    return MacdResult(*batch_call(SPEC, "macd", prm, {"close": close}))


_new = tuple.__new__


class MACD(StreamingIndicator):
    """Streaming MACD (see :func:`ringta.macd`); ``update`` returns a :class:`MacdResult`.

    Examples
    --------
    >>> import ringta
    >>> m = ringta.MACD(2, 3, 2)
    >>> [round(m.update(v).macd, 6) for v in (1.0, 2.0, 3.0, 4.0)][3:]
    [0.5]
    """

    __slots__ = ()

    def __init__(self, fast_period: int = 12, slow_period: int = 26, signal_period: int = 9, seed: str = "sma"):
        self._setup(SPEC.validate("MACD", fast_period=fast_period, slow_period=slow_period,
                                  signal_period=signal_period, seed=seed))

    def update(self, close: float) -> MacdResult:
        """Consume one input; return ``(macd, signal, hist)`` (NaN while not ready)."""
        try:
            if type(close) is float:
                return _new(MacdResult, _macd_update_fast(self._blk, close))
            return _new(MacdResult, macd_update_checked(self._blk, close))  # converts numbers, refuses the rest
        except (ValueError, TypeError):
            raise ValueError(f"MACD.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="macd",
    title="Moving Average Convergence/Divergence",
    kind_id=4,
    type="trend",
    inputs=("close",),
    outputs=("macd", "signal", "hist"),
    params=PARAMS,
    make_block=make_block,
    lookback=macd_lookback,
    out_offset=MACD_OUT,
    batch=macd,
    stream=MACD,
    update_rows=macd_update_rows,
    batch_driver=macd_batch,
    peek_fn=macd_peek,
    result=MacdResult,
    check=_check,
    key_params=("fast_period", "slow_period", "signal_period"),
)
MACD.spec = SPEC
