"""Helpers of VAR's batch run (``var.py``) that Numba cannot express directly.

``stack_f8(N)`` (``N`` a compile-time integer constant) gives a C-contiguous
array of ``N`` uninitialised float64 backed by an ``alloca`` in the caller's
entry block: the batch drivers are compiled without Numba's runtime (no heap
arrays), but VAR's needs a few kilobytes of scratch to transpose its input
into SIMD lanes. Nothing to free, no reference count.

``lane_pass`` is one pass of an exact window sum over 8 windows at once,
written with explicit 8-wide vectors: per lane the same IEEE operations in
the same order as the scalar loop (so the same bits), which LLVM does not
vectorise across lanes on its own (it keeps the 32 partial sums as scalars).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def stack_f8(typingctx, n):
    if not isinstance(n, types.IntegerLiteral):
        return None
    size = int(n.literal_value)
    arrty = types.Array(types.float64, 1, "C")

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        ptr = cgutils.alloca_once(builder, d, size=size)
        ary = context.make_array(arrty)(context, builder)
        itemsize = context.get_constant(types.intp, 8)
        context.populate_array(
            ary,
            data=ptr,
            shape=[context.get_constant(types.intp, size)],
            strides=[itemsize],
            itemsize=itemsize,
            meminfo=None,
        )
        return ary._getvalue()

    return arrty(n), codegen


LANES = 8  # lanes per vector: one 512-bit register, or two 256-bit ones


@intrinsic
def lane_pass(typingctx, T, c, d, ip, width, sq):
    """One pass of a window sum over 8 lanes at once, in explicit 8-wide vectors.

    Lane ``l`` sums ``w - c[l]`` (or, ``sq`` true, ``(w - c[l]) ** 2``) over
    ``w = T[k * width + 1 + l]`` for ``k`` in ``0 .. ip-1``, exactly as
    ``_win_sum``/``_win_sqdev`` order it for one window: four partial sums
    by ``k % 4``, combined ``(s0 + s1) + (s2 + s3)``, then the last
    ``ip % 4`` terms one by one. Writes ``d[l]``. Every operation is the
    IEEE one, lane by lane (no reassociation, no fused multiply-add), so
    each lane gives the bits of the scalar loop; the compiler does not
    vectorise that scalar loop across lanes on its own.
    """
    arr = types.Array(types.float64, 1, "C")
    sig = types.void(arr, arr, arr, types.int64, types.int64, types.boolean)

    def codegen(context, builder, signature, args):
        t_v, c_v, d_v, ip_v, w_v, sq_v = args
        tptr = context.make_array(arr)(context, builder, t_v).data
        cptr = context.make_array(arr)(context, builder, c_v).data
        dptr = context.make_array(arr)(context, builder, d_v).data
        dty = ir.DoubleType()
        vty = ir.VectorType(dty, LANES)
        vptr = vty.as_pointer()
        i64 = ir.IntType(64)
        cvec = builder.load(builder.bitcast(cptr, vptr), align=8)
        zero = ir.Constant(vty, [0.0] * LANES)
        accs = [cgutils.alloca_once_value(builder, zero) for _ in range(4)]
        tot = cgutils.alloca_once_value(builder, zero)

        def term(row):
            off = builder.add(builder.mul(row, w_v), ir.Constant(i64, 1))
            v = builder.load(builder.bitcast(builder.gep(tptr, [off]), vptr), align=8)
            e = builder.fsub(v, cvec)
            sqe = builder.fmul(e, e)
            return builder.select(sq_v, sqe, e)

        n4 = builder.sub(ip_v, builder.srem(ip_v, ir.Constant(i64, 4)))
        nq = builder.sdiv(n4, ir.Constant(i64, 4))
        with cgutils.for_range(builder, nq) as loop:
            k = builder.mul(loop.index, ir.Constant(i64, 4))
            for r in range(4):
                row = builder.add(k, ir.Constant(i64, r))
                builder.store(builder.fadd(builder.load(accs[r]), term(row)), accs[r])
        a = [builder.load(p) for p in accs]
        builder.store(builder.fadd(builder.fadd(a[0], a[1]), builder.fadd(a[2], a[3])), tot)
        with cgutils.for_range_slice(builder, n4, ip_v, ir.Constant(i64, 1), inc=True) as (row, _):
            builder.store(builder.fadd(builder.load(tot), term(row)), tot)
        builder.store(builder.load(tot), builder.bitcast(dptr, vptr), align=8)
        return context.get_dummy_value()

    return sig, codegen
