"""The pulse-overlap parallel write (xbar/write.h).

    w = xbar.OverlapWrite({"reps": 4})       # WriteParams or dict
    w.z_window(z=5, h=0)                     # (t0, t1) of a Z window, s
    w.r_pulses(r=-3, q=0)                    # pulse start times, half
    w.overlap(r, z)                          # overlap times, vectorised
    stats = w.write_parallel(array, cells, r, z)   # writes the cells
"""
import ctypes as C
from collections import namedtuple

import numpy as np

from ._lib import lib
from ._arrays import as_array, ptr
from .errors import Err, check
from . import params as _params
from .array import Array
from .device import Cells

__all__ = ["OverlapWrite", "WriteStats", "write_parallel"]


class _WStatsC(C.Structure):
    _fields_ = [("slices", C.c_int), ("seconds", C.c_double),
                ("v_full_min", C.c_double), ("v_half_max", C.c_double)]


WriteStats = namedtuple("WriteStats", "slices seconds v_full_min v_half_max")


class OverlapWrite:
    """The write's timing and drive (WriteParams) with its generators."""

    def __init__(self, params=None):
        p = _params.WriteParams.coerce(params)
        p = _params.WriteParams() if p is None else p.copy()
        self.params = p.check()

    def z_window(self, z, h):
        """[t0, t1) (s) of the Z window of value z in half h (0, 1)."""
        t0, t1 = C.c_double(), C.c_double()
        e = Err()
        check(lib.xb_write_z_window(self.params._ptr(), int(z), int(h),
                                    C.byref(t0), C.byref(t1), C.byref(e)), e)
        return t0.value, t1.value

    def r_pulses(self, r, q=0):
        """(start times (s), half) of the r pulses of repetition q."""
        cap = max(self.params.r_levels, 1)
        st = np.empty(cap)
        n, h = C.c_int(), C.c_int()
        e = Err()
        check(lib.xb_write_r_pulses(self.params._ptr(), int(r), int(q),
                                    ptr(st), cap, C.byref(n), C.byref(h),
                                    C.byref(e)), e)
        return st[:n.value].copy(), h.value

    def _table(self, fn, r, z):
        ra = as_array(r, np.int32, "r")
        za = as_array(z, np.int32, "z")
        ra, za = np.broadcast_arrays(ra, za)
        out = np.empty(ra.shape)
        p = self.params._ptr()
        for k in np.ndindex(ra.shape):
            out[k] = fn(p, int(ra[k]), int(za[k]))
        return float(out) if out.ndim == 0 else out

    def overlap(self, r, z):
        """Signed overlap time(s) (s) of r's pulses with z's windows."""
        return self._table(lib.xb_write_overlap, r, z)

    def ideal(self, r, z):
        """The ideal product a continuous pulse density would give (s)."""
        return self._table(lib.xb_write_ideal, r, z)

    def write_parallel(self, array, cells, r, z):
        """Write cells (attached to array) by row values r and column
        values z; returns WriteStats."""
        if not isinstance(array, Array) or not isinstance(cells, Cells):
            raise TypeError("write_parallel(array: Array, cells: Cells, ...)")
        n, m = array.shape
        ra = as_array(r, np.int32, "r", size=n)
        za = as_array(z, np.int32, "z", size=m)
        st = _WStatsC()
        e = Err()
        check(lib.xb_write_parallel(array._h, cells._h, self.params._ptr(),
                                    ptr(ra), ptr(za), C.byref(st),
                                    C.byref(e)), e)
        return WriteStats(st.slices, st.seconds, st.v_full_min, st.v_half_max)


def write_parallel(array, cells, r, z, params=None):
    """OverlapWrite(params).write_parallel(array, cells, r, z)."""
    return OverlapWrite(params).write_parallel(array, cells, r, z)
