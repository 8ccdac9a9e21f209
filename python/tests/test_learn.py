"""The PARCA learner (xbar.ParcaLearner) and the patch data (xbar.data).

The learner's dictionary, codes, L and evaluation equal bit for bit those
of a direct call sequence on the C API (raw ctypes on libxbar, written
here without the package's classes: a parameter struct filled through the
library's own table, xb_learner_create / attach / train / encode /
evaluate), at ideal, behavioral and circuit fidelity. Then scikit-learn's
conventions, the range errors naming the parameter, input refusal,
lifetimes, and the data module against its closed forms (patches are
p / 255 of the pixels, IDX round trip, the MNIST loader on a small cache).
"""
import copy
import ctypes as C
import inspect
import os

import numpy as np
import pytest

import xbar
from xbar._lib import lib
from xbar.errors import Err


# ---- a direct C call sequence (the reference) ---------------------------

def _set_addr(sym):
    return C.c_void_p(C.addressof(C.c_char.in_dll(lib, sym)))


def _raw_params(sym, size, values, ini=None, section=None):
    """A C parameter struct of set `sym`: defaults, an .ini section, then
    each value as text through xb_param_set_text."""
    buf = (C.c_char * size)()
    s = _set_addr(sym)
    lib.xb_param_defaults(s, buf)
    e = Err()
    if ini:
        assert lib.xb_param_read(s, buf, ini.encode(), section.encode(),
                                 C.byref(e)) == 0, e.msg
    for k, v in values.items():
        assert lib.xb_param_set_text(s, buf, k.encode(), repr(v).encode(),
                                     None, 0, C.byref(e)) == 0, e.msg
    return buf


def _c_run(X_train, X_test, values, seed, D0=None, hw=None, passes=1):
    """Dictionary, codes, L, eval of a C learner trained on X_train
    (`passes` calls of xb_learner_train), codes and eval on X_test."""
    p = _raw_params("xb_learn_param_set", C.sizeof(xbar.LearnParams._Struct),
                    values)
    dim = X_train.shape[1]
    e = Err()
    l = lib.xb_learner_create(dim, p, None if D0 is None else
                              D0.ctypes.data, seed, C.byref(e))
    assert l, e.msg
    dev = rd = None
    try:
        if hw is not None:
            dev = lib.xb_device_load(hw["device"].encode(), C.byref(e))
            rd = lib.xb_read_load(hw["read"].encode(), C.byref(e))
            w = _raw_params("xb_write_param_set",
                            C.sizeof(xbar.WriteParams._Struct), {},
                            hw["write"], "write")
            assert dev and rd
            assert lib.xb_learner_attach(l, dev, rd, w, None,
                                         C.byref(e)) == 0, e.msg
        for _ in range(passes):
            assert lib.xb_learner_train(l, X_train.ctypes.data,
                                        X_train.shape[0], None, None,
                                        C.byref(e)) == 0, e.msg
        m = values["atoms"]
        D = np.ctypeslib.as_array(lib.xb_learner_dict(l),
                                  shape=(dim, m)).copy()
        Z = np.empty((X_test.shape[0], m))
        assert lib.xb_learner_encode(l, X_test.ctypes.data, X_test.shape[0],
                                     Z.ctypes.data, C.byref(e)) == 0, e.msg
        L = lib.xb_learner_lipschitz(l)
        ev = (C.c_double * 3)()
        assert lib.xb_learner_evaluate(l, X_test.ctypes.data,
                                       X_test.shape[0], ev, C.byref(e)) == 0
        return D, Z, L, tuple(ev)
    finally:
        lib.xb_learner_free(l)
        if rd:
            lib.xb_read_free(rd)
        if dev:
            lib.xb_device_free(dev)


def _py_run(est, X_train, X_test, passes=1):
    est.fit(X_train)
    for _ in range(passes - 1):
        est.partial_fit(X_train)
    D = est.components_.T
    Z = est.transform(X_test)
    L = est.lipschitz_
    ev = tuple(est.evaluate(X_test))
    return D, Z, L, ev


