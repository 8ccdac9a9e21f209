"""The PARCA dictionary learner with scikit-learn's estimator conventions
(xbar/learn.h): non-negative sparse codes of image patches by ISTA/FISTA
and an SGD dictionary update, at ideal, behavioral or circuit fidelity.

    tr = xbar.patches(xbar.mnist_load(), 0, 8000, count=20000, seed=1)
    with xbar.ParcaLearner(atoms=100, lambda_=0.21, eta=0.08, fista=1,
                           dict_init="patches", seed=1) as est:
        est.fit(tr.x)                    # one pass of xb_learner_train
        Z = est.transform(te.x)          # codes, (n, atoms), >= 0
        est.evaluate(te.x)               # Eval(rel_err, psnr, mean_l0)
        est.components_                  # (atoms, dim) = D^T

Constructor arguments. The first ones are exactly the fields of
xb_learn_params, generated from its parameter table (same names, same
defaults, same order; `lambda` is spelled `lambda_`, a Python keyword):
atoms, iters, fista, lambda_, eta, batch, power_iters, fidelity, z_full,
r_full, v_read, dither, accum. Then the set-up that is not in the table:
  dict_init     None: the library's uniform [0, 1) dictionary from `seed`
                (xb_learner_create with D0 = NULL); "patches": atom a is the
                training patch floor(u_a n), u_a = xb_rng_uniform(seed,
                0xd0, a), as experiments/parca_demo.c and bench_parca.c
                start; or an array (atoms, dim) like components_ (or
                (dim, atoms), xbar's layout, when dim != atoms), entries in
                [0, 1];
  seed          the learner's seed (xb_learner_create; also the cells'
                draw at xb_learner_attach);
  device        fidelity 1 and 2: the device .ini, a path or the name of
                a preset in the models folder (default "pcmo_parca");
  read_circuit  an .ini path or preset name (default "read_diff_65nm"),
                or a read circuit type ("diff", "se_adaptive") with the
                library's defaults;
  write         the write timing: an .ini path or preset name ([write]
                section; default "parca_write"), a dict or a WriteParams;
  array         the wiring for fidelity 2: an ArrayParams, a dict or None
                (the library's defaults).
These are plain values (text, dicts, arrays), so sklearn.base.clone copies
them; the C objects they name are made at fit.

Following scikit-learn, __init__ only stores its arguments; they are
checked (through the library's table: RangeError naming the parameter and
its range) when fit or partial_fit makes the C learner. get_params /
set_params work as for any estimator (sklearn.base.clone,
sklearn.model_selection). The package does not need scikit-learn.

Methods.
  fit(X)          a new C learner (from dict_init), attached to the array
                  for fidelity >= 1, then one pass of xb_learner_train over
                  X in order (mini-batches of `batch`); returns self.
  partial_fit(X)  one more pass over X with the present learner (made as
                  in fit the first time). After set_params has changed a
                  constructor argument, a new C learner is made from the
                  present dictionary (and, at fidelity >= 1, attached
                  again: the cells are drawn anew).
  transform(X)    the codes Z (n, atoms) of xb_learner_encode through the
                  learner's fidelity (the array reads at fidelity 1, 2).
  evaluate(X)     Eval(rel_err, psnr, mean_l0) of xb_learner_evaluate:
                  ||X - Z D^T||_F / ||X||_F, PSNR and mean non-zeros.
  score(X)        -rel_err (scikit-learn's convention: greater is better).
  inverse_transform(Z)   Z @ components_, the reconstruction.
Attributes after fit: components_ (atoms, dim), a copy of the transpose of
xbar's dictionary D (dim, atoms), which xb_learner_dict reports (at fidelity
>= 1 the dictionary the conductances hold); dictionary_ (dim, atoms), D
itself; lipschitz_ (L of the last encode); writes_ (xb_learner_writes);
n_features_in_; n_patches_seen_.

Lifetime. The C learner (and the device and read circuit it borrows) is
freed by close(), at the end of a `with` block or by the finalizer; after
close() the estimator is unfitted again (fit makes a new learner). A
fitted learner cannot be pickled or deep-copied (its C state includes the
cells' random streams); clone() it, or save components_.

Inputs: X (n, dim) is converted to C-contiguous float64 (copied only when
needed) and must be finite; anything else is refused with ValueError or
TypeError before the C call. Nothing is computed in Python but the
transpose of D: codes, dictionary, errors and L are the library's, bit for
bit (python/tests/test_learn.py).
"""
import ctypes as C
import inspect
import keyword
import os
from collections import namedtuple

