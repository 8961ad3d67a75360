"""Property: any mix of good and bad bars, under either policy, through on_bar or on_bars, leaves
exactly the state of a session fed only the good bars."""

from __future__ import annotations

import logging
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringta import Bar
from ringta.coordinator import BarError, Bars, SessionConfig, SessionCoordinator
from ringta.data import generate_minute_bars

sys.path.insert(0, str(Path(__file__).parent))
from helpers.state import assert_same_state  # noqa: E402

BARS = generate_minute_bars(days=2, seed=31)
START = 378          # 12 minutes before the first day closes: 5m and day boundaries come soon
NS_MIN = 60_000_000_000
SYMS = ("X", "Y")
EXAMPLES = 250       # per test; 4 tests

VALUE_KINDS = ("nan", "inf", "high_lt_low", "high_lt_oc", "low_gt_oc", "neg_volume")
TS_KINDS = ("repeat", "older")


def config(policy: str) -> SessionConfig:
    return SessionConfig.from_dict({
        "streams": ["1m", "5m"],
        "bad_bar_policy": policy,
        "session_data_config": {
            "bar_buffer_size": 4,
            "indicators": {
                "session": [{"name": "ema", "period": 3, "interval": "1m"},
                            {"name": "rsi", "period": 3, "interval": "5m"}],
                "historical": [{"name": "sma", "period": 2, "interval": "1d"}],
            },
        },
    })


def warm(policy: str) -> SessionCoordinator:
    sc = SessionCoordinator(config(policy))
    for k, s in enumerate(SYMS):
        sc.register_symbol(s)
        f = 1.0 + k
        sc.replay(s, Bars(BARS.timestamp[:START], BARS.open[:START] * f, BARS.high[:START] * f,
                          BARS.low[:START] * f, BARS.close[:START] * f, BARS.volume[:START]))
    return sc


def good_values(sym: str, i: int) -> list[float]:
    o, h, l, c, v = BARS.values[i].tolist()
    f = 1.0 + SYMS.index(sym)
    return [o * f, h * f, l * f, c * f, v]


def make_bad(kind: str, vals: list[float], field: int, sign: float) -> list[float]:
    o, h, l, c, v = vals
    out = list(vals)
    if kind == "nan":
        out[field] = math.nan
    elif kind == "inf":
        out[field] = sign * math.inf
    elif kind == "high_lt_low":
        out[1] = l - 0.01 * abs(l)
    elif kind == "high_lt_oc":
        out[1] = max(o, c) * (1 - 1e-6)
        out[2] = min(l, out[1])
    elif kind == "low_gt_oc":
        out[2] = min(o, c) * (1 + 1e-6)
        out[1] = max(h, out[2])
    elif kind == "neg_volume":
        out[4] = -1.0 - v
    assert out != vals or kind in ("nan",)
    return out


def quiet():
    logging.getLogger("ringta").setLevel(logging.ERROR)


# -- on_bar ------------------------------------------------------------------------------------

ON_BAR_OP = st.tuples(
    st.sampled_from(("good",) * 6 + VALUE_KINDS + TS_KINDS + ("unknown",)),
    st.sampled_from(SYMS),
    st.integers(0, 4),               # field for nan/inf
    st.sampled_from((1.0, -1.0)),    # sign for inf
    st.integers(1, 30),              # minutes back for "older"
)


