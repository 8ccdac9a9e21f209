"""Devices, cells and the pulse-response fitter (xbar/device.h).

    d = xbar.Device.load("models/pcmo_park2013.ini")
    d = xbar.Device("linear", {"gmin": 1e-8, "gmax": 1e-7, "levels": 64})
    with xbar.Cells(d, 100, seed=1) as c:
        c.pulse_all(np.full(100, 2.0), 1e-3)     # one full LTP pulse each
        g = c.g                                   # numpy copy, S
    fit = xbar.fit(pulses, g_measured)           # a, b, g0, dir, rms

A Device is immutable; Cells keep their device alive (the C rule "cells
before their device" holds whatever order the Python objects go in).
"""
import ctypes as C
from collections import namedtuple

import numpy as np

from ._lib import lib
from ._handle import Owned
from ._arrays import as_array, ptr
from .errors import Err, check
from . import params as _params

__all__ = ["Device", "Cells", "ExpFit", "fit", "device_types", "exp_b",
           "exp_a_from_nl", "exp_max_deviation"]


class _TypeC(C.Structure):
    """The leading fields of struct xb_device_type."""
    _fields_ = [("name", C.c_char_p), ("desc", C.c_char_p),
                ("params", C.c_void_p), ("nstate", C.c_uint)]


class _LutDataC(C.Structure):
    _fields_ = [("p_ltp", C.c_void_p), ("g_ltp", C.c_void_p),
                ("n_ltp", C.c_size_t), ("p_ltd", C.c_void_p),
                ("g_ltd", C.c_void_p), ("n_ltd", C.c_size_t)]


class _ExpFitC(C.Structure):
    _fields_ = [("a", C.c_double), ("b", C.c_double), ("g0", C.c_double),
                ("dir", C.c_int), ("rms", C.c_double)]


def _type(name):
    t = lib.xb_device_type_find(str(name).encode())
    if not t:
        from .errors import UnknownTypeError
        raise UnknownTypeError("unknown device type '%s'" % name,
                               param="type")
    return t


def _type_info(t):
    s = _TypeC.from_address(t)
    return s.name.decode(), s.desc.decode(), \
        _params.class_for_set(s.params)


def device_types():
    """{name: description} of the built-in models."""
    out = {}
    for n in ("exp", "linear", "softbounds", "lut"):
        t = lib.xb_device_type_find(n.encode())
        if t:
            out[n] = _TypeC.from_address(t).desc.decode()
    return out