def _same(a, b):
    """Bit for bit: arrays equal as bytes, floats as floats."""
    Da, Za, La, ea = a
    Db, Zb, Lb, eb = b
    assert Da.shape == Db.shape and Za.shape == Zb.shape
    assert Da.tobytes() == Db.tobytes()
    assert Za.tobytes() == Zb.tobytes()
    assert La.hex() == Lb.hex()
    assert [v.hex() for v in ea] == [v.hex() for v in eb]


@pytest.fixture(scope="module")
def task():
    """A small synthetic task (xb_synth_create): 10 x 10 patches."""
    s = xbar.synth(n=700, atoms=30, seed=7)
    assert s.x.shape == (700, 100) and s.d.shape == (100, 30)
    return s


@pytest.fixture(scope="module")
def hw(src):
    m = os.path.join(src, "models")
    return {"device": os.path.join(m, "pcmo_parca.ini"),
            "read": os.path.join(m, "read_diff_65nm.ini"),
            "write": os.path.join(m, "parca_write.ini")}


def _init_from_patches(X, atoms, seed):
    """parca_demo.c's initial dictionary, as its C loop builds it."""
    n, dim = X.shape
    D0 = np.empty(dim * atoms)
    for a in range(atoms):
        p = int(lib.xb_rng_uniform(seed, 0xd0, a) * n)
        for k in range(dim):
            D0[k * atoms + a] = X[p, k]
    return D0.reshape(dim, atoms)


# ---- equal to the C library, bit for bit --------------------------------

@pytest.mark.parametrize("fista,batch,passes", [(1, 64, 1), (0, 50, 2)])
def test_ideal_equals_c(task, fista, batch, passes):
    X, T = task.x[:500], task.x[500:600]
    v = dict(atoms=24, iters=30, fista=fista, batch=batch, eta=0.05,
             power_iters=20)
    ref = _c_run(X, T, v, seed=11, passes=passes)
    with xbar.ParcaLearner(seed=11, **v) as est:
        _same(_py_run(est, X, T, passes), ref)
        assert est.n_patches_seen_ == passes * 500
        # the library's uniform draw in [0, 1) was the start, and the
        # dictionary moved from it
        assert est.components_.shape == (24, 100)
    # lambda is lambda_ in Python and reaches the C struct
    v2 = dict(v, **{"lambda": 0.3})
    ref2 = _c_run(X, T, v2, seed=11)
    with xbar.ParcaLearner(seed=11, lambda_=0.3, **v) as est:
        got = _py_run(est, X, T)
        assert est.learner_params_.lambda_ == 0.3
    _same(got, ref2)
    assert got[1].tobytes() != ref[1].tobytes()


def test_dict_init_patches_and_array_equal_c(task):
    X, T = task.x[:300], task.x[600:]
    v = dict(atoms=20, iters=25, fista=1, batch=64, eta=0.08)
    D0 = _init_from_patches(X, 20, 3)
    ref = _c_run(X, T, v, seed=3, D0=D0)
    with xbar.ParcaLearner(seed=3, dict_init="patches", **v) as est:
        _same(_py_run(est, X, T), ref)
    # an array like components_ (atoms, dim), or xbar's (dim, atoms)
    for init in (D0.T, D0, np.asfortranarray(D0.T)):
        with xbar.ParcaLearner(seed=3, dict_init=init, **v) as est:
            _same(_py_run(est, X, T), ref)


def test_behavioral_equals_c(task, hw):
    X, T = task.x[:96], task.x[600:640]
    v = dict(atoms=16, iters=8, batch=32, fidelity=1, eta=0.03,
             **{"lambda": 0.2})
    D0 = _init_from_patches(X, 16, 5)
    ref = _c_run(X, T, v, seed=5, D0=D0, hw=hw)
    args = {k: v[k] for k in v if k != "lambda"}
    with xbar.ParcaLearner(seed=5, dict_init="patches", lambda_=0.2,
                           device=hw["device"], read_circuit=hw["read"],
                           write=hw["write"], **args) as est:
        got = _py_run(est, X, T)
        w = est.writes_
    _same(got, ref)
    # the overlap write: reps = 4 periods per patch, no r pulses
    assert w == (96, 4 * 96, 0)
    # the presets by name are the same files
    with xbar.ParcaLearner(seed=5, dict_init="patches", lambda_=0.2,
                           **args) as est:
        _same(_py_run(est, X, T), ref)


