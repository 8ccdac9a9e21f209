"""Crosspoint arrays: the exact DC solve of the resistive network
(xbar/array.h).

    a = xbar.Array(g, rw_row=0.634, rw_col=0.634)     # g: N x M, S
    r = a.read(v)                   # rows driven at v, columns sensed at 0
    r.i, r.v_row, r.v_col           # column currents (A), node voltages (V)
    a.read(v, mode="bias", v_bias=0.1, active=mask)   # unselected at 0.1 V
    a.read(x, axis="col")           # the transpose: columns in, rows out
    vc = a.bias_write(v_row, v_col) # V/2 write: every cell's voltage
    a.set_solver({"solver": 1})     # the KLU reference

Axes are "row"/"col" (or 0/1, xb_axis); line modes "float", "drive",
"sense" (or 0/1/2, xb_line_mode). Conductance matrices are N x M,
row-major, as in C; results come back as new numpy arrays.
"""
import ctypes as C
from collections import namedtuple

import numpy as np

from ._lib import lib
from ._handle import Owned
from ._arrays import as_array, ptr
from .errors import Err, check
from . import params as _params
from .device import Cells

__all__ = ["Array", "Line", "SolveStats", "ReadResult", "axis_code"]


class _LineC(C.Structure):
    _fields_ = [("mode", C.c_int), ("v", C.c_double), ("ends", C.c_int),
                ("r", C.c_double)]


class _StatsC(C.Structure):
    _fields_ = [("iterations", C.c_int), ("newton", C.c_int),
                ("err_bound", C.c_double), ("seconds", C.c_double)]


Line = namedtuple("Line", "mode v ends r")
Line.__doc__ = "A line's boundary condition: mode (0 float, 1 drive, " \
    "2 sense), source v (V), ends (1 near, 2 far, 3 both), r (Ohm)."
SolveStats = namedtuple("SolveStats", "iterations newton err_bound seconds")
ReadResult = namedtuple("ReadResult", "i v_row v_col")
ReadResult.__doc__ = "A read: the sensed line currents i (A), and the row " \
    "and column node voltages (N x M, V; None with nodes=False)."

_AXES = {"row": 0, "rows": 0, "col": 1, "cols": 1, "column": 1,
         "columns": 1, 0: 0, 1: 1}
_MODES = {"float": 0, "drive": 1, "sense": 2, 0: 0, 1: 1, 2: 2}
_UNSEL = {"float": 0, "bias": 1, "drive": 1, 0: 0, 1: 1}


def axis_code(axis):
    try:
        return _AXES[axis]
    except (KeyError, TypeError):
        raise ValueError("axis: 'row' or 'col', got %r" % (axis,)) from None


def _unselected(mode):
    try:
        return _UNSEL[mode]
    except (KeyError, TypeError):
        raise ValueError("mode: 'float' (unselected lines float) or 'bias' "
                         "(driven at v_bias), got %r" % (mode,)) from None


def _outputs(out, nodes, ishape, nshape):
    out = tuple(out)
    want = [ishape] + ([nshape, nshape] if nodes else [])
    if len(out) < len(want):
        raise ValueError("out: %d arrays needed" % len(want))
    for a, shp in zip(out, want):
        if not (isinstance(a, np.ndarray) and a.dtype == np.float64 and
                a.shape == shp and a.flags.c_contiguous and
                a.flags.writeable):
            raise ValueError("out: writeable C-contiguous float64 arrays "
                             "of shapes %s" % (want,))
    return (out[0],) + ((out[1], out[2]) if nodes else (None, None))