import numpy as np

from ._lib import lib, declare, path as _library_path
from ._handle import Owned
from ._arrays import as_array, ptr
from .errors import Err, check, StateError
from . import params as _params

__all__ = ["ParcaLearner", "DictionaryLearner", "Eval", "Writes",
           "models_dir"]

_P, _I, _Z, _U64, _D = C.c_void_p, C.c_int, C.c_size_t, C.c_uint64, \
    C.c_double


class _EvalC(C.Structure):
    """struct xb_learn_eval."""
    _fields_ = [("rel_err", C.c_double), ("psnr", C.c_double),
                ("mean_l0", C.c_double)]


class _WritesC(C.Structure):
    """struct xb_learn_writes."""
    _fields_ = [("patches", C.c_uint64), ("periods", C.c_uint64),
                ("pulses", C.c_uint64)]


declare("xb_learner_create", _P, [_I, _P, _P, _U64, _P])
declare("xb_learner_free", None, [_P])
declare("xb_learner_dict", C.POINTER(C.c_double), [_P])
declare("xb_learner_dim", _I, [_P])
declare("xb_learner_params", _P, [_P])
declare("xb_learner_encode", _I, [_P, _P, _Z, _P, _P])
declare("xb_learner_attach", _I, [_P, _P, _P, _P, _P, _P])
declare("xb_learner_train", _I, [_P, _P, _Z, _P, _P, _P])
declare("xb_learner_evaluate", _I, [_P, _P, _Z, _P, _P])
declare("xb_learner_writes", _WritesC, [_P])
declare("xb_learner_lipschitz", _D, [_P])
declare("xb_rng_uniform", _D, [_U64, _U64, _U64])

Eval = namedtuple("Eval", "rel_err psnr mean_l0")
Eval.__doc__ = "xb_learn_eval: relative error ||X - Z D^T||_F / ||X||_F, " \
    "PSNR (dB, pixels in [0, 1]) and mean non-zero code entries."
Writes = namedtuple("Writes", "patches periods pulses")
Writes.__doc__ = "xb_learn_writes: write activity since the attach."

LearnParams = _params.LearnParams

# Stream of the "patches" initial dictionary (parca_demo.c, bench_parca.c).
_INIT_STREAM = 0xd0


def models_dir():
    """The models folder: the source tree's (python/../models) or the
    installed one (<prefix>/share/xbar/models beside lib/libxbar.so)."""
    here = os.path.dirname(os.path.abspath(__file__))
    cands = [os.path.join(here, os.pardir, os.pardir, "models")]
    try:
        from . import _paths
        if getattr(_paths, "MODELS", None):
            cands.insert(0, _paths.MODELS)
    except ImportError:
        pass
    libdir = os.path.dirname(os.path.abspath(_library_path))
    cands += [os.path.join(libdir, os.pardir, "share", "xbar", "models"),
              os.path.join(libdir, os.pardir, os.pardir, "models")]
    for c in cands:
        if os.path.isdir(c):
            return os.path.normpath(c)
    raise FileNotFoundError("xbar: no models folder; tried " +
                            ", ".join(os.path.normpath(c) for c in cands))


def _preset(value, what):
    """An .ini path: `value` itself if it names a file, else the preset
    models/<value>.ini."""
    v = os.fspath(value)
    if os.path.exists(v):
        return v
    if os.sep not in v and not v.endswith(".ini"):
        p = os.path.join(models_dir(), v + ".ini")
        if os.path.exists(p):
            return p
    raise FileNotFoundError("%s: no file or preset '%s'" % (what, v))