def test_circuit_equals_c(task, hw):
    X, T = task.x[:8], task.x[600:604]
    v = dict(atoms=8, iters=3, batch=4, fidelity=2, power_iters=5)
    ref = _c_run(X, T, v, seed=9, hw=hw)
    with xbar.ParcaLearner(seed=9, **v) as est:
        got = _py_run(est, X, T)
        assert est.writes_.patches == 8
    _same(got, ref)


def test_partial_fit_after_set_params_starts_from_present_dict(task):
    X = task.x[:256]
    v = dict(atoms=12, iters=20, batch=64)
    est = xbar.ParcaLearner(seed=2, **v).fit(X)
    D1 = est.components_
    est.set_params(eta=0.2)
    est.partial_fit(X)
    assert est.n_patches_seen_ == 512
    ref = xbar.ParcaLearner(seed=2, dict_init=D1, eta=0.2, **v).fit(X)
    assert est.components_.tobytes() == ref.components_.tobytes()
    # without a change partial_fit continues the same C learner
    a = xbar.ParcaLearner(seed=2, **v).fit(X)
    a.partial_fit(X)
    D = _c_run(X, X[:4], dict(v), seed=2, passes=2)[0]
    assert a.components_.T.tobytes() == D.tobytes()


def test_evaluate_matches_reconstruction(task):
    X, T = task.x[:400], task.x[400:]
    with xbar.ParcaLearner(atoms=30, iters=40, fista=1, eta=0.05, batch=100,
                           seed=1).fit(X) as est:
        Z = est.transform(T)
        ev = est.evaluate(T)
        R = T - est.inverse_transform(Z)
        assert ev.rel_err == pytest.approx(
            np.linalg.norm(R) / np.linalg.norm(T), rel=1e-12)
        assert ev.mean_l0 == np.count_nonzero(Z) / len(T)
        assert est.score(T) == -ev.rel_err
        assert Z.min() >= 0 and 0 < ev.mean_l0 < 30
        C_ = est.components_
        assert C_.shape == (30, 100) and C_.min() >= 0 and C_.max() <= 1
        assert np.array_equal(est.dictionary_, C_.T)


# ---- fidelity 1 and 2 run on a small case -------------------------------

@pytest.mark.parametrize("fidelity,n", [(1, 128), (2, 6)])
def test_array_fidelities_run(task, fidelity, n):
    X, T = task.x[:n], task.x[600:620]
    # eta large enough that a few quantized writes move cells a level
    with xbar.ParcaLearner(atoms=10, iters=6, batch=min(n, 64), eta=0.3,
                           fidelity=fidelity, seed=4,
                           dict_init="patches") as est:
        est.partial_fit(X[:1])
        before = est.components_
        est.partial_fit(X[1:])
        Z = est.transform(T)
        ev = est.evaluate(T)
        assert est.writes_.patches == n
        assert Z.shape == (20, 10) and Z.min() >= 0 and np.all(np.isfinite(Z))
        assert 0 < ev.rel_err < 1.5 and ev.mean_l0 > 0
        D = est.components_
        assert D.min() >= 0 and D.max() <= 1
        assert not np.array_equal(D, before)        # the writes moved it


# ---- scikit-learn conventions ------------------------------------------

def test_signature_is_the_table():
    sig = inspect.signature(xbar.ParcaLearner)
    names = list(sig.parameters)
    rows = xbar.LearnParams._rows
    table = [("lambda_" if r.name == "lambda" else r.name) for r in rows]
    assert names[:len(rows)] == table
    assert [sig.parameters[n].default for n in table] == \
        [r.default for r in rows]
    assert names[len(rows):] == ["dict_init", "seed", "device",
                                 "read_circuit", "write", "array"]
    est = xbar.ParcaLearner()
    assert est.learn_params() == xbar.LearnParams()     # same defaults


