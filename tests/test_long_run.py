"""Long runs: ten years of one-minute bars through every kernel, and a 5,000-symbol trading day."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import talib

import ringta
from conftest import REPO_ROOT
from reference import population_std, window_mean
from ringta.coordinator import SessionConfig, SessionCoordinator
from ringta.data import generate_minute_bars
from ringta.kernels import REGISTRY

sys.path.insert(0, str(Path(__file__).parent))
from helpers.state import assert_same_values  # noqa: E402

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"
DAYS = 2520                       # ten years of trading days
LEVELS = (0.0001, 1.0, 100_000.0)
PREFIX = 3_000                    # update == extend is checked bit for bit on this prefix
CHUNK = 250_000
RTOL = 1e-11
TAIL = 2_000                      # the last outputs compared to the reference

CLASSES = {"sma": ringta.SMA, "ema": ringta.EMA, "rsi": ringta.RSI, "macd": ringta.MACD,
           "bbands": ringta.BollingerBands, "obv": ringta.OBV,
           "trange": ringta.TRANGE, "atr": ringta.ATR, "natr": ringta.NATR,
           "mom": ringta.MOM, "roc": ringta.ROC, "wma": ringta.WMA,
           "willr": ringta.WILLR, "max": ringta.MAX, "min": ringta.MIN,
           "var": ringta.VAR, "stddev": ringta.STDDEV, "ad": ringta.AD, "adosc": ringta.ADOSC,
           "cmo": ringta.CMO, "aroon": ringta.AROON, "aroonosc": ringta.AROONOSC,
           "dema": ringta.DEMA, "tema": ringta.TEMA, "trima": ringta.TRIMA,
           "apo": ringta.APO, "ppo": ringta.PPO, "stochf": ringta.STOCHF,
           "keltner": ringta.KeltnerChannels, "donchian": ringta.DonchianChannels, "vwap": ringta.VWAP,
           "rolling_vwap": ringta.RollingVWAP, "stoch": ringta.STOCH, "stochrsi": ringta.STOCHRSI,
           "kama": ringta.KAMA, "rma": ringta.RMA, "cci": ringta.CCI, "ultosc": ringta.ULTOSC,
           "mfi": ringta.MFI, "adx": ringta.ADX, "plus_di": ringta.PLUS_DI, "minus_di": ringta.MINUS_DI}

# Kernels on high/low/close whose reference is TA-Lib: name -> (bars -> the TA-Lib outputs).
HLC_TALIB = {
    "trange": lambda b, p: [talib.TRANGE(b["high"], b["low"], b["close"])],
    "atr": lambda b, p: [talib.ATR(b["high"], b["low"], b["close"], timeperiod=p["period"])],
    "natr": lambda b, p: [talib.NATR(b["high"], b["low"], b["close"], timeperiod=p["period"])],
    "aroon": lambda b, p: list(talib.AROON(b["high"], b["low"], timeperiod=p["period"])),
    "aroonosc": lambda b, p: [talib.AROONOSC(b["high"], b["low"], timeperiod=p["period"])],
    "ad": lambda b, p: [talib.AD(b["high"], b["low"], b["close"], b["volume"])],
    "adosc": lambda b, p: [talib.ADOSC(b["high"], b["low"], b["close"], b["volume"],
                                       fastperiod=p["fast_period"], slowperiod=p["slow_period"])],
    "cci": lambda b, p: [talib.CCI(b["high"], b["low"], b["close"], timeperiod=p["period"])],
    "ultosc": lambda b, p: [talib.ULTOSC(b["high"], b["low"], b["close"], timeperiod1=p["period1"],
                                         timeperiod2=p["period2"], timeperiod3=p["period3"])],
    "adx": lambda b, p: [talib.ADX(b["high"], b["low"], b["close"], timeperiod=p["period"])],
    "plus_di": lambda b, p: [talib.PLUS_DI(b["high"], b["low"], b["close"], timeperiod=p["period"])],
    "minus_di": lambda b, p: [talib.MINUS_DI(b["high"], b["low"], b["close"], timeperiod=p["period"])],
    "donchian": lambda b, p: [talib.MAX(b["high"], timeperiod=p["period"]),
                              talib.MIDPRICE(b["high"], b["low"], timeperiod=p["period"]),
                              talib.MIN(b["low"], timeperiod=p["period"])],
    "stochrsi": lambda b, p: list(talib.STOCHRSI(b["close"], timeperiod=p["period"], fastk_period=p["fastk_period"],
                                                 fastd_period=p["fastd_period"], fastd_matype=0)),
}


@pytest.fixture(scope="module")
def ten_years():
    b = generate_minute_bars(days=DAYS, seed=2520, price=1.0)
    assert b.n == DAYS * 390 == 982_800
    return (np.ascontiguousarray(b.close), np.ascontiguousarray(b.volume),
            np.ascontiguousarray(b.high), np.ascontiguousarray(b.low))


def test_every_kernel_is_covered():
    assert set(CLASSES) == set(REGISTRY), "a kernel was added: extend CLASSES and the references"


def _reference(name: str, close: np.ndarray, volume: np.ndarray, params: dict,
               bars: dict | None = None) -> list[np.ndarray]:
    """The last TAIL values of each output, recomputed exactly (windows) or by TA-Lib (recursions)."""
    n = close.size
    if name in HLC_TALIB:
        return [w[-TAIL:] for w in HLC_TALIB[name](bars, params)]
    idx = range(n - TAIL, n)
    if name == "sma":
        p = params["period"]
        return [np.array([window_mean(close[i - p + 1 : i + 1]) for i in idx])]
    if name == "mom":
        p = params["period"]
        return [np.array([close[i] - close[i - p] for i in idx])]
    if name == "roc":
        p = params["period"]
        return [np.array([0.0 if close[i - p] == 0.0 else (close[i] / close[i - p] - 1.0) * 100.0 for i in idx])]
    if name == "wma":
        p = params["period"]
        return [np.array([math.fsum((j + 1) * close[i - p + 1 + j] for j in range(p)) / (p * (p + 1) // 2)
                          for i in idx])]
    if name in ("var", "stddev"):
        p = params["period"]
        sd = np.array([population_std(close[i - p + 1 : i + 1]) for i in idx])
        return [sd * sd if name == "var" else sd * params["nbdev"]]
    if name in ("max", "min"):
        p = params["period"]
        f = np.max if name == "max" else np.min
        return [np.array([f(close[i - p + 1 : i + 1]) for i in idx])]
    if name == "willr":
        p, hi, lo = params["period"], bars["high"], bars["low"]
        out = []
        for i in idx:
            hh, ll = hi[i - p + 1 : i + 1].max(), lo[i - p + 1 : i + 1].min()
            diff = (hh - ll) / -100.0
            out.append(0.0 if diff == 0.0 else (hh - close[i]) / diff)
        return [np.array(out)]
    if name == "bbands":
        p, k = params["period"], params["num_std"]
        mid = np.array([window_mean(close[i - p + 1 : i + 1]) for i in idx])
        sd = np.array([population_std(close[i - p + 1 : i + 1]) for i in idx])
        return [mid + k * sd, mid, mid - k * sd]
    if name == "obv":
        signed = np.where(np.diff(close) > 0, volume[1:], np.where(np.diff(close) < 0, -volume[1:], 0.0))
        head = math.fsum([volume[0], *signed[: n - TAIL - 1]])
        out, acc = [], head
        for i in idx:
            acc = math.fsum([acc, signed[i - 1]])
            out.append(acc)
        return [np.array(out)]
    if name == "ema":
        return [talib.EMA(close, timeperiod=params["period"])[-TAIL:]]
    if name == "stochf":
        kp, dp = params["fastk_period"], params["fastd_period"]
        hi, lo = bars["high"], bars["low"]
        ks = {}
        for i in range(n - TAIL - dp + 1, n):
            hh, ll = hi[i - kp + 1 : i + 1].max(), lo[i - kp + 1 : i + 1].min()
            ks[i] = 0.0 if hh == ll else (close[i] - ll) / (hh - ll) * 100.0
        return [np.array([ks[i] for i in idx]), np.array([window_mean([ks[j] for j in range(i - dp + 1, i + 1)]) for i in idx])]
    if name in ("apo", "ppo"):
        fp, sp = params["fast_period"], params["slow_period"]
        fast = np.array([window_mean(close[i - fp + 1 : i + 1]) for i in idx])
        slow = np.array([window_mean(close[i - sp + 1 : i + 1]) for i in idx])
        return [fast - slow if name == "apo" else (fast - slow) / slow * 100.0]
    if name == "trima":
        p = params["period"]
        n1, n2 = ((p + 1) // 2, (p + 1) // 2) if p % 2 else (p // 2, p // 2 + 1)
        wts = np.convolve(np.ones(n1), np.ones(n2))  # integer triangular weights
        return [np.array([math.fsum(wts * close[i - p + 1 : i + 1]) / (n1 * n2) for i in idx])]
    if name in ("dema", "tema"):
        return [getattr(talib, name.upper())(close, timeperiod=params["period"])[-TAIL:]]
    if name == "cmo":
        return [talib.CMO(close, timeperiod=params["period"])[-TAIL:]]
    if name == "rsi":
        return [talib.RSI(close, timeperiod=params["period"])[-TAIL:]]
    if name == "macd":
        m, s, h = talib.MACD(close, fastperiod=params["fast_period"], slowperiod=params["slow_period"],
                             signalperiod=params["signal_period"])
        return [m[-TAIL:], s[-TAIL:], h[-TAIL:]]
    if name == "stoch":
        kp, sp, dp = params["fastk_period"], params["slowk_period"], params["slowd_period"]
        hi, lo = bars["high"], bars["low"]
        ks = {}
        for i in range(n - TAIL - dp - sp + 2, n):
            hh, ll = hi[i - kp + 1 : i + 1].max(), lo[i - kp + 1 : i + 1].min()
            ks[i] = 0.0 if hh - ll <= 2e-14 * max(abs(hh), abs(ll)) else (close[i] - ll) / (hh - ll) * 100.0
        sk = {i: window_mean([ks[j] for j in range(i - sp + 1, i + 1)]) for i in range(n - TAIL - dp + 1, n)}
        return [np.array([sk[i] for i in idx]), np.array([window_mean([sk[j] for j in range(i - dp + 1, i + 1)]) for i in idx])]
    if name == "kama":
        # Exact path sums (fsum) over the tail, the recursion started 20,000 bars earlier from
        # the close: a start error decays by (1 - sc) <= 1 - (2/31)**2 per bar, so it is gone
        # (below 1e-36) by the tail. Independent of TA-Lib, whose running sum drifts.
        p, x = params["period"], close.tolist()
        start = n - TAIL - 20_000
        prev = x[start - 1]
        out = []
        for i in range(start, n):
            vol = math.fsum(abs(x[k] - x[k - 1]) for k in range(i - p + 1, i + 1))
            er = 1.0 if vol == 0.0 else abs(x[i] - x[i - p]) / vol
            sc = (er * (2.0 / 3.0 - 2.0 / 31.0) + 2.0 / 31.0) ** 2
            prev = prev + sc * (x[i] - prev)
            out.append(prev)
        return [np.array(out[-TAIL:])]
    if name == "mfi":
        p, hi, lo = params["period"], bars["high"], bars["low"]
        tp = (hi + lo + close) / 3.0
        d = np.diff(tp)
        moved = np.abs(d) > 1e-14 * (np.abs(tp[1:]) + np.abs(tp[:-1]))  # TA-Lib's dead zone
        pos = np.where(moved & (d > 0), tp[1:] * volume[1:], 0.0)  # pos[i] is the flow of bar i + 1
        neg = np.where(moved & (d < 0), tp[1:] * volume[1:], 0.0)
        out = []
        for i in idx:
            sp, sn = math.fsum(pos[i - p : i].tolist()), math.fsum(neg[i - p : i].tolist())
            out.append(0.0 if sp + sn == 0.0 else 100.0 * (sp / (sp + sn)))
        return [np.array(out)]

# scale: add "mfi" to the 0..100 oscillators scaled by 100 points
    if name == "rma":
        # TA-Lib's EMA(2*period - 1) has RMA's alpha, 1/period; its other seed has decayed after a million bars.
        return [talib.EMA(close, timeperiod=2 * params["period"] - 1)[-TAIL:]]
    if name == "keltner":
        mid = talib.EMA(close, timeperiod=params["period"])
        band = params["multiplier"] * talib.ATR(bars["high"], bars["low"], close, timeperiod=params["atr_period"])
        return [(mid + band)[-TAIL:], mid[-TAIL:], (mid - band)[-TAIL:]]
    if name == "vwap":
        # One session: exact cumulative sums up to each bar of the tail.
        tp = ((bars["high"] + bars["low"] + close) / 3.0)
        pv, vv = math.fsum((tp[: n - TAIL] * volume[: n - TAIL]).tolist()), math.fsum(volume[: n - TAIL].tolist())
        out = []
        for i in idx:
            pv, vv = math.fsum([pv, tp[i] * volume[i]]), math.fsum([vv, volume[i]])
            out.append(pv / vv)
        return [np.array(out)]
    if name == "rolling_vwap":
        p = params["period"]
        tp = ((bars["high"] + bars["low"] + close) / 3.0)
        return [np.array([math.fsum((tp[i - p + 1 : i + 1] * volume[i - p + 1 : i + 1]).tolist())
                          / math.fsum(volume[i - p + 1 : i + 1].tolist()) for i in idx])]
    raise AssertionError(name)


@pytest.mark.parametrize("level", LEVELS, ids=lambda lv: f"level{lv:g}")
def test_ten_years_every_kernel(level, ten_years):
    close = ten_years[0] * level
    volume = ten_years[1]
    bars = {"close": close, "volume": volume, "high": ten_years[2] * level, "low": ten_years[3] * level,
            "open": close, "session": np.zeros_like(close)}  # one session: VWAP never restarts
    worst = {}
    for name, cls in CLASSES.items():
        ind = cls()
        params = ind.params
        ins = tuple(bars[f] for f in cls.spec.inputs)
        # update == extend, bit for bit, on a prefix
        stepped, batched = cls(), cls()
        for i in range(PREFIX):
            stepped.update(*(x[i] for x in ins))
        batched.extend(*(x[:PREFIX] for x in ins))
        assert stepped._blk.tobytes() == batched._blk.tobytes(), f"{name}: update != extend on the prefix"
        # then the rest in extend chunks (bit-identical to updates, as checked above)
        outs = None
        for lo in range(PREFIX, close.size, CHUNK):
            outs = stepped.extend(*(x[lo : lo + CHUNK] for x in ins))
        got = [np.asarray(outs)] if not isinstance(outs, tuple) else [np.asarray(o) for o in outs]
        got = [g[-TAIL:] for g in got]
        want = _reference(name, close, volume, params, bars)
        # the final value read from the instance is the last output
        final = stepped.value
        final = final if isinstance(final, tuple) else (final,)
        assert [float(g[-1]) for g in got] == list(final)
        # relative error, scaled by the output's magnitude; MACD lines and histogram are differences
        # of near-equal averages, so they are scaled by the price level of the series instead
        for out_name, g, w in zip(cls.spec.outputs, got, want):
            assert np.isfinite(g).all() and np.isfinite(w).all()
            # (MOM, a difference of prices, and ROC, in percent, can be exactly 0: scaled by the price level
            # and by 100 points respectively)
            if name in ("macd", "mom", "apo"):
                scale = np.full_like(w, np.abs(close[-TAIL:]).max())
            elif name in ("ad", "adosc"):  # running sums of signed volume: scaled by the volume
                scale = np.full_like(w, float(np.sum(volume)))
            elif name in ("roc", "willr", "cmo", "aroon", "aroonosc", "ppo", "stochf", "stoch", "stochrsi", "cci",
                          "ultosc", "mfi", "adx", "plus_di", "minus_di"):
                scale = np.full_like(w, 100.0)
            else:
                scale = np.maximum(np.abs(w), np.finfo(np.float64).tiny)  # a flat window's 0 is exact
            rel = float((np.abs(g - w) / scale).max())
            worst[f"{name}.{out_name}"] = rel
            assert rel <= RTOL, f"level {level:g} {name}.{out_name}: relative error {rel:.3g} > {RTOL}"
    print(f"level {level:g}: worst relative error " + ", ".join(f"{k} {v:.2g}" for k, v in worst.items()))


# -- 5,000 symbols for a trading day -------------------------------------------------------------

N_SYM = 5_000
SAMPLE = 20


def load_config() -> SessionConfig:
    d = json.loads(EXAMPLE.read_text())
    d["session_data_config"]["indicators"]["historical"] = []
    d["session_data_config"]["bar_buffer_size"] = 8
    return SessionConfig.from_dict(d)


def day_cross_sections():
    b = generate_minute_bars(days=1, seed=77)
    rng = np.random.default_rng(5)
    scale = np.exp(rng.uniform(np.log(0.01), np.log(5000.0), N_SYM))  # symbol price levels
    noise = np.exp(np.cumsum(rng.normal(0, 5e-4, (b.n, N_SYM)), axis=0))  # each symbol its own walk
    px = noise * scale  # (390, N_SYM) multiplier of the base bars
    vals = np.empty((b.n, N_SYM, 5))
    for j in range(4):
        vals[:, :, j] = b.values[:, j, None] * px
    vals[:, :, 4] = np.floor(b.values[:, 4, None] * rng.uniform(0.1, 3.0, N_SYM))
    return b.timestamp, vals


def test_five_thousand_symbols_full_day():
    config = load_config()
    ts, vals = day_cross_sections()
    assert ts.size == 390
    sc = SessionCoordinator(config)
    names = [f"S{k:04d}" for k in range(N_SYM)]
    for s in names:
        sc.register_symbol(s)
    for i in range(ts.size):
        sc.on_bars(int(ts[i]), names, vals[i])
    d = sc.session_data
    mem = d.memory_bytes()
    print(f"{N_SYM} symbols x {len(config.session_data_config.indicators.session)} indicators, "
          f"{ts.size} timestamps: memory {mem}")
    assert mem["indicator_state"] > 0 and mem["allocated"] < 256 * 2**20
    assert sc.current_time == int(ts[-1])
    rng = np.random.default_rng(20)
    for k in sorted(rng.choice(N_SYM, SAMPLE, replace=False).tolist()):
        one = SessionCoordinator(config)
        s = names[k]
        one.register_symbol(s)
        for i in range(ts.size):
            one.on_bar(s, (int(ts[i]), *vals[i, k].tolist()))
        want = {s: {key: v["value"] for key, v in one.session_data.get_all_indicators(s).items()}}
        got = {s: {key: v["value"] for key, v in d.get_all_indicators(s).items()}}
        assert_same_values(got, want)
        assert d.symbol_state(s).tobytes() == one.session_data.symbol_state(s).tobytes(), s