class _Learner(Owned):
    """The C learner (xb_learner) and what it borrows."""

    def __init__(self, dim, p, D0, seed):
        e = Err()
        h = lib.xb_learner_create(dim, p._ptr(), ptr(D0), seed, C.byref(e))
        self._take(h, e, lib.xb_learner_free)

    def attach(self, device, read, write, array):
        e = Err()
        check(lib.xb_learner_attach(
            self._h, C.c_void_p(device._h), C.c_void_p(read._h),
            None if write is None else write._ptr(),
            None if array is None else array._ptr(), C.byref(e)), e)
        # d and r must outlive the learner
        self._adopt(device._res)
        self._adopt(read._res)


def _ctor_names():
    """(python name, table row) of the xb_learn_params fields."""
    out = []
    for r in LearnParams._rows:
        n = r.name + "_" if keyword.iskeyword(r.name) else r.name
        out.append((n, r))
    return out


_TABLE = _ctor_names()
_EXTRA = [("dict_init", None), ("seed", 0), ("device", "pcmo_parca"),
          ("read_circuit", "read_diff_65nm"), ("write", "parca_write"),
          ("array", None)]


class ParcaLearner:
    __doc__ = __doc__

    def __init__(self, **kw):
        names = self._get_param_names()
        for k in kw:
            if k not in names:
                raise TypeError("ParcaLearner() got an unexpected keyword "
                                "argument '%s'" % k)
        for k, v in self._defaults().items():
            setattr(self, k, kw.get(k, v))

    # ---- scikit-learn conventions ----
    @classmethod
    def _defaults(cls):
        d = {n: r.default for n, r in _TABLE}
        d.update(_EXTRA)
        return d

    @classmethod
    def _get_param_names(cls):
        return [n for n, _ in _TABLE] + [n for n, _ in _EXTRA]

    def get_params(self, deep=True):
        """The constructor arguments (deep: no nested estimators here)."""
        return {k: getattr(self, k) for k in self._get_param_names()}

    def set_params(self, **params):
        """Set constructor arguments (checked at the next fit); returns
        self. ValueError for a name that is not one."""
        names = self._get_param_names()
        for k, v in params.items():
            if k not in names:
                raise ValueError("Invalid parameter %r for estimator %s. "
                                 "Valid parameters are: %s."
                                 % (k, type(self).__name__, names))
            setattr(self, k, v)
        return self

    def __repr__(self):
        d = self._defaults()
        chg = ["%s=%r" % (k, v) for k, v in self.get_params().items()
               if not (isinstance(v, type(d[k])) and not
                       isinstance(v, np.ndarray) and v == d[k])]
        return "%s(%s)" % (type(self).__name__, ", ".join(chg))

    def __sklearn_is_fitted__(self):
        return "_learner" in self.__dict__

    def _more_tags(self):
        return {"requires_positive_X": False, "X_types": ["2darray"]}

    # ---- the C learner ----
    def learn_params(self):
        """The constructor's xb_learn_params as a LearnParams, every value
        range-checked by the library (RangeError naming the field)."""
        p = LearnParams()
        for n, r in _TABLE:
            setattr(p, r.name, getattr(self, n))
        return p.check()

    def _setup(self):
        """The fidelity's C objects: (device, read circuit, write params,
        array params), or None for the ideal fidelity."""
        from .device import Device
        from .read import ReadCircuit
        dev = Device.load(_preset(self.device, "device"))
        rc = self.read_circuit
        try:
            if isinstance(rc, str) and lib.xb_read_type_find(rc.encode()):
                read = ReadCircuit(rc)
            else:
                read = ReadCircuit.load(_preset(rc, "read_circuit"))
            w = self.write
            if w is None or isinstance(w, (dict, _params.WriteParams)):
                w = _params.WriteParams.coerce(w)
            else:
                w = _params.WriteParams.load_ini(_preset(w, "write"),
                                                 "write")
            if w is not None:
                w.check()
            a = _params.ArrayParams.coerce(self.array)
            if a is not None:
                a.check()
        except BaseException:
            dev.close()
            raise
        return dev, read, w, a

    def _d0(self, X, dim, atoms):
        """The initial dictionary (dim, atoms) for xb_learner_create, or
        None (the library's own uniform draw)."""
        di = self.dict_init
        if di is None:
            return None
        if isinstance(di, str):
            if di != "patches":
                raise ValueError("dict_init: None, 'patches' or an array, "
                                 "got %r" % di)
            n = X.shape[0]
            idx = [int(lib.xb_rng_uniform(self.seed, _INIT_STREAM, a) * n)
                   for a in range(atoms)]
            return np.ascontiguousarray(X[idx].T)
        D = as_array(di, np.float64, "dict_init", finite=True)
        if D.shape == (atoms, dim):
            D = np.ascontiguousarray(D.T)
        elif D.shape != (dim, atoms):
            raise ValueError("dict_init: shape (%d, %d) needed (atoms, dim), "
                             "got %s" % (atoms, dim, D.shape))
        return D

    def _make(self, X, D0=None):
        """A new C learner for patches of X's width."""
        p = self.learn_params()
        dim = X.shape[1]
        if D0 is None:
            D0 = self._d0(X, dim, p.atoms)
        seed = self.seed
        if not isinstance(seed, (int, np.integer)) or not \
                0 <= seed < 2 ** 64:
            raise ValueError("seed: an integer in [0, 2^64) needed, got %r"
                             % (seed,))
        setup = self._setup() if p.fidelity > 0 else None
        self._free()
        lrn = _Learner(dim, p, D0, int(seed))
        try:
            if setup is not None:
                lrn.attach(*setup)
        except BaseException:
            lrn.close()
            raise
        finally:
            if setup is not None:    # the learner holds them now
                setup[0].close()
                setup[1].close()
        self._learner = lrn
        self._made_with = self.get_params()
        self.n_features_in_ = dim
        self.n_patches_seen_ = 0

    def _free(self):
        lrn = self.__dict__.pop("_learner", None)
        if lrn is not None:
            lrn.close()
        for k in ("n_features_in_", "n_patches_seen_", "_made_with"):
            self.__dict__.pop(k, None)

    def close(self):
        """Free the C learner now (idempotent); the estimator is unfitted
        again."""
        self._free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __getstate__(self):
        if "_learner" in self.__dict__:
            raise TypeError("a fitted ParcaLearner holds C state and cannot "
                            "be copied; clone() it or save components_")
        return dict(self.__dict__)

    @property
    def _h(self):
        lrn = self.__dict__.get("_learner")
        if lrn is None:
            raise _not_fitted(self)
        return lrn._h

    def _X(self, X, name="X"):
        X = as_array(X, np.float64, name, finite=True)
        if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError("%s: a 2-D array (n_patches, dim) with n >= 1 "
                             "needed, got shape %s" % (name, X.shape))
        dim = self.__dict__.get("n_features_in_")
        if dim is not None and X.shape[1] != dim:
            raise ValueError("%s: %d values per patch needed (as fitted), "
                             "got %d" % (name, dim, X.shape[1]))
        return X

    def _train(self, X):
        e = Err()
        check(lib.xb_learner_train(self._h, ptr(X), X.shape[0], None, None,
                                   C.byref(e)), e)
        self.n_patches_seen_ += X.shape[0]

    # ---- estimator API ----
    def fit(self, X, y=None):
        """A new learner (from dict_init), one pass of learning over X."""
        self._free()
        X = self._X(X)
        self._make(X)
        self._train(X)
        return self

    def partial_fit(self, X, y=None):
        """One more pass of learning over X (see the module doc)."""
        if "_learner" not in self.__dict__:
            X = self._X(X)
            self._make(X)
        else:
            X = self._X(X)
            if _changed(self.get_params(), self._made_with):
                seen = self.n_patches_seen_
                self._make(X, D0=self.dictionary_)
                self.n_patches_seen_ = seen
        self._train(X)
        return self

    def transform(self, X):
        """Codes Z (n, atoms) of X with the present dictionary
        (xb_learner_encode through the learner's fidelity)."""
        h = self._h
        X = self._X(X)
        Z = np.empty((X.shape[0], self.atoms_), np.float64)
        e = Err()
        check(lib.xb_learner_encode(h, ptr(X), X.shape[0], ptr(Z),
                                    C.byref(e)), e)
        return Z

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """The reconstruction Z @ components_ (n, dim)."""
        Z = as_array(Z, np.float64, "Z", finite=True)
        if Z.ndim != 2 or Z.shape[1] != self.atoms_:
            raise ValueError("Z: shape (n, %d) needed, got %s"
                             % (self.atoms_, Z.shape))
        return Z @ self.components_

    def evaluate(self, X):
        """Eval(rel_err, psnr, mean_l0) on X (xb_learner_evaluate)."""
        h = self._h
        X = self._X(X)
        out = _EvalC()
        e = Err()
        check(lib.xb_learner_evaluate(h, ptr(X), X.shape[0], C.byref(out),
                                      C.byref(e)), e)
        return Eval(out.rel_err, out.psnr, out.mean_l0)

    def score(self, X, y=None):
        """-rel_err of evaluate(X) (greater is better, as in sklearn)."""
        return -self.evaluate(X).rel_err

    # ---- fitted state (read from C at each access) ----
    @property
    def atoms_(self):
        return _params.LearnParams._from_address(
            lib.xb_learner_params(self._h)).atoms

    @property
    def dictionary_(self):
        """D (dim, atoms), xbar's layout: a copy of xb_learner_dict."""
        h = self._h
        dim, m = lib.xb_learner_dim(h), self.atoms_
        return np.ctypeslib.as_array(lib.xb_learner_dict(h),
                                     shape=(dim, m)).copy()

    @property
    def components_(self):
        """The atoms as rows, (atoms, dim) as in scikit-learn: D^T."""
        return np.ascontiguousarray(self.dictionary_.T)

    @property
    def lipschitz_(self):
        """L = 1.01 max eig(D^T D) of the last encode or training batch."""
        return lib.xb_learner_lipschitz(self._h)

    @property
    def writes_(self):
        w = lib.xb_learner_writes(self._h)
        return Writes(w.patches, w.periods, w.pulses)

    @property
    def learner_params_(self):
        """The LearnParams the C learner runs with."""
        return _params.LearnParams._from_address(
            lib.xb_learner_params(self._h))


