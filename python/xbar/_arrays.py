"""numpy arrays in and out of C.

Inputs are converted with np.ascontiguousarray to the C element type (a
copy only when the dtype, byte order or layout differ), checked for shape
and refused with ValueError/TypeError before any C call: a wrong input
never reaches the library. The caller keeps the converted array in a local
variable for the duration of the C call; ptr() is its address.
"""
import ctypes as C

import numpy as np

__all__ = ["as_array", "ptr", "out"]


def as_array(x, dtype, name, shape=None, size=None, finite=False):
    """x as a C-contiguous array of dtype. shape: exact shape (a tuple; a
    1-D `size` also accepts any array of that many elements when
    shape is None). TypeError for non-numeric input, ValueError for a bad
    shape or (finite=True) NaN/inf."""
    dt = np.dtype(dtype)
    try:
        src = np.asarray(x)
    except Exception as e:
        raise TypeError("%s: not an array: %s" % (name, e)) from None
    if src.dtype.kind not in "biuf":
        raise TypeError("%s: numbers needed, got dtype %s"
                        % (name, src.dtype))
    if dt.kind in "iu" and src.dtype.kind == "f":
        if not np.all(np.isfinite(src)) or np.any(src != np.round(src)):
            raise TypeError("%s: whole numbers needed (%s), got %s values"
                            % (name, dt.name, src.dtype))
    a = np.ascontiguousarray(src, dtype=dt)
    if src.ndim == 0:
        a = a.reshape(())      # ascontiguousarray makes 0-d 1-d
    if shape is not None:
        if a.shape != tuple(shape):
            raise ValueError("%s: shape %s needed, got %s"
                             % (name, tuple(shape), a.shape))
    elif size is not None:
        if a.ndim > 1 or a.size != size:
            raise ValueError("%s: %d values needed, got shape %s"
                             % (name, size, a.shape))
        a = a.reshape(size)
    if finite and dt.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError("%s: values must be finite" % name)
    return a


def ptr(a):
    """Address of a contiguous numpy array's data (None for None)."""
    if a is None:
        return None
    return C.c_void_p(a.ctypes.data)


def out(shape, dtype=np.float64):
    """A new output array."""
    return np.empty(shape, dtype=dtype)
