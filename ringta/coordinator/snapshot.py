"""Versioned snapshots of a whole session, written atomically.

A snapshot is a NumPy ``.npz`` archive (no pickled objects) holding the
session tables (indicator blocks, programs, aggregation rows with the
forming bars, last timestamps, bar ring buffers) and one JSON document with
the format name and version, the config the session was built with, the
symbols in table order and the counters. Restoring rebuilds the same layout
from the config and symbols, checks every table's shape, and only then
copies the numbers in, so a refused or damaged file leaves nothing half
loaded.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

FORMAT = "ringta-session"
# 2: window extremes (MAX, MIN, WILLR, AROON, STOCHF, Donchian...) keep block
# prefix/suffix maxima instead of a deque; the widths are unchanged, so a
# version-1 block would restore without error and give wrong values.
# 3: Wilder smoothing (RMA, ATR, NATR, Keltner, CMO), DEMA, TEMA, ADOSC and
# others keep fused-step coefficients and values two bars back.
VERSION = 3
TABLES = ("arena", "program", "siv", "symtab", "bars")


class SnapshotError(ValueError):
    """A snapshot that cannot be restored: wrong format or version, other config, damaged file."""


def _config_identity(config) -> dict:
    """The parts of a config that decide the state layout and meaning."""
    d = config.model_dump(mode="json")
    return {
        "base_interval": d["base_interval"],
        "streams": sorted(d["streams"]),
        "session": d["session"],
        "indicators": d["session_data_config"]["indicators"],
        "bar_buffer_size": d["session_data_config"]["bar_buffer_size"],
    }


def to_bytes(coordinator) -> bytes:
    """Serialise the coordinator's whole state."""
    from .. import __version__

    d = coordinator.session_data
    names = coordinator._names[: d.n_sym]
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "ringta": __version__,
        "config": coordinator.config.model_dump(mode="json"),
        "symbols": names,
        "last_complete_timestamp": coordinator._snap_complete_ts,
        "counters": {
            "skipped_bars": coordinator.skipped_bars,
            "unknown_symbol_bars": coordinator.unknown_symbol_bars,
            "late_bars": coordinator.late_bars,
            "per_symbol": {s: [d._symbols[s].skipped_bars, d._symbols[s].outside_session_bars, d._symbols[s].late_bars]
                           for s in names if s in d._symbols},
        },
    }
    buf = io.BytesIO()
    np.savez(
        buf,
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        arena=d.state(),  # symbol by symbol, whatever the layout in memory
        program=d.program[: d.n_program],
        siv=d.siv_rows(),  # forming bars and counts back in their rows
        symtab=d.symtab[: d.n_sym],
        bars=d.bar_rows(),  # the row-major layout of version 3, whatever the layout in memory
    )
    return buf.getvalue()


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=p.name + ".", suffix=".tmp", dir=str(p.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
        dfd = os.open(str(p.parent), os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _read(data: bytes, where: str) -> tuple[dict, dict]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, KeyError) as exc:
        raise SnapshotError(f"{where}: not a readable snapshot ({type(exc).__name__}: {exc})") from None
    if "meta" not in arrays:
        raise SnapshotError(f"{where}: not a ringta session snapshot (no metadata)")
    try:
        meta = json.loads(arrays.pop("meta").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"{where}: damaged snapshot metadata ({exc})") from None
    if meta.get("format") != FORMAT:
        raise SnapshotError(f"{where}: not a ringta session snapshot (format {meta.get('format')!r})")
    v = meta.get("version")
    if not isinstance(v, int) or v > VERSION:
        raise SnapshotError(f"{where}: snapshot format version {v!r} is newer than this ringta reads ({VERSION}); "
                            f"upgrade ringta")
    if v < VERSION:
        raise SnapshotError(f"{where}: snapshot format version {v} was written by an older ringta whose indicator "
                            f"state this one ({VERSION}) cannot read; warm up again from history")
    missing = [t for t in TABLES if t not in arrays]
    if missing:
        raise SnapshotError(f"{where}: damaged snapshot, missing tables {missing}")
    return meta, arrays


def from_bytes(cls, data: bytes, config=None, data_source=None, where: str = "snapshot"):
    """Rebuild a coordinator from :func:`to_bytes` output; ``config`` must match the snapshot's."""
    from .config import SessionConfig

    meta, arrays = _read(data, where)
    saved = SessionConfig.model_validate(meta["config"])
    if config is None:
        config = saved
    elif not isinstance(config, SessionConfig):
        config = SessionConfig.from_file(config) if not isinstance(config, dict) else SessionConfig.from_dict(config)
    a, b = _config_identity(saved), _config_identity(config)
    if a != b:
        diff = sorted(k for k in a if a[k] != b[k])
        raise SnapshotError(f"{where}: the snapshot was made with a different config ({', '.join(diff)} differ); "
                            f"refusing to restore")
    sc = cls(config.model_copy(update={"symbols": []}), data_source=data_source)
    for s in meta["symbols"]:
        sc.register_symbol(s)
    d = sc.session_data
    used = {"arena": d.n_arena, "program": d.n_program, "siv": d.n_siv, "symtab": d.n_sym, "bars": d.n_siv}
    shapes = {t: getattr(d, t).shape[1:] for t in TABLES}
    shapes["bars"] = (d.bar_buffer_size, 6)
    for t in TABLES:
        want = (used[t],) + shapes[t]
        if arrays[t].shape != want or arrays[t].dtype != getattr(d, t).dtype:
            raise SnapshotError(f"{where}: table {t} has shape {arrays[t].shape}, expected {want}; refusing to restore")
    if not np.array_equal(arrays["program"], d.program[: d.n_program]):
        raise SnapshotError(f"{where}: indicator layout differs from the config's; refusing to restore")
    # Every check passed: only now copy the numbers in.
    d.set_state(arrays["arena"])
    d.set_siv_rows(0, arrays["siv"])
    d.symtab[: d.n_sym] = arrays["symtab"]
    d.set_bar_rows(arrays["bars"])
    c = meta.get("counters", {})
    sc._snap_complete_ts = meta.get("last_complete_timestamp")
    sc.skipped_bars = int(c.get("skipped_bars", 0))
    sc.unknown_symbol_bars = int(c.get("unknown_symbol_bars", 0))
    sc.late_bars = int(c.get("late_bars", 0))
    for s, counts in c.get("per_symbol", {}).items():
        if s in d._symbols:
            d._symbols[s].skipped_bars = int(counts[0])
            d._symbols[s].outside_session_bars = int(counts[1])
            d._symbols[s].late_bars = int(counts[2]) if len(counts) > 2 else 0
    return sc