class Device(Owned):
    """A device model with its parameters (xb_device).

    Device(type, params=None, elec=None, var=None, table=None): type is
    "exp", "linear", "softbounds" or "lut"; params the model's Params (or a
    dict; None: defaults); elec an ElecParams, var a VarParams (None: no
    variation); table, for "lut", (p_ltp, g_ltp, p_ltd, g_ltd) arrays."""

    def __init__(self, type="exp", params=None, elec=None, var=None,
                 table=None):
        t = _type(type)
        _, _, P = _type_info(t)
        pp = P.coerce(params)
        el = _params.ElecParams.coerce(elec)
        vv = _params.VarParams.coerce(var)
        data = None
        keep = ()
        if table is not None:
            if len(table) != 4:
                raise ValueError("table: (p_ltp, g_ltp, p_ltd, g_ltd)")
            arrs = [as_array(x, np.float64, n) for x, n in
                    zip(table, ("p_ltp", "g_ltp", "p_ltd", "g_ltd"))]
            if arrs[0].size != arrs[1].size or arrs[2].size != arrs[3].size:
                raise ValueError("table: p and g of a branch differ in length")
            data = _LutDataC(arrs[0].ctypes.data, arrs[1].ctypes.data,
                             arrs[0].size, arrs[2].ctypes.data,
                             arrs[3].ctypes.data, arrs[2].size)
            keep = arrs
        e = Err()
        h = lib.xb_device_create(
            t, None if pp is None else pp._ptr(),
            None if data is None else C.byref(data),
            None if el is None else el._ptr(),
            None if vv is None else vv._ptr(), C.byref(e))
        del keep            # the device copied the tables
        self._init(h, e)

    def _init(self, h, e):
        self._take(h, e, lib.xb_device_free)

    @classmethod
    def _wrap(cls, h, e):
        d = cls.__new__(cls)
        d._init(h, e)
        return d

    @classmethod
    def load(cls, path):
        """A device from an .ini file (xb_device_load)."""
        e = Err()
        return cls._wrap(lib.xb_device_load(str(path).encode(), C.byref(e)),
                         e)

    def with_variation(self, var=None):
        """A copy with other variation parameters (None: none)."""
        vv = _params.VarParams.coerce(var)
        e = Err()
        return Device._wrap(lib.xb_device_with_variation(
            self._h, None if vv is None else vv._ptr(), C.byref(e)), e)

    def straight(self):
        """The straight-response (linear) twin (xb_device_straight)."""
        e = Err()
        return Device._wrap(lib.xb_device_straight(self._h, C.byref(e)), e)

    @property
    def name(self):
        return lib.xb_device_name(self._h).decode()

    @property
    def type(self):
        return _type_info(lib.xb_device_type_of(self._h))[0]

    @property
    def params(self):
        """A copy of the model parameters (the type's Params class)."""
        P = _type_info(lib.xb_device_type_of(self._h))[2]
        return P._from_address(lib.xb_device_params(self._h))

    @property
    def elec(self):
        return _params.ElecParams._from_address(lib.xb_device_elec(self._h))

    @property
    def variation(self):
        return _params.VarParams._from_address(
            lib.xb_device_variation(self._h))

    @property
    def bounds(self):
        """(Gmin, Gmax) in S."""
        lo, hi = C.c_double(), C.c_double()
        lib.xb_device_bounds(self._h, C.byref(lo), C.byref(hi))
        return lo.value, hi.value

    @property
    def levels(self):
        """Pulses of a full sweep Gmin -> Gmax; 0 for a model without."""
        return lib.xb_device_levels(self._h)

    def rate(self, v):
        """Signed pulse rate at voltage(s) v (xb_device_rate)."""
        h = self._h
        va = as_array(v, np.float64, "v")
        out = np.empty(va.shape)
        of, vf = out.reshape(-1), va.reshape(-1)
        for k in range(vf.size):
            of[k] = lib.xb_device_rate(h, vf[k])
        return out if out.ndim else float(out)

    def describe(self):
        n = lib.xb_device_describe(self._h, None, 0)
        buf = C.create_string_buffer(n + 1)
        lib.xb_device_describe(self._h, buf, n + 1)
        return buf.value.decode()

    def cells(self, n, seed=0):
        return Cells(self, n, seed)

    def __repr__(self):
        if self.closed:
            return "<Device closed>"
        return "<Device %s [%g, %g] S>" % ((self.type,) + self.bounds)


def _index(i, n):
    a = np.asarray(i)
    if a.dtype.kind not in "iu":
        raise TypeError("cell index must be an integer, got %s" % a.dtype)
    if np.any(a < 0) or np.any(a >= n):
        raise IndexError("cell index out of range [0, %d)" % n)
    return a.astype(np.int64)