def _changed(a, b):
    for k in a:
        x, y = a[k], b.get(k)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
                    and x.shape == y.shape and np.array_equal(x, y)):
                return True
        elif x != y:
            return True
    return False


_NotFitted = []


def _not_fitted(est):
    """NotFittedError: a StateError and, when scikit-learn is installed,
    its sklearn.exceptions.NotFittedError (imported only here)."""
    if not _NotFitted:
        try:
            from sklearn.exceptions import NotFittedError as base
            bases = (base, StateError)
        except ImportError:
            bases = (StateError,)
        _NotFitted.append(type("NotFittedError", bases,
                               {"__module__": __name__}))
    return _NotFitted[0]("%s is not fitted (or was closed): call fit "
                         "first" % type(est).__name__)


def _signature():
    """__init__'s signature from the table: keyword-only arguments with
    the table's defaults, then the set-up arguments (sklearn reads it)."""
    ps = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for n, v in ParcaLearner._defaults().items():
        ps.append(inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY,
                                    default=v))
    return inspect.Signature(ps)


def _keyword_field(pyname):
    """A constructor argument named like a fitted attribute (lambda_),
    stored as _arg_<name>: sklearn takes every `name_` in vars() to mean
    "fitted" (check_is_fitted), so it must not be an instance attribute."""
    key = "_arg_" + pyname

    def get(self):
        return self.__dict__[key]

    def set(self, v):
        self.__dict__[key] = v
    return property(get, set, doc="xb_learn_params.%s (constructor "
                    "argument)" % pyname[:-1])


for _n, _r in _TABLE:
    if _n.endswith("_"):
        setattr(ParcaLearner, _n, _keyword_field(_n))
ParcaLearner.__init__.__signature__ = _signature()
DictionaryLearner = ParcaLearner
