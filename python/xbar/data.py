"""Data for the PARCA learner: MNIST digits, patches, the synthetic task
(xbar/data.h), from the library itself, so Python users learn on the same
patches as the C demo (experiments/parca_demo.c) bit for bit.

    im = xbar.mnist_load()                      # the cached 10,000 digits
    tr = xbar.patches(im, 0, 8000, count=20000, seed=1)
    te = xbar.patches(im, 8000, 10000, count=2000, seed=2)
    tr.x                                # (20000, 100) float64 in [0, 1]
    tr.origin["image"], tr.origin["label"]      # where each patch came from
    s = xbar.synth(xbar.SynthParams(n=5000), seed=1)   # s.x, s.d, s.z

Everything the library allocates is copied into numpy arrays and freed
before the function returns (Images, which keeps the C set of
xb_mnist_load / xb_images_load, is the one handle: close() / with / the
finalizer free it). numpy images (n, rows, cols) of uint8 work wherever an
Images does: the library reads a caller-filled xb_images. Nothing is
recomputed in Python: the patch positions, the pixel scaling p / 255 and
the min_sum filter are xb_patches_create's, the synthetic task
xb_synth_create's.

The library never downloads: without the MNIST cache (scripts/fetch-mnist.sh;
xbar.mnist_cache_dir() says where it is looked for) mnist_load raises
IOError_ (an OSError) whose message says to run the script.
"""
import ctypes as C
import os
from collections import namedtuple

import numpy as np

from ._lib import lib, declare, libc_free
from ._handle import Owned
from ._arrays import as_array
from .errors import Err, check, raise_err
from . import params as _params

__all__ = ["Images", "Patches", "Synth", "mnist_load", "mnist_cache_dir",
           "images_load", "patches", "synth", "idx_read", "idx_write",
           "MNIST_IMAGES", "MNIST_LABELS"]

_P, _I, _Z, _U64, _S = C.c_void_p, C.c_int, C.c_size_t, C.c_uint64, C.c_char_p
declare("xb_idx_read", _I, [_S, _I, _P, _P, _P])
declare("xb_idx_write", _I, [_S, _I, _P, _P, _P])
declare("xb_images_load", _P, [_S, _S, _P])
declare("xb_images_free", None, [_P])
declare("xb_mnist_cache_dir", _I, [_P, _Z, _P])
declare("xb_mnist_load", _P, [_S, _P])
declare("xb_patches_create", _P, [_P, _Z, _Z, _P, _U64, _P])
declare("xb_patches_free", None, [_P])
declare("xb_synth_create", _P, [_P, _U64, _P])
declare("xb_synth_free", None, [_P])

# File names of the MNIST cache (XB_MNIST_IMAGES / XB_MNIST_LABELS).
MNIST_IMAGES = "mnist-digits-images.idx3-ubyte"
MNIST_LABELS = "mnist-digits-labels.idx1-ubyte"
_IDX_MAX_DIMS = 8


class _ImagesC(C.Structure):
    """struct xb_images."""
    _fields_ = [("n", C.c_size_t), ("rows", C.c_size_t),
                ("cols", C.c_size_t), ("pix", C.POINTER(C.c_ubyte)),
                ("labels", C.POINTER(C.c_ubyte))]


class _OriginC(C.Structure):
    """struct xb_patch_origin."""
    _fields_ = [("image", C.c_size_t), ("row", C.c_int), ("col", C.c_int),
                ("label", C.c_int)]


class _PatchesC(C.Structure):
    """struct xb_patches."""
    _fields_ = [("n", C.c_size_t), ("dim", C.c_size_t),
                ("side", C.c_size_t), ("x", C.POINTER(C.c_double)),
                ("origin", C.POINTER(_OriginC))]


class _SynthC(C.Structure):
    """struct xb_synth."""
    _fields_ = [("patches", C.POINTER(_PatchesC)), ("atoms", C.c_size_t),
                ("d", C.POINTER(C.c_double)), ("z", C.POINTER(C.c_double))]


# numpy twin of xb_patch_origin (same offsets: copied as bytes)
ORIGIN_DTYPE = np.dtype({"names": ["image", "row", "col", "label"],
                         "formats": [np.uintp, np.intc, np.intc, np.intc],
                         "offsets": [_OriginC.image.offset,
                                     _OriginC.row.offset,
                                     _OriginC.col.offset,
                                     _OriginC.label.offset],
                         "itemsize": C.sizeof(_OriginC)})

