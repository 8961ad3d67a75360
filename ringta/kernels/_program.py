"""Fused updates: many indicator instances of any kinds advanced in one compiled call.

A *program* is an int64 table with one row per indicator instance::

    [kind_id, offset, width, source, row]

``offset``/``width`` locate the instance's block in a flat float64 *arena*;
``source`` is the bar field a single-input indicator reads (0 open, 1 high,
2 low, 3 close, 4 volume); ``row`` is the row of ``bars`` holding that
instance's symbol in a cross-sectional call. Every branch calls the same row
update the streaming classes and the batch drivers use, so a fused update
gives exactly the values a class or a batch run gives.

This is what the session coordinator uses: one call per bar for all the
indicators of a symbol, or one call per timestamp for all symbols.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I2, f8, i8, jit, void
from .bollinger import SPEC as BB_SPEC, bbands_update
from .ema import SPEC as EMA_SPEC, ema_update
from .macd import SPEC as MACD_SPEC, _macd_advance
from .obv import SPEC as OBV_SPEC, obv_update
from .rsi import SPEC as RSI_SPEC, rsi_update
from .sma import SPEC as SMA_SPEC, sma_update
from .trange import SPEC as TRANGE_SPEC, trange_update
from .atr import SPEC as ATR_SPEC, atr_update
from .natr import SPEC as NATR_SPEC, natr_update
from .mom import SPEC as MOM_SPEC, mom_update
from .roc import SPEC as ROC_SPEC, roc_update
from .wma import SPEC as WMA_SPEC, wma_update
from .willr import SPEC as WILLR_SPEC, willr_update
from .max import SPEC as MAX_SPEC, max_update
from .min import SPEC as MIN_SPEC, min_update
from .var import SPEC as VAR_SPEC, var_update
from .stddev import SPEC as STDDEV_SPEC, stddev_update
from .ad import SPEC as AD_SPEC, ad_update
from .adosc import SPEC as ADOSC_SPEC, adosc_update
from .cmo import SPEC as CMO_SPEC, cmo_update
from .aroon import SPEC as AROON_SPEC, aroon_update
from .aroonosc import SPEC as AROONOSC_SPEC, aroonosc_update
from .dema import SPEC as DEMA_SPEC, dema_update
from .tema import SPEC as TEMA_SPEC, tema_update
from .trima import SPEC as TRIMA_SPEC, trima_update
from .apo import SPEC as APO_SPEC, apo_update
from .ppo import SPEC as PPO_SPEC, ppo_update
from .stochf import SPEC as STOCHF_SPEC, stochf_update
from .keltner import SPEC as KELTNER_SPEC, keltner_update
from .donchian import SPEC as DONCHIAN_SPEC, donchian_update
from .mfi import SPEC as MFI_SPEC, mfi_update
from .adx import SPEC as ADX_SPEC, adx_update
from .minus_di import SPEC as MINUS_DI_SPEC, minus_di_update
from .plus_di import SPEC as PLUS_DI_SPEC, plus_di_update
from .ultosc import SPEC as ULTOSC_SPEC, ultosc_update
from .cci import SPEC as CCI_SPEC, cci_update
from .rma import SPEC as RMA_SPEC, rma_update
from .kama import SPEC as KAMA_SPEC, kama_update
from .stochrsi import SPEC as STOCHRSI_SPEC, stochrsi_update
from .stoch import SPEC as STOCH_SPEC, stoch_update
from .rolling_vwap import SPEC as ROLLING_VWAP_SPEC, rolling_vwap_update
from .vwap import SPEC as VWAP_SPEC, vwap_update

P_KIND, P_OFFSET, P_WIDTH, P_SOURCE, P_ROW = range(5)
PROGRAM_COLUMNS = 5
SOURCES = ("open", "high", "low", "close", "volume")

K_SMA = SMA_SPEC.kind_id
K_EMA = EMA_SPEC.kind_id
K_RSI = RSI_SPEC.kind_id
K_MACD = MACD_SPEC.kind_id
K_BB = BB_SPEC.kind_id
K_OBV = OBV_SPEC.kind_id
K_TRANGE = TRANGE_SPEC.kind_id
K_ATR = ATR_SPEC.kind_id
K_NATR = NATR_SPEC.kind_id
K_MOM = MOM_SPEC.kind_id
K_ROC = ROC_SPEC.kind_id
K_WMA = WMA_SPEC.kind_id
K_WILLR = WILLR_SPEC.kind_id
K_MAX = MAX_SPEC.kind_id
K_MIN = MIN_SPEC.kind_id
K_VAR = VAR_SPEC.kind_id
K_STDDEV = STDDEV_SPEC.kind_id
K_AD = AD_SPEC.kind_id
K_ADOSC = ADOSC_SPEC.kind_id
K_CMO = CMO_SPEC.kind_id
K_AROON = AROON_SPEC.kind_id
K_AROONOSC = AROONOSC_SPEC.kind_id
K_DEMA = DEMA_SPEC.kind_id
K_TEMA = TEMA_SPEC.kind_id
K_TRIMA = TRIMA_SPEC.kind_id
K_APO = APO_SPEC.kind_id
K_PPO = PPO_SPEC.kind_id
K_STOCHF = STOCHF_SPEC.kind_id
K_KELTNER = KELTNER_SPEC.kind_id
K_DONCHIAN = DONCHIAN_SPEC.kind_id
K_MFI = MFI_SPEC.kind_id
K_ADX = ADX_SPEC.kind_id
K_MINUS_DI = MINUS_DI_SPEC.kind_id
K_PLUS_DI = PLUS_DI_SPEC.kind_id
K_ULTOSC = ULTOSC_SPEC.kind_id
K_CCI = CCI_SPEC.kind_id
K_RMA = RMA_SPEC.kind_id
K_KAMA = KAMA_SPEC.kind_id
K_STOCHRSI = STOCHRSI_SPEC.kind_id
K_STOCH = STOCH_SPEC.kind_id
K_ROLLING_VWAP = ROLLING_VWAP_SPEC.kind_id
K_VWAP = VWAP_SPEC.kind_id
DISPATCHED = frozenset({K_SMA, K_EMA, K_RSI, K_MACD, K_BB, K_OBV, K_TRANGE, K_ATR, K_NATR, K_MOM, K_ROC, K_WMA, K_WILLR, K_MAX, K_MIN, K_VAR, K_STDDEV, K_AD, K_ADOSC, K_CMO, K_AROON, K_AROONOSC, K_DEMA, K_TEMA, K_TRIMA, K_APO, K_PPO, K_STOCHF, K_KELTNER, K_DONCHIAN, K_VWAP, K_ROLLING_VWAP, K_STOCH, K_STOCHRSI, K_KAMA, K_RMA, K_CCI, K_ULTOSC, K_PLUS_DI, K_MINUS_DI, K_ADX, K_MFI})


@jit(void(i8, F1, i8, f8, f8, f8, f8, f8, f8), inline=True)
def dispatch_block(kind, blk, src, o, h, l, c, v, s):
    """Advance one block of indicator ``kind`` by a bar; ``src`` picks the single input's field.

    ``s`` identifies the bar's session, for session-anchored kernels (VWAP).
    """
    x = c
    if src == 0:
        x = o
    elif src == 1:
        x = h
    elif src == 2:
        x = l
    elif src == 4:
        x = v
    if kind == K_EMA:
        ema_update(blk, x)
    elif kind == K_SMA:
        sma_update(blk, x)
    elif kind == K_RSI:
        rsi_update(blk, x)
    elif kind == K_MACD:
        _macd_advance(blk, x)
    elif kind == K_BB:
        bbands_update(blk, x)
    elif kind == K_OBV:
        obv_update(blk, c, v)
    elif kind == K_TRANGE:
        trange_update(blk, h, l, c)
    elif kind == K_ATR:
        atr_update(blk, h, l, c)
    elif kind == K_NATR:
        natr_update(blk, h, l, c)
    elif kind == K_MOM:
        mom_update(blk, x)
    elif kind == K_ROC:
        roc_update(blk, x)
    elif kind == K_WMA:
        wma_update(blk, x)
    elif kind == K_WILLR:
        willr_update(blk, h, l, c)
    elif kind == K_MAX:
        max_update(blk, x)
    elif kind == K_MIN:
        min_update(blk, x)
    elif kind == K_VAR:
        var_update(blk, x)
    elif kind == K_STDDEV:
        stddev_update(blk, x)
    elif kind == K_AD:
        ad_update(blk, h, l, c, v)
    elif kind == K_ADOSC:
        adosc_update(blk, h, l, c, v)
    elif kind == K_CMO:
        cmo_update(blk, x)
    elif kind == K_AROON:
        aroon_update(blk, h, l)
    elif kind == K_AROONOSC:
        aroonosc_update(blk, h, l)
    elif kind == K_DEMA:
        dema_update(blk, x)
    elif kind == K_TEMA:
        tema_update(blk, x)
    elif kind == K_TRIMA:
        trima_update(blk, x)
    elif kind == K_APO:
        apo_update(blk, x)
    elif kind == K_PPO:
        ppo_update(blk, x)
    elif kind == K_STOCHF:
        stochf_update(blk, h, l, c)
    elif kind == K_KELTNER:
        keltner_update(blk, h, l, c)
    elif kind == K_DONCHIAN:
        donchian_update(blk, h, l)
    elif kind == K_VWAP:
        vwap_update(blk, h, l, c, v, s)
    elif kind == K_ROLLING_VWAP:
        rolling_vwap_update(blk, o, h, l, c, v)
    elif kind == K_STOCH:
        stoch_update(blk, h, l, c)
    elif kind == K_STOCHRSI:
        stochrsi_update(blk, x)
    elif kind == K_KAMA:
        kama_update(blk, x)
    elif kind == K_RMA:
        rma_update(blk, x)
    elif kind == K_CCI:
        cci_update(blk, h, l, c)
    elif kind == K_ULTOSC:
        ultosc_update(blk, h, l, c)
    elif kind == K_PLUS_DI:
        plus_di_update(blk, h, l, c)
    elif kind == K_MINUS_DI:
        minus_di_update(blk, h, l, c)
    elif kind == K_ADX:
        adx_update(blk, h, l, c)
    elif kind == K_MFI:
        mfi_update(blk, h, l, c, v)


@jit(void(F1, I2, f8, f8, f8, f8, f8, f8))
def step_bar_session(arena, prog, o, h, l, c, v, s):
    """:func:`step_bar` for a bar of session ``s`` (any number; session-anchored kernels restart when it changes)."""
    for j in range(prog.shape[0]):
        off = prog[j, P_OFFSET]
        dispatch_block(prog[j, P_KIND], arena[off : off + prog[j, P_WIDTH]], prog[j, P_SOURCE], o, h, l, c, v, s)


@jit(void(F1, I2, f8, f8, f8, f8, f8))
def step_bar(arena, prog, o, h, l, c, v):
    """Advance every instance of ``prog`` by one bar given as five floats (all in one session)."""
    step_bar_session(arena, prog, o, h, l, c, v, 0.0)


@jit(void(F1, I2, F2))
def step_bars(arena, prog, bars):
    """Advance every instance of ``prog`` by its symbol's bar, ``bars[prog[j, ROW]]``."""
    for j in range(prog.shape[0]):
        r = prog[j, P_ROW]
        off = prog[j, P_OFFSET]
        dispatch_block(prog[j, P_KIND], arena[off : off + prog[j, P_WIDTH]], prog[j, P_SOURCE],
                       bars[r, 0], bars[r, 1], bars[r, 2], bars[r, 3], bars[r, 4], 0.0)


