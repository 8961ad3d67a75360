"""Bad bars: raise names symbol and field, skip counts, and the state never changes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import REPO_ROOT
from ringta import Bar
from ringta.coordinator import BarError, Bars, SessionConfig, SessionCoordinator
from ringta.data import generate_minute_bars

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"
BARS = generate_minute_bars(days=2, seed=21)
WARM = 397  # first day + 7 minutes of the second: forming 5m and 1d bars exist
NS_MIN = 60_000_000_000


def config(policy: str) -> SessionConfig:
    d = json.loads(EXAMPLE.read_text())
    d["bad_bar_policy"] = policy
    d["session_data_config"]["bar_buffer_size"] = 64
    return SessionConfig.from_dict(d)


def good(i: int) -> Bar:
    return Bar(int(BARS.timestamp[i]), *BARS.values[i].tolist())


def session(policy: str, symbols=("X", "Y")) -> SessionCoordinator:
    sc = SessionCoordinator(config(policy))
    for s in symbols:
        sc.register_symbol(s)
        sc.replay(s, Bars(*(np.asarray(x)[:WARM] for x in BARS)))
    return sc


def snapshot(sc):
    d = sc.session_data
    return [a.copy() for a in (d.arena, d.siv, d.agg, d.bars, d.symtab)]


def assert_unchanged(sc, snap):
    d = sc.session_data
    for name, before, now in zip(("arena", "siv", "agg", "bars", "symtab"), snap,
                                 (d.arena, d.siv, d.agg, d.bars, d.symtab)):
        assert np.array_equal(before, now, equal_nan=True), name


def _o_h_l_c_v(i):
    return list(BARS.values[i])


def bad_bars():
    """(id, field, bar) for each bad kind, built on the next bar (index WARM)."""
    i = WARM
    ts = int(BARS.timestamp[i])
    o, h, l, c, v = _o_h_l_c_v(i)
    cases = []
    for k, f in enumerate(("open", "high", "low", "close", "volume")):
        for bad in (float("nan"), float("inf"), float("-inf")):
            vals = [o, h, l, c, v]
            vals[k] = bad
            cases.append((f"{f}-{bad}", f, Bar(ts, *vals)))
    cases.append(("high-below-open-close", "high", Bar(ts, o, min(o, c) - 0.01, l - 0.02, c, v)))
    cases.append(("low-above-open-close", "low", Bar(ts, o, h + 0.02, max(o, c) + 0.01, c, v)))
    cases.append(("negative-volume", "volume", Bar(ts, o, h, l, c, -1.0)))
    last = int(BARS.timestamp[i - 1])
    cases.append(("timestamp-equal", "timestamp", Bar(last, o, h, l, c, v)))
    cases.append(("timestamp-before", "timestamp", Bar(last - 5 * NS_MIN, o, h, l, c, v)))
    return cases


CASES = bad_bars()
IDS = [c[0] for c in CASES]


def finish(sc, symbols=("X", "Y")):
    """Feed the rest of the bars (good) and return every indicator value."""
    for i in range(WARM, BARS.n):
        for s in symbols:
            sc.on_bar(s, good(i))
    sc.end_session()
    d = sc.session_data
    return {s: {k: v["value"] for k, v in d.get_all_indicators(s).items()} for s in symbols}


@pytest.fixture(scope="module")
def clean_final():
    return finish(session("raise"))


def assert_same_values(got, want):
    for s in want:
        for k in want[s]:
            a, b = got[s][k], want[s][k]
            np.testing.assert_array_equal(np.array(a if isinstance(a, tuple) else [a]),
                                          np.array(b if isinstance(b, tuple) else [b]), err_msg=f"{s} {k}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_on_bar_raise(case, clean_final):
    _, field, bar = case
    sc = session("raise")
    snap = snapshot(sc)
    with pytest.raises(BarError) as exc:
        sc.on_bar("X", bar)
    msg = str(exc.value)
    assert msg.startswith("X @ ") and field in msg and "state unchanged" in msg
    assert exc.value.symbol == "X" and exc.value.field == field and exc.value.timestamp == bar.timestamp
    assert_unchanged(sc, snap)
    assert sc.skipped_bars == 0
    assert_same_values(finish(sc), clean_final)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_on_bar_skip(case, clean_final):
    _, field, bar = case
    sc = session("skip")
    snap = snapshot(sc)
    sc.on_bar("X", bar)
    assert_unchanged(sc, snap)
    assert sc.session_data.get_symbol_data("X").skipped_bars == 1
    assert sc.session_data.get_symbol_data("Y").skipped_bars == 0
    assert sc.skipped_bars == 1
    assert_same_values(finish(sc), clean_final)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_on_bars_raise_refuses_whole_call(case, clean_final):
    _, field, bar = case
    sc = session("raise")
    snap = snapshot(sc)
    vals = np.vstack([list(bar)[1:], BARS.values[WARM]])  # Y's bar is good
    with pytest.raises(BarError) as exc:
        sc.on_bars(bar.timestamp, ["X", "Y"], vals)
    msg = str(exc.value)
    assert "X @ " in msg and field in msg and "nothing changed" in msg
    assert exc.value.symbol == "X" and exc.value.field == field
    assert_unchanged(sc, snap)
    assert_same_values(finish(sc), clean_final)


@pytest.mark.parametrize("case", [c for c in CASES if c[1] != "timestamp"], ids=[i for i, c in zip(IDS, CASES) if c[1] != "timestamp"])
def test_on_bars_skip_applies_good_ones(case, clean_final):
    _, field, bar = case
    sc = session("skip")
    ref = session("skip")
    vals = np.vstack([list(bar)[1:], BARS.values[WARM]])
    sc.on_bars(bar.timestamp, ["X", "Y"], vals)
    ref.on_bar("Y", good(WARM))  # only Y's good bar applied
    for a, b in zip(snapshot(sc), snapshot(ref)):
        assert np.array_equal(a, b, equal_nan=True)
    assert sc.session_data.get_symbol_data("X").skipped_bars == 1
    assert sc.session_data.get_symbol_data("Y").skipped_bars == 0
    assert sc.skipped_bars == 1


@pytest.mark.parametrize("case", [c for c in CASES if c[1] == "timestamp"], ids=[i for i, c in zip(IDS, CASES) if c[1] == "timestamp"])
def test_on_bars_skip_stale_timestamp(case, clean_final):
    # a stale timestamp for the whole cross-section: every bar is skipped, nothing changes
    _, field, bar = case
    sc = session("skip")
    snap = snapshot(sc)
    vals = np.vstack([list(bar)[1:], list(bar)[1:]])
    sc.on_bars(bar.timestamp, ["X", "Y"], vals)
    assert_unchanged(sc, snap)
    assert sc.skipped_bars == 2
    assert sc.session_data.get_symbol_data("X").skipped_bars == 1
    assert_same_values(finish(sc), clean_final)


@pytest.mark.parametrize("policy", ["raise", "skip"])
def test_unregistered_symbol_on_bar(policy, clean_final):
    sc = session(policy)
    snap = snapshot(sc)
    if policy == "raise":
        with pytest.raises(BarError) as exc:
            sc.on_bar("NOPE", good(WARM))
        assert "NOPE" in str(exc.value) and exc.value.symbol == "NOPE"
    else:
        sc.on_bar("NOPE", good(WARM))
        assert sc.skipped_bars == 1 and sc.unknown_symbol_bars == 1
    assert_unchanged(sc, snap)
    assert_same_values(finish(sc), clean_final)


def test_unregistered_symbol_on_bars_raise(clean_final):
    sc = session("raise")
    snap = snapshot(sc)
    with pytest.raises(BarError) as exc:
        sc.on_bars(int(BARS.timestamp[WARM]), ["X", "NOPE"], np.vstack([BARS.values[WARM]] * 2))
    assert "NOPE" in str(exc.value)
    assert_unchanged(sc, snap)
    assert_same_values(finish(sc), clean_final)


def test_unregistered_symbol_on_bars_skip():
    """Under skip, the unknown symbol's bar is counted and dropped; the known symbol's bar applies."""
    sc = session("skip")
    ref = session("skip")
    ts = int(BARS.timestamp[WARM])
    sc.on_bars(ts, ["NOPE", "X"], np.vstack([BARS.values[WARM]] * 2))
    ref.on_bars(ts, ["X"], BARS.values[WARM][None, :])
    assert sc.skipped_bars == 1 and sc.unknown_symbol_bars == 1
    for name in ("arena", "siv", "agg", "bars", "symtab"):
        assert np.array_equal(getattr(sc.session_data, name), getattr(ref.session_data, name), equal_nan=True)


def test_bad_history_refused_and_symbol_not_registered():
    sc = SessionCoordinator(config("raise"))
    vals = BARS.values[:50].copy()
    vals[20, 1] = vals[20, 2] - 1.0  # high below low
    hist = Bars(BARS.timestamp[:50], *vals.T)
    with pytest.raises(BarError) as exc:
        sc.register_symbol("H", historical_bars={"1m": hist})
    assert "H" in str(exc.value) and exc.value.field == "high"
    assert "H" not in sc.symbols
    sc.register_symbol("H")  # can be registered afterwards
    assert sc.symbols == ["H"]


def test_outside_session_bar_is_counted_not_an_error():
    sc = session("raise")
    snap_arena = sc.session_data.arena.copy()
    last = int(BARS.timestamp[BARS.n - 1])
    o, h, l, c, v = BARS.values[-1].tolist()
    # 16:00 New York on the second day: one minute after the last regular bar
    sc.replay("X", Bars(*(np.asarray(x)[WARM:] for x in BARS)))
    sc.on_bar("X", Bar(last + NS_MIN, o, h, l, c, v))
    assert sc.session_data.get_symbol_data("X").outside_session_bars == 1
    assert snap_arena.shape == sc.session_data.arena.shape
