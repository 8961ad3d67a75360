"""The one place where ringta's Numba options and signature types are defined.

Every compiled function in the package is built with :func:`jit` so that the
options cannot drift apart: ``cache=True`` (compile once per machine),
``nogil=True`` (batch runs may use threads), ``error_model="numpy"`` (a
division by zero gives inf/NaN instead of a Python exception check in the hot
loop) and never ``fastmath``: NaN is the not-ready marker and fastmath makes
``isnan`` unreliable, and reassociation would break the bit-for-bit equality
of batch and streaming results.

Signatures are explicit: a function is compiled for its one declared
signature and never specialised for other argument types. It is compiled (or
loaded from the on-disk cache) when it is first needed, not when the package
is imported: ``import ringta`` would otherwise load all ~350 functions of the
42 kernels, about 0.9 s and 150 MB, for a process that may use two of them.
"First needed" is the first call from Python, the first compilation of a
compiled caller, or :func:`entry`; the streaming classes, the coordinator and
the batch runner reach it when they are constructed or start, so the first
live bar does not pay for it.
"""

from __future__ import annotations

import sys

import numba as nb
from numba.core import typeinfer
from numba.core.registry import CPUDispatcher

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


class LazyDispatcher(CPUDispatcher):
    """A dispatcher with one declared signature, compiled on first use and then frozen.

    Frozen as ``numba.njit(signature)`` leaves its dispatchers: compilation is
    disabled after the declared signature, so a call with other argument types
    is converted to the declared ones or refused, never compiled anew.
    """

    _declared = None

    def ensure_compiled(self) -> None:
        if self._can_compile:
            with typeinfer.register_dispatcher(self):
                self.compile(self._declared)
            self.disable_compile()

    def _compile_for_args(self, *args, **kws):
        # Reached from a Python call that found no compiled overload; the
        # caller invokes what this returns, so hand back the dispatcher
        # itself, which now matches (or refuses) the arguments as a frozen
        # dispatcher does.
        if self._can_compile:
            self.ensure_compiled()
            return self
        return super()._compile_for_args(*args, **kws)

    def get_call_template(self, args, kws):
        # Reached while a compiled caller is being typed.
        self.ensure_compiled()
        return super().get_call_template(args, kws)


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
        cache = opts.pop("cache")
        opts["nopython"] = True
        disp = LazyDispatcher(py_func=func, locals={}, targetoptions=opts)
        disp._declared = signature
        if cache:
            disp.enable_caching()
        return disp

    return wrap


def entry(dispatcher):
    """The compiled entry point of a single-signature function, skipping dispatch.

    Calling it directly saves the dispatcher's type resolution (about 50 ns),
    which matters for one-value streaming updates. The caller must pass
    exactly the declared argument types: the entry point converts any
    object with ``__float__`` (even a numeric string), so the streaming
    classes use it only for Python floats and the dispatcher otherwise.

    The entry point is resolved at the first call, not here: module-level
    ``_x_fast = entry(x)`` would otherwise load the function when the package
    is imported. That first call replaces the placeholder in the calling
    module's globals by the entry point itself, so later calls pay nothing.
    """
    caller_globals = sys._getframe(1).f_globals
    fast = None

    def first_call(*args):
        nonlocal fast
        if fast is None:
            fast = entry_point(dispatcher)
            for name, value in list(caller_globals.items()):
                if value is first_call:
                    caller_globals[name] = fast
        return fast(*args)

    return first_call


def entry_point(dispatcher):
    """:func:`entry`, resolved now (compiling or loading the function if needed)."""
    dispatcher.ensure_compiled()
    (sig,) = dispatcher.signatures
    return dispatcher.overloads[sig].entry_point
