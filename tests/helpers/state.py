"""Shared helpers: copy and compare a coordinator's tables, feed bars, read the SPY minute file."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import numpy as np

TABLES = ("arena", "siv", "bars", "symtab")


def used_tables(sc) -> dict:
    """The used part of every state table of ``sc`` (copies)."""
    d = sc.session_data
    n = {"bars": d.n_siv, "symtab": d.n_sym, "program": d.n_program}
    used = {t: getattr(d, t)[: n[t]].copy() for t in (*TABLES, "program") if t not in ("arena", "siv")}
    # symbol by symbol and row by row, whatever the layout in memory
    used["arena"] = d.state()
    used["siv"] = d.siv_rows()
    return used


def assert_same_state(a, b, what: str = "") -> None:
    """Bit-for-bit equality (NaN == NaN) of the used tables of two coordinators or table dicts."""
    ta = a if isinstance(a, dict) else used_tables(a)
    tb = b if isinstance(b, dict) else used_tables(b)
    for t in ta:
        assert ta[t].shape == tb[t].shape, f"{what} {t}: shape {ta[t].shape} != {tb[t].shape}"
        assert ta[t].dtype == tb[t].dtype, f"{what} {t}: dtype"
        # bit-for-bit: compare the raw bytes as well as the values (catches -0.0 vs 0.0, NaN payloads)
        assert np.array_equal(ta[t], tb[t], equal_nan=True), f"{what} {t}: values differ"
        assert ta[t].tobytes() == tb[t].tobytes(), f"{what} {t}: bytes differ"


def values(sc) -> dict:
    d = sc.session_data
    return {s: {k: v["value"] for k, v in d.get_all_indicators(s).items()} for s in sc.symbols}


def assert_same_values(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for s in want:
        assert got[s].keys() == want[s].keys(), s
        for k in want[s]:
            a, b = got[s][k], want[s][k]
            a = np.array(a if isinstance(a, tuple) else [a], dtype=np.float64)
            b = np.array(b if isinstance(b, tuple) else [b], dtype=np.float64)
            assert a.tobytes() == b.tobytes() or np.array_equal(a, b, equal_nan=True), f"{s} {k}: {a} != {b}"


def read_spy(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(timestamps as int64 UTC ns, (n, 5) float64 OHLCV) of a Lean-style minute CSV."""
    ts, vals = [], []
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            if not row:
                continue
            t = datetime.fromisoformat(row[0])
            ts.append(int(round(t.timestamp())) * 1_000_000_000)
            vals.append([float(x) for x in row[1:6]])
    return np.array(ts, dtype=np.int64), np.array(vals, dtype=np.float64)


def spy_symbols(ts: np.ndarray, vals: np.ndarray) -> list[tuple[int, str, tuple]]:
    """The SPY bars as two symbols (SPY and a scaled copy SPYX), in timestamp order."""
    out = []
    for i in range(ts.size):
        t = int(ts[i])
        o, h, l, c, v = vals[i].tolist()
        out.append((t, "SPY", (t, o, h, l, c, v)))
        out.append((t, "SPYX", (t, o * 0.01, h * 0.01, l * 0.01, c * 0.01, v * 3.0)))
    return out
