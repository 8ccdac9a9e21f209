"""Monte Carlo studies (xbar/mc.h): sampling, the ordered resumable CSV
runner and its summaries.

    s = xbar.Study.load("models/mc_fig220_se.ini")   # or Study([...], N)
    x = s.samples_matrix()             # N x P parameter values
    def model(i, x):                   # one sample: any xbar computation
        with xbar.ReadCircuit("se_adaptive", {"v_th": x[0]}) as r:
            return [r.count(3e-6)]
    res = s.run(model, ["spikes"], output="out.csv")
    res["spikes"], res["v_th"]         # numpy structured array of the CSV
    xbar.summarize(res["spikes"])      # mean, sigma, quantiles

The model is called by xb_mc_run, which does the sampling, the ordering
and the writing; results are read back through the library's column
reader (xb_mc_read_column). The model runs in Python, so threads only
interleave it under the GIL: keep threads=1 unless it spends its time in C.
"""
import ctypes as C
import os

import numpy as np

from ._lib import lib, libc_free
from ._handle import Owned
from ._arrays import as_array, ptr
from .errors import Err, check, raise_err, XbarError

__all__ = ["Study", "read_results", "summarize", "DIST"]

DIST = {"normal": 0, "lognormal": 1, "uniform": 2, "truncnormal": 3}
_DIST_NAME = {v: k for k, v in DIST.items()}


class _ParamC(C.Structure):
    _fields_ = [("name", C.c_char * 64), ("dist", C.c_int),
                ("mean", C.c_double), ("sigma", C.c_double),
                ("lo", C.c_double), ("hi", C.c_double)]


class _SummaryC(C.Structure):
    _fields_ = [("n", C.c_size_t), ("n_nan", C.c_size_t)] + \
        [(k, C.c_double) for k in ("mean", "sigma", "min", "max", "q05",
                                   "q25", "q50", "q75", "q95")]


_MODEL = C.CFUNCTYPE(C.c_int, C.c_void_p, C.c_size_t,
                     C.POINTER(C.c_double), C.POINTER(C.c_double),
                     C.c_void_p)
_PROGRESS = C.CFUNCTYPE(C.c_int, C.c_void_p, C.c_size_t, C.c_size_t)
_EEXTERNAL = -15


