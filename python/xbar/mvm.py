"""SAR ADC and bit-sliced weights: MVM, OPA and carry resolution
(xbar/mvm.h).

    adc = xbar.Sar({"bits": 8, "sigma_cu": 0.01}, seed=3)
    adc.convert(vin)                    # codes, vectorised
    t, dnl, inl = adc.code_density(64)
    w = xbar.Sliced(64, 32, d=[2, 2, 2, 2], p=[4, 4, 4, 4])
    w.set(W); y = w.mvm(x, xbits=8, adc=None)   # exact integer x^T W
    w.opa(b, a); w.crs()
"""
import ctypes as C

import numpy as np

from ._lib import lib
from ._handle import Owned
from ._arrays import as_array, ptr
from .errors import Err, check
from . import params as _params

__all__ = ["Sar", "Sliced", "SLICES_MAX"]

SLICES_MAX = 32     # XB_SLICES_MAX of xbar/mvm.h (the struct's array size)


class _SlicingC(C.Structure):
    _fields_ = [("S", C.c_int), ("d", C.c_int * SLICES_MAX),
                ("p", C.c_int * SLICES_MAX)]


class Sar(Owned):
    """A behavioral charge-redistribution SAR ADC (xb_sar); the capacitor
    mismatch of instance `seed` is drawn once."""

    def __init__(self, params=None, seed=0):
        p = _params.SarParams.coerce(params)
        e = Err()
        h = lib.xb_sar_create(None if p is None else p._ptr(), int(seed),
                              C.byref(e))
        self._take(h, e, lib.xb_sar_free)

    @property
    def params(self):
        return _params.SarParams._from_address(lib.xb_sar_params_of(self._h))

    @property
    def bits(self):
        return self.params.bits

    def caps(self):
        """The n + 1 capacitors (F): dummy unit first, then 2^k units."""
        out = np.empty(self.bits + 1)
        lib.xb_sar_caps(self._h, ptr(out))
        return out

    def levels(self):
        """DAC level of every code 0 .. 2^n - 1 (V)."""
        h = self._h
        return np.array([lib.xb_sar_level(h, c)
                         for c in range(1 << self.bits)])

    def convert(self, vin, k=0, pos=0):
        """Code(s) of vin (V) at k bits (0: full resolution); pos names
        each conversion in the noise stream (broadcast with vin)."""
        h = self._h
        va = as_array(vin, np.float64, "vin")
        pa = as_array(pos, np.uint64, "pos")
        va, pa = np.broadcast_arrays(va, pa)
        out = np.empty(va.shape, np.uint32)
        for i in np.ndindex(va.shape):
            out[i] = lib.xb_sar_convert(h, float(va[i]), int(k), int(pa[i]))
        return int(out) if out.ndim == 0 else out

    def code_density(self, per_lsb=64):
        """Ramp-histogram measurement: (transitions t (V), DNL, INL (LSB))."""
        n = 1 << self.bits
        t, dnl, inl = np.empty(n), np.empty(n), np.empty(n)
        e = Err()
        check(lib.xb_sar_code_density(self._h, int(per_lsb), ptr(t),
                                      ptr(dnl), ptr(inl), C.byref(e)), e)
        return t, dnl, inl


class Sliced(Owned):
    """R x C signed integer weights on S slices (xb_sliced): slice s
    holds d[s] data bits in cells of p[s] >= d[s] bits."""

    def __init__(self, rows, cols, d, p=None):
        d = [int(x) for x in d]
        p = list(d) if p is None else [int(x) for x in p]
        if len(d) != len(p) or not 1 <= len(d) <= SLICES_MAX:
            raise ValueError("d and p: one entry per slice, 1..%d slices"
                             % SLICES_MAX)
        lay = _SlicingC()
        lay.S = len(d)
        for s, (ds, ps) in enumerate(zip(d, p)):
            lay.d[s], lay.p[s] = ds, ps
        e = Err()
        h = lib.xb_sliced_create(int(rows), int(cols), C.byref(lay),
                                 C.byref(e))
        self._take(h, e, lib.xb_sliced_free)
        self.shape = (int(rows), int(cols))

    @property
    def layout(self):
        """(d, p): data and cell bits of each slice."""
        lay = _SlicingC.from_address(lib.xb_sliced_layout(self._h))
        return list(lay.d[:lay.S]), list(lay.p[:lay.S])

    def set(self, W):
        """Program W (R x C integers) in canonical form."""
        wa = as_array(W, np.int64, "W", shape=self.shape)
        e = Err()
        check(lib.xb_sliced_set(self._h, ptr(wa), C.byref(e)), e)

    def get(self):
        """The weights the cells hold (R x C, int64)."""
        out = np.empty(self.shape, np.int64)
        lib.xb_sliced_get(self._h, ptr(out))
        return out

    def levels(self, s):
        """Cell levels of slice s (R x C, int32), a copy."""
        S = len(self.layout[0])
        if not 0 <= int(s) < S:
            raise IndexError("slice %d out of range [0, %d)" % (s, S))
        q = lib.xb_sliced_levels(self._h, int(s))
        return np.ctypeslib.as_array(C.cast(q, C.POINTER(C.c_int32)),
                                     shape=self.shape).copy()

    def saturated(self, s):
        S = len(self.layout[0])
        if not 0 <= int(s) < S:
            raise IndexError("slice %d out of range [0, %d)" % (s, S))
        return lib.xb_sliced_saturated(self._h, int(s))

    def crs(self):
        """Carry resolution: read W back and rewrite it canonically."""
        e = Err()
        check(lib.xb_sliced_crs(self._h, C.byref(e)), e)

    def opa(self, b, a):
        """W_ij += b_i a_j through the slices; returns the number of
        clipped cell updates (0: exact)."""
        R, Cn = self.shape
        ba = as_array(b, np.int32, "b", size=R)
        aa = as_array(a, np.int32, "a", size=Cn)
        clipped = C.c_size_t()
        e = Err()
        check(lib.xb_sliced_opa(self._h, ptr(ba), ptr(aa), C.byref(clipped),
                                C.byref(e)), e)
        return clipped.value

    def mvm(self, x, xbits, adc=None, pos=0):
        """y = x^T W (C entries, int64) for xbits-bit signed inputs, fed
        bit-serially; adc a Sar (None: ideal and exact)."""
        R, Cn = self.shape
        xa = as_array(x, np.int64, "x", size=R)
        if adc is not None and not isinstance(adc, Sar):
            raise TypeError("adc: a Sar or None")
        y = np.empty(Cn, np.int64)
        e = Err()
        check(lib.xb_sliced_mvm(self._h, ptr(xa), int(xbits),
                                None if adc is None else adc._h, int(pos),
                                ptr(y), C.byref(e)), e)
        return y