@pytest.mark.parametrize("policy", ["raise", "skip"])
def test_on_bar_property(policy):
    quiet()
    count = [0]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ops=st.lists(ON_BAR_OP, min_size=1, max_size=50))
    def run(ops):
        count[0] += 1
        sc, ref = warm(policy), warm(policy)
        nxt = {s: START for s in SYMS}
        bad = unknown = 0
        for kind, sym, field, sign, back in ops:
            i = nxt[sym]
            if i >= BARS.n:
                continue
            ts = int(BARS.timestamp[i])
            vals = good_values(sym, i)
            target = sym
            if kind == "good":
                bar = Bar(ts, *vals)
                sc.on_bar(sym, bar)
                ref.on_bar(sym, bar)
                nxt[sym] += 1
                continue
            if kind in VALUE_KINDS:
                bar = Bar(ts, *make_bad(kind, vals, field, sign))
            elif kind == "repeat":
                bar = Bar(int(BARS.timestamp[i - 1]), *vals)
            elif kind == "older":
                bar = Bar(int(BARS.timestamp[i - 1]) - back * NS_MIN, *vals)
            else:  # unknown symbol
                target = "NOPE"
                bar = Bar(ts, *vals)
                unknown += 1
            bad += 1
            if policy == "raise":
                with pytest.raises(BarError) as exc:
                    sc.on_bar(target, bar)
                assert exc.value.symbol == target
            else:
                sc.on_bar(target, bar)
        assert_same_state(sc, ref)
        if policy == "skip":
            assert sc.skipped_bars == bad and sc.unknown_symbol_bars == unknown
        else:
            assert sc.skipped_bars == 0

    run()
    print(f"on_bar/{policy}: {count[0]} Hypothesis cases")
    assert count[0] >= EXAMPLES // 2


# -- on_bars -----------------------------------------------------------------------------------

STEP = st.tuples(
    st.tuples(*[st.sampled_from(("good",) * 4 + VALUE_KINDS + ("absent",)) for _ in SYMS]),
    st.booleans(),                                   # an unknown symbol rides along
    st.sampled_from((None, None, None) + TS_KINDS),  # a stale cross-section is sent first
    st.integers(0, 4), st.sampled_from((1.0, -1.0)), st.integers(1, 30),
)


@pytest.mark.parametrize("policy", ["raise", "skip"])
def test_on_bars_property(policy):
    quiet()
    count = [0]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=st.lists(STEP, min_size=1, max_size=25))
    def run(steps):
        count[0] += 1
        sc, ref = warm(policy), warm(policy)
        bad = unknown = 0
        last = {s: int(BARS.timestamp[START - 1]) for s in SYMS}  # last accepted timestamp per symbol
        for j, (kinds, with_unknown, stale, field, sign, back) in enumerate(steps):
            i = START + j
            ts = int(BARS.timestamp[i])
            if stale is not None:
                # stale for every symbol: equal to the oldest last timestamp, or older still
                old = min(last.values()) - (0 if stale == "repeat" else back * NS_MIN)
                vals = np.array([good_values(s, i) for s in SYMS])
                if policy == "raise":
                    with pytest.raises(BarError):
                        sc.on_bars(old, list(SYMS), vals)
                else:
                    sc.on_bars(old, list(SYMS), vals)
                    bad += len(SYMS)
            names, rows, good = [], [], []
            for s, kind in zip(SYMS, kinds):
                if kind == "absent":
                    continue
                v = good_values(s, i)
                names.append(s)
                if kind == "good":
                    rows.append(v)
                    good.append((s, v))
                else:
                    rows.append(make_bad(kind, v, field, sign))
                    bad += 1
            if with_unknown:
                names.append("NOPE")
                rows.append(good_values("X", i))
                bad += 1
                unknown += 1
            if not names:
                continue
            n_bad_here = len(names) - len(good)
            if policy == "raise" and n_bad_here:
                with pytest.raises(BarError):
                    sc.on_bars(ts, names, np.array(rows))
                if good:  # catch and continue: resend the good bars
                    sc.on_bars(ts, [s for s, _ in good], np.array([v for _, v in good]))
            else:
                sc.on_bars(ts, names, np.array(rows))
            for s, v in good:
                ref.on_bar(s, Bar(ts, *v))
                last[s] = ts
        assert_same_state(sc, ref)
        if policy == "skip":
            assert sc.skipped_bars == bad and sc.unknown_symbol_bars == unknown
        else:
            assert sc.skipped_bars == 0

    run()
    print(f"on_bars/{policy}: {count[0]} Hypothesis cases")
    assert count[0] >= EXAMPLES // 2