@jit(i8(F1, I2, f8, f8, f8, f8, f8))
def step_bar_checked(arena, prog, o, h, l, c, v):
    """:func:`step_bar` after checking the bar; return -1, or the bad field's index untouched."""
    if not math.isfinite(o):
        return 0
    if not math.isfinite(h):
        return 1
    if not math.isfinite(l):
        return 2
    if not math.isfinite(c):
        return 3
    if not (math.isfinite(v) and v >= 0.0):
        return 4
    step_bar(arena, prog, o, h, l, c, v)
    return -1


def fresh_blocks(indicators: dict, kinds=None):
    """``(key, spec, fresh block, source index)`` for each ``key -> (name, params)``; ``ValueError`` naming a bad one.

    ``params`` may include ``source`` (``"close"`` by default); ``kinds``,
    if given, is the set of indicator names allowed.
    """
    from . import get_spec

    for key, (name, params) in indicators.items():
        params = dict(params)
        source = params.pop("source", "close")
        if source not in SOURCES:
            raise ValueError(f"{key}: source must be one of {list(SOURCES)}, got {source!r}")
        spec = get_spec(name)
        if kinds is not None and spec.name not in kinds:
            raise ValueError(f"{key}: {spec.name!r} cannot be used here; allowed: {sorted(kinds)}")
        yield key, spec, spec.make_block(**spec.validate(key, **params)), SOURCES.index(source)