def test_sklearn_clone_and_params():
    from sklearn.base import clone
    from sklearn.utils.validation import check_is_fitted
    from sklearn.exceptions import NotFittedError
    est = xbar.ParcaLearner(atoms=7, lambda_=0.25, fidelity=1,
                            dict_init=np.full((7, 4), 0.5), seed=3,
                            write={"reps": 2})
    p = est.get_params()
    assert p["atoms"] == 7 and p["lambda_"] == 0.25 and p["seed"] == 3
    c = clone(est)
    assert c is not est and type(c) is xbar.ParcaLearner
    q = c.get_params()
    assert q.keys() == p.keys()
    for k in p:
        if isinstance(p[k], np.ndarray):
            assert np.array_equal(p[k], q[k]) and q[k] is not p[k]
        else:
            assert q[k] == p[k]
    # set_params / get_params round trip, returns self
    assert est.set_params(**c.get_params()) is est
    est2 = xbar.ParcaLearner().set_params(iters=9, eta=0.5)
    assert est2.get_params()["iters"] == 9 and est2.eta == 0.5
    with pytest.raises(ValueError, match="nope"):
        est2.set_params(nope=1)
    with pytest.raises(TypeError):
        xbar.ParcaLearner(nope=1)
    # not fitted: sklearn's own check and ours
    with pytest.raises(NotFittedError):
        check_is_fitted(est2)
    with pytest.raises(NotFittedError):
        est2.transform(np.zeros((2, 4)))
    with pytest.raises(xbar.StateError):
        est2.components_
    X = np.random.default_rng(0).random((40, 4))
    f = xbar.ParcaLearner(atoms=3, iters=5, batch=8).fit(X)
    check_is_fitted(f)
    assert f.fit_transform(X).tobytes() == f.transform(X).tobytes()
    # cloning a fitted estimator gives an unfitted one with the same params
    g = clone(f)
    with pytest.raises(NotFittedError):
        check_is_fitted(g)
    assert g.get_params() == f.get_params()
    assert "atoms=3" in repr(f)


def test_sklearn_pipeline_and_grid_search():
    from sklearn.model_selection import GridSearchCV
    X = xbar.synth(n=300, atoms=10, seed=2).x
    gs = GridSearchCV(xbar.ParcaLearner(atoms=10, iters=20, batch=50,
                                        seed=1),
                      {"eta": [0.0, 0.05]}, cv=3)
    gs.fit(X)
    assert gs.best_params_ == {"eta": 0.05}     # learning beats none
    assert gs.best_score_ < 0


def test_no_work_in_init_and_checks_at_fit():
    est = xbar.ParcaLearner(atoms=0, fidelity=7, device="/no/such.ini")
    assert est.atoms == 0 and "_learner" not in vars(est)
    X = np.random.default_rng(1).random((10, 9))
    with pytest.raises(xbar.RangeError) as ei:
        est.fit(X)
    assert ei.value.param == "atoms" and ei.value.range == (1, 4096)
    assert "atoms" in str(ei.value) and "4096" in str(ei.value)


@pytest.mark.parametrize("kw,param,rng", [
    ({"lambda_": -1.0}, "lambda", (0.0, 1e6)),
    ({"fidelity": 3}, "fidelity", (0, 2)),
    ({"batch": 0}, "batch", (1, 1048576)),
    ({"eta": float("nan")}, "eta", None),
    ({"fidelity": 1, "write": {"reps": 0}}, "reps", None),
])
def test_bad_parameter_names_it(kw, param, rng):
    X = np.random.default_rng(1).random((10, 9))
    with pytest.raises(xbar.XbarError) as ei:
        xbar.ParcaLearner(atoms=3, **kw).fit(X)
    assert isinstance(ei.value, ValueError)
    assert ei.value.param == param and param in str(ei.value)
    if rng is not None:
        assert isinstance(ei.value, xbar.RangeError)
        assert ei.value.range == rng


