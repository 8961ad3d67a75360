"""Session and indicator snapshots: restore-and-continue is bit-identical; bad files are refused whole."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO_ROOT
import ringta
from ringta import Bar
from ringta.coordinator import Bars, SessionConfig, SessionCoordinator
from ringta.coordinator.snapshot import SnapshotError
from ringta.data import generate_minute_bars

sys.path.insert(0, str(Path(__file__).parent))
from helpers.state import assert_same_state, assert_same_values, used_tables, values  # noqa: E402

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"
RAW = generate_minute_bars(days=3, seed=5)
SYMBOLS = {"A": 1.0, "B": 0.0003, "C": 2500.0}  # price scale per symbol
NS_MIN = 60_000_000_000


def example_dict(**top) -> dict:
    d = json.loads(EXAMPLE.read_text())
    d.update(top)
    return d


def cfg(**top) -> SessionConfig:
    return SessionConfig.from_dict(example_dict(**top))


def stream():
    """Every (symbol, bar) of the session in order: all symbols per timestamp."""
    out = []
    for i in range(RAW.n):
        t = int(RAW.timestamp[i])
        o, h, l, c, v = RAW.values[i].tolist()
        for s, k in SYMBOLS.items():
            out.append((s, Bar(t, o * k, h * k, l * k, c * k, v)))
    return out


STREAM = stream()


def new_session(config=None) -> SessionCoordinator:
    sc = SessionCoordinator(config or cfg())
    for s in SYMBOLS:
        sc.register_symbol(s)
    return sc


def feed(sc, items):
    for s, b in items:
        sc.on_bar(s, b)


@pytest.fixture(scope="module")
def full_run():
    sc = new_session()
    feed(sc, STREAM)
    sc.end_session()
    return used_tables(sc), values(sc)


# Cut points (index into STREAM): inside the first 5m bar, on a 5m boundary, the last bar of
# day 1, the first bar of day 2, mid-day 2, and in the middle of a cross-section (after A, before B).
n_sym = len(SYMBOLS)
CUTS = [7 * n_sym, 60 * n_sym, 390 * n_sym - 1, 390 * n_sym, 391 * n_sym, 600 * n_sym + 1, 1000 * n_sym + 2]


@pytest.mark.parametrize("cut", CUTS)
def test_snapshot_file_restore_continue_is_bit_identical(cut, full_run, tmp_path):
    sc = new_session()
    feed(sc, STREAM[:cut])
    path = tmp_path / "s.npz"
    sc.snapshot(path)
    assert os.listdir(tmp_path) == ["s.npz"], "temporary files left beside the snapshot"
    r = SessionCoordinator.restore(path, cfg())
    assert_same_state(r, sc, "right after restore")
    assert r.symbols == sc.symbols
    feed(r, STREAM[cut:])
    r.end_session()
    assert_same_state(r, full_run[0], f"cut {cut}")
    assert_same_values(values(r), full_run[1])


@pytest.mark.parametrize("cut", CUTS[::2])
def test_bytes_restore_continue_is_bit_identical(cut, full_run):
    sc = new_session()
    feed(sc, STREAM[:cut])
    blob = sc.to_bytes()
    for config in (None, cfg(), example_dict(), str(EXAMPLE)):  # saved config, model, dict, path
        r = SessionCoordinator.from_bytes(blob, config)
        feed(r, STREAM[cut:])
        r.end_session()
        assert_same_state(r, full_run[0], f"cut {cut} config {type(config).__name__}")
        assert_same_values(values(r), full_run[1])
    # the original, snapshotted session is not disturbed by being serialised
    feed(sc, STREAM[cut:])
    sc.end_session()
    assert_same_state(sc, full_run[0])


def test_policies_may_differ_on_restore(full_run):
    """Only the state layout must match; policies and snapshot settings may change."""
    sc = new_session()
    feed(sc, STREAM[:500])
    other = cfg(bad_bar_policy="skip", late_bars="drop", allow_revisions=True, session_name="renamed")
    r = SessionCoordinator.from_bytes(sc.to_bytes(), other)
    assert r.config.bad_bar_policy == "skip"
    feed(r, STREAM[500:])
    r.end_session()
    assert_same_state(r, full_run[0])


def counter_session():
    sc = SessionCoordinator(cfg(bad_bar_policy="skip", late_bars="drop"))
    for s in SYMBOLS:
        sc.register_symbol(s)
    feed(sc, STREAM[: 390 * n_sym])  # the whole first day
    last = int(RAW.timestamp[389])
    t = int(RAW.timestamp[390])
    sc.on_bar("C", Bar(last + NS_MIN, 1, 1, 1, 1, 1))        # 16:00: outside the session
    sc.on_bar("A", Bar(t, 1.0, 0.5, 0.9, 1.0, 1.0))          # high < low
    sc.on_bar("B", Bar(t, float("nan"), 1, 1, 1, 1))         # NaN
    sc.on_bar("NOPE", STREAM[390 * n_sym][1])                 # unknown symbol
    return sc


def test_counters_survive():
    sc = counter_session()
    sd = sc.session_data
    before = (sc.skipped_bars, sc.unknown_symbol_bars,
              {s: (sd._symbols[s].skipped_bars, sd._symbols[s].outside_session_bars) for s in SYMBOLS})
    assert sc.skipped_bars >= 2 and sc.unknown_symbol_bars == 1
    assert sd._symbols["C"].outside_session_bars == 1
    r = SessionCoordinator.from_bytes(sc.to_bytes())
    rd = r.session_data
    after = (r.skipped_bars, r.unknown_symbol_bars,
             {s: (rd._symbols[s].skipped_bars, rd._symbols[s].outside_session_bars) for s in SYMBOLS})
    assert after == before
    assert r.config.bad_bar_policy == "skip" and r.config.late_bars == "drop"


def test_late_bar_counters_survive():
    """late_bars (coordinator and per symbol) are counters too and must survive a snapshot."""
    sc = SessionCoordinator(cfg(late_bars="drop"))
    for s in SYMBOLS:
        sc.register_symbol(s)
    feed(sc, STREAM[:60])
    sc.on_bar("A", STREAM[0][1])  # older than A's last bar: dropped and counted
    assert sc.late_bars == 1 and sc.session_data._symbols["A"].late_bars == 1
    r = SessionCoordinator.from_bytes(sc.to_bytes())
    assert (r.late_bars, r.session_data._symbols["A"].late_bars) == (1, 1), \
        f"late_bars lost by snapshot: coordinator {r.late_bars}, A {r.session_data._symbols['A'].late_bars}"


# -- refusals ------------------------------------------------------------------------------

def _changed(mutate) -> dict:
    d = example_dict()
    mutate(d)
    return d


def _set_period(d):
    d["session_data_config"]["indicators"]["session"][0]["period"] = 10


def _extra(d):
    d["session_data_config"]["indicators"]["session"].append({"name": "sma", "period": 5, "interval": "5m"})


def _interval(d):
    d["session_data_config"]["indicators"]["session"][2]["interval"] = "15m"


def _buffer(d):
    d["session_data_config"]["bar_buffer_size"] = 200


def _streams(d):
    d["streams"] = ["1m", "5m", "15m"]


def _session(d):
    d["session"] = "24x7"


OTHER_CONFIGS = [("period", _set_period, "indicators"), ("extra-indicator", _extra, "indicators"),
                 ("interval", _interval, "indicators"), ("bar-buffer-size", _buffer, "bar_buffer_size"),
                 ("streams", _streams, "streams"), ("session", _session, "session")]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    sc = new_session()
    feed(sc, STREAM[:1200])
    path = tmp_path_factory.mktemp("snap") / "good.npz"
    sc.snapshot(path)
    return sc, path


def assert_refused(call, *needles):
    with pytest.raises(SnapshotError) as exc:
        call()
    msg = str(exc.value)
    for n in needles:
        assert n in msg, f"{n!r} not in {msg!r}"
    assert exc.value.__class__ is SnapshotError
    return msg


@pytest.mark.parametrize("name,mutate,field", OTHER_CONFIGS, ids=[c[0] for c in OTHER_CONFIGS])
def test_other_config_refused(name, mutate, field, saved):
    sc, path = saved
    before = used_tables(sc)
    other = SessionConfig.from_dict(_changed(mutate))
    assert_refused(lambda: SessionCoordinator.restore(path, other), str(path), "different config", field,
                   "refusing")
    assert_refused(lambda: SessionCoordinator.from_bytes(path.read_bytes(), other), "different config", field)
    assert_same_state(sc, before)  # the existing coordinator is untouched
    SessionCoordinator.restore(path, cfg())  # and the file itself is still good


def test_truncated_file_refused(saved, tmp_path):
    sc, path = saved
    blob = path.read_bytes()
    before = used_tables(sc)
    cuts = sorted({0, 1, 4, 22, 100, 1000, len(blob) // 3, len(blob) // 2, len(blob) - 200, len(blob) - 22,
                   len(blob) - 1})
    for cut in cuts:
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(blob[:cut])
        assert_refused(lambda: SessionCoordinator.restore(bad, cfg()), str(bad))
        assert_refused(lambda: SessionCoordinator.from_bytes(blob[:cut]))
    assert_same_state(sc, before)


def test_corrupted_bytes_refused(saved):
    """A flipped byte anywhere in the archive is caught (zip CRC or structure), never loaded silently."""
    _, path = saved
    blob = path.read_bytes()
    rng = np.random.default_rng(3)
    good = SessionCoordinator.from_bytes(blob)
    for pos in rng.integers(0, len(blob), 40).tolist():
        bad = bytearray(blob)
        bad[pos] ^= 0xFF
        try:
            r = SessionCoordinator.from_bytes(bytes(bad))
        except SnapshotError:
            continue
        # a flip in a field nothing reads (e.g. a zip timestamp) may load; then it must load the same state
        assert_same_state(r, good, f"flip at {pos}")


def test_garbage_refused(tmp_path):
    rng = np.random.default_rng(11)
    for n in (0, 1, 3, 64, 4096, 100_000):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        p = tmp_path / f"g{n}.npz"
        p.write_bytes(data)
        assert_refused(lambda: SessionCoordinator.restore(p), str(p))
    # a valid zip/npz that is not a session snapshot
    buf = io.BytesIO()
    np.savez(buf, x=np.arange(3))
    assert_refused(lambda: SessionCoordinator.from_bytes(buf.getvalue()), "no metadata")
    buf = io.BytesIO()
    np.savez(buf, meta=np.frombuffer(b"not json", dtype=np.uint8))
    assert_refused(lambda: SessionCoordinator.from_bytes(buf.getvalue()), "metadata")
    buf = io.BytesIO()
    np.savez(buf, meta=np.frombuffer(json.dumps({"format": "other"}).encode(), dtype=np.uint8))
    assert_refused(lambda: SessionCoordinator.from_bytes(buf.getvalue()), "not a ringta session snapshot")
    # an indicator snapshot is not a session snapshot
    assert_refused(lambda: SessionCoordinator.from_bytes(ringta.EMA(5).snapshot()))


def _edit_meta(blob: bytes, edit, drop=()) -> bytes:
    with np.load(io.BytesIO(blob)) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays["meta"].tobytes().decode())
    edit(meta)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    for k in drop:
        arrays.pop(k)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_future_version_refused(saved, tmp_path):
    _, path = saved
    blob = path.read_bytes()
    same = _edit_meta(blob, lambda m: None)  # re-saving with nothing changed still loads
    assert_same_state(SessionCoordinator.from_bytes(same), SessionCoordinator.from_bytes(blob))
    future = tmp_path / "future.npz"
    future.write_bytes(_edit_meta(blob, lambda m: m.update(version=99)))
    msg = assert_refused(lambda: SessionCoordinator.restore(future, cfg()), str(future), "99", "newer")
    assert "upgrade" in msg
    for v in ("1", None, 1.5):
        assert_refused(lambda: SessionCoordinator.from_bytes(_edit_meta(blob, lambda m: m.update(version=v))))
    # Older versions kept some blocks in another layout, sometimes of the same width: never load silently.
    for old in (1, 2):
        msg = assert_refused(lambda: SessionCoordinator.from_bytes(_edit_meta(blob, lambda m: m.update(version=old))),
                             f"version {old}", "older")
        assert "warm up again" in msg


def test_missing_table_and_wrong_shape_refused(saved):
    _, path = saved
    blob = path.read_bytes()
    assert_refused(lambda: SessionCoordinator.from_bytes(_edit_meta(blob, lambda m: None, drop=("siv",))),
                   "missing tables", "siv")
    # the symbol list no longer matches the tables
    assert_refused(lambda: SessionCoordinator.from_bytes(
        _edit_meta(blob, lambda m: m.update(symbols=m["symbols"][:2]))), "shape")


def test_missing_file_refused(tmp_path):
    p = tmp_path / "nope.npz"
    assert_refused(lambda: SessionCoordinator.restore(p, cfg()), "cannot read snapshot", str(p))
    assert_refused(lambda: SessionCoordinator.restore(tmp_path, cfg()), "cannot read snapshot")  # a directory


def test_atomic_write_leaves_no_temp_files(tmp_path):
    sc = new_session()
    path = tmp_path / "sub" / "state.npz"
    for k in (10, 200, 800):
        feed(sc, STREAM[k - 10 : k])
        sc.snapshot(path)
        assert os.listdir(path.parent) == ["state.npz"]
        assert_same_state(SessionCoordinator.restore(path), sc)


def test_automatic_snapshots_no_temp_files_and_metadata(tmp_path):
    path = tmp_path / "auto.npz"
    sc = new_session(cfg(snapshot_every=7, snapshot_path=str(path)))
    feed(sc, STREAM[: 50 * n_sym])
    assert os.listdir(tmp_path) == ["auto.npz"]
    r = SessionCoordinator.restore(path)
    # a snapshot is written when the timestamp after every 7th complete one starts
    last = r._snap_complete_ts
    assert last in RAW.timestamp[:50].tolist()
    assert r.current_time == last  # the snapshot holds exactly the complete timestamps
    k = int(np.searchsorted(RAW.timestamp, last))
    assert (k + 1) % 7 == 0
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes().decode())
    assert meta["last_complete_timestamp"] == last and meta["format"] == "ringta-session" and meta["version"] == 3


@pytest.mark.parametrize("mode", ["on_bar", "on_bars"])
def test_automatic_snapshot_resume(mode, tmp_path):
    """Resuming from an automatic snapshot by replaying bars with timestamp > last_complete_timestamp
    gives the uninterrupted state, whether the bars were fed with on_bar or on_bars."""
    path = tmp_path / "auto.npz"
    names = list(SYMBOLS)
    xs = [np.array([[*(b[1:])] for s, b in STREAM[i * n_sym:(i + 1) * n_sym]]) for i in range(RAW.n)]

    def run(sc, lo, hi):
        for i in range(lo, hi):
            t = int(RAW.timestamp[i])
            if mode == "on_bar":
                for s, b in STREAM[i * n_sym:(i + 1) * n_sym]:
                    sc.on_bar(s, b)
            else:
                sc.on_bars(t, names, xs[i])

    ref = new_session()
    run(ref, 0, 420)
    sc = new_session(cfg(snapshot_every=25, snapshot_path=str(path)))
    run(sc, 0, 410)  # "crash" here
    r = SessionCoordinator.restore(path, cfg())
    last = r._snap_complete_ts
    assert r.current_time == last, (
        f"{mode}: the automatic snapshot holds bars up to {r.current_time}, but its "
        f"last_complete_timestamp is {last}; replaying bars after it would apply a timestamp twice")
    k = int(np.searchsorted(RAW.timestamp, last, side="right"))  # first timestamp after the complete one
    run(r, k, 420)
    assert_same_state(r, ref, mode)


# -- streaming classes ------------------------------------------------------------------------

CLASSES = [(ringta.SMA, {"period": 7}), (ringta.EMA, {"period": 9}), (ringta.EMA, {"period": 9, "seed": "first"}),
           (ringta.RSI, {"period": 5}), (ringta.MACD, {"fast_period": 3, "slow_period": 8, "signal_period": 4}),
           (ringta.BollingerBands, {"period": 6, "num_std": 1.5}), (ringta.OBV, {})]
CLS_IDS = [f"{c.__name__}-{'-'.join(map(str, p.values()))}" for c, p in CLASSES]


def _inputs(cls, x, v):
    return (x, v) if cls.spec.inputs == ("close", "volume") else (x,)


def _same_value(a, b):
    a = np.array(a if isinstance(a, tuple) else [a], dtype=np.float64)
    b = np.array(b if isinstance(b, tuple) else [b], dtype=np.float64)
    return a.tobytes() == b.tobytes()


@pytest.mark.parametrize("cls,params", CLASSES, ids=CLS_IDS)
def test_streaming_round_trip_continues_identically(cls, params):
    rng = np.random.default_rng(4)
    x = 100 + np.cumsum(rng.normal(0, 1, 120))
    v = np.floor(rng.lognormal(5, 1, 120))
    for cut in (0, 3, 8, 40):  # before, during and after warm-up
        a = cls(**params)
        for i in range(cut):
            a.update(*_inputs(cls, x[i], v[i]))
        blob = a.snapshot()
        b = cls.restore(blob)
        assert type(b) is cls and b.params == a.params and b.count == a.count
        assert b._blk.tobytes() == a._blk.tobytes()
        for i in range(cut, 120):
            ra, rb = a.update(*_inputs(cls, x[i], v[i])), b.update(*_inputs(cls, x[i], v[i]))
            assert _same_value(ra, rb), (cut, i)
        assert a._blk.tobytes() == b._blk.tobytes()
        # restored instance's reset goes back to a fresh one
        b.reset()
        assert b._blk.tobytes() == cls(**params)._blk.tobytes()


@pytest.mark.parametrize("cls,params", CLASSES, ids=CLS_IDS)
def test_streaming_restore_refusals(cls, params):
    a = cls(**params)
    for i in range(10):
        a.update(*_inputs(cls, 10.0 + i, 5.0))
    blob = a.snapshot()
    for other, oparams in CLASSES:
        if other.spec.name == cls.spec.name:
            continue
        with pytest.raises(ValueError, match=f"{other.__name__}.restore: snapshot of '{cls.spec.name}'"):
            other.restore(blob)
    for cut in sorted({0, 1, 3, 4, 10, len(blob) - 8 * 2, len(blob) - 8, len(blob) - 1}):
        with pytest.raises(ValueError, match=f"{cls.__name__}.restore"):
            cls.restore(blob[:cut])
    with pytest.raises(ValueError, match="truncated or damaged"):
        cls.restore(blob + b"\0" * 8)
    with pytest.raises(ValueError, match="not an indicator snapshot"):
        cls.restore(os.urandom(64))
    n = int.from_bytes(blob[:4], "little")
    head = json.loads(blob[4:4 + n])
    head["version"] = 99
    h = json.dumps(head).encode()
    with pytest.raises(ValueError, match="99.*newer"):
        cls.restore(len(h).to_bytes(4, "little") + h + blob[4 + n:])