class Array(Owned):
    """An N x M passive crosspoint array (xb_array).

    Array(g=None, shape=None, params=None, rw_row=None, rw_col=None):
    g the N x M conductances (S; or give shape and set them later),
    params an ArrayParams or dict (wiring and solver), rw_row / rw_col a
    uniform resistance per segment (Ohm, into params) or the per-segment
    arrays of xb_array_set_rw (rows N x (M-1), columns (N-1) x M)."""

    def __init__(self, g=None, shape=None, params=None, rw_row=None,
                 rw_col=None):
        if g is not None:
            ga = as_array(g, np.float64, "g")
            if ga.ndim != 2:
                raise ValueError("g: an N x M matrix, got shape %s"
                                 % (ga.shape,))
            shape = ga.shape
        elif shape is None:
            raise ValueError("give g or shape")
        n, m = (int(s) for s in shape)
        p = _params.ArrayParams.coerce(params)
        p = _params.ArrayParams() if p is None else p.copy()
        seg = {}
        for axis, rw in ((0, rw_row), (1, rw_col)):
            if rw is None:
                continue
            if np.ndim(rw) == 0:
                setattr(p, ("rw_row", "rw_col")[axis], float(rw))
            else:
                seg[axis] = rw
        e = Err()
        h = lib.xb_array_create(n, m, p._ptr(), C.byref(e))
        self._take(h, e, lib.xb_array_free)
        self._cells = None
        self.shape = (n, m)
        if g is not None:
            self.set_g(ga)
        for axis, rw in seg.items():
            self.set_rw(axis, rw)

    @classmethod
    def from_cells(cls, cells, shape, params=None, rw_row=None, rw_col=None):
        """An array whose conductances (and I-V) are those of `cells`
        (exactly N*M, row-major), read at every solve."""
        a = cls(shape=shape, params=params, rw_row=rw_row, rw_col=rw_col)
        a.set_cells(cells)
        return a

    # ---- settings ----
    @property
    def rows(self):
        return lib.xb_array_rows(self._h)

    @property
    def cols(self):
        return lib.xb_array_cols(self._h)

    @property
    def params(self):
        return _params.ArrayParams._from_address(
            lib.xb_array_params_of(self._h))

    def set_solver(self, params):
        """Solver settings (solver: 0 fast, 1 KLU; tol, maxit, newton_*)
        from an ArrayParams or a dict of those fields (the others keep
        their values)."""
        if isinstance(params, dict):
            p = self.params
            for k, v in params.items():
                setattr(p, k, v)
        else:
            p = _params.ArrayParams.coerce(params)
        e = Err()
        check(lib.xb_array_set_solver(self._h, p._ptr(), C.byref(e)), e)

    def _detach_cells(self):
        if self._cells is not None:
            res, self._cells = self._cells, None
            self._res.parents = tuple(q for q in self._res.parents
                                      if q is not res)
            res.refs -= 1
            res._maybe_free()

    def set_g(self, g):
        """Cell conductances, N x M (S), copied; detaches attached cells."""
        ga = as_array(g, np.float64, "g", shape=self.shape)
        e = Err()
        check(lib.xb_array_set_g(self._h, ptr(ga), C.byref(e)), e)
        self._detach_cells()

    def set_cells(self, cells):
        """Conductances (and nonlinear I-V) from cells of exactly N*M; the
        cells stay alive while attached."""
        if not isinstance(cells, Cells):
            raise TypeError("cells: a Cells is needed")
        e = Err()
        check(lib.xb_array_set_cells(self._h, cells._h, C.byref(e)), e)
        self._detach_cells()
        self._adopt(cells._res)
        self._cells = cells._res

    @property
    def g(self):
        """The conductances (N x M, S), a copy."""
        h = self._h
        return np.ctypeslib.as_array(
            C.cast(lib.xb_array_g(h), C.POINTER(C.c_double)),
            shape=self.shape).copy()

    def set_rw(self, axis, rw):
        """Per-segment wire resistances of `axis` (Ohm): rows N x (M-1),
        columns (N-1) x M; None restores the uniform value."""
        ax = axis_code(axis)
        n, m = self.shape
        e = Err()
        if rw is None:
            check(lib.xb_array_set_rw(self._h, ax, None, C.byref(e)), e)
            return
        shape = (n, m - 1) if ax == 0 else (n - 1, m)
        ra = as_array(rw, np.float64, "rw", shape=shape)
        check(lib.xb_array_set_rw(self._h, ax, ptr(ra), C.byref(e)), e)

    def _k(self, axis, k):
        ax = axis_code(axis)
        k = int(k)
        if not 0 <= k < self.shape[ax]:
            raise IndexError("line %d out of range [0, %d)"
                             % (k, self.shape[ax]))
        return ax, k

    def get_line(self, axis, k):
        ax, k = self._k(axis, k)
        l = _LineC()
        check(lib.xb_array_get_line(self._h, ax, k, C.byref(l)))
        return Line(l.mode, l.v, l.ends, l.r)

    def set_line(self, axis, k, mode, v=None, ends=None, r=None):
        """Boundary condition of line k: mode 'float'/'drive'/'sense', source
        v (V), ends 1 near / 2 far / 3 both, r (Ohm); fields not given keep
        the line's current values."""
        ax, k = self._k(axis, k)
        l = _LineC()
        check(lib.xb_array_get_line(self._h, ax, k, C.byref(l)))
        try:
            l.mode = _MODES[mode]
        except (KeyError, TypeError):
            raise ValueError("mode: 'float', 'drive' or 'sense', got %r"
                             % (mode,)) from None
        if v is not None:
            l.v = float(v)
        if ends is not None:
            l.ends = int(ends)
        if r is not None:
            l.r = float(r)
        e = Err()
        check(lib.xb_array_set_line(self._h, ax, k, C.byref(l), C.byref(e)),
              e)

    def drive(self, axis, k, v):
        ax, k = self._k(axis, k)
        e = Err()
        check(lib.xb_array_drive(self._h, ax, k, float(v), C.byref(e)), e)

    def sense(self, axis, k, v=0.0):
        ax, k = self._k(axis, k)
        e = Err()
        check(lib.xb_array_sense(self._h, ax, k, float(v), C.byref(e)), e)

    def float(self, axis, k):
        ax, k = self._k(axis, k)
        e = Err()
        check(lib.xb_array_float(self._h, ax, k, C.byref(e)), e)

    # ---- solving and results ----
    def solve(self):
        """Solve with the current settings; returns the SolveStats."""
        e = Err()
        check(lib.xb_array_solve(self._h, C.byref(e)), e)
        return self.stats

    @property
    def stats(self):
        s = _StatsC()
        check(lib.xb_array_stats(self._h, C.byref(s)))
        return SolveStats(s.iterations, s.newton, s.err_bound, s.seconds)

    def node_v(self):
        """(v_row, v_col), N x M each, of the last solve."""
        vr, vc = np.empty(self.shape), np.empty(self.shape)
        check(lib.xb_array_node_v(self._h, ptr(vr), ptr(vc)))
        return vr, vc

    def cell_v(self):
        out = np.empty(self.shape)
        check(lib.xb_array_cell_v(self._h, ptr(out)))
        return out

    def cell_i(self):
        out = np.empty(self.shape)
        check(lib.xb_array_cell_i(self._h, ptr(out)))
        return out

    def line_i(self, axis):
        """Current from each line of `axis` into its source(s) (A)."""
        ax = axis_code(axis)
        out = np.empty(self.shape[ax])
        check(lib.xb_array_line_i(self._h, ax, ptr(out)))
        return out

    def residual(self):
        r = C.c_double()
        e = Err()
        check(lib.xb_array_residual(self._h, C.byref(r), C.byref(e)), e)
        return r.value

    def read(self, v, axis="row", mode="float", active=None, v_bias=0.0,
             v_sense=0.0, nodes=True, out=None):
        """Read (xb_array_read): lines of `axis` with active[k] (None: all)
        driven at v[k], the inactive ones floating (mode 'float') or driven
        at v_bias (mode 'bias'), every line of the other axis sensed at
        v_sense. Returns ReadResult(i, v_row, v_col): the sensed currents
        (axis 'row': D.v, one per column) and, unless nodes=False, the node
        voltages of the solved network. out=(i, v_row, v_col) (or (i,)
        with nodes=False): C-contiguous float64 arrays of those shapes to
        fill and return instead of new ones, for loops that read often
        (new arrays cost page faults of their own on large arrays)."""
        h = self._h
        ax = axis_code(axis)
        un = _unselected(mode)
        n_in, n_out = self.shape[ax], self.shape[1 - ax]
        va = as_array(v, np.float64, "v", size=n_in)
        act = None if active is None else \
            as_array(np.asarray(active) != 0, np.uint8, "active", size=n_in)
        if out is None:
            cur = np.empty(n_out)
            vr = vc = None
            if nodes:
                vr, vc = np.empty(self.shape), np.empty(self.shape)
        else:
            cur, vr, vc = _outputs(out, nodes, (n_out,), self.shape)
        e = Err()
        check(lib.xb_array_read(h, ax, ptr(va), ptr(act), un, float(v_bias),
                                float(v_sense), ptr(cur), C.byref(e)), e)
        if nodes:
            lib.xb_array_node_v(h, ptr(vr), ptr(vc))
        return ReadResult(cur, vr, vc)

    def bias_write(self, v_row, v_col):
        """Drive every row at v_row[i], every column at v_col[j] and solve;
        returns the cell voltages V_row - V_col (N x M) of the V/2 scheme."""
        n, m = self.shape
        vr = as_array(v_row, np.float64, "v_row", size=n)
        vc = as_array(v_col, np.float64, "v_col", size=m)
        e = Err()
        check(lib.xb_array_bias_write(self._h, ptr(vr), ptr(vc), C.byref(e)),
              e)
        return self.cell_v()

    def __repr__(self):
        return "<Array %dx%d%s>" % (self.shape + (
            " closed" if self.closed else "",))