Patches = namedtuple("Patches", "x origin side")
Patches.__doc__ = """Patches from xb_patches_create: x (n, side*side)
float64, row-major pixels in [0, 1]; origin a structured array (image, row,
col, label) or None (synthetic patches); side the patch side in pixels."""

Synth = namedtuple("Synth", "x d z side")
Synth.__doc__ = """A synthetic task from xb_synth_create: x (n, dim)
patches, d the true dictionary D_true (dim, atoms) in xbar's layout, z the
true codes (n, atoms), side the patch side."""


def _copy(p, n, dtype):
    """A numpy copy of n elements at ctypes pointer p."""
    if n == 0:
        return np.empty(0, dtype)
    return np.ctypeslib.as_array(p, shape=(n,)).astype(dtype, copy=True)


class Images(Owned):
    """A set of grey-level images held by the library (xb_images from
    xb_mnist_load / xb_images_load; free with close() or `with`).

    n, rows, cols; pixels() a (n, rows, cols) uint8 copy; labels() a (n,)
    uint8 copy or None."""

    @classmethod
    def _wrap(cls, h, e):
        im = cls.__new__(cls)
        im._take(h, e, lib.xb_images_free)
        return im

    @property
    def _s(self):
        return _ImagesC.from_address(self._h)

    def __len__(self):
        return self._s.n

    @property
    def n(self):
        return self._s.n

    @property
    def rows(self):
        return self._s.rows

    @property
    def cols(self):
        return self._s.cols

    def pixels(self):
        s = self._s
        return _copy(s.pix, s.n * s.rows * s.cols, np.uint8).reshape(
            s.n, s.rows, s.cols)

    def labels(self):
        s = self._s
        return None if not s.labels else _copy(s.labels, s.n, np.uint8)

    def __repr__(self):
        if self.closed:
            return "Images(closed)"
        return "Images(n=%d, rows=%d, cols=%d)" % (self.n, self.rows,
                                                   self.cols)


def mnist_cache_dir():
    """The directory xb_mnist_load reads by default ($XBAR_CACHE, else
    $XDG_CACHE_HOME/xbar, else $HOME/.cache/xbar)."""
    e = Err()
    buf = C.create_string_buffer(4096)
    check(lib.xb_mnist_cache_dir(buf, len(buf), C.byref(e)), e)
    return buf.value.decode()


def mnist_load(dir=None):
    """The cached MNIST digits (10,000 images of 28 x 28, labels 0..9,
    stratified order: train [0, 8000), held-out [8000, 10000)) from `dir`
    (None: mnist_cache_dir()). IOError_ when the cache is absent."""
    e = Err()
    d = None if dir is None else os.fsencode(dir)
    return Images._wrap(lib.xb_mnist_load(d, C.byref(e)), e)


def images_load(images_path, labels_path=None):
    """An idx3 image file and optionally its idx1 labels (xb_images_load)."""
    e = Err()
    lp = None if labels_path is None else os.fsencode(labels_path)
    return Images._wrap(lib.xb_images_load(os.fsencode(images_path), lp,
                                           C.byref(e)), e)


def _images_arg(images):
    """(pointer to an xb_images, objects to keep alive) for an Images or a
    (n, rows, cols) uint8-valued array."""
    if isinstance(images, Images):
        return C.c_void_p(images._h), (images,)
    a = np.asarray(images)
    if a.ndim != 3:
        raise ValueError("images: an Images or an (n, rows, cols) array "
                         "needed, got shape %s" % (a.shape,))
    if a.dtype != np.uint8:
        if a.dtype.kind not in "iuf" or a.size and (
                a.min() < 0 or a.max() > 255 or np.any(a != np.round(a))):
            raise ValueError("images: grey levels 0..255 needed")
    pix = as_array(a, np.uint8, "images")
    s = _ImagesC(pix.shape[0], pix.shape[1], pix.shape[2],
                 pix.ctypes.data_as(C.POINTER(C.c_ubyte)), None)
    return C.byref(s), (s, pix)


