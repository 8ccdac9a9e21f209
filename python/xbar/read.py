"""Integrate-and-fire read circuits (xbar/read.h).

    r = xbar.ReadCircuit.load("models/read_se_65nm.ini")
    r = xbar.ReadCircuit("diff", {"window": 4e-9})
    r.count(np.linspace(0, 8e-6, 100))     # spike counts, vectorised
    r.events(5e-6, 10e-9)                   # rising-edge times (s)
    r.dz(array, z, zbits=4, v_read=0.2)     # D.z, bit-serial z
    spikes, times, st = r.transient(array, v)   # RC transient of the array
"""
import ctypes as C
from collections import namedtuple

import numpy as np

from ._lib import lib
from ._handle import Owned
from ._arrays import as_array, ptr
from .errors import Err, check, UnknownTypeError
from . import params as _params
from .array import Array, axis_code, _unselected

__all__ = ["ReadCircuit", "TransientStats", "thermometer", "encode"]


class _ReadTypeC(C.Structure):
    _fields_ = [("name", C.c_char_p), ("desc", C.c_char_p),
                ("has_atb", C.c_int), ("defaults", C.c_void_p)]


class _TrStatsC(C.Structure):
    _fields_ = [("steps", C.c_long), ("events", C.c_long),
                ("seconds", C.c_double)]


TransientStats = namedtuple("TransientStats", "steps events seconds")


def _per_code(fn, codes):
    """fn (a C function of one unsigned) over every entry of codes."""
    s = np.asarray(codes)
    out = np.vectorize(lambda k: fn(int(k)), otypes=[np.uint32])(s) \
        if s.size else np.empty(s.shape, np.uint32)
    return int(out) if out.ndim == 0 else out


def thermometer(spikes):
    """8-bit thermometer code(s) of spike count(s)."""
    return _per_code(lib.xb_read_thermometer, spikes)


def encode(thermo):
    """3-bit binary encoding(s) of thermometer code(s)."""
    return _per_code(lib.xb_read_encode, thermo)


class ReadCircuit(Owned):
    """A read circuit (xb_read): ReadCircuit(type="se_adaptive" | "diff",
    params=None), params a ReadParams or dict (None: the type's defaults;
    with a dict, the keys given replace the type's defaults)."""

    def __init__(self, type="se_adaptive", params=None):
        t = lib.xb_read_type_find(str(type).encode())
        if not t:
            raise UnknownTypeError("unknown read circuit type '%s'" % type,
                                   param="type")
        if isinstance(params, dict):
            base = _params.ReadParams()
            C.CFUNCTYPE(None, C.c_void_p)(
                _ReadTypeC.from_address(t).defaults)(base._ptr())
            for k, v in params.items():
                setattr(base, k, v)
            params = base
        p = _params.ReadParams.coerce(params)
        e = Err()
        h = lib.xb_read_create(t, None if p is None else p._ptr(),
                               C.byref(e))
        self._init(h, e)

    def _init(self, h, e):
        self._take(h, e, lib.xb_read_free)

    @classmethod
    def load(cls, path):
        """From an .ini file ([circuit] type, [read] parameters)."""
        e = Err()
        r = cls.__new__(cls)
        r._init(lib.xb_read_load(str(path).encode(), C.byref(e)), e)
        return r

    @property
    def type(self):
        return _ReadTypeC.from_address(
            lib.xb_read_type_of(self._h)).name.decode()

    @property
    def params(self):
        return _params.ReadParams._from_address(
            lib.xb_read_params_of(self._h))

    def threshold(self, current):
        """Effective upper threshold (V) at input current(s) (ATB)."""
        h = self._h
        c = as_array(current, np.float64, "current")
        out = np.empty(c.shape)
        of, cf = out.reshape(-1), c.reshape(-1)
        for k in range(cf.size):
            of[k] = lib.xb_read_threshold(h, cf[k])
        return float(out) if out.ndim == 0 else out

    def count(self, current):
        """Spike count(s) in the read window for constant current(s) (A);
        RangeError when the circuit would latch."""
        h = self._h
        c = as_array(current, np.float64, "current")
        out = np.empty(c.shape, np.int32)
        of, cf = out.reshape(-1), c.reshape(-1)
        s = C.c_int()
        e = Err()
        for k in range(cf.size):
            check(lib.xb_read_count(h, cf[k], C.byref(s), C.byref(e)), e)
            of[k] = s.value
        return int(out) if out.ndim == 0 else out

    def events(self, current, t_end=None, cap=4096):
        """Output rising-edge times (s) in [0, t_end] (default: the read
        window) at a constant current; at most `cap` are returned, and the
        full count is len() of the result only when it is below cap."""
        h = self._h
        t_end = self.params.window if t_end is None else float(t_end)
        times = np.empty(int(cap))
        n = C.c_size_t()
        e = Err()
        check(lib.xb_read_events(h, float(current), t_end, ptr(times),
                                 times.size, C.byref(n), C.byref(e)), e)
        return times[:min(n.value, times.size)].copy()

    def wave(self, current, t):
        """Node voltage and comparator output at the times t (increasing)."""
        ta = as_array(t, np.float64, "t")
        if ta.ndim != 1:
            raise ValueError("t: a 1-D array")
        v, o = np.empty(ta.size), np.empty(ta.size)
        e = Err()
        check(lib.xb_read_wave(self._h, float(current), ptr(ta), ta.size,
                               ptr(v), ptr(o), C.byref(e)), e)
        return v, o

    def dz(self, array, z, zbits=4, v_read=0.2, axis="row", mode="float",
           v_bias=0.0):
        """D.z (axis 'row') or D^T.z (axis 'col') with bit-serial z of
        zbits bits: the per-bit spike counts shifted and added."""
        if not isinstance(array, Array):
            raise TypeError("array: an Array is needed")
        ax = axis_code(axis)
        n_in, n_out = array.shape[ax], array.shape[1 - ax]
        za = as_array(z, np.uint32, "z", size=n_in)
        out = np.empty(n_out, np.int32)
        e = Err()
        check(lib.xb_read_dz(self._h, array._h, ax, ptr(za), int(zbits),
                             float(v_read), _unselected(mode), float(v_bias),
                             ptr(out), C.byref(e)), e)
        return out

    def transient(self, array, v, axis="row", active=None, mode="float",
                  v_bias=0.0, polarity=None, params=None, cap=0):
        """Transient read of the array's RC network (xb_read_transient):
        returns (spikes per sensed line, spike times (lines x cap) or None
        when cap = 0, TransientStats). params: TransientParams or dict."""
        if not isinstance(array, Array):
            raise TypeError("array: an Array is needed")
        ax = axis_code(axis)
        n_in, n_out = array.shape[ax], array.shape[1 - ax]
        va = as_array(v, np.float64, "v", size=n_in)
        act = None if active is None else \
            as_array(np.asarray(active) != 0, np.uint8, "active", size=n_in)
        pol = None if polarity is None else \
            as_array(polarity, np.int8, "polarity", size=n_out)
        tp = _params.TransientParams.coerce(params)
        spikes = np.empty(n_out, np.int32)
        cap = int(cap)
        times = np.full((n_out, cap), np.nan) if cap > 0 else None
        st = _TrStatsC()
        e = Err()
        check(lib.xb_read_transient(
            self._h, array._h, ax, ptr(va), ptr(act), _unselected(mode),
            float(v_bias), ptr(pol), None if tp is None else tp._ptr(),
            ptr(spikes), ptr(times), cap, C.byref(st), C.byref(e)), e)
        return spikes, times, TransientStats(st.steps, st.events, st.seconds)
