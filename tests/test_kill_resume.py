"""Crash recovery: a session SIGKILLed at random points resumes from its last automatic snapshot
and ends bit-identical to an uninterrupted run; a kill during a snapshot write never leaves an
unloadable file."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import BARS_DIR, load_bar_file
from ringta.coordinator import SessionCoordinator

HELPERS = Path(__file__).parent / "helpers"
sys.path.insert(0, str(HELPERS))
from kill_resume_child import config, writer_session  # noqa: E402
from state import assert_same_state, assert_same_values, read_spy, spy_symbols, values  # noqa: E402

CHILD = HELPERS / "kill_resume_child.py"
SPY = "lean_spy_minute_trade_2013-10-04_2013-10-11.csv"
EVERY = 250          # automatic snapshot every 250 timestamps
PAUSE = 0.0002       # seconds per timestamp in the child, so that kill points spread over the run
KILL_SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def spy_csv() -> Path:
    load_bar_file(SPY)  # skips when the shared data folder or the file is absent
    return BARS_DIR / SPY


@pytest.fixture(scope="module")
def child_env(tmp_path_factory) -> dict:
    """Environment of the children: one numba cache shared by all of them in this test session."""
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = str(tmp_path_factory.mktemp("numba_cache"))
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="module")
def reference(spy_csv, child_env, tmp_path_factory):
    """An uninterrupted child run (this also warms the shared numba cache) and the same run in-process."""
    d = tmp_path_factory.mktemp("full")
    final = d / "final.npz"
    out = subprocess.run([sys.executable, str(CHILD), "run", str(spy_csv), str(d / "auto.npz"), str(EVERY), "0",
                          str(final)], env=child_env, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().endswith("DONE")
    ts, vals = read_spy(spy_csv)
    items = spy_symbols(ts, vals)
    sc = SessionCoordinator(config())
    for _, sym, bar in items:
        sc.on_bar(sym, bar)
    child = SessionCoordinator.restore(final, config())
    assert_same_state(child, sc, "child process vs test process")
    n_ts = int(np.unique(ts).size)
    return {"sc": sc, "items": items, "n_ts": n_ts}


def _kill_when(proc, ready) -> int:
    """Read the child's progress lines until ``ready(line)``; then SIGKILL it. Returns the last progress."""
    last = -1
    for line in proc.stdout:
        if line.startswith("P "):
            last = int(line.split()[1])
        if ready(line, last):
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"child ended by itself ({proc.returncode}) before the kill"
    return last


@pytest.mark.parametrize("seed", KILL_SEEDS)
def test_kill_and_resume_is_bit_identical(seed, spy_csv, child_env, reference, tmp_path):
    rng = random.Random(seed)
    n_ts = reference["n_ts"]
    target = rng.randrange(EVERY + 5, n_ts - 200)  # after the first automatic snapshot, before the end
    snap = tmp_path / "auto.npz"
    proc = subprocess.Popen([sys.executable, str(CHILD), "run", str(spy_csv), str(snap), str(EVERY), str(PAUSE)],
                            env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        killed_at = _kill_when(proc, lambda line, last: last >= target and snap.exists())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert snap.exists(), "no automatic snapshot before the kill"
    r = SessionCoordinator.restore(snap, config())
    last = r._snap_complete_ts
    assert last is not None
    assert r.current_time == last, "the snapshot holds bars after its last complete timestamp"
    rest = [(sym, bar) for t, sym, bar in reference["items"] if t > last]
    done = len(reference["items"]) - len(rest)
    assert 0 < done < len(reference["items"])
    print(f"seed {seed}: target {target}, killed after timestamp #{killed_at}, snapshot complete through "
          f"bar {done}/{len(reference['items'])}; replaying {len(rest)} bars")
    for sym, bar in rest:
        r.on_bar(sym, bar)
    assert_same_state(r, reference["sc"], f"seed {seed}")
    assert_same_values(values(r), values(reference["sc"]))


def test_kill_during_snapshot_write_leaves_a_loadable_file(child_env, reference, tmp_path):
    """SIGKILL a child that rewrites a growing snapshot in a tight loop: the file always restores,
    and holds exactly one of the states the child wrote."""
    rng = random.Random(7)
    snap = tmp_path / "w.npz"
    seen_k = []
    for attempt in range(6):
        delay = rng.uniform(0.0, 0.5)
        proc = subprocess.Popen([sys.executable, str(CHILD), "writer", str(snap)], env=child_env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t0 = [None]

        def ready(line, last):
            if line.startswith("S ") and t0[0] is None:
                t0[0] = time.monotonic()
            return t0[0] is not None and time.monotonic() - t0[0] >= delay

        try:
            _kill_when(proc, ready)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        r = SessionCoordinator.restore(snap, config(symbols=[]))
        k = len(r.symbols)
        assert r.symbols == [f"S{j}" for j in range(k)]
        assert_same_state(r, writer_session(k), f"attempt {attempt}: k={k}")
        seen_k.append(k)
        # temporary files of an interrupted write may remain; they never replace the snapshot
        leftovers = [p for p in os.listdir(tmp_path) if p != "w.npz"]
        assert all(p.startswith("w.npz.") and p.endswith(".tmp") for p in leftovers), leftovers
    print(f"snapshot restored after each of {len(seen_k)} kills; symbols in it: {seen_k}")
