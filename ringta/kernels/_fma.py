"""Fused multiply-add, ``a * b + c`` rounded once (IEEE 754 ``fusedMultiplyAdd``).

This is not fastmath: the operation is named explicitly where it is wanted,
its result is fully specified by IEEE 754 (one rounding, so it is at least as
accurate as a multiply followed by an add), and a step that uses it gives the
same bits in streaming and in batch. LLVM lowers ``llvm.fma.f64`` to one
instruction on CPUs that have it (x86-64 since Haswell/Piledriver, every
AArch64) and to libm's exact ``fma`` elsewhere.

Why: in a recursion such as Wilder's ``prev * beta + x * alpha`` the
multiply and the add sit one after the other on the loop-carried chain; one
fused instruction shortens that chain by about a third, which is what decides
the speed of a batch run over one series.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._jit import f8, jit


@intrinsic
def _llvm_fma(typingctx, a, b, c):
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [d], ir.FunctionType(d, [d, d, d]))
        return builder.call(fn, args)

    return sig, codegen


@jit(f8(f8, f8, f8), inline=True)
def fma(a, b, c):
    """``a * b + c`` with a single rounding."""
    return _llvm_fma(a, b, c)