class IndicatorSet:
    """Several indicators of one symbol, advanced together by one compiled call per bar.

    Parameters
    ----------
    indicators : dict
        ``key -> (name, params)``, e.g. ``{"ema20": ("ema", {"period": 20})}``.
        ``params`` may include ``source`` (``"close"`` by default).

    Examples
    --------
    >>> from ringta.kernels import IndicatorSet
    >>> s = IndicatorSet({"sma2": ("sma", {"period": 2}), "obv": ("obv", {})})
    >>> s.update(10.0, 10.0, 10.0, 10.0, 100.0)
    >>> s.update(11.0, 12.0, 11.0, 12.0, 50.0)
    >>> s.values()
    {'sma2': 11.0, 'obv': 150.0}
    """

    def __init__(self, indicators: dict):
        rows, blocks, self._keys = [], [], []
        offset = 0
        for key, spec, blk, source in fresh_blocks(indicators):
            rows.append((spec.kind_id, offset, blk.shape[0], source, 0))
            blocks.append(blk)
            self._keys.append((key, spec, offset))
            offset += blk.shape[0]
        self.program = np.array(rows, dtype=np.int64).reshape(-1, PROGRAM_COLUMNS)
        self.arena = np.concatenate(blocks) if blocks else np.zeros(0)

    def update(self, open: float, high: float, low: float, close: float, volume: float) -> None:
        """Advance every indicator by one bar; raise ``ValueError`` (state unchanged) on a bad field."""
        bad = step_bar_checked(self.arena, self.program, open, high, low, close, volume)
        if bad >= 0:
            vals = (open, high, low, close, volume)
            raise ValueError(f"IndicatorSet.update: {SOURCES[bad]}={vals[bad]!r} is invalid; state unchanged")

    def values(self) -> dict:
        """``key -> value`` (a float, or a named tuple for multi-output indicators)."""
        out = {}
        for key, spec, off in self._keys:
            o = off + spec.out_offset
            k = len(spec.outputs)
            if k == 1:
                out[key] = float(self.arena[o])
            else:
                out[key] = spec.result(*(float(v) for v in self.arena[o : o + k]))
        return out