def test_bad_inputs_refused():
    X = np.random.default_rng(1).random((10, 9))
    est = xbar.ParcaLearner(atoms=3, iters=4, batch=4)
    for bad in (X[0], np.zeros((0, 9)), X[None]):
        with pytest.raises(ValueError):
            est.fit(bad)
    Xn = X.copy()
    Xn[2, 3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        est.fit(Xn)
    with pytest.raises(TypeError):
        est.fit(np.array([["a"] * 9] * 3))
    with pytest.raises(ValueError, match="dict_init"):
        xbar.ParcaLearner(atoms=3, dict_init=np.zeros((2, 2))).fit(X)
    with pytest.raises(xbar.RangeError) as ei:      # the library's D0 check
        xbar.ParcaLearner(atoms=3, dict_init=np.full((3, 9), 2.0)).fit(X)
    assert ei.value.param == "D0"
    with pytest.raises(ValueError, match="seed"):
        xbar.ParcaLearner(atoms=3, seed=-1).fit(X)
    with pytest.raises(FileNotFoundError):
        xbar.ParcaLearner(atoms=3, fidelity=1, device="no_such").fit(X)
    est.fit(X)
    with pytest.raises(ValueError, match="9 values"):
        est.transform(np.zeros((2, 8)))
    with pytest.raises(ValueError):
        est.inverse_transform(np.zeros((2, 4)))
    # converted, not refused: float32, Fortran order, lists, int pixels
    Z = est.transform(X)
    assert est.transform(np.asfortranarray(X.astype(np.float32))).shape == \
        Z.shape
    assert est.transform(X.tolist()).tobytes() == Z.tobytes()
    assert est.transform(X[:, ::1].copy(order="F")).tobytes() == Z.tobytes()


def test_lifetime_close_with_and_copy():
    X = np.random.default_rng(3).random((20, 9))
    with xbar.ParcaLearner(atoms=3, iters=4, batch=8).fit(X) as est:
        with pytest.raises(TypeError, match="clone"):
            copy.deepcopy(est)
        assert est.transform(X).shape == (20, 3)
    with pytest.raises(xbar.StateError):
        est.transform(X)
    est.close()                               # idempotent
    est.fit(X)                                # fit again after close
    assert est.components_.shape == (3, 9)
    u = copy.deepcopy(xbar.ParcaLearner(atoms=5))   # unfitted: plain data
    assert u.atoms == 5
    # the learner keeps its device and read circuit alive; many cycles
    # leave nothing behind (each close frees the C learner at once)
    for _ in range(30):
        e = xbar.ParcaLearner(atoms=2, iters=2, batch=4, fidelity=1)
        e.fit(X[:4])
        e.close()


# ---- patches and MNIST from the library --------------------------------

def test_patches_are_pixels_over_255():
    rng = np.random.default_rng(5)
    im = rng.integers(0, 256, size=(3, 12, 14), dtype=np.uint8)
    ps = xbar.patches(im, 1, 3, size=4, stride=3, min_sum=0.0)
    # dense: images 1, 2; rows 0, 3, 6; cols 0, 3, 6, 9
    assert ps.side == 4 and ps.x.shape == (2 * 3 * 4, 16)
    k = 0
    for i in (1, 2):
        for r in (0, 3, 6):
            for c in (0, 3, 6, 9):
                assert ps.x[k].tobytes() == \
                    (im[i, r:r + 4, c:c + 4].ravel() / 255.0).tobytes()
                o = ps.origin[k]
                assert (o["image"], o["row"], o["col"], o["label"]) == \
                    (i, r, c, -1)
                k += 1
    # random positions: patch k does not depend on how many are drawn
    a = xbar.patches(im, 0, 3, count=50, size=5, seed=9)
    b = xbar.patches(im, 0, 3, count=20, size=5, seed=9)
    assert a.x[:20].tobytes() == b.x.tobytes()
    assert np.all(a.x.sum(1) >= 1.0)           # min_sum 1.0
    with pytest.raises(xbar.RangeError) as ei:
        xbar.patches(im, 2, 2)
    assert ei.value.param in ("first", "last")
    with pytest.raises(xbar.RangeError) as ei:
        xbar.patches(im, 0, 3, size=0)
    assert ei.value.param == "size"
    with pytest.raises(ValueError):
        xbar.patches(im[0], 0, 1)


def test_idx_and_mnist_loader(tmp_path):
    rng = np.random.default_rng(6)
    pix = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    lab = np.array([3, 1, 4, 1, 5], np.uint8)
    xbar.idx_write(tmp_path / xbar.MNIST_IMAGES, pix)
    xbar.idx_write(tmp_path / xbar.MNIST_LABELS, lab)
    assert np.array_equal(xbar.idx_read(tmp_path / xbar.MNIST_IMAGES, 3), pix)
    with pytest.raises(xbar.SyntaxError_):       # wrong dimension count
        xbar.idx_read(tmp_path / xbar.MNIST_IMAGES, 2)
    with xbar.mnist_load(tmp_path) as im:
        assert (im.n, im.rows, im.cols) == (5, 28, 28)
        assert np.array_equal(im.pixels(), pix)
        assert np.array_equal(im.labels(), lab)
        ps = xbar.patches(im, 0, 5, count=30, seed=1)
        assert ps.x.shape == (30, 100)
        # the same patches from the pixels as a numpy array (no labels)
        qs = xbar.patches(pix, 0, 5, count=30, seed=1)
        assert ps.x.tobytes() == qs.x.tobytes()
        assert np.array_equal(ps.origin["label"], lab[ps.origin["image"]])
        for k in range(30):
            i, r, c = ps.origin[k][["image", "row", "col"]]
            want = pix[i, r:r + 10, c:c + 10].ravel() / 255.0
            assert ps.x[k].tobytes() == want.tobytes()
    with pytest.raises(xbar.IOError_, match="fetch-mnist"):
        xbar.mnist_load(tmp_path / "empty")
    bad = np.full((2, 28, 28), 7, np.uint8)
    xbar.idx_write(tmp_path / xbar.MNIST_IMAGES, bad)
    with pytest.raises(xbar.SizeError):          # 2 images, 5 labels
        xbar.mnist_load(tmp_path)


def test_mnist_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XBAR_CACHE", str(tmp_path))
    assert xbar.mnist_cache_dir() == str(tmp_path)
    monkeypatch.delenv("XBAR_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", "/x/y")
    assert xbar.mnist_cache_dir() == "/x/y/xbar"


def test_synth_equals_its_definition():
    s = xbar.synth(n=50, atoms=12, k=3, sigma=0.0, seed=4)
    assert np.all(np.count_nonzero(s.z, axis=1) == 3)
    assert np.allclose(np.linalg.norm(s.d, axis=0), 1.0, rtol=1e-12)
    assert np.allclose(s.x, np.clip(s.z @ s.d.T, 0, 1), rtol=0, atol=1e-12)
    assert xbar.synth(n=50, atoms=12, seed=4).x[:10].tobytes() == \
        xbar.synth(n=10, atoms=12, seed=4).x.tobytes()
    with pytest.raises(xbar.RangeError) as ei:
        xbar.synth(atoms=2, k=3)
    assert ei.value.param == "k"


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_no_leak_over_create_fit_close_cycles():
    """10,000 learners made, fitted, used and freed (close, with, the
    finalizer, a failing fit), 500 of them attached to an array: RSS grows
    by less than 5 MB."""
    import gc
    X = np.random.default_rng(8).random((6, 9))

    def cycle(k):
        fid = 1 if k % 20 == 0 else 0
        est = xbar.ParcaLearner(atoms=3, iters=2, batch=3, power_iters=2,
                                fidelity=fid, seed=k)
        if k % 4 == 0:
            with est.fit(X):
                est.transform(X[:2])
        elif k % 4 == 1:
            est.fit(X).evaluate(X)
            est.close()
        elif k % 4 == 2:
            est.partial_fit(X)           # freed by the finalizer
        else:
            with pytest.raises(xbar.RangeError):
                est.set_params(dict_init=np.full((3, 9), 3.0)).fit(X)

    for k in range(300):
        cycle(k)
    gc.collect()
    r0 = _rss()
    for k in range(10000):
        cycle(k)
    gc.collect()
    assert _rss() - r0 < 5 << 20