def _take_patches(ps, with_origin=True):
    """numpy copies of an xb_patches* (not freed here)."""
    s = ps.contents
    x = _copy(s.x, s.n * s.dim, np.float64).reshape(s.n, s.dim)
    origin = None
    if with_origin and s.origin:
        raw = C.string_at(s.origin, s.n * C.sizeof(_OriginC))
        origin = np.frombuffer(raw, dtype=ORIGIN_DTYPE).copy()
    return x, origin, s.side


def patches(images, first=0, last=None, params=None, seed=0, **kw):
    """Patches cut from images [first, last) (xb_patches_create): params a
    PatchParams or dict (None: defaults: 10 x 10, dense stride 1, min_sum
    1.0) updated by keyword arguments (size=, stride=, count=, min_sum=).
    count > 0 draws that many patches at random positions from `seed`
    (patch k from Philox stream (seed, tag | k)). Returns Patches(x,
    origin, side)."""
    p = _params.PatchParams.coerce(params)
    p = _params.PatchParams() if p is None else p.copy()
    for k, v in kw.items():
        setattr(p, k, v)
    ptr_, keep = _images_arg(images)
    n = images.n if isinstance(images, Images) else keep[0].n
    if last is None:
        last = n
    if first < 0 or last < 0:
        raise ValueError("first, last: image indices >= 0 needed")
    e = Err()
    h = lib.xb_patches_create(ptr_, first, last, p._ptr(), seed, C.byref(e))
    del keep
    if not h:
        raise_err(e.code, e)
    try:
        x, origin, side = _take_patches(C.cast(h, C.POINTER(_PatchesC)))
    finally:
        lib.xb_patches_free(h)
    return Patches(x, origin, side)


def synth(params=None, seed=0, **kw):
    """The synthetic ground-truth task (xb_synth_create): params a
    SynthParams or dict (None: defaults) updated by keyword arguments.
    Returns Synth(x, d, z, side)."""
    p = _params.SynthParams.coerce(params)
    p = _params.SynthParams() if p is None else p.copy()
    for k, v in kw.items():
        setattr(p, k, v)
    e = Err()
    h = lib.xb_synth_create(p._ptr(), seed, C.byref(e))
    if not h:
        raise_err(e.code, e)
    try:
        s = C.cast(h, C.POINTER(_SynthC)).contents
        x, _, side = _take_patches(s.patches, with_origin=False)
        dim = x.shape[1]
        d = _copy(s.d, dim * s.atoms, np.float64).reshape(dim, s.atoms)
        z = _copy(s.z, x.shape[0] * s.atoms, np.float64).reshape(
            x.shape[0], s.atoms)
    finally:
        lib.xb_synth_free(h)
    return Synth(x, d, z, side)


def idx_read(path, ndims):
    """An unsigned-byte IDX file of exactly `ndims` dimensions
    (xb_idx_read) as a uint8 array of that shape."""
    if not 1 <= ndims <= _IDX_MAX_DIMS:
        raise ValueError("ndims: 1..%d" % _IDX_MAX_DIMS)
    e = Err()
    dims = (C.c_size_t * ndims)()
    data = C.POINTER(C.c_ubyte)()
    check(lib.xb_idx_read(os.fsencode(path), ndims, dims, C.byref(data),
                          C.byref(e)), e)
    try:
        shape = tuple(dims)
        out = _copy(data, int(np.prod(shape)), np.uint8).reshape(shape)
    finally:
        libc_free(C.cast(data, C.c_void_p))
    return out


def idx_write(path, data):
    """Write a uint8-valued array as an unsigned-byte IDX file
    (xb_idx_write; atomic: a temporary file renamed over `path`)."""
    a = np.asarray(data)
    if a.dtype != np.uint8 and (a.dtype.kind not in "iu" or a.size and (
            a.min() < 0 or a.max() > 255)):
        raise ValueError("data: bytes 0..255 needed")
    a = as_array(a, np.uint8, "data")
    if not 1 <= a.ndim <= _IDX_MAX_DIMS:
        raise ValueError("data: 1..%d dimensions" % _IDX_MAX_DIMS)
    dims = (C.c_size_t * a.ndim)(*a.shape)
    e = Err()
    check(lib.xb_idx_write(os.fsencode(path), a.ndim, dims,
                           a.ctypes.data_as(C.c_void_p), C.byref(e)), e)