class Study(Owned):
    """A study: parameters drawn by plain or Latin hypercube sampling.

    Study(params, samples, seed=1, lhs=True): params a list of dicts
    {name, dist ('normal', 'lognormal', 'uniform', 'truncnormal'), mean,
    sigma, lo, hi}. Study.load(path) reads a study file."""

    def __init__(self, params, samples, seed=1, lhs=True):
        arr = (_ParamC * max(len(params), 1))()
        for k, q in enumerate(params):
            d = dict(q)
            name = d.pop("name")
            if len(name.encode()) >= 64:
                raise ValueError("parameter name too long: %r" % name)
            arr[k].name = name.encode()
            dist = d.pop("dist", "normal")
            if dist not in DIST:
                raise ValueError("dist of %s: one of %s" % (name, list(DIST)))
            arr[k].dist = DIST[dist]
            for f in ("mean", "sigma", "lo", "hi"):
                setattr(arr[k], f, float(d.pop(f, 0.0)))
            if d:
                raise ValueError("unknown keys for %s: %s" % (name, list(d)))
        e = Err()
        h = lib.xb_mc_study_create(arr, len(params), int(samples), int(seed),
                                   1 if lhs else 0, C.byref(e))
        self._init(h, e)

    def _init(self, h, e):
        self._take(h, e, lib.xb_mc_study_free)

    @classmethod
    def load(cls, path):
        e = Err()
        s = cls.__new__(cls)
        s._init(lib.xb_mc_study_load(str(path).encode(), C.byref(e)), e)
        return s

    def __len__(self):
        return lib.xb_mc_study_samples(self._h)

    @property
    def params(self):
        """The parameters: list of dicts (name, dist, mean, sigma, lo, hi)."""
        h = self._h
        out = []
        for k in range(lib.xb_mc_study_nparams(h)):
            p = _ParamC.from_address(lib.xb_mc_study_param(h, k))
            out.append({"name": p.name.decode(),
                        "dist": _DIST_NAME.get(p.dist, p.dist),
                        "mean": p.mean, "sigma": p.sigma, "lo": p.lo,
                        "hi": p.hi})
        return out

    @property
    def names(self):
        return [p["name"] for p in self.params]

    def find(self, name):
        """Index of parameter `name`, or -1."""
        return lib.xb_mc_study_find(self._h, str(name).encode())

    def get(self, key):
        """A [study] key of a loaded file (output resolved), or None."""
        v = lib.xb_mc_study_get(self._h, str(key).encode())
        return None if v is None else v.decode()

    def sample(self, i):
        """The parameter values of sample i."""
        h = self._h
        if not 0 <= int(i) < len(self):
            raise IndexError("sample %d out of range [0, %d)" % (i, len(self)))
        x = np.empty(lib.xb_mc_study_nparams(h))
        lib.xb_mc_sample(h, int(i), ptr(x))
        return x

    def samples_matrix(self):
        """All samples, N x P."""
        return np.array([self.sample(i) for i in range(len(self))])

    def quantile(self, p, u):
        """Inverse CDF of parameter p (index or name) at u in (0, 1)."""
        h = self._h
        k = self.find(p) if isinstance(p, str) else int(p)
        if not 0 <= k < lib.xb_mc_study_nparams(h):
            raise KeyError(p)
        q = lib.xb_mc_study_param(h, k)
        ua = as_array(u, np.float64, "u")
        out = np.vectorize(lambda v: lib.xb_mc_quantile(q, float(v)),
                           otypes=[np.float64])(ua)
        return float(out) if out.ndim == 0 else out

    def run(self, model, outputs, output=None, resume=False, threads=1,
            progress=None):
        """Run the study: model(i, x) -> the n outputs of sample i (x its
        parameter values). xb_mc_run writes the CSV `output` (default: the
        study file's output key) in sample order; resume=True continues a
        partial file. progress(done, total) -> truthy to stop. Returns the
        results as a numpy structured array (read_results)."""
        h = self._h
        outputs = [str(o) for o in outputs]
        n_out = len(outputs)
        path = output if output is not None else self.get("output")
        if not path:
            raise ValueError("no output file: give output= (the study has "
                             "no output key)")
        path = os.fspath(path)
        names = (C.c_char_p * max(n_out, 1))(*[o.encode() for o in outputs])
        cap = 256
        while True:                  # -1 until the buffer holds the header
            hdr = C.create_string_buffer(cap)
            if lib.xb_mc_header(h, names, n_out, hdr, cap) >= 0:
                break
            cap *= 2
        e = Err()
        done = C.c_size_t()
        o = lib.xb_mc_out_open(path.encode(), hdr.value, len(self),
                               1 if resume else 0, C.byref(done), C.byref(e))
        if not o:
            raise_err(e.code, e)
        failure = []

        def cb(ctx, i, x, y, err):
            try:
                xs = np.ctypeslib.as_array(x, shape=(
                    lib.xb_mc_study_nparams(h),)).copy()
                vals = np.asarray(model(int(i), xs), dtype=np.float64)
                if vals.shape != (n_out,):
                    raise ValueError("model returned %s values for %d outputs"
                                     % (vals.shape, n_out))
                for k in range(n_out):
                    y[k] = vals[k]
                return 0
            except BaseException as ex:          # reported after the run
                failure.append(ex)
                if isinstance(ex, XbarError):
                    return ex.code
                return _EEXTERNAL

        def pcb(user, d, total):
            try:
                return 1 if progress(int(d), int(total)) else 0
            except BaseException as ex:
                failure.append(ex)
                return 1

        mfn = _MODEL(cb)
        pfn = _PROGRESS(pcb) if progress is not None else None
        e2 = Err()
        st = lib.xb_mc_run(h, mfn, None, n_out, o, done.value, int(threads),
                           pfn, None, C.byref(e2))
        e3 = Err()
        st_close = lib.xb_mc_out_close(o, C.byref(e3))
        if failure:
            raise failure[0]
        check(st, e2)
        check(st_close, e3)
        return read_results(path)


def read_results(path):
    """A study's result CSV as a numpy structured array: the columns of its
    header (sample as int64, the others float64), each read by the
    library's column reader."""
    path = os.fspath(path)
    try:
        with open(path) as f:
            header = f.readline().rstrip("\n")
    except OSError as ex:
        from .errors import IOError_
        raise IOError_("cannot open %s: %s" % (path, ex.strerror),
                       file=path) from None
    cols = header.split(",")
    data = []
    for c in cols:
        v = C.POINTER(C.c_double)()
        n = C.c_size_t()
        e = Err()
        check(lib.xb_mc_read_column(path.encode(), c.encode(), C.byref(v),
                                    C.byref(n), C.byref(e)), e)
        try:
            data.append(np.ctypeslib.as_array(v, shape=(n.value,)).copy()
                        if n.value else np.empty(0))
        finally:
            libc_free(v)
    n = min(len(d) for d in data) if data else 0
    dt = [(c, np.int64 if c == "sample" else np.float64) for c in cols]
    out = np.empty(n, dtype=dt)
    for c, d in zip(cols, data):
        out[c] = d[:n]
    return out


def summarize(values):
    """xb_mc_summarize: n, n_nan, mean, sigma, min, max and the 5, 25, 50,
    75, 95% quantiles of the values (NaN counted apart), as a dict."""
    v = np.array(as_array(values, np.float64, "values").reshape(-1))
    s = _SummaryC()
    lib.xb_mc_summarize(ptr(v), v.size, C.byref(s))
    return {k: getattr(s, k) for k, _ in _SummaryC._fields_}
