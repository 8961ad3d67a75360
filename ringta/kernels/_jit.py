"""The one place where ringta's Numba options and signature types are defined.

Every compiled function in the package is built with :func:`jit` so that the
options cannot drift apart: ``cache=True`` (compile once per machine),
``nogil=True`` (batch runs may use threads), ``error_model="numpy"`` (a
division by zero gives inf/NaN instead of a Python exception check in the hot
loop) and never ``fastmath``: NaN is the not-ready marker and fastmath makes
``isnan`` unreliable, and reassociation would break the bit-for-bit equality
of batch and streaming results.

Signatures are explicit so that nothing compiles lazily at the first live bar.
"""

from __future__ import annotations

import numba as nb

JIT_OPTIONS = {
    "cache": True,
    "nogil": True,
    "fastmath": False,
    "error_model": "numpy",
    "boundscheck": False,
    # No reference counting: a per-bar update receives a slice of a state
    # table, and with the runtime on, each call that passes such a slice on
    # to a function that is not inlined pays two atomic reference-count
    # updates, several times the cost of the arithmetic (12-20 ns against
    # 3 ns per row). Only functions that allocate need it: see ``nrt``.
    "_nrt": False,
}

f8 = nb.float64
i8 = nb.int64
b1 = nb.boolean
void = nb.void
F1 = nb.float64[::1]
F2 = nb.float64[:, ::1]
I1 = nb.int64[::1]
B1 = nb.boolean[::1]
I2 = nb.int64[:, ::1]
T3 = nb.types.UniTuple(nb.float64, 3)


def jit(signature, inline: bool = False, nrt: bool = False):
    """Compile ``func`` with the package's options and one explicit signature.

    ``inline=True`` inlines the function into its compiled callers at the
    Numba IR level (for small dispatch helpers on the hot path).
    ``nrt=True`` turns Numba's runtime on, for the few functions that
    allocate arrays (``peek`` copies the block); they may call the others.
    """

    def wrap(func):
        opts = dict(JIT_OPTIONS, inline="always") if inline else dict(JIT_OPTIONS)
        if nrt:
            opts["_nrt"] = True
        return nb.njit(signature, **opts)(func)

    return wrap


def entry(dispatcher):
    """The compiled entry point of a single-signature function, skipping dispatch.

    Calling it directly saves the dispatcher's type resolution (about 50 ns),
    which matters for one-value streaming updates. The caller must pass
    exactly the declared argument types: the entry point converts any
    object with ``__float__`` (even a numeric string), so the streaming
    classes use it only for Python floats and the dispatcher otherwise.
    """
    (sig,) = dispatcher.signatures
    return dispatcher.overloads[sig].entry_point