class Cells(Owned):
    """n cells of a device, structure of arrays (xb_cells).

    Cells(device, n, seed=0): all at Gmin; per-cell variation drawn from
    streams keyed by (seed, index)."""

    def __init__(self, device, n, seed=0):
        if not isinstance(device, Device):
            raise TypeError("device: a Device is needed")
        n = int(n)
        if n < 0:
            raise ValueError("n must be >= 0")
        e = Err()
        h = lib.xb_cells_create(device._h, n, int(seed), C.byref(e))
        self._take(h, e, lib.xb_cells_free, parents=(device,))
        self.device = device
        self.seed = int(seed)

    def __len__(self):
        return lib.xb_cells_count(self._h)

    @property
    def g(self):
        """The conductances (S), a numpy copy."""
        h = self._h
        n = lib.xb_cells_count(h)
        if n == 0:
            return np.empty(0)
        return np.ctypeslib.as_array(
            C.cast(lib.xb_cells_g(h), C.POINTER(C.c_double)),
            shape=(n,)).copy()

    def _per_cell(self, fn, dtype):
        h = self._h
        n = lib.xb_cells_count(h)
        return np.array([fn(h, k) for k in range(n)], dtype=dtype)

    @property
    def gscale(self):
        return self._per_cell(lib.xb_cells_gscale, np.float64)

    @property
    def shape(self):
        return self._per_cell(lib.xb_cells_shape, np.float64)

    @property
    def stuck(self):
        """0 none, 1 stuck at Gmin, 2 at Gmax (enum xb_stuck)."""
        return self._per_cell(lib.xb_cells_stuck, np.int32)

    def state(self, i):
        s = (C.c_double * 2)()
        lib.xb_cells_state(self._h, int(_index(i, len(self))), s)
        return np.array(s[:])

    def set_g(self, g, i=None):
        """Program cells to conductance g (S): i None -> every cell (g a
        scalar: xb_cells_reset; an array of n: one each), else cell(s) i."""
        h = self._h
        e = Err()
        if i is None and np.ndim(g) == 0:
            check(lib.xb_cells_reset(h, float(g), C.byref(e)), e)
            return
        n = lib.xb_cells_count(h)
        idx = np.arange(n) if i is None else _index(i, n).reshape(-1)
        ga = np.broadcast_to(as_array(g, np.float64, "g"), idx.shape)
        for k, gk in zip(idx, ga):
            check(lib.xb_cells_set_g(h, int(k), float(gk), C.byref(e)), e)

    def pulse(self, i, v, width, count=1):
        """`count` pulses of amplitude v (V) and width (s) to cell(s) i."""
        h = self._h
        idx = _index(i, lib.xb_cells_count(h)).reshape(-1)
        va = np.broadcast_to(as_array(v, np.float64, "v"), idx.shape)
        if int(count) < 0:
            raise ValueError("count must be >= 0")
        e = Err()
        for k, vk in zip(idx, va):
            check(lib.xb_cells_pulse(h, int(k), float(vk), float(width),
                                     int(count), C.byref(e)), e)

    def pulse_all(self, v, width):
        """Parallel write: cell k gets one pulse of amplitude v[k] (V)."""
        h = self._h
        va = as_array(v, np.float64, "v", size=lib.xb_cells_count(h))
        e = Err()
        check(lib.xb_cells_pulse_all(h, ptr(va), float(width), C.byref(e)),
              e)

    def iv(self, i, v):
        """Noise-free read current(s) and dI/dV of cell(s) i at v."""
        h = self._h
        idx = _index(i, lib.xb_cells_count(h))
        va = as_array(v, np.float64, "v")
        idx, va = np.broadcast_arrays(idx, va)
        cur, did = np.empty(idx.shape), np.empty(idx.shape)
        x, y = C.c_double(), C.c_double()
        e = Err()
        for k in np.ndindex(idx.shape):
            check(lib.xb_cells_iv(h, int(idx[k]), float(va[k]), C.byref(x),
                                  C.byref(y), C.byref(e)), e)
            cur[k], did[k] = x.value, y.value
        if cur.ndim == 0:
            return float(cur), float(did)
        return cur, did

    def read(self, i, v, event=0):
        """Read current(s) with read noise of cell(s) i at v; the noise of
        (cell, event) is reproducible."""
        h = self._h
        idx = _index(i, lib.xb_cells_count(h))
        va = as_array(v, np.float64, "v")
        ev = as_array(event, np.uint64, "event")
        idx, va, ev = np.broadcast_arrays(idx, va, ev)
        out = np.empty(idx.shape)
        x = C.c_double()
        e = Err()
        for k in np.ndindex(idx.shape):
            check(lib.xb_cells_read(h, int(idx[k]), float(va[k]),
                                    int(ev[k]), C.byref(x), C.byref(e)), e)
            out[k] = x.value
        return float(out) if out.ndim == 0 else out


ExpFit = namedtuple("ExpFit", "a b g0 dir rms")
ExpFit.__doc__ = """G(p) = g0 + dir b (1 - exp(-p/a)): curvature a (pulses),
amplitude b (S), start g0 (S), dir +1 LTP / -1 LTD, rms residual (S)."""


def fit(p, g):
    """Least-squares fit of the exponential pulse response to measured
    (pulse, conductance) data (xb_exp_fit_data); DataError for too few,
    non-finite or flat data."""
    pa = as_array(p, np.float64, "p")
    ga = as_array(g, np.float64, "g")
    if pa.ndim != 1 or ga.shape != pa.shape:
        raise ValueError("p and g: 1-D arrays of one length, got %s and %s"
                         % (pa.shape, ga.shape))
    out = _ExpFitC()
    e = Err()
    check(lib.xb_exp_fit_data(ptr(pa), ptr(ga), pa.size, C.byref(out),
                              C.byref(e)), e)
    return ExpFit(out.a, out.b, out.g0, out.dir, out.rms)


def exp_b(a, levels, gmin, gmax):
    """B of Eq. 2.1/2.2 (xb_exp_b)."""
    return lib.xb_exp_b(float(a), float(levels), float(gmin), float(gmax))


def exp_a_from_nl(nl, levels):
    """A (pulses) of a NeuroSim nonlinearity label (xb_exp_a_from_nl)."""
    a = C.c_double()
    e = Err()
    check(lib.xb_exp_a_from_nl(float(nl), float(levels), C.byref(a),
                               C.byref(e)), e)
    return a.value


def exp_max_deviation(a, levels):
    return lib.xb_exp_max_deviation(float(a), float(levels))
