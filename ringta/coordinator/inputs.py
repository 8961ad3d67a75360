"""The kernel inputs of one configured indicator, taken from a block of bars.

Single-input kernels read the configured ``source`` field; the others read
their inputs by name, and ``session`` (for session-anchored kernels such as
VWAP) is derived from the bars' timestamps and the session calendar, so that
warm-up, batch runs and the live core feed the same numbers.
"""

from __future__ import annotations

import numpy as np

from .intervals import session_ids


def kernel_inputs(spec, source: str, bars, session) -> dict[str, np.ndarray]:
    """``input name -> array`` for ``spec`` over ``bars`` (a :class:`~ringta.coordinator.bar.Bars`)."""
    if len(spec.inputs) == 1:
        return {spec.inputs[0]: getattr(bars, source)}
    return {name: session_ids(bars.timestamp, session) if name == "session" else getattr(bars, name)
            for name in spec.inputs}
