"""Bar revisions (allow_revisions, on_bar(..., revise=True)) and late bars (late_bars raise/drop)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO_ROOT
from ringta import Bar
from ringta.coordinator import BarError, SessionConfig, SessionCoordinator
from ringta.data import generate_minute_bars

sys.path.insert(0, str(Path(__file__).parent))
from helpers.state import assert_same_state, assert_same_values, used_tables, values  # noqa: E402

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"
BARS = generate_minute_bars(days=2, seed=17)
NS_MIN = 60_000_000_000
END = 420  # bars fed in total (into day 2)


def cfg(**top) -> SessionConfig:
    d = json.loads(EXAMPLE.read_text())
    d["session_data_config"]["bar_buffer_size"] = 16
    d.update(top)
    return SessionConfig.from_dict(d)


def bar(i: int, scale: float = 1.0) -> Bar:
    o, h, l, c, v = BARS.values[i].tolist()
    return Bar(int(BARS.timestamp[i]), o * scale, h * scale, l * scale, c * scale, v * scale)


def session(n: int, **top) -> SessionCoordinator:
    sc = SessionCoordinator(cfg(**top))
    for s in ("A", "B"):
        sc.register_symbol(s)
    for i in range(n):
        sc.on_bar("A", bar(i))
        sc.on_bar("B", bar(i, 2.0))
    return sc


# Positions of the revised bar: the first bar of the session, mid 5m bar, the bar that completes a
# 5m bar (9:34), the last bar of day 1 (completes the 5m bar and the day), the first bar of day 2
# (starts a new day), and one completing a 5m bar on day 2.
POSITIONS = {"first": 0, "mid-5m": 2, "completes-5m": 4, "last-of-day": 389, "new-day": 390,
             "completes-5m-day2": 394}


@pytest.fixture(scope="module")
def straight():
    sc = session(END, allow_revisions=True)
    plain = session(END)  # without allow_revisions the same bars give the same tables
    assert_same_state(sc, plain)
    return used_tables(sc), values(sc)


@pytest.mark.parametrize("pos", POSITIONS.values(), ids=POSITIONS.keys())
def test_wrong_then_revised_equals_right(pos, straight):
    sc = session(pos, allow_revisions=True)
    ref = session(pos, allow_revisions=True)
    sc.on_bar("A", bar(pos, 1.05))                   # wrong
    sc.on_bar("A", bar(pos, 0.97), revise=True)      # still wrong, revised again
    sc.on_bar("A", bar(pos), revise=True)            # right
    ref.on_bar("A", bar(pos))
    assert_same_state(sc, ref, f"right after the revision at {pos}")
    for s, k in (("B", 2.0),):
        sc.on_bar(s, bar(pos, k))
        ref.on_bar(s, bar(pos, k))
    for i in range(pos + 1, END):
        for t in (sc, ref):
            t.on_bar("A", bar(i))
            t.on_bar("B", bar(i, 2.0))
    assert_same_state(sc, ref, f"after continuing from {pos}")
    assert_same_state(sc, straight[0])
    assert_same_values(values(sc), straight[1])


def test_revise_same_bar_is_identity(straight):
    sc = session(100, allow_revisions=True)
    before = used_tables(sc)
    sc.on_bar("A", bar(99), revise=True)
    assert_same_state(sc, before)


def test_revise_with_other_timestamp_refused():
    sc = session(50, allow_revisions=True)
    before = used_tables(sc)
    for i in (48, 50, 51):
        with pytest.raises(BarError, match="revise=True replaces the last bar.*timestamps differ") as exc:
            sc.on_bar("A", bar(i), revise=True)
        assert exc.value.symbol == "A"
    assert_same_state(sc, before)


def test_revise_before_any_bar_refused():
    sc = session(0, allow_revisions=True)
    with pytest.raises(BarError, match="timestamps differ"):
        sc.on_bar("A", bar(0), revise=True)


def test_revise_with_bad_bar_refused_state_unchanged():
    sc = session(50, allow_revisions=True)
    before = used_tables(sc)
    t, o, h, l, c, v = bar(49)
    with pytest.raises(BarError, match="high"):
        sc.on_bar("A", Bar(t, o, l - 1.0, l, c, v), revise=True)
    assert_same_state(sc, before)
    sc.on_bar("A", bar(49), revise=True)  # the undo step is still there
    assert_same_state(sc, before)


def test_revise_without_allow_revisions_refused():
    sc = session(50)
    before = used_tables(sc)
    with pytest.raises(ValueError, match="allow_revisions"):
        sc.on_bar("A", bar(49), revise=True)
    assert_same_state(sc, before)


# -- late bars ---------------------------------------------------------------------------------

def test_late_bar_dropped_and_counted_on_bar():
    sc = session(60, late_bars="drop")
    before = used_tables(sc)
    sc.on_bar("A", bar(40))
    sc.on_bar("A", Bar(int(BARS.timestamp[59]) - 5 * NS_MIN, 1, 1, 1, 1, 1))
    assert_same_state(sc, before)
    assert sc.late_bars == 2
    assert sc.session_data.get_symbol_data("A").late_bars == 2
    assert sc.session_data.get_symbol_data("B").late_bars == 0
    assert sc.skipped_bars == 0
    # and the session continues normally
    ref = session(61)
    sc.on_bar("A", bar(60))
    sc.on_bar("B", bar(60, 2.0))
    assert_same_state(sc, ref)


def test_late_bar_dropped_and_counted_on_bars():
    sc = session(60, late_bars="drop")
    sc.on_bar("A", bar(60))
    sc.on_bar("A", bar(61))  # A is two bars ahead of B
    ref = session(60)
    ref.on_bar("A", bar(60))
    ref.on_bar("A", bar(61))
    ts = int(BARS.timestamp[60])
    sc.on_bars(ts, ["A", "B"], np.vstack([list(bar(60))[1:], list(bar(60, 2.0))[1:]]))
    ref.on_bar("B", bar(60, 2.0))  # only B's bar applies; A's is late
    assert_same_state(sc, ref)
    assert sc.late_bars == 1 and sc.session_data.get_symbol_data("A").late_bars == 1
    assert sc.session_data.get_symbol_data("B").late_bars == 0
    # a whole cross-section that is late: nothing changes, both counted
    before = used_tables(sc)
    old = int(BARS.timestamp[30])
    sc.on_bars(old, ["A", "B"], np.vstack([list(bar(30))[1:], list(bar(30, 2.0))[1:]]))
    assert_same_state(sc, before)
    assert sc.late_bars == 3
    assert sc.session_data.get_symbol_data("B").late_bars == 1


def test_late_bar_raises_by_default():
    sc = session(60)
    before = used_tables(sc)
    with pytest.raises(BarError, match="A @ .*timestamp") as exc:
        sc.on_bar("A", bar(40))
    assert exc.value.symbol == "A" and exc.value.field == "timestamp"
    with pytest.raises(BarError, match="nothing changed"):
        sc.on_bars(int(BARS.timestamp[40]), ["A", "B"], np.vstack([list(bar(40))[1:], list(bar(40, 2.0))[1:]]))
    assert_same_state(sc, before)
    assert sc.late_bars == 0


def test_late_bar_with_revisions_enabled_dropped():
    """allow_revisions and late_bars="drop" together: a late bar is still dropped and counted."""
    sc = session(60, late_bars="drop", allow_revisions=True)
    before = used_tables(sc)
    sc.on_bar("A", bar(40))
    assert_same_state(sc, before)
    assert sc.late_bars == 1
    sc.on_bar("A", bar(59), revise=True)  # the undo step of bar 59 survived the dropped bar
    assert_same_state(sc, before)
